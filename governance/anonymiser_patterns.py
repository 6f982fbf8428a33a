"""Identifiers with a shape: phone numbers, emails, addresses, postcodes, dates of birth,
NHS numbers, National Insurance numbers and other long references.

Each finder returns spans of the original text with the kind of thing found; the
anonymiser (governance/anonymiser.py) decides what wins where spans overlap.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple


class Span(NamedTuple):
    """Characters start..end of the text hold one thing of this kind."""

    start: int
    end: int
    kind: str


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_NUMERIC_DATE = r"\d{1,2}\s?[/.\-]\s?\d{1,2}\s?[/.\-]\s?(?:\d{4}|\d{2})"
_WORDY_DATE = (
    rf"(?:(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}\.?(?:,?\s+(?:\d{{4}}|'?\d{{2}}))?"
    rf"|{_MONTH}\.?\s+(?:the\s+)?{_DAY}(?:,?\s+\d{{4}})?"
    rf"|{_MONTH}\s+\d{{4}})"
)
_ANY_DATE = rf"(?:{_NUMERIC_DATE}|{_WORDY_DATE}|(?:in\s+)?(?:(?:19|20)\d{{2}}|'\d{{2}}))"
_BIRTH_WORDS = r"(?:born|b\.|d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|birthday|b'?day|bday)"
_DOB = re.compile(
    rf"\b{_BIRTH_WORDS}\s*(?:is|was|:|-|on|in)?\s*(?:is\s+|was\s+|on\s+)?"
    rf"(?P<date>{_ANY_DATE})\b",
    re.IGNORECASE,
)
# A full date in the 1900s is a birth date in what older people and their families write.
_OLD_DATE = re.compile(
    r"(?<![\d/.\-])\d{1,2}\s?[/.\-]\s?\d{1,2}\s?[/.\-]\s?19\d{2}(?![\d/.\-])"
    rf"|\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+19\d{{2}}\b",
    re.IGNORECASE,
)

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)

# Runs of digits, possibly with +, spaces, dashes, dots or brackets inside.
_DIGIT_RUN = re.compile(r"(?<![\w/])(?:\+|00)?\(?\d[\d ()\-.]{4,}\d(?![\w/])")

_POSTCODE = re.compile(
    r"\b(?:GIR\s?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2})\b",
    re.IGNORECASE,
)

# Any two letters, not only those HMRC issues: people quote the "QQ" example form too.
_NI_NUMBER = re.compile(
    r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b",
    re.IGNORECASE,
)

_STREET = (
    r"(?:road|rd|street|st|avenue|ave|lane|ln|close|cl|drive|dr|way|court|ct|crescent"
    r"|cres|place|pl|grove|gardens|gdns|terrace|terr|walk|hill|park|square|sq|row|mews|rise"
    r"|view|green|parade|vale|croft|fold|mount|gate|wharf|boulevard|approach|chase|wynd"
    r"|brow|meadows?|fields?|estate)"
)
# Words that are not part of a street's name: "half 4 which is way too early".
_NOT_STREET_NAME = (
    r"(?:which|is|was|are|were|and|or|but|to|a|an|the|of|in|on|at|for|by|with|it|that|this"
    r"|my|your|his|her|our|their|too|so|very|way|be|been|has|have|had|not|no|we|i|you|they"
    r"|he|she|times?|days?|weeks?|months?|years?|hours?|minutes?|mins?|people|of)\b"
)
_ADDRESS = re.compile(
    r"\b(?:(?:flat|apartment|apt|unit|house)\s*\d+[a-z]?\s*,?\s*)?"
    r"\d{1,4}[a-z]?\s*,?\s+(?:the\s+|(?:the\s+)?(?:(?!"
    + _NOT_STREET_NAME
    + r")[a-z][a-z'\-]+\s+){1,3})"
    rf"{_STREET}\b\.?",
    re.IGNORECASE,
)
_FLAT = re.compile(r"\b(?:flat|apartment|apt|unit)\s*(?:no\.?\s*)?\d+[a-z]?\b", re.IGNORECASE)
_ROOM = re.compile(r"\b(?:room|rm|bed|bedroom)\s*(?:no\.?\s*|number\s*)?\d+[a-z]?\b", re.IGNORECASE)

# Letters and digits mixed, six or more: a reference, a case number, a card number.
_MIXED_ID = re.compile(r"\b(?=[A-Za-z\-]*\d)(?=\d*[A-Za-z])[A-Za-z\d][A-Za-z\d\-]{4,}[A-Za-z\d]\b")
_NOT_AN_ID = re.compile(r"^(?:covid-?19|\d+(?:st|nd|rd|th|am|pm|s|k|mg|ml|kg|mins?|hrs?))$", re.I)


def nhs_number_is_valid(digits: str) -> bool:
    """Whether ten digits pass the NHS number's modulus 11 check.

    Args:
        digits: the ten digits, with nothing between them.

    Returns:
        True when the check digit is right.
    """
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


# A number after a word that makes it a reference, however short: "my PIN is 1234".
_REFERENCE = re.compile(
    r"\b(?:ref(?:erence)?|case|account|acc|id|pin|card|policy|claim|member(?:ship)?"
    r"|patient|client|customer|tenancy|sort\s+code)(?:\s+(?:no\.?|number|is|was|:))*"
    r"[\s:#.]*(?P<ref>\d[\d\-]{2,}\d)\b",
    re.IGNORECASE,
)
_PHONE_WORDS = re.compile(
    r"\b(?:tel|phone|ring|call|mob(?:ile)?|no\.?|number|text|whatsapp)"
    r"(?:\s+(?:me|us|her|him|them|on|at|is))*\W*$",
    re.IGNORECASE,
)
_YEAR_RANGE = re.compile(r"(?:19|20)\d{2}\s?-\s?(?:(?:19|20)\d{2}|\d{2})")


def _digit_kind(run: str, before: str) -> str | None:
    digits = re.sub(r"\D", "", run)
    if _YEAR_RANGE.fullmatch(run.strip()):
        return None
    if digits.startswith("447") and len(digits) == 12:
        return "phone"
    international = run.startswith("+") or run.startswith("00")
    if international and digits.lstrip("0").startswith("44") and len(digits.lstrip("0")) >= 11:
        return "phone"
    if international and len(digits) >= 9:
        return "phone"
    if re.search(r"\bnhs\b[^.\n]{0,20}$", before, re.IGNORECASE) and len(digits) == 10:
        return "nhs_number"
    if len(digits) == 10 and nhs_number_is_valid(digits) and not digits.startswith("0"):
        return "nhs_number"
    if digits.startswith("0") and 10 <= len(digits) <= 11:
        return "phone"
    if len(digits) == 10 and re.fullmatch(r"\d{3}[ \-]?\d{3}[ \-]?\d{4}", run.strip()):
        return "nhs_number"
    if _REFERENCE.search(before + " 0000"):
        return "identifier"
    if _PHONE_WORDS.search(before):
        if len(digits) >= 6:
            return "phone"
    if len(digits) >= 7:
        return "identifier"
    return None


def _digit_runs(text: str) -> Iterator[Span]:
    for found in _DIGIT_RUN.finditer(text):
        run = found.group().rstrip(" -.(")
        # A closing bracket with no opening one belongs to the sentence, not the number.
        if run.endswith(")") and "(" not in run:
            run = run[:-1]
        kind = _digit_kind(run, text[max(0, found.start() - 30) : found.start()])
        if kind:
            yield Span(found.start(), found.start() + len(run), kind)


def find_identifiers(text: str) -> list[Span]:
    """Every shaped identifier in the text, overlapping spans included.

    Args:
        text: what a person wrote or said.

    Returns:
        Spans in no particular order; the caller resolves overlaps.
    """
    spans: list[Span] = []
    spans += [Span(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    spans += [Span(m.start("date"), m.end("date"), "date_of_birth") for m in _DOB.finditer(text)]
    spans += [Span(m.start(), m.end(), "date_of_birth") for m in _OLD_DATE.finditer(text)]
    spans += [Span(m.start(), m.end(), "identifier") for m in _NI_NUMBER.finditer(text)]
    spans += [Span(m.start(), m.end(), "address") for m in _ADDRESS.finditer(text)]
    spans += [Span(m.start(), m.end(), "address") for m in _FLAT.finditer(text)]
    spans += [Span(m.start(), m.end(), "room") for m in _ROOM.finditer(text)]
    spans += [Span(m.start(), m.end(), "postcode") for m in _POSTCODE.finditer(text)]
    spans += list(_digit_runs(text))
    spans += [Span(m.start("ref"), m.end("ref"), "identifier") for m in _REFERENCE.finditer(text)]
    spans += [
        Span(m.start(), m.end(), "identifier")
        for m in _MIXED_ID.finditer(text)
        if not _NOT_AN_ID.match(m.group())
    ]
    return spans
