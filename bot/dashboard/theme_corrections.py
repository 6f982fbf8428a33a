"""Correcting the themes of a person's words: a manager's or admin's page per answer.

A correction is stored as the ``covoice nlu correct`` command stores one
(governance/tag_review.py): with who and when, the themes before and after,
and the answer's word themes replaced, so the dashboard shows the corrected
themes and ``covoice nlu export-corrections`` trains the next model on it.
Viewers cannot correct; a manager reaches only their own services' answers,
and any other answer gets the same 404 as one that does not exist.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from bot.dashboard.access import (
    PAGE_HEADERS,
    Dashboard,
    Signed,
    actor,
    form_expired,
    html,
    not_for_role,
    read_form_lists,
    refused,
    to_login,
)
from bot.dashboard.layout import Viewer, csrf_field, page, problems_box, table
from covoice.taxonomy import Taxonomy
from governance import audit
from governance.service_days import stored_utc
from governance.tag_review import NotCorrectable, correct_answer, correctable_answer
from storage.models import Response as StoredResponse
from storage.models import Service, TagCorrection
from storage.unit_of_work import UnitOfWork

CORRECTORS = ("admin", "manager")
# Longer than any id the store hands out; anything longer is no answer of ours.
MAX_ID_DIGITS = 18


def can_correct(viewer: Viewer) -> bool:
    return viewer.role in CORRECTORS


def theme_corrections_router(dashboard: Dashboard) -> APIRouter:
    """The page to correct one answer's themes, under the dashboard's prefix."""
    router = APIRouter()
    store, signed_in = dashboard.store, dashboard.signed_in

    @router.get("/responses/{response_id}/themes")
    def correction_form(request: Request, response_id: str) -> Response:
        """Show the answer's words and a check box for every theme."""
        signed = signed_in(request)
        if signed is None:
            return to_login()
        if not can_correct(signed.viewer):
            return not_for_role(signed, "correct themes")
        with store(request)() as uow:
            found = _answer(uow, signed, response_id)
            if isinstance(found, Response):
                return found
            audit.record(
                uow,
                actor(signed.viewer),
                "dashboard.themes.correction.view",
                {"response": found.id, "service": found.service_id},
            )
            body = _page(
                uow,
                signed,
                dashboard.taxonomy,
                found,
                saved=request.query_params.get("saved") == "1",
            )
            uow.commit()
        return html(body)

    @router.post("/responses/{response_id}/themes")
    async def correct(request: Request, response_id: str) -> Response:
        """Store the chosen themes as a correction, with who and when."""
        form = await read_form_lists(request, max_fields=len(dashboard.taxonomy.themes) + 10)
        return await asyncio.to_thread(save, request, response_id, form)

    def save(request: Request, response_id: str, form: dict[str, list[str]]) -> Response:
        signed = signed_in(request)
        if signed is None:
            return to_login()
        if not can_correct(signed.viewer):
            return not_for_role(signed, "correct themes")
        if not signed.form_is_genuine({"csrf": form.get("csrf", [""])[0]}):
            return form_expired(signed)
        taxonomy = dashboard.taxonomy
        chosen = list(dict.fromkeys(form.get("theme", [])))
        unknown = [theme[:64] for theme in chosen if theme not in taxonomy.themes]
        with store(request)() as uow:
            found = _answer(uow, signed, response_id)
            if isinstance(found, Response):
                return found
            if unknown:
                problems = [f"There is no theme '{t}'. Tick themes from the list." for t in unknown]
                return html(_page(uow, signed, taxonomy, found, problems=problems), 400)
            before = list(found.text_theme_ids)
            correct_answer(uow, found.id, chosen, None, actor(signed.viewer))
            audit.record(
                uow,
                actor(signed.viewer),
                "dashboard.themes.corrected",
                {
                    "response": found.id,
                    "service": found.service_id,
                    "before": before,
                    "after": chosen,
                },
            )
            uow.commit()
            target = f"/dashboard/responses/{found.id}/themes?saved=1"
        return RedirectResponse(target, 303, headers=PAGE_HEADERS)

    return router


def _answer(uow: UnitOfWork, signed: Signed, response_id: str) -> StoredResponse | Response:
    """The answer to correct, or the 404 page for one this viewer cannot correct."""
    viewer = signed.viewer
    found = None
    if response_id.isascii() and response_id.isdigit() and len(response_id) <= MAX_ID_DIGITS:
        found = uow.session.get(StoredResponse, int(response_id))
    if found is not None and (viewer.services is None or found.service_id in viewer.services):
        try:
            return correctable_answer(uow.session, found.id)
        except NotCorrectable as error:
            message = str(error)
    else:
        # The same answer whether the answer is someone else's or does not exist.
        message = f"There is no answer {response_id[:20]} with words that you can correct."
    audit.record(
        uow, actor(viewer), "dashboard.themes.correction.refused", {"response": response_id[:20]}
    )
    uow.commit()
    return refused(signed, "No such answer", message + " Choose one from the responses page.", 404)


def _page(
    uow: UnitOfWork,
    signed: Signed,
    taxonomy: Taxonomy,
    answer: StoredResponse,
    problems: Sequence[str] = (),
    saved: bool = False,
) -> str:
    service = uow.session.get(Service, answer.service_id)
    current = set(answer.text_theme_ids)
    labels = {theme.id: theme.label for theme in taxonomy.themes.values()}
    named = ", ".join(labels.get(t, t) for t in answer.text_theme_ids) or "no theme"
    done = (
        f'<p role="status" class="saved">Saved. The words now carry: {escape(named)}.</p>'
        if saved and not problems
        else ""
    )
    boxes = "".join(
        '<p class="themes-choice">'
        f'<input type="checkbox" id="theme-{escape(theme.id)}" name="theme" '
        f'value="{escape(theme.id)}"{" checked" if theme.id in current else ""}> '
        f'<label for="theme-{escape(theme.id)}">{escape(theme.label)}</label></p>'
        for theme in sorted(taxonomy.themes.values(), key=lambda t: t.label)
    )
    question_themes = ", ".join(labels.get(t, t) for t in answer.theme_ids) or "none"
    described = ' aria-describedby="problems"' if problems else ""
    main = (
        "<h1>Correct themes</h1>"
        + done
        + problems_box(problems, "Nothing was saved:")
        + f"<p>Answer {answer.id} at {escape(service.name if service else answer.service_id)}, "
        f"to the question {escape(answer.question_id)}, on "
        f"{stored_utc(answer.created_at):%-d %B %Y at %H:%M} (UTC).</p>"
        "<h2>Their words</h2>"
        '<blockquote class="words" dir="auto">'
        f"{escape(answer.free_text or '')}</blockquote>"
        f"<p>The question's own themes, which stay as they are: {escape(question_themes)}.</p>"
        f'<form method="post" action="/dashboard/responses/{answer.id}/themes"{described}>'
        + csrf_field(signed.csrf)
        + "<fieldset><legend>What are these words about? Tick every theme that fits, "
        "or none.</legend>" + boxes + "</fieldset>"
        '<p><button type="submit">Save themes</button></p></form>'
        + _history(uow, answer.id, labels)
        + '<p><a href="/dashboard/responses">Back to the responses</a></p>'
    )
    return page("Correct themes", main, signed.viewer, signed.csrf)


def _history(uow: UnitOfWork, response_id: int, labels: dict[str, str]) -> str:
    corrections = uow.session.scalars(
        select(TagCorrection)
        .where(TagCorrection.response_id == response_id)
        .order_by(TagCorrection.corrected_at, TagCorrection.id)
    ).all()
    if not corrections:
        return "<p>These themes have not been corrected before.</p>"

    def names(themes: Sequence[str]) -> str:
        return ", ".join(labels.get(t, t) for t in themes) or "no theme"

    return table(
        "Corrections so far",
        ["When (UTC)", "Who", "Before", "After"],
        [
            [
                f"{stored_utc(c.corrected_at):%Y-%m-%d %H:%M}",
                c.corrected_by,
                names(c.themes_before),
                names(c.themes),
            ]
            for c in corrections
        ],
    )
