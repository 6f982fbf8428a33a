"""Running the Telegram channel inside the app: long polling, or a webhook in production."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, TelegramError

from bot.telegram.channel import TelegramApp, TelegramChannel
from covoice.settings import Settings

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def start_telegram(channel: TelegramChannel, settings: Settings) -> TelegramApp | None:
    """Start taking updates; None when no token is set or Telegram cannot be reached.

    With ``telegram_webhook_url`` set, Telegram is asked to post updates to
    the app (see ``accept_update``); otherwise the app polls. The app goes on
    without Telegram rather than failing: the kiosk and the API still work,
    and the log says why Telegram does not.
    """
    token = settings.telegram_bot_token.get_secret_value()
    if not token:
        return None
    application = channel.build(token, settings.telegram_api_url)
    try:
        await application.initialize()
        await application.start()
        if settings.telegram_webhook_url:
            await application.bot.set_webhook(
                settings.telegram_webhook_url + WEBHOOK_PATH,
                secret_token=settings.telegram_webhook_token(),
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            assert application.updater is not None
            await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        logger.error("Telegram refused the bot token: check TELEGRAM_BOT_TOKEN.")
        await stop_telegram(application)
        return None
    except TelegramError as error:
        logger.error("Telegram cannot be reached (%s); the app runs without it.", error)
        await stop_telegram(application)
        return None
    try:
        await channel.set_commands(application)
    except TelegramError as error:
        logger.warning("Telegram did not take the command menu: %s", error)
    return application


async def accept_update(
    application: TelegramApp, secret: str, presented: str | None, body: Any
) -> bool:
    """Queue one update Telegram posted, if it presented the webhook's secret."""
    if presented is None or not hmac.compare_digest(presented.encode(), secret.encode()):
        return False
    # Telegram's own, but nothing to act on: answered all the same, so it does not retry.
    if not isinstance(body, dict) or not isinstance(body.get("update_id"), int):
        return True
    try:
        update = Update.de_json(body, application.bot)
    except (TypeError, ValueError, KeyError) as error:
        logger.warning("An update Telegram posted could not be read: %s", error)
        return True
    await application.update_queue.put(update)
    return True


async def stop_telegram(application: TelegramApp) -> None:
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
