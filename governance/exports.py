"""Exports are functions from rows to bytes; callers choose where the bytes go."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence

from governance.queries import ResponseRow

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
    "cqc_statements",
    "channel",
)

PersonLabel = Callable[[ResponseRow], str]


def _record(row: ResponseRow, person: PersonLabel) -> dict[str, object]:
    return {
        "created_at": row.created_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
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
        "cqc_statements": list(row.cqc_statements),
        "channel": row.channel,
    }


def responses_csv(rows: Sequence[ResponseRow], person: PersonLabel) -> bytes:
    """Write answers as CSV (UTF-8 with a BOM so spreadsheets read the pictures and accents).

    Args:
        rows: the answers to write.
        person: how to show each row's person (a pseudonym unless asked otherwise).

    Returns:
        The CSV file's bytes. Lists (themes, CQC statements) are joined with "; ".
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=RESPONSE_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        record = _record(row, person)
        record["themes"] = "; ".join(row.themes)
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
    # A cell starting with = + - @ would run as a formula in a spreadsheet.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


FORMATS = {"csv": responses_csv, "jsonl": responses_jsonl}
