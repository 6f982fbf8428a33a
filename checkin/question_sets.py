"""Question sets are data: YAML files checked against a schema and the taxonomy.

A co-production group can add or reword a set without retraining Rasa: the
NLU only needs to know the intents, never the questions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from covoice.taxonomy import ScaleOption, Taxonomy

END = "end"  # a branch target meaning "no more questions"
# The bot's own wording lives beside the sets but is not a set.
BOT_WORDING_FILE = "bot_wording.yml"
# The channels' own words sit beside the sets and are not sets.
WORDING_FILES = frozenset({BOT_WORDING_FILE, "kiosk_wording.yml", "telegram_wording.yml"})
KEY_QUESTIONS = ("Safe", "Effective", "Caring", "Responsive", "Well-led")


class QuestionSetError(Exception):
    """A question-set file that cannot be used; the message names file, question and problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Wording(_Strict):
    text: str = Field(min_length=1)
    easy_read: str = Field(min_length=1)


class Option(_Strict):
    value: str = Field(min_length=1, pattern=r"^[a-z0-9_]+$")
    # Short enough for a button on a phone (Telegram cuts longer ones off).
    label: str = Field(min_length=1, max_length=30)
    pictogram: str = Field(min_length=1)
    # Choosing it in an incident follow-up promises an update within this many
    # days ("in a week": 7); the promise is kept as an update owed.
    update_owed_days: int | None = Field(default=None, ge=1, le=366)


class FollowUp(Wording):
    """A "tell me more" question asked after certain answers."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    when: tuple[str, ...] = Field(min_length=1)


class Question(Wording):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    scale: Literal["scale3", "yes_no_unsure", "choice", "free_text"]
    pictograms: tuple[str, ...] = Field(min_length=1)
    themes: tuple[str, ...] = Field(min_length=1)
    cqc: tuple[str, ...] = Field(min_length=1)
    options: tuple[Option, ...] = ()
    follow_up: FollowUp | None = None
    # answer value -> id of the question to go to next (or "end")
    branch: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _options_match_scale(self) -> Question:
        if self.scale == "choice" and len(self.options) < 2:
            raise ValueError("a 'choice' question needs at least two options")
        if self.scale != "choice" and self.options:
            raise ValueError(f"options are only for 'choice' questions, not '{self.scale}'")
        return self


class Closing(Wording):
    pass


class AnythingElse(Wording):
    themes: tuple[str, ...] = ()


class QuestionSetFile(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    intro: Wording
    anything_else: AnythingElse
    closing: Closing
    questions: tuple[Question, ...] = Field(min_length=1)


class QuestionSet:
    """A validated question set with its answer options resolved from the taxonomy."""

    def __init__(self, spec: QuestionSetFile, taxonomy: Taxonomy) -> None:
        self.spec = spec
        self.id = spec.id
        self.version = spec.version
        self.title = spec.title
        self._questions = {question.id: question for question in spec.questions}
        self._order = [question.id for question in spec.questions]
        self._taxonomy = taxonomy

    def position(self, question_id: str) -> int:
        """Where the question comes in the set, counting from 1."""
        return self._order.index(question_id) + 1

    @property
    def first(self) -> Question:
        return self.spec.questions[0]

    def question(self, question_id: str) -> Question:
        return self._questions[question_id]

    def has_question(self, question_id: str) -> bool:
        return question_id in self._questions

    def following(self, question_id: str) -> Question | None:
        """The question after this one in file order, or None at the end."""
        position = self._order.index(question_id) + 1
        return self.spec.questions[position] if position < len(self._order) else None

    def update_owed_days(self, question_id: str, value: str | None) -> int | None:
        """The days within which an answer promises an update, if it promises one."""
        if value is None or not self.has_question(question_id):
            return None
        for option in self.question(question_id).options:
            if option.value == value:
                return option.update_owed_days
        return None

    def themes(self) -> list[str]:
        """The themes its questions are about, in the order they first come."""
        return list(dict.fromkeys(t for question in self.spec.questions for t in question.themes))

    def on_theme(self, theme_id: str) -> QuestionSet | None:
        """Just this set's questions on one theme, as a set of its own; None if it has none.

        Its id is ``<set id>~<theme id>``, which no file's id can be. A branch
        to a question left out goes on to the next question kept instead.
        """
        kept = [question for question in self.spec.questions if theme_id in question.themes]
        if not kept:
            return None
        kept_ids = {question.id for question in kept}
        questions = tuple(
            question.model_copy(
                update={
                    "branch": {
                        value: target
                        for value, target in question.branch.items()
                        if target in kept_ids or target == END
                    }
                }
            )
            for question in kept
        )
        spec = self.spec.model_copy(
            update={"id": theme_set_id(self.id, theme_id), "questions": questions}
        )
        return QuestionSet(spec, self._taxonomy)

    def options(self, question: Question) -> tuple[ScaleOption, ...]:
        if question.scale == "choice":
            return tuple(ScaleOption(o.value, o.label, o.pictogram) for o in question.options)
        return self._taxonomy.scales[question.scale]


def load_question_set(path: Path, taxonomy: Taxonomy) -> QuestionSet:
    """Read and check one question-set file.

    Raises:
        QuestionSetError: the file is missing, is not YAML, breaks the schema,
            or names a theme, scale value or question that does not exist.
    """
    name = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise QuestionSetError(f"{name}: cannot read the file ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise QuestionSetError(f"{name}: not valid YAML ({_yaml_problem(error)})") from None
    if not isinstance(raw, dict):
        raise QuestionSetError(f"{name}: expected a mapping with id, questions, ... at the top")
    try:
        spec = QuestionSetFile.model_validate(raw)
    except ValidationError as error:
        raise QuestionSetError(_describe(name, raw, error)) from None
    problems = _cross_check(spec, taxonomy)
    if problems:
        raise QuestionSetError(f"{name}: " + "; ".join(problems))
    return QuestionSet(spec, taxonomy)


def load_question_sets(directory: Path, taxonomy: Taxonomy) -> dict[str, QuestionSet]:
    """Load every ``*.yml`` set in a directory, keyed by set id.

    Raises:
        QuestionSetError: any file is broken, or two files share an id.
    """
    sets: dict[str, QuestionSet] = {}
    for path in sorted(directory.glob("*.yml")):
        if path.name in WORDING_FILES:
            continue
        question_set = load_question_set(path, taxonomy)
        if question_set.id in sets:
            raise QuestionSetError(f"{path}: set id '{question_set.id}' is used by another file")
        sets[question_set.id] = question_set
    if not sets:
        raise QuestionSetError(f"{directory}: no question-set files (*.yml) found")
    # Reviews of an action can ask just the questions on its theme.
    for question_set in list(sets.values()):
        for theme_id in question_set.themes():
            on_theme = question_set.on_theme(theme_id)
            if on_theme is not None:
                sets[on_theme.id] = on_theme
    return sets


def theme_set_id(set_id: str, theme_id: str) -> str:
    """The id of a set's questions on one theme (see ``QuestionSet.on_theme``)."""
    return f"{set_id}~{theme_id}"


def is_theme_set(set_id: str) -> bool:
    return "~" in set_id


def _cross_check(spec: QuestionSetFile, taxonomy: Taxonomy) -> list[str]:
    problems: list[str] = []
    ids = [question.id for question in spec.questions]
    follow_up_ids = [q.follow_up.id for q in spec.questions if q.follow_up]
    for duplicate in sorted({i for i in ids + follow_up_ids if (ids + follow_up_ids).count(i) > 1}):
        problems.append(f"question '{duplicate}': the id is used more than once")
    for theme in spec.anything_else.themes:
        if theme not in taxonomy.themes:
            problems.append(f"anything_else: unknown theme '{theme}'")
    for question in spec.questions:
        where = f"question '{question.id}'"
        for theme in question.themes:
            if theme not in taxonomy.themes:
                problems.append(f"{where}: unknown theme '{theme}'")
        for statement in question.cqc:
            if statement.split(":", 1)[0] not in KEY_QUESTIONS or ":" not in statement:
                problems.append(
                    f"{where}: CQC statement '{statement}' should read 'Key question: statement'"
                    f" with a key question of {', '.join(KEY_QUESTIONS)}"
                )
        values = _answer_values(question, taxonomy)
        if question.follow_up:
            for value in question.follow_up.when:
                if values is not None and value not in values:
                    problems.append(f"{where}: follow_up.when has '{value}', not an answer here")
        for value, target in question.branch.items():
            if values is not None and value not in values:
                problems.append(f"{where}: branch on '{value}', which is not an answer here")
            if target != END and target not in ids:
                problems.append(f"{where}: branch goes to '{target}', which is not a question")
            elif target != END and ids.index(target) <= ids.index(question.id):
                problems.append(f"{where}: branch to '{target}' goes backwards")
    return problems


def _answer_values(question: Question, taxonomy: Taxonomy) -> set[str] | None:
    if question.scale == "free_text":
        return None
    if question.scale == "choice":
        return {option.value for option in question.options}
    return {option.value for option in taxonomy.scales[question.scale]}


def _describe(name: str, raw: dict[str, object], error: ValidationError) -> str:
    """Turn pydantic's error list into 'file: question 'x': field: problem' lines."""
    lines = []
    for issue in error.errors():
        loc = list(issue["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
            questions = raw.get("questions")
            question_id = None
            if isinstance(questions, list) and loc[1] < len(questions):
                item = questions[loc[1]]
                question_id = item.get("id") if isinstance(item, dict) else None
            where = f"question '{question_id}'" if question_id else f"question {loc[1] + 1}"
            loc = loc[2:]
        field = ".".join(str(part) for part in loc)
        prefix = ": ".join(part for part in (where, field) if part)
        lines.append(f"{prefix}: {issue['msg']}" if prefix else str(issue["msg"]))
    return f"{name}: " + "; ".join(lines)


def describe_errors(error: ValidationError) -> str:
    """pydantic's errors as 'field.path: problem' joined by '; '."""
    return "; ".join(
        f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}"
        for issue in error.errors()
    )


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or "syntax error"
    return f"{problem} at line {mark.line + 1}" if mark is not None else str(problem)
