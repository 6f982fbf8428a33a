"""The app process: an ASGI app whose chat endpoint is the channels' way in."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from pydantic import BaseModel, Field

from bot.chat_service import ChatService, IncomingMessage
from bot.rasa_client import RasaClient
from checkin.loading import load_sets_and_wording
from checkin.wire import Prompt
from covoice.settings import Settings
from covoice.taxonomy import load_taxonomy
from storage.unit_of_work import open_store


@dataclass
class AppParts:
    """The long-lived parts a process builds once from its settings."""

    chat: ChatService
    rasa: RasaClient

    async def aclose(self) -> None:
        await self.rasa.aclose()


def build_parts(settings: Settings) -> AppParts:
    taxonomy = load_taxonomy(settings.taxonomy_path)
    _, wording = load_sets_and_wording(settings)
    rasa = RasaClient(settings.rasa_url, settings.rasa_timeout_seconds)
    chat = ChatService(
        rasa=rasa,
        unit_of_work=open_store(settings.resolved_database_url, settings.store_timeout_seconds),
        wording=wording,
        roles=taxonomy.respondent_roles,
        max_message_chars=settings.max_message_chars,
        action_budget_seconds=settings.action_budget_seconds,
    )
    return AppParts(chat=chat, rasa=rasa)


class ChatRequest(BaseModel):
    channel: str = Field(default="api", pattern=r"^[a-z]{2,16}$")
    sender: str = Field(min_length=1, max_length=150, description="The channel's id for the chat")
    text: str = Field(description="What the person typed, or a button's payload")
    service: str = Field(min_length=1, max_length=64)
    message_id: str | None = Field(default=None, max_length=128)
    person: str | None = Field(default=None, max_length=128)
    role: str = "person"
    question_set: str | None = None


class ChatResponse(BaseModel):
    replies: list[Prompt]


def create_app(settings: Settings, parts: AppParts | None = None) -> FastAPI:
    """Build the app; tests pass their own settings or parts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = parts or build_parts(settings)
        app.state.parts = own
        yield
        if parts is None:
            await own.aclose()

    app = FastAPI(title="CoVoice", version="0.1.0", lifespan=lifespan)

    @app.post("/api/chat", response_model=ChatResponse)
    async def chat(request: ChatRequest) -> ChatResponse:
        """Hand one message to the conversation and return the replies."""
        message = IncomingMessage(
            channel=request.channel,
            sender_id=f"{request.channel}:{request.sender}",
            message_id=request.message_id or str(uuid.uuid4()),
            text=request.text,
            service_id=request.service,
            person_ref=request.person,
            role=request.role,
            question_set=request.question_set,
        )
        replies = await app.state.parts.chat.handle(message)
        return ChatResponse(replies=replies)

    @app.get("/health")
    async def health() -> dict[str, object]:
        """Say whether the app is up and whether Rasa is ready."""
        return {"status": "ok", "rasa_ready": await app.state.parts.rasa.is_ready()}

    return app


def asgi_app() -> FastAPI:
    """Entry point for uvicorn --factory."""
    from covoice.settings import load_settings

    return create_app(load_settings())
