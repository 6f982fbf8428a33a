"""Invites and keyboards in a real store: single use, expiry, and presses only by their own chat."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest
from telegram.ext import ApplicationBuilder

from bot.telegram import keyboards
from bot.telegram.invites import InviteError, InviteState, check, make_invite, redeem
from bot.telegram.runner import accept_update
from checkin.wire import Button, Prompt
from storage.models import Contact
from storage.unit_of_work import UnitOfWork

ROLES = ("person", "family")
DAY = timedelta(days=1)


def _code(uow: UnitOfWork, valid_for: timedelta = DAY, role: str = "family") -> str:
    code = make_invite(uow, "oak-house", "p-7", role, ROLES, valid_for).code
    uow.commit()
    return code


def test_a_code_links_one_chat_once(unit_of_work: Callable[[], UnitOfWork]) -> None:
    with unit_of_work() as uow:
        code = _code(uow)
        assert check(uow, code)[0] is InviteState.valid
        state, contact = redeem(uow, code, 501)
        uow.commit()
        assert state is InviteState.valid and contact is not None
        assert (contact.sender_id, contact.respondent_role) == ("tg:501", "family")
    with unit_of_work() as uow:
        assert redeem(uow, code, 502) == (InviteState.used, None)
        assert uow.contacts.by_sender("tg:502") is None


def test_unknown_expired_and_malformed_codes_link_nothing(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    with unit_of_work() as uow:
        old = _code(uow, valid_for=timedelta(seconds=-1))
        assert redeem(uow, old, 601) == (InviteState.expired, None)
        assert redeem(uow, "A" * 20, 601) == (InviteState.unknown, None)
        assert redeem(uow, "../../etc/passwd", 601) == (InviteState.unknown, None)
        assert uow.session.query(Contact).count() == 0


def test_an_invite_needs_a_known_service_and_role(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    with unit_of_work() as uow:
        with pytest.raises(InviteError, match="Unknown service"):
            make_invite(uow, "nowhere", "p-1", "family", ROLES, DAY)
        with pytest.raises(InviteError, match="Unknown role 'cat'"):
            make_invite(uow, "oak-house", "p-1", "cat", ROLES, DAY)


def test_a_keyboard_is_pressed_once_and_only_by_its_own_chat(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    prompt = Prompt(
        kind="question",
        text="Do you feel safe?",
        easy_read="Safe?",
        buttons=(
            Button(label="Yes", pictogram="👍", payload='/affirm{"turn":3}'),
            Button(label="Skip", pictogram="⏭️", payload="/skip", kind="control"),
        ),
    )
    with unit_of_work() as uow:
        keyboard_id, faces = keyboards.keep(uow, "tg:1", prompt)
        uow.commit()
    assert [(f.text, f.control) for f in faces] == [("👍 Yes", False), ("⏭️ Skip", True)]
    with unit_of_work() as uow:
        assert keyboards.press(uow, "tg:2", faces[0].callback_data) is None  # another chat's
        assert keyboards.press(uow, "tg:1", f"k{keyboard_id}:9") is None  # no such button
        assert keyboards.press(uow, "tg:1", "anything at all") is None
        pressed = keyboards.press(uow, "tg:1", faces[0].callback_data)
        uow.commit()
    assert pressed == keyboards.Press('/affirm{"turn":3}', "Yes")
    with unit_of_work() as uow:
        assert keyboards.press(uow, "tg:1", faces[1].callback_data) is None  # already answered


def test_newer_prompts_make_older_keyboards_stale(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    prompt = Prompt(
        kind="question",
        text="Q",
        easy_read="Q",
        buttons=(Button(label="Yes", pictogram="👍", payload="/affirm"),),
    )
    with unit_of_work() as uow:
        _, old = keyboards.keep(uow, "tg:1", prompt)
        keyboards.retire(uow, "tg:1")
        _, new = keyboards.keep(uow, "tg:1", prompt)
        uow.commit()
    with unit_of_work() as uow:
        assert keyboards.press(uow, "tg:1", old[0].callback_data) is None
        assert keyboards.press(uow, "tg:1", new[0].callback_data) is not None


def test_a_webhook_update_is_queued_only_with_the_secret() -> None:
    # A real application, never started: queueing needs no network.
    app = ApplicationBuilder().token("1:offline").build()
    chat = {"id": 1, "type": "private"}
    update = {"update_id": 5, "message": {"message_id": 1, "date": 0, "chat": chat}}

    async def offer(presented: str | None, body: object) -> bool:
        return await accept_update(app, "s3cret", presented, body)

    assert not asyncio.run(offer(None, update))
    assert not asyncio.run(offer("s3creT", update))
    assert app.update_queue.empty()
    assert asyncio.run(offer("s3cret", {"nonsense": 1}))  # answered, so Telegram stops
    assert app.update_queue.empty()
    assert asyncio.run(offer("s3cret", update))
    assert app.update_queue.get_nowait().update_id == 5
