"""Building the prompts of a check-in from its question set and the bot's wording.

Every button that moves the conversation on (an answer, Skip, Yes or No)
carries the step it belongs to and the turn it was shown at, so a press that
arrives late is recognised as late.
"""

from __future__ import annotations

from checkin.question_sets import FollowUp, Question, QuestionSet
from checkin.reading import SCALE_INTENTS
from checkin.wire import Button, Progress, Prompt, button_payload
from checkin.wording import BotWording

CONSENT_STEP = "consent"
FEEDBACK_STEP = "feedback"
ANYTHING_ELSE_STEP = "anything_else"
SPEECH_BUBBLE = "💬"


class PromptBuilder:
    def __init__(self, question_set: QuestionSet, wording: BotWording) -> None:
        self.qs = question_set
        self.wording = wording

    def consent(self, turn: int) -> Prompt:
        intro = self.qs.spec.intro
        w = self.wording
        step: dict[str, str | int] = {"question": CONSENT_STEP, "turn": turn}
        return Prompt(
            kind="consent",
            text=intro.text,
            easy_read=intro.easy_read,
            buttons=(
                w.button("yes_start", button_payload("affirm", **step)),
                w.button("no_thanks", button_payload("deny", **step)),
            ),
            question_id=CONSENT_STEP,
        )

    def question(self, question: Question, turn: int) -> Prompt:
        answers = tuple(
            Button(
                label=option.label,
                pictogram=option.pictogram,
                payload=self._answer_payload(question, option.value, turn),
            )
            for option in self.qs.options(question)
        )
        return Prompt(
            kind="question",
            text=question.text,
            easy_read=question.easy_read,
            pictograms=question.pictograms,
            buttons=answers + self._controls(question.id, turn),
            question_id=question.id,
            progress=Progress(
                position=self.qs.position(question.id), total=len(self.qs.spec.questions)
            ),
        )

    def follow_up(self, follow_up: FollowUp, turn: int) -> Prompt:
        return Prompt(
            kind="follow_up",
            text=follow_up.text,
            easy_read=follow_up.easy_read,
            pictograms=(SPEECH_BUBBLE,),
            buttons=self._controls(follow_up.id, turn),
            question_id=follow_up.id,
        )

    def feedback(self, turn: int) -> Prompt:
        words = self.wording.messages.feedback
        return Prompt(
            kind="follow_up",
            text=words.text,
            easy_read=words.easy_read,
            pictograms=(SPEECH_BUBBLE,),
            buttons=self._controls(FEEDBACK_STEP, turn),
            question_id=FEEDBACK_STEP,
        )

    def anything_else(self, turn: int) -> Prompt:
        words = self.qs.spec.anything_else
        step: dict[str, str | int] = {"question": ANYTHING_ELSE_STEP, "turn": turn}
        return Prompt(
            kind="follow_up",
            text=words.text,
            easy_read=words.easy_read,
            pictograms=(SPEECH_BUBBLE,),
            buttons=(
                self.wording.button("nothing_else", button_payload("deny", **step)),
                self.wording.button("stop", button_payload("stop", **step), "control"),
            ),
            question_id=ANYTHING_ELSE_STEP,
        )

    def go_ahead(self, step: str | None, turn: int) -> Prompt:
        return self.wording.prompt("go_ahead", *self._controls(step, turn))

    def confirm_ending(
        self, withdraw: bool, offer_all: bool, step: str | None, turn: int
    ) -> Prompt:
        """Ask before ending; the answers carry the step they were asked at, as answers do."""
        w = self.wording
        carry_on = w.button("carry_on", "/repeat")
        if not withdraw:
            yes = w.button("yes_stop", button_payload("stop", question=step, turn=turn))
            return w.prompt("confirm_stop", yes, carry_on, kind="confirm")
        if offer_all:
            this, every = (
                button_payload("withdraw_consent", scope=scope, question=step, turn=turn)
                for scope in ("this", "all")
            )
            return w.prompt(
                "confirm_withdraw_all",
                w.button("withdraw_this", this),
                w.button("withdraw_all", every),
                carry_on,
                kind="confirm",
            )
        yes = w.button("yes_withdraw", button_payload("withdraw_consent", question=step, turn=turn))
        return w.prompt("confirm_withdraw", yes, carry_on, kind="confirm")

    def disclosure(self, step: str | None, turn: int) -> Prompt:
        """The calm words after a possible disclosure, and the choice to carry on or stop."""
        w = self.wording
        return w.prompt(
            "disclosure",
            w.button("carry_on_checkin", button_payload("affirm", question=step, turn=turn)),
            w.button("stop_checkin", button_payload("stop", question=step, turn=turn)),
            kind="confirm",
        )

    def closing(self) -> Prompt:
        closing = self.qs.spec.closing
        return Prompt(
            kind="closing",
            text=closing.text,
            easy_read=closing.easy_read,
            buttons=(self.start_again(),),
        )

    def ending(self, name: str) -> Prompt:
        """A closing message from the bot's wording (stopped, withdrawn, declined)."""
        return self.wording.prompt(name, self.start_again(), kind="closing")

    def ended(self) -> Prompt:
        return self.wording.prompt("ended", self.start_again())

    def start_again(self) -> Button:
        return self.wording.button("start_again", "/greet")

    def _controls(self, step: str | None, turn: int) -> tuple[Button, ...]:
        w = self.wording
        # Skip and Stop move on, so a late press of one must not act on a later step.
        return (
            w.button("skip", button_payload("skip", question=step, turn=turn), "control"),
            w.button("repeat", "/repeat", "control"),
            w.button("help", "/help", "control"),
            w.button("stop", button_payload("stop", question=step, turn=turn), "control"),
        )

    @staticmethod
    def _answer_payload(question: Question, value: str, turn: int) -> str:
        step: dict[str, str | int] = {"question": question.id, "turn": turn}
        if question.scale == "choice":
            return button_payload("inform", choice=value, **step)
        intent = {v: k for k, v in SCALE_INTENTS[question.scale].items()}[value]
        return button_payload(intent, **step)
