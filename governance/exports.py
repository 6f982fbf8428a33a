"""Exports are functions from rows to bytes; callers choose where the bytes go."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from datetime import datetime, timezone

from governance.queries import InboxWordsRow, ResponseRow
from storage.models import AuditEntry

RESPONSE_COLUMNS = (
    "created_at",
    "provider_id",
    "service_id",
    "person",
    "respondent_role",
    "conversation_id",
    "question_set_id",
    "question_id",
    "answer_value",
    "free_text",
    "themes",
    "text_themes",
    "cqc_statements",
    "channel",
    "incident_id",
)

PersonLabel = Callable[[ResponseRow], str]
# (service id, reference) -> what to show for it.
WhoLabel = Callable[[str, str], str]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _record(row: ResponseRow, person: PersonLabel) -> dict[str, object]:
    return {
        "created_at": _utc_text(row.created_at),
        "provider_id": row.provider_id,
        "service_id": row.service_id,
        "person": person(row),
        "respondent_role": row.respondent_role,
        "conversation_id": row.conversation_id,
        "question_set_id": row.question_set_id,
        "question_id": row.question_id,
        "answer_value": row.answer_value,
        "free_text": row.free_text,
        "themes": list(row.themes),
        "text_themes": list(row.text_themes),
        "cqc_statements": list(row.cqc_statements),
        "channel": row.channel,
        "incident_id": row.incident_id,
    }


def responses_csv(rows: Sequence[ResponseRow], person: PersonLabel) -> bytes:
    """Write answers as CSV (UTF-8 with a BOM so spreadsheets read the pictures and accents).

    Args:
        rows: the answers to write.
        person: how to show each row's person (a pseudonym unless asked otherwise).

    Returns:
        The CSV file's bytes. Lists (themes from the question, themes from the
        words, CQC statements) are joined with "; ".
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=RESPONSE_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        record = _record(row, person)
        record["themes"] = "; ".join(row.themes)
        record["text_themes"] = "; ".join(row.text_themes)
        record["cqc_statements"] = "; ".join(row.cqc_statements)
        writer.writerow({key: _cell(value) for key, value in record.items()})
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def responses_jsonl(rows: Sequence[ResponseRow], person: PersonLabel) -> bytes:
    """Write answers as JSON Lines, one answer an object.

    Args:
        rows: the answers to write.
        person: how to show each row's person.

    Returns:
        The file's bytes, UTF-8, one JSON object a line.
    """
    return "".join(
        json.dumps(_record(row, person), ensure_ascii=False) + "\n" for row in rows
    ).encode("utf-8")


def _cell(value: object) -> object:
    if value is None:
        return ""
    # A cell starting with one of these would run as a formula in a spreadsheet
    # (OWASP "CSV injection"); a leading tab or carriage return hides one that follows.
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


FORMATS = {"csv": responses_csv, "jsonl": responses_jsonl}


def inbox_words_jsonl(rows: Sequence[InboxWordsRow], who: WhoLabel) -> bytes:
    """Write inbox messages as JSON Lines, one message an object.

    Args:
        rows: the messages to write.
        who: how to show a reference (a person's, or a sender id) of a service;
            a pseudonym unless asked otherwise.

    Returns:
        The file's bytes, UTF-8. ``person`` is null when the person is not known;
        ``sender`` is always given.
    """
    return "".join(
        json.dumps(
            {
                "received_at": _utc_text(row.received_at),
                "service_id": row.service_id,
                "person": who(row.service_id or "", row.person_ref) if row.person_ref else None,
                "sender": who(row.service_id or "", row.sender_id),
                "channel": row.channel,
                "status": row.status,
                "conversation_id": row.conversation_id,
                "text": row.text,
            },
            ensure_ascii=False,
        )
        + "\n"
        for row in rows
    ).encode("utf-8")


def audit_jsonl(entries: Sequence[AuditEntry]) -> bytes:
    """Write audit-log entries as JSON Lines, oldest first as given.

    Args:
        entries: the entries to write.

    Returns:
        The file's bytes, UTF-8, one entry an object with ``at`` in UTC.
    """
    return "".join(
        json.dumps(
            {
                "id": entry.id,
                "at": _utc_text(entry.at),
                "actor": entry.actor,
                "action": entry.action,
                "reason": entry.reason,
                "detail": entry.detail,
            },
            ensure_ascii=False,
        )
        + "\n"
        for entry in entries
    ).encode("utf-8")


def _utc_text(moment: datetime) -> str:
    # SQLite gives back naive datetimes; the store writes UTC.
    aware = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
    return aware.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
