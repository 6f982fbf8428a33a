"""Running the Telegram channel inside the app: long polling while the app runs."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import InvalidToken, TelegramError

from bot.telegram.channel import TelegramApp, TelegramChannel

logger = logging.getLogger(__name__)


async def start_polling(channel: TelegramChannel, token: str, api_url: str) -> TelegramApp | None:
    """Start fetching updates; None when no token is set or Telegram cannot be reached.

    The app goes on without Telegram rather than failing: the kiosk and the
    API still work, and the log says why Telegram does not.
    """
    if not token:
        return None
    application = channel.build(token, api_url)
    try:
        await application.initialize()
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        logger.error("Telegram refused the bot token: check TELEGRAM_BOT_TOKEN.")
        return None
    except TelegramError as error:
        logger.error("Telegram cannot be reached (%s); the app runs without it.", error)
        return None
    logger.info("Telegram: polling as @%s", application.bot.username)
    return application


async def stop_polling(application: TelegramApp) -> None:
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
