"""Find people's names in free text by rules over name lists, offline.

A word is a name when it is a first name that is not also an everyday word ("Dave",
"jenifer", "bex"), or when the words around it say so: a title before it ("Mr Patel",
"mrs t"), a relation ("my son Will"), a capital letter in the middle of a sentence
("I asked Rose"), a verb after it ("Grace on nights", "will said"), or a name beside it
("Sue Baker"). Everyday words that are also names ("I will go", "a rose in the
garden") are left alone without such a sign. When in doubt it takes the word: a quote
that leaks a name is far worse than one with an extra "[name]".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from governance.anonymiser_lexicon import (
    ACRONYMS,
    CALENDAR_NAMES,
    NAME_FOLLOWERS,
    NAME_LEADERS,
    NEVER_NAMES,
    NOT_A_NAME,
    RELATIONS,
    ROLES,
    STRONG_TITLES,
    TITLES,
    WEAK_FOLLOWERS,
    common_surnames,
    first_name_words,
    first_names,
    places,
    surname_words,
    surnames,
)
from governance.anonymiser_patterns import Span

_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"(?:^|[.!?:;\n\"“(]|\s-\s)\s*$")
_INITIALS = re.compile(
    r"(?<![A-Za-z.])(?:[A-Z]\s?\.\s?){2,3}(?![A-Za-z])|(?<![A-Za-z])[A-Z]\.(?=\s+[A-Z][a-z])"
)
_CONTRACTION = re.compile(r"['’](?:t|ll|m|re|ve|d)$")
_OBJECTS = frozenset(
    "you youre u ur your all everyone this that it i we they he she so to the a my".split()
)
# Words that sit between "my son" and a verb without being his name.
_ADVERBS = frozenset(
    """
    first finally later again already once twice too also just then now never always
    still often sometimes usually even ever soon recently really actually who that which
    herself himself themselves myself today yesterday tonight tomorrow here there last
    upstairs downstairs next
    """.split()
)
_ROLE_RELATIONS = frozenset({"keyworker", "worker", "advocate", "therapist"})
_MODALS = frozenset({"will", "may", "can", "must", "might"})


@dataclass
class _Token:
    start: int
    end: int
    text: str
    lower: str
    capital: bool
    sentence_start: bool


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    for match in _WORD.finditer(text):
        word = match.group()
        end = match.end()
        for suffix in ("'s", "’s"):
            if word.lower().endswith(suffix) and len(word) > 2:
                word = word[:-2]
                end -= 2
        found.append(
            _Token(
                start=match.start(),
                end=end,
                text=word,
                lower=_plain_letters(word.lower()),
                capital=word[0].isupper() and not (len(word) > 1 and word.isupper()),
                sentence_start=bool(_SENTENCE_END.search(text[: match.start()])),
            )
        )
    return found


_UNDECOMPOSED = str.maketrans({"ł": "l", "ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ı": "i"})


def _plain_letters(word: str) -> str:
    """ "siân" -> "sian", "zoë" -> "zoe": the name lists are in plain letters."""
    decomposed = unicodedata.normalize("NFKD", word.translate(_UNDECOMPOSED))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _title_case_text(tokens: list[_Token]) -> bool:
    """Whether capitals say nothing here: most words capitalised, or all in capitals."""
    if len(tokens) < 4:
        return False
    capitals = sum(1 for t in tokens if t.text[0].isupper() and not t.sentence_start)
    return capitals / len(tokens) > 0.6


def _edit_distance_at_most_one(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        # Two letters swapped: "Jenfier".
        i = diffs[0]
        return len(diffs) == 2 and diffs[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _close_to(word: str, names: Iterable[str]) -> bool:
    return any(
        len(name) >= 4 and name[0] == word[0] and _edit_distance_at_most_one(word, name)
        for name in names
    )


def _without_apostrophe(word: str) -> str:
    """ "o'connor" -> "oconnor"; "i'm", "she'll" -> "i", "she"."""
    word = word.replace("’", "'")
    head, _, tail = word.partition("'")
    if not tail:
        return word
    if len(head) == 1:
        return head + tail
    return head


def _hyphenated_name(word: str) -> bool:
    """ "Kerry-Anne", "Adeyemi-Williams", but not "sing-song"."""
    parts = word.split("-")
    every_part_a_name = all(p in first_names() or p in surnames() for p in parts)
    return every_part_a_name and any(
        p in first_names() and p not in first_name_words() for p in parts
    )


class _Reader:
    """Marks which tokens of one text are names."""

    def __init__(self, text: str, known: frozenset[str]) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.known = known
        self.capitals_mean_names = not _title_case_text(self.tokens)

    def word(self, i: int) -> str:
        return self.tokens[i].lower if 0 <= i < len(self.tokens) else ""

    def joined(self, i: int, j: int) -> bool:
        """Whether tokens i and j are next to each other, with at most a comma between."""
        gap = self.text[self.tokens[i].end : self.tokens[j].start]
        return re.fullmatch(r"\s*,?\s*", gap) is not None and "\n" not in gap

    def capitalised_midsentence(self, i: int) -> bool:
        token = self.tokens[i]
        return token.capital and not token.sentence_start and self.capitals_mean_names

    def followed_by_name_verb(self, i: int, strong: bool = False) -> bool:
        if i + 1 >= len(self.tokens) or not self.joined(i, i + 1):
            return False
        following = self.word(i + 1)
        if following == "and" and not strong:
            # "Rose and Dave came" but not "Joy and hope keep me going".
            return i + 2 < len(self.tokens) and (
                self.tokens[i + 2].capital
                or (
                    self.word(i + 2) in first_names() and self.word(i + 2) not in first_name_words()
                )
            )
        if strong:
            return following in NAME_FOLLOWERS and following not in WEAK_FOLLOWERS
        return following in NAME_FOLLOWERS

    def after_relation(self, i: int) -> bool:
        return i > 0 and self.word(i - 1) in RELATIONS and self.joined(i - 1, i)

    def after_leader(self, i: int) -> bool:
        return i > 0 and self.word(i - 1) in NAME_LEADERS and self.joined(i - 1, i)

    def is_name(self, i: int) -> bool:
        token = self.tokens[i]
        word = token.lower
        if token.text in ACRONYMS:
            return False
        if word in self.known:
            return not (word in first_name_words() and not self._word_used_as_name(i))
        if len(word) < 2 or _CONTRACTION.search(word):
            return False
        if word in NOT_A_NAME or word in NEVER_NAMES:
            return False
        if word in first_name_words():
            return self._word_used_as_name(i)
        if word in first_names():
            return True
        if "-" in word and _hyphenated_name(word):
            return True
        if len(word) >= 4 and _close_to(word, self.known):
            return True
        if token.capital and (self.after_relation(i) or self.after_leader(i)):
            # Any capitalised word where a name is expected: "my carer Oluwadamilare".
            return word not in places() and word not in NAME_FOLLOWERS
        if word in surname_words():
            return False
        if token.capital and not token.text.isascii() and word not in places():
            # "Siân", "Łukasz": letters the name lists lack, capitalised, are names.
            return self.capitalised_midsentence(i) or self.followed_by_name_verb(i)
        plain = _without_apostrophe(word)
        if (self.capitalised_midsentence(i) or self.after_relation(i)) and plain in surnames():
            return True
        if token.capital and plain in surnames() and self.followed_by_name_verb(i):
            return True
        if self._unknown_after_relation(i):
            return True
        named_here = token.capital and (
            self.capitalised_midsentence(i)
            or self.after_relation(i)
            or self.followed_by_name_verb(i, strong=True)
        )
        # A misspelt first name where a name is expected: "Jeniffer", "Micheal".
        return named_here and len(word) >= 5 and _close_to(word, first_names())

    def _word_used_as_name(self, i: int) -> bool:
        """For a name that is also a word: whether the words around it make it a name."""
        word = self.word(i)
        calendar = word in CALENDAR_NAMES
        modal = word in _MODALS
        if self._before_surname(i) or self._before_apposition(i):
            return True
        if self.after_relation(i):
            if modal or calendar:
                return self.tokens[i].capital or self.followed_by_name_verb(i)
            return True
        if self.capitalised_midsentence(i):
            if calendar:
                return self.followed_by_name_verb(i, strong=True) or self.after_leader(i)
            return not (modal and self._modal_here(i))
        if (self.after_leader(i) or self._in_company(i)) and not modal:
            # Not "hi, hope you're well".
            return self.word(i + 1) not in _OBJECTS
        if self.tokens[i].sentence_start or self.tokens[i].capital:
            return self.followed_by_name_verb(i, strong=calendar) or self._before_role(i)
        return False

    def _before_surname(self, i: int) -> bool:
        """A capitalised name-word before a capitalised surname: "Sue Baker", "Will Smith"."""
        if i + 1 >= len(self.tokens) or not self.joined(i, i + 1):
            return False
        token, nxt = self.tokens[i], self.tokens[i + 1]
        capitals = token.capital and nxt.capital and self.capitals_mean_names
        if capitals and nxt.lower in surnames():
            return True
        # Lower case, with a verb after: "sue baker was rude".
        return (
            (token.lower not in _MODALS or token.sentence_start)
            and nxt.lower in common_surnames()
            and nxt.lower not in NAME_FOLLOWERS | NOT_A_NAME
            and self.followed_by_name_verb(i + 1)
        )

    def _unknown_after_relation(self, i: int) -> bool:
        """A lower-case word between a relation and a verb: "my grandson kayden came"."""
        word = self.word(i)
        return (
            i > 0
            and self.word(i - 1) in RELATIONS - ROLES - _ROLE_RELATIONS
            and re.fullmatch(r"[ \t]+", self.text[self.tokens[i - 1].end : self.tokens[i].start])
            is not None
            and self.word(i + 1) in NAME_FOLLOWERS - {"at", "on", "from", "and", "who"}
            and self.joined(i, i + 1)
            and word not in _ADVERBS
            and not word.endswith(("ly", "ed"))
            and word not in NAME_FOLLOWERS
        )

    def _in_company(self, i: int) -> bool:
        """A name-word in company: "with lily from downstairs", "me n hazel go"."""
        before = self.word(i - 1)
        if before in {"and", "n", "&"} and self.word(i - 2) in {"me", "i"}:
            return self.joined(i - 2, i - 1) and self.joined(i - 1, i)
        after = self.word(i + 1)
        return (
            before == "with"
            and self.joined(i - 1, i)
            and (after in {"about", "from"} or (after in NAME_FOLLOWERS - WEAK_FOLLOWERS))
        )

    def _before_apposition(self, i: int) -> bool:
        """A name-word then who they are: "Will, my son, is 40", "rose (the night nurse)"."""
        if i + 1 >= len(self.tokens):
            return False
        if self.word(i) in _MODALS | CALENDAR_NAMES and not self.tokens[i].capital:
            return False
        gap = self.text[self.tokens[i].end : self.tokens[i + 1].start]
        if not re.fullmatch(r"\s*[,(]\s*", gap):
            return False
        j = i + 1
        if self.word(j) in {"my", "her", "his", "our", "their", "the", "a"}:
            j += 1
        if self.word(j) in {"night", "day", "new", "senior", "key", "support", "social"}:
            j += 1
        return self.word(j) in RELATIONS | ROLES

    def _before_role(self, i: int) -> bool:
        """A name-word before "the" and a job: "Paddy the handyman", "Joy the cook"."""
        capital = self.tokens[i].capital and self.capitals_mean_names
        return (
            capital
            and self.word(i) not in _MODALS
            and self.word(i + 1) == "the"
            and self.word(i + 2) in ROLES
        )

    def _modal_here(self, i: int) -> bool:
        """'Will' or 'May' capitalised mid-sentence but working as a verb ("If I May")."""
        following = self.word(i + 1)
        return following in {"i", "you", "we", "they", "he", "she", "it", "be", "not"}

    def name_spans(self) -> list[Span]:
        marked = [self.is_name(i) for i in range(len(self.tokens))]
        self._mark_titles(marked)
        self._mark_pairs(marked)
        self._extend_with_surnames(marked)
        spans: list[Span] = []
        for i, token in enumerate(self.tokens):
            if marked[i]:
                spans.append(Span(token.start, token.end, "name"))
        spans += self._initials()
        return spans

    def _mark_titles(self, marked: list[bool]) -> None:
        for i, token in enumerate(self.tokens[:-1]):
            gap = self.text[token.end : self.tokens[i + 1].start]
            # Only an abbreviated title takes a full stop: "Dr. Okafor", not "just Nan. Last".
            allowed = r"\.?[ \t]*" if token.lower in STRONG_TITLES else r"[ \t]+"
            if token.lower not in TITLES or not re.fullmatch(allowed, gap):
                continue
            nxt = self.tokens[i + 1]
            strong = token.lower in STRONG_TITLES
            is_title_here = (token.capital or strong) and (
                nxt.text[0].isupper() or (strong and nxt.lower not in NOT_A_NAME)
            )
            if (is_title_here or marked[i + 1]) and nxt.lower not in NOT_A_NAME - {"i"}:
                marked[i + 1] = True
                # "Mr", "Dr" go with the name; "Auntie", "Sister" read well before "[name]".
                marked[i] = marked[i] or strong

    def _mark_pairs(self, marked: list[bool]) -> None:
        """A name-word joined to a name by "and": "DAVE AND SUE", "dave n rose"."""
        for i in range(len(self.tokens) - 2):
            if marked[i] and not marked[i + 2] and self.word(i + 1) in {"and", "n", "&"}:
                word = self.word(i + 2)
                if word in first_name_words() and word not in _MODALS | CALENDAR_NAMES:
                    marked[i + 2] = self.joined(i, i + 1) and self.joined(i + 1, i + 2)

    def _extend_with_surnames(self, marked: list[bool]) -> None:
        for i in range(1, len(self.tokens)):
            if marked[i] or not marked[i - 1]:
                continue
            before, token = self.tokens[i - 1], self.tokens[i]
            gap = self.text[before.end : token.start]
            # "Sue Baker", and after an initial or a title, "K. Brown", "Dr. Okafor".
            initial = len(before.text) == 1 or before.lower in STRONG_TITLES
            if not (re.fullmatch(r"[ \t]+", gap) or (initial and re.fullmatch(r"\.\s*", gap))):
                continue
            if token.lower in NOT_A_NAME:
                continue
            if (
                (token.capital and self.capitals_mean_names)
                or (token.lower in surnames() and token.lower not in surname_words())
                or (
                    token.lower in common_surnames()
                    and token.lower not in NAME_FOLLOWERS
                    and self.followed_by_name_verb(i)
                )
            ):
                marked[i] = True

    def _initials(self) -> list[Span]:
        spans = []
        for found in _INITIALS.finditer(self.text):
            letters = re.sub(r"[\s.]", "", found.group())
            if letters not in ACRONYMS:
                spans.append(Span(found.start(), found.end(), "name"))
        # Capital initials standing for a person: "JS said", "asked KB".
        if not self.capitals_mean_names:
            return spans
        for i, token in enumerate(self.tokens):
            text = token.text
            if not (2 <= len(text) <= 3 and text.isupper()):
                continue
            if text in ACRONYMS or token.lower in NOT_A_NAME:
                continue
            if (
                self.followed_by_name_verb(i, strong=True)
                or self.after_leader(i)
                or self.after_relation(i)
            ):
                spans.append(Span(token.start, token.end, "name"))
        return spans


def find_names(text: str, known_names: Iterable[str] = ()) -> list[Span]:
    """Spans of the text that name a person.

    Args:
        text: what a person wrote or said.
        known_names: first names and surnames the service holds; matched whole, any case,
            and with one letter wrong.

    Returns:
        One span per name word (or initials), in order; neighbours are not yet joined.
    """
    known = frozenset(
        _plain_letters(part.lower())
        for name in known_names
        for part in _WORD.findall(name)
        if len(part) >= 2 and part.lower() not in NEVER_NAMES | NOT_A_NAME
    )
    return _Reader(text, known).name_spans()
