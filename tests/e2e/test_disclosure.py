"""A possible disclosure through the real Rasa server, action server and tagger."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from storage.models import AlertStatus, Contact, Conversation, Response, SafeguardingAlert
from storage.unit_of_work import UnitOfWork
from tests.e2e.conftest import Chatter, asked

DISCLOSURE = "my keyworker shouted at me yesterday and said I would be sent away"


def _button(replies: list[dict[str, Any]], label: str) -> str:
    [payload] = [b["payload"] for b in replies[-1]["buttons"] if b["label"] == label]
    return str(payload)


def _alerts(uow: UnitOfWork, chatter: Chatter) -> list[SafeguardingAlert]:
    query = (
        select(SafeguardingAlert)
        .join(Contact, Contact.id == SafeguardingAlert.contact_id)
        .where(Contact.sender_id == chatter.sender_id)
    )
    return list(uow.session.scalars(query))


def test_a_disclosure_typed_at_a_scale_question_raises_an_alert_and_the_check_in_carries_on(
    chatter: Chatter, store: Callable[[], UnitOfWork]
) -> None:
    question = chatter.say(_button(chatter.say("hello"), "Yes, let's start"))
    question = chatter.say(_button(question, "Yes"))  # feel_safe
    question = chatter.say(_button(question, "Yes"))  # listened_to
    assert asked(question) == "staff_kind"  # a Good / Okay / Not good question

    [calm] = chatter.say(DISCLOSURE)

    # The alert was committed before the reply came back.
    with store() as uow:
        [alert] = _alerts(uow, chatter)
        [conversation] = uow.session.scalars(
            select(Conversation).where(Conversation.sender_id == chatter.sender_id)
        )
        assert alert.words == DISCLOSURE and alert.status == AlertStatus.raised
        assert alert.category in ("psychological", "physical")
        assert alert.conversation_id == conversation.id and alert.channel == "test"
        assert conversation.person_requested_at is not None
        kept = uow.session.scalars(
            select(Response).where(
                Response.question_id == "staff_kind", Response.conversation_id == conversation.id
            )
        ).one()
        assert kept.free_text == DISCLOSURE
    assert calm["text"].startswith("Fixture words after a possible disclosure")
    assert [b["label"] for b in calm["buttons"]] == ["Fixture carry on", "Fixture stop"]

    carried = chatter.say(_button([calm], "Fixture carry on"))
    assert asked(carried) == "own_choices"
    with store() as uow:
        assert len(_alerts(uow, chatter)) == 1


def test_everyday_words_at_a_scale_question_raise_nothing(
    chatter: Chatter, store: Callable[[], UnitOfWork]
) -> None:
    question = chatter.say(_button(chatter.say("hello"), "Yes, let's start"))
    question = chatter.say(_button(question, "Yes"))
    question = chatter.say(_button(question, "Yes"))
    assert asked(question) == "staff_kind"
    replies = chatter.say("not rly")  # means "not good" here, not harm
    assert asked(replies) == "staff_kind_more"
    with store() as uow:
        assert _alerts(uow, chatter) == []
