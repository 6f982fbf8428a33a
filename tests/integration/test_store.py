"""The real store on SQLite: migrations, and the check-in recorder."""

from __future__ import annotations

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from checkin.flow import CheckinFlow, FlowState, Stage, UserTurn
from checkin.question_sets import QuestionSet
from checkin.service import CheckinRecorder, Sender
from storage.database import make_engine
from storage.models import Base, Consent, Conversation, ConversationStatus
from storage.unit_of_work import UnitOfWork

SENDER = Sender("term:abc", "term", "oak-house", "resident-7", "person")


def test_migrations_build_exactly_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_answer_is_stored_with_its_tags(
    unit_of_work: Callable[[], UnitOfWork], checkin: QuestionSet
) -> None:
    recorder = CheckinRecorder(unit_of_work)
    flow = CheckinFlow(checkin)
    conversation_id = recorder.start_conversation(SENDER, checkin)
    recorder.record(conversation_id, flow.handle(FlowState(Stage.consent), _press("/affirm")), "m1")
    outcome = flow.handle(
        FlowState(Stage.question, "staff_kind"), _type("rate_okay", "its ok i suppose really")
    )
    assert recorder.record(conversation_id, outcome, "m2") is True

    with unit_of_work() as uow:
        conversation = uow.conversations.get(conversation_id)
        assert conversation is not None
        assert conversation.status == ConversationStatus.in_progress
        assert conversation.question_set_version == checkin.version
        consent = uow.session.query(Consent).one()
        assert consent.given is True and consent.method == "chat:term"
        [response] = uow.responses.for_conversation(conversation_id)
        assert response.provider_id == "acme-care"
        assert response.service_id == "oak-house"
        assert response.respondent_role == "person"
        assert response.question_set_id == "lived_experience_checkin"
        assert response.question_id == "staff_kind"
        assert response.answer_value == "okay"
        assert response.free_text == "its ok i suppose really"
        assert response.channel == "term"
        assert response.theme_ids == ["dignity_respect", "staff_consistency"]
        assert "Caring: Kindness, compassion and dignity" in response.cqc_statements


def test_same_message_delivered_twice_is_stored_once(
    unit_of_work: Callable[[], UnitOfWork], checkin: QuestionSet
) -> None:
    recorder = CheckinRecorder(unit_of_work)
    conversation_id = recorder.start_conversation(SENDER, checkin)
    outcome = CheckinFlow(checkin).handle(FlowState(Stage.question, "food"), _press("/rate_good"))
    assert recorder.record(conversation_id, outcome, "same") is True
    assert recorder.record(conversation_id, outcome, "same") is False
    with unit_of_work() as uow:
        assert len(uow.responses.for_conversation(conversation_id)) == 1


def test_stopping_marks_the_conversation(
    unit_of_work: Callable[[], UnitOfWork], checkin: QuestionSet
) -> None:
    recorder = CheckinRecorder(unit_of_work)
    conversation_id = recorder.start_conversation(SENDER, checkin)
    outcome = CheckinFlow(checkin).handle(FlowState(Stage.question, "food"), _press("/stop"))
    recorder.record(conversation_id, outcome, "m9")
    with unit_of_work() as uow:
        conversation = uow.session.get(Conversation, conversation_id)
        assert conversation is not None
        assert conversation.status == ConversationStatus.stopped
        assert conversation.finished_at is not None


def _press(payload: str) -> UserTurn:
    return UserTurn(intent=payload[1:], text=payload, from_button=True)


def _type(intent: str, text: str) -> UserTurn:
    return UserTurn(intent=intent, text=text)
