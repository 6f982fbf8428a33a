"""The app process: an ASGI app whose chat endpoint is the channels' way in.

A program that posts to ``/api/chat`` presents an API key (``covoice apikey
add``); the key, not the request, says which channel it speaks as and which
services it may speak for. Every refusal is a JSON ``{"error", "message"}``
answered before anything is stored.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from bot.alerting import Notifier
from bot.body_limit import BodyLimit
from bot.chat_service import ChatService, IncomingMessage
from bot.credentials import ApiCredential, verify
from bot.dashboard.routes import dashboard_router, open_dashboard
from bot.dashboard_api.app import PREFIX as DASHBOARD_API
from bot.dashboard_api.app import dashboard_api
from bot.follow_up_watch import FollowUpWatcher
from bot.kiosk.routes import KioskParts, kiosk_router
from bot.kiosk.sessions import KioskSessions
from bot.kiosk.views import KioskViews, SpeechTexts
from bot.kiosk.wording import load_kiosk_wording
from bot.listening import Listener
from bot.mailer import Mailer, SmtpServer
from bot.pictograms import PictogramShelf
from bot.rasa_client import RasaClient
from bot.sending import Dispatcher, QuietHours
from bot.speech import Speech
from bot.telegram.channel import TelegramChannel
from bot.telegram.lead_notices import telegram_sender
from bot.telegram.runner import (
    SECRET_HEADER,
    WEBHOOK_PATH,
    accept_update,
    start_telegram,
    stop_telegram,
)
from bot.telegram.wording import load_telegram_wording
from checkin.loading import load_sets_and_wording
from checkin.wire import Prompt
from covoice.settings import Settings
from covoice.taxonomy import load_taxonomy
from governance.follow_ups import follow_up_plan
from storage.unit_of_work import UnitOfWorkFactory, open_store
from tagging.loading import build_tagger


@dataclass
class AppParts:
    """The long-lived parts a process builds once from its settings."""

    chat: ChatService
    rasa: RasaClient
    store: UnitOfWorkFactory
    roles: tuple[str, ...]
    question_sets: frozenset[str]
    kiosk: KioskParts
    telegram: TelegramChannel

    async def aclose(self) -> None:
        await self.rasa.aclose()


def build_parts(settings: Settings) -> AppParts:
    """Build the parts from settings.

    Args:
        settings: The process's settings.

    Returns:
        The chat service, the Rasa client, the store, and what a request may name.

    Raises:
        QuestionSetError: a question-set or wording file is broken.
        SettingsError: the Rasa token's file in the data folder is unusable.
    """
    taxonomy = load_taxonomy(settings.taxonomy_path)
    sets, wording = load_sets_and_wording(settings)
    rasa = RasaClient(settings.rasa_url, settings.rasa_api_token(), settings.rasa_timeout_seconds)
    store = open_store(settings.resolved_database_url, settings.store_timeout_seconds)
    chat = ChatService(
        rasa=rasa,
        unit_of_work=store,
        wording=wording,
        reader=build_tagger(settings),
        roles=taxonomy.respondent_roles,
        max_message_chars=settings.max_message_chars,
        action_budget_seconds=settings.action_budget_seconds,
        max_kept_chars=settings.max_chat_text_chars,
    )
    kiosk = KioskParts(
        store=store,
        chat=chat,
        wording=load_kiosk_wording(settings.kiosk_wording_path),
        views=KioskViews(PictogramShelf(), SpeechTexts()),
        voice=Speech.from_settings(settings),
        # A session outlives the page's own idle goodbye, so the page always ends it first.
        sessions=KioskSessions(
            lifetime_seconds=2 * (settings.kiosk_idle_seconds + settings.kiosk_goodbye_seconds)
        ),
        idle_seconds=settings.kiosk_idle_seconds,
        goodbye_seconds=settings.kiosk_goodbye_seconds,
    )
    telegram = TelegramChannel(
        chat=chat,
        store=store,
        wording=load_telegram_wording(settings.telegram_wording_path),
        voice=kiosk.voice,
        listener=Listener(settings.data_dir / "models"),
    )
    return AppParts(
        chat=chat,
        rasa=rasa,
        store=store,
        roles=taxonomy.respondent_roles,
        question_sets=frozenset(sets),
        kiosk=kiosk,
        telegram=telegram,
    )


class ChatRequest(BaseModel):
    """One message. The channel is the API key's; a ``channel`` here is ignored."""

    sender: str = Field(min_length=1, max_length=150, description="The channel's id for the chat")
    text: str = Field(
        description="What the person typed, or a button's payload "
        "(at most COVOICE_MAX_CHAT_TEXT_CHARS characters, 20,000 unless set)"
    )
    service: str = Field(min_length=1, max_length=64)
    message_id: str | None = Field(default=None, max_length=128)
    person: str | None = Field(default=None, max_length=128)
    role: str = Field(default="person", max_length=32)
    question_set: str | None = Field(default=None, max_length=64)


class ChatResponse(BaseModel):
    replies: list[Prompt]


class RefusalOut(BaseModel):
    error: str = Field(description="A short code, e.g. unauthorized")
    message: str = Field(description="What went wrong and what to do next")


class Refusal(Exception):
    """A request refused before anything was stored; answered as JSON."""

    def __init__(
        self, status: int, error: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = headers


REFUSALS: dict[int | str, dict[str, object]] = {
    status: {"description": description, "model": RefusalOut}
    for status, description in (
        (401, "No API key, or one that is unknown or revoked"),
        (403, "The API key may not speak for this service"),
        (413, "The body or the text is too long"),
        (422, "A field is missing or wrong, or the role or question set is unknown"),
    )
}

_bearer = HTTPBearer(auto_error=False, description="An API key made with `covoice apikey add`")


def caller(
    request: Request,
    presented: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiCredential:
    """Return what the presented API key allows, or refuse with 401."""
    # A plain function: FastAPI runs it in a worker thread, off the event loop.
    credential = None
    if presented is not None:
        with request.app.state.parts.store() as uow:
            credential = verify(uow, presented.credentials)
    if credential is None:
        raise Refusal(
            401,
            "unauthorized",
            "This program needs a valid API key for CoVoice, sent as "
            "'Authorization: Bearer <key>'. Ask the CoVoice administrator for one.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return credential


def create_app(settings: Settings, parts: AppParts | None = None) -> FastAPI:
    """Build the app; tests pass their own settings or parts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = parts or build_parts(settings)
        app.state.parts = own
        telegram = await start_telegram(own.telegram, settings)
        app.state.telegram = telegram
        # Read once: a request never waits on (or fails at) the secret's file.
        app.state.webhook_secret = (
            settings.telegram_webhook_token() if settings.telegram_webhook_url else ""
        )
        sending = None
        if telegram is not None:
            dispatcher = Dispatcher(
                own.store, own.telegram.start_set, QuietHours.parse(settings.quiet_hours)
            )
            sending = asyncio.create_task(dispatcher.run())
        # Runs with or without Telegram and email: a notice that cannot go yet is
        # kept, retried, and shown as undelivered by `covoice alerts list`.
        smtp = SmtpServer.from_settings(settings)
        notifier = Notifier(
            own.store,
            send_telegram=telegram_sender(telegram.bot) if telegram is not None else None,
            send_email=Mailer(smtp).send if smtp is not None else None,
            escalate_after=timedelta(minutes=settings.alert_escalate_minutes),
            # Woken by each alert this app raises; the rounds catch retries, escalation
            # and alerts raised by another process on the same store.
            every_seconds=1.0,
        )
        own.chat.alert_raised = notifier.wake
        notifying = asyncio.create_task(notifier.run())
        # With or without Telegram: kiosk follow-ups are offered again, then not reached.
        watcher = FollowUpWatcher(
            own.store,
            follow_up_plan(settings, own.question_sets),
            resend_after=timedelta(hours=settings.incident_resend_hours),
        )
        watching = asyncio.create_task(watcher.run())
        yield
        watching.cancel()
        notifying.cancel()
        if sending is not None:
            sending.cancel()
        if telegram is not None:
            await stop_telegram(telegram)
        if parts is None:
            await own.aclose()

    app = FastAPI(title="CoVoice", version="0.1.0", lifespan=lifespan)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)

    @app.exception_handler(Refusal)
    async def refused(_: Request, refusal: Refusal) -> JSONResponse:
        return JSONResponse(
            {"error": refusal.error, "message": refusal.message},
            status_code=refusal.status,
            headers=refusal.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc'][1:]) or 'body'}: {issue['msg']}"
            for issue in error.errors()
        )
        return JSONResponse(
            {
                "error": "invalid_request",
                "message": f"The request is not one CoVoice can take ({problems}). "
                "See /docs for the fields.",
            },
            status_code=422,
        )

    @app.post(WEBHOOK_PATH, include_in_schema=False)
    async def telegram_webhook(request: Request) -> Response:
        """Telegram's updates in webhook mode; anyone without the secret is refused."""
        telegram = request.app.state.telegram
        if telegram is None or not settings.telegram_webhook_url:
            return Response(status_code=404)
        try:
            body = await request.json()
        except ValueError:
            body = None
        accepted = await accept_update(
            telegram, request.app.state.webhook_secret, request.headers.get(SECRET_HEADER), body
        )
        return Response(status_code=200 if accepted else 403)

    @app.post("/api/chat", response_model=ChatResponse, responses=REFUSALS)
    async def chat(
        request: ChatRequest, credential: Annotated[ApiCredential, Depends(caller)]
    ) -> ChatResponse:
        """Hand one message to the conversation and return the replies."""
        refuse_unless_allowed(request, credential, app.state.parts, settings)
        message = IncomingMessage(
            channel=credential.channel,
            sender_id=f"{credential.channel}:{request.sender}",
            message_id=request.message_id or str(uuid.uuid4()),
            text=request.text,
            service_id=request.service,
            person_ref=request.person,
            role=request.role,
            question_set=request.question_set,
        )
        replies = await app.state.parts.chat.handle(message)
        return ChatResponse(replies=replies)

    app.include_router(kiosk_router())
    # The pages and the JSON API share one Dashboard: one store of sign-in sessions.
    dashboard = open_dashboard(settings)
    app.include_router(dashboard_router(settings, dashboard))
    app.mount(DASHBOARD_API, dashboard_api(dashboard, app.state))

    @app.get("/health")
    async def health() -> dict[str, object]:
        """Say whether the app is up and whether Rasa is ready."""
        return {"status": "ok", "rasa_ready": await app.state.parts.rasa.is_ready()}

    return app


def refuse_unless_allowed(
    request: ChatRequest, credential: ApiCredential, parts: AppParts, settings: Settings
) -> None:
    """Refuse a message its key may not send, or that names what does not exist.

    Args:
        request: The message as posted.
        credential: What the caller's key allows.
        parts: The app's parts: the roles and question sets that exist.
        settings: The limits.

    Raises:
        Refusal: 413 for an over-long text, 403 for a service not on the key,
            422 for an unknown role or question set.
    """
    if len(request.text) > settings.max_chat_text_chars:
        raise Refusal(
            413,
            "message_too_long",
            f"That message is too long: the limit is {settings.max_chat_text_chars:,} "
            "characters. Please send it in shorter parts.",
        )
    if not credential.may_speak_for(request.service):
        raise Refusal(
            403,
            "service_not_allowed",
            f"This program's key may not send messages for the service '{request.service}'. "
            "Ask the CoVoice administrator for a key that includes it.",
        )
    if request.role not in parts.roles:
        raise Refusal(
            422,
            "unknown_role",
            f"There is no respondent role '{request.role}'. Use one of: {', '.join(parts.roles)}.",
        )
    if request.question_set is not None and request.question_set not in parts.question_sets:
        raise Refusal(
            422,
            "unknown_question_set",
            f"There is no question set '{request.question_set}'. "
            f"Use one of: {', '.join(sorted(parts.question_sets))}.",
        )


def asgi_app() -> FastAPI:
    """Entry point for uvicorn --factory."""
    from covoice.settings import load_settings

    return create_app(load_settings())
