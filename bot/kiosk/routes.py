"""The kiosk's page and its small JSON API, on the app.

Every request names its kiosk by the token in the path, checked against the
store each time, so a revoked kiosk stops at once. The page's session token
names one person's conversation on that kiosk; it is checked too.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from bot.chat_service import ChatService, IncomingMessage
from bot.kiosk.sessions import KioskSession, KioskSessions
from bot.kiosk.tokens import KioskAccess, verify
from bot.kiosk.views import KioskViews
from bot.kiosk.wording import KioskWording
from bot.speech import SpeechError, SpeechSource
from governance.follow_ups import waiting_on_kiosk
from governance.people import kiosk_people
from governance.reviews import start_review_on_kiosk
from storage.models import utcnow
from storage.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent.parent / "kiosk_web"
ROLES = ("person", "staff_supported", "family")
# The page and its files come from the app alone: no inline script, nothing from elsewhere.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; media-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


@dataclass
class KioskParts:
    store: UnitOfWorkFactory
    chat: ChatService
    wording: KioskWording
    views: KioskViews
    voice: SpeechSource
    sessions: KioskSessions
    idle_seconds: int
    goodbye_seconds: int


class StartRequest(BaseModel):
    role: str = Field(max_length=32)
    person: str | None = Field(default=None, max_length=20)


class SayRequest(BaseModel):
    session: str = Field(min_length=1, max_length=64)
    text: str = Field(max_length=20_000)
    message_id: str = Field(min_length=1, max_length=64)


class EndRequest(BaseModel):
    session: str = Field(min_length=1, max_length=64)


def refusal(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status, headers=PAGE_HEADERS)


def parts_of(request: Request) -> KioskParts:
    parts: KioskParts = request.app.state.parts.kiosk
    return parts


def access(token: str, request: Request) -> KioskAccess | None:
    """What the token in the path opens, or None."""
    # A plain function: FastAPI runs it in a worker thread, off the event loop.
    with parts_of(request).store() as uow:
        return verify(uow, token)


Access = Annotated[KioskAccess | None, Depends(access)]


def kiosk_router() -> APIRouter:
    router = APIRouter()

    @router.get("/kiosk/about", include_in_schema=False)
    async def about() -> Response:
        return FileResponse(WEB_DIR / "about.html", headers=PAGE_HEADERS)

    @router.get("/kiosk/{token}", include_in_schema=False)
    async def page(kiosk: Access) -> Response:
        if kiosk is None:
            return FileResponse(WEB_DIR / "unknown.html", 404, headers=PAGE_HEADERS)
        return FileResponse(WEB_DIR / "kiosk.html", headers=PAGE_HEADERS)

    @router.get("/kiosk-static/{name}", include_in_schema=False)
    async def static_file(name: str) -> Response:
        return _web_file(WEB_DIR, name, {".js", ".css", ".svg", ".png"})

    @router.get("/kiosk-static/pictograms/{name}", include_in_schema=False)
    async def pictogram(name: str, request: Request) -> Response:
        return _web_file(parts_of(request).views.shelf_dir, name, {".svg"})

    @router.get("/kiosk/{token}/api/setup", include_in_schema=False)
    def setup(token: str, kiosk: Access, request: Request) -> Response:
        if kiosk is None:
            return _unknown_kiosk()
        parts = parts_of(request)
        with parts.store() as uow:
            service = uow.services.get(kiosk.service_id)
            people = kiosk_people(uow, kiosk.service_id)
        words = parts.wording.words
        return JSONResponse(
            {
                "service": service.name if service else "",
                "words": {
                    key: {
                        "text": word.text,
                        "easy_read": word.easy_read,
                        "speech": parts.views.speech(token, word.text, word.easy_read),
                    }
                    for key, word in words.items()
                },
                "roles": [
                    {
                        "id": role,
                        "word": f"role_{role}",
                        "picture": parts.views.picture(
                            parts.wording.pictograms.get(f"role_{role}", ""), decorative=True
                        ),
                    }
                    for role in ROLES
                ],
                "people": [
                    {
                        "key": str(person.id),
                        "name": person.first_name,
                        "initials": person.initials,
                        "photo": f"/kiosk/{token}/photo/{person.id}" if person.has_photo else None,
                    }
                    for person in people
                ],
                "idle_seconds": parts.idle_seconds,
                "goodbye_seconds": parts.goodbye_seconds,
            },
            headers=PAGE_HEADERS,
        )

    @router.get("/kiosk/{token}/photo/{person_id}", include_in_schema=False)
    def photo(person_id: int, kiosk: Access, request: Request) -> Response:
        if kiosk is None:
            return _unknown_kiosk()
        with parts_of(request).store() as uow:
            person = uow.people.get(person_id)
            if person is None or person.service_id != kiosk.service_id or not person.photo:
                return refusal(404, "no_photo", "There is no such photo.")
            return Response(person.photo, media_type=person.photo_type, headers=PAGE_HEADERS)

    @router.get("/kiosk/{token}/speech/{key}.mp3", include_in_schema=False)
    async def speech(key: str, kiosk: Access, request: Request) -> Response:
        if kiosk is None:
            return _unknown_kiosk()
        parts = parts_of(request)
        text = parts.views.speech_texts.text_for(key)
        if text is None:
            return refusal(404, "no_such_audio", "There is no audio for that.")
        try:
            audio = await asyncio.to_thread(parts.voice.audio, text, "mp3")
        except SpeechError:
            logger.exception("No speech for a kiosk prompt")
            return refusal(503, "no_speech", "The words cannot be spoken just now.")
        return FileResponse(audio, media_type="audio/mpeg", headers=PAGE_HEADERS)

    @router.post("/kiosk/{token}/api/start", include_in_schema=False)
    async def start(token: str, body: StartRequest, kiosk: Access, request: Request) -> Response:
        if kiosk is None:
            return _unknown_kiosk()
        parts = parts_of(request)
        if body.role not in ROLES:
            return refusal(422, "unknown_role", f"Choose who is answering: {', '.join(ROLES)}.")
        person_ref = None
        if body.person is not None:
            person_ref = await asyncio.to_thread(_person_ref, parts, kiosk, body.person)
            if person_ref is None:
                return refusal(422, "unknown_person", "That person is not on this kiosk.")
        session_token, session = parts.sessions.start(
            kiosk.prefix, kiosk.service_id, body.role, person_ref
        )
        # A follow-up after an incident, or a review asking again, comes before the check-in.
        waiting = None
        if person_ref is not None:
            waiting = await asyncio.to_thread(_waiting_follow_up, parts, session)
        replies = await _say(parts, token, session, "/greet", uuid.uuid4().hex, waiting)
        return JSONResponse({"session": session_token, "replies": replies}, headers=PAGE_HEADERS)

    @router.post("/kiosk/{token}/api/say", include_in_schema=False)
    async def say(token: str, body: SayRequest, kiosk: Access, request: Request) -> Response:
        if kiosk is None:
            return _unknown_kiosk()
        parts = parts_of(request)
        session = parts.sessions.get(body.session, kiosk.prefix)
        if session is None:
            return refusal(410, "session_ended", "This conversation has ended. Press Start.")
        replies = await _say(parts, token, session, body.text, body.message_id)
        return JSONResponse({"replies": replies}, headers=PAGE_HEADERS)

    @router.post("/kiosk/{token}/api/end", include_in_schema=False)
    async def end(body: EndRequest, kiosk: Access, request: Request) -> Response:
        if kiosk is None:
            return _unknown_kiosk()
        parts_of(request).sessions.end(body.session, kiosk.prefix)
        return Response(status_code=204, headers=PAGE_HEADERS)

    return router


async def _say(
    parts: KioskParts,
    token: str,
    session: KioskSession,
    text: str,
    message_id: str,
    follow_up: tuple[str, int | None] | None = None,
) -> list[dict[str, Any]]:
    """Hand the page's words in; ``follow_up`` (a set, and its incident if any) begins that set."""
    message = IncomingMessage(
        channel="kiosk",
        sender_id=session.sender_id,
        # The page's id for the tap, within this session: a retry repeats it.
        message_id=f"{session.sender_id[-20:]}:{message_id}",
        text=text,
        service_id=session.service_id,
        person_ref=session.person_ref,
        role=session.role,
        question_set=follow_up[0] if follow_up else None,
        begin=follow_up is not None,
        incident_id=follow_up[1] if follow_up else None,
    )
    replies = await parts.chat.handle(message)
    return [parts.views.prompt(token, reply) for reply in replies]


def _waiting_follow_up(parts: KioskParts, session: KioskSession) -> tuple[str, int | None] | None:
    """The set (and incident) to begin for whoever just picked themselves, if one waits.

    An incident follow-up comes first; then a review of an action, which is
    offered once.
    """
    assert session.person_ref is not None
    now = utcnow()
    with parts.store() as uow:
        follow_up = waiting_on_kiosk(uow, session.service_id, session.person_ref, session.role, now)
        if follow_up is not None:
            return follow_up.question_set_id, follow_up.incident_id
        review_set = start_review_on_kiosk(
            uow, session.service_id, session.person_ref, session.role, now
        )
        uow.commit()
        return (review_set, None) if review_set is not None else None


def _person_ref(parts: KioskParts, kiosk: KioskAccess, key: str) -> str | None:
    """The reference of the person a page chose, if they are on this kiosk's service."""
    if not key.isdigit():
        return None
    with parts.store() as uow:
        person = uow.people.get(int(key))
        if person is None or person.service_id != kiosk.service_id or not person.first_name:
            return None
        return person.ref


def _unknown_kiosk() -> JSONResponse:
    return refusal(
        404, "unknown_kiosk", "This tablet is not set up to take answers. Ask a member of staff."
    )


def _web_file(directory: Path, name: str, suffixes: set[str]) -> Response:
    path = directory / name
    # Only plain file names of the kinds the page uses: nothing outside the folder.
    if "/" in name or name.startswith(".") or path.suffix not in suffixes or not path.is_file():
        return refusal(404, "not_found", "There is no such file.")
    return FileResponse(path, headers={**PAGE_HEADERS, "Cache-Control": "max-age=3600"})
