"""Answers over three months for the themes tests, beside tests/dashboard_rows.py's.

At oak-house, food_drink gets worse: 1 of 5 rated answers not good in
February 2026, 3 of 5 in March. A withdrawn check-in's answers and one given
just after midnight on 1 April in London (still 31 March in UTC) test the edges.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from storage.models import ConversationStatus, Response, ResponseTextTheme
from storage.unit_of_work import UnitOfWork
from tests.integration.governance_rows import add_conversation, add_response

FEBRUARY = datetime(2026, 2, 12, 10, 0, tzinfo=timezone.utc)
MARCH = datetime(2026, 3, 12, 10, 0, tzinfo=timezone.utc)
# 00:30 on 1 April in London (British Summer Time), 23:30 on 31 March in UTC.
APRIL_IN_LONDON = datetime(2026, 3, 31, 23, 30, tzinfo=timezone.utc)
STAFF_WORDS = "Different carers every day, I never know who is coming"


def seed_theme_months(uow: UnitOfWork) -> None:
    """food_drink at oak-house in February and March, and the edge cases."""
    for when, values in ((FEBRUARY, "ggggb"), (MARCH, "ggbbb")):
        conversation = add_conversation(uow, f"conv-food-{when:%m}", f"ann-{when:%m}")
        for number, value in enumerate(values):
            answer = {"g": "good", "b": "bad"}[value]
            add_response(uow, conversation, f"meals_{number}", when, answer, None, ("food_drink",))
    words = add_conversation(uow, "conv-words", "cal-oak")
    add_response(uow, words, "anything_else", MARCH, None, STAFF_WORDS, ())
    answer = uow.session.scalars(
        select(Response).where(Response.conversation_id == "conv-words")
    ).one()
    answer.text_themes = [ResponseTextTheme(theme_id="staff_consistency")]
    withdrawn = add_conversation(
        uow, "conv-gone", "dee-oak", status=ConversationStatus.withdrawn, withdrawn_at=MARCH
    )
    add_response(uow, withdrawn, "meals_0", MARCH, "bad", None, ("food_drink",))
    late = add_conversation(uow, "conv-late", "eve-oak")
    add_response(uow, late, "visits", APRIL_IN_LONDON, "okay", None, ("relationships",))
    uow.session.flush()
