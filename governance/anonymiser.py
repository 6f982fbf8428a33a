"""Anonymise a person's words before they leave the store in any report or quote.

    >>> anonymise("Dave on nights rang 07700 900123 for my son Will").text
    '[name] on nights rang [phone number] for my son [name]'

Everything is offline: rules, and name lists read from installed packages
(governance/anonymiser_lexicon.py). What is replaced, each with a plain placeholder:

- names of people and staff, with their titles and initials ("Mr Patel", "Dr. Okafor",
  "Mrs T", "J.S.") -> "[name]" (governance/anonymiser_names.py says how names are found,
  including names that are also words, nicknames and misspellings);
- names and references the service holds, passed as ``known_names`` -> "[name]", or
  "[identifier]" for a reference with a digit in it;
- phone numbers, emails, street addresses and flat numbers, postcodes, dates of birth,
  NHS numbers, National Insurance numbers, long digit runs, references mixing letters
  and digits, and any number after a word such as "PIN", "account" or "case no."
  (governance/anonymiser_patterns.py);
- room and bed numbers ("room 12") -> "[room number]": in a care home a room number
  tells staff and other residents who spoke, which undoes the rule that a quote is used
  only where several people said the same.

Kept: ordinary dates and years ("since 2019", "on 3 May"), ages, times, amounts, and
the first half of a postcode or a town ("in LS6", "Leeds"), which are shared by too many
people to point at one. When in doubt a word is replaced: an extra "[name]" costs a
reader little; a leaked name can cost a person their safety. So film, book and pop
characters ("Tommy Shelby") and a few capitalised words in odd places are replaced too.

Not caught: a lower-case name in none of the lists with no sign around it ("kayden came
round"; pass it in ``known_names``), and an email spelled out in words.
tests/fixtures/anonymiser_cases.yaml keeps these as known misses beside the cases that
are caught.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from governance.anonymiser_names import find_names
from governance.anonymiser_patterns import Span, find_identifiers

PLACEHOLDERS = {
    "name": "[name]",
    "phone": "[phone number]",
    "email": "[email]",
    "address": "[address]",
    "postcode": "[postcode]",
    "date_of_birth": "[date of birth]",
    "nhs_number": "[NHS number]",
    "room": "[room number]",
    "identifier": "[identifier]",
}

# Where spans overlap, the joined span takes the first kind in this order.
_PRIORITY = [
    "email",
    "date_of_birth",
    "nhs_number",
    "phone",
    "address",
    "postcode",
    "room",
    "identifier",
    "name",
]


@dataclass(frozen=True)
class Replacement:
    """One thing taken out: its kind, and where it was in the original text."""

    kind: str
    start: int
    end: int
    original: str

    @property
    def placeholder(self) -> str:
        return PLACEHOLDERS[self.kind]


@dataclass(frozen=True)
class Anonymised:
    """The text with identifying things replaced, and a list of what was replaced."""

    text: str
    replacements: tuple[Replacement, ...]

    @property
    def changed(self) -> bool:
        return bool(self.replacements)


def _known_references(text: str, known_names: Iterable[str]) -> list[Span]:
    spans = []
    for ref in known_names:
        ref = ref.strip()
        if len(ref) < 2 or not any(c.isdigit() for c in ref):
            continue
        pattern = rf"(?<![\w]){re.escape(ref)}(?![\w])"
        spans += [
            Span(m.start(), m.end(), "identifier")
            for m in re.finditer(pattern, text, re.IGNORECASE)
        ]
    return spans


def _joined(spans: list[Span], text: str) -> list[Span]:
    """Overlapping spans become one; names next to each other become one name."""
    joined: list[Span] = []
    for span in sorted(spans):
        if joined:
            last = joined[-1]
            between = text[last.end : span.start]
            both_names = last.kind == "name" and span.kind == "name"
            if span.start < last.end or (both_names and re.fullmatch(r"[\s.]*", between)):
                kind = min(last.kind, span.kind, key=_PRIORITY.index)
                joined[-1] = Span(last.start, max(last.end, span.end), kind)
                continue
        joined.append(span)
    return joined


def anonymise(text: str, known_names: Iterable[str] = ()) -> Anonymised:
    """Replace names, contact details and identifiers in text with plain placeholders.

    Args:
        text: what a person wrote or said.
        known_names: first names, surnames and references the service holds about its
            people and staff; each is replaced wherever it appears, in any case.

    Returns:
        The new text and, in order, each replacement's kind and original span.
    """
    known = [name for name in known_names if name and name.strip()]
    identifiers = find_identifiers(text) + _known_references(text, known)
    taken = _joined(identifiers, text)
    names = [
        span
        for span in find_names(text, known)
        if not any(span.start < other.end and other.start < span.end for other in taken)
    ]
    spans = _joined(taken + names, text)
    pieces: list[str] = []
    replacements: list[Replacement] = []
    position = 0
    for span in spans:
        pieces.append(text[position : span.start])
        pieces.append(PLACEHOLDERS[span.kind])
        replacements.append(
            Replacement(span.kind, span.start, span.end, text[span.start : span.end])
        )
        position = span.end
    pieces.append(text[position:])
    return Anonymised("".join(pieces), tuple(replacements))
