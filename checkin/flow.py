"""The check-in conversation as a pure state machine: state + what the person did
-> new state, what to say, and what to store.

No Rasa, no database: the actions translate to and from this, and the unit
tests drive it directly.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, replace

from checkin.question_sets import END, FollowUp, Question, QuestionSet
from checkin.wire import ButtonPayload
from covoice.taxonomy import ScaleOption


class Stage(str, enum.Enum):
    consent = "consent"
    question = "question"
    tell_more = "tell_more"  # the "tell me more" follow-up of the current question
    feedback = "feedback"  # the person asked to tell us something mid-way
    anything_else = "anything_else"
    ended = "ended"


class Ending(str, enum.Enum):
    declined = "declined"
    finished = "finished"
    stopped = "stopped"
    withdrawn = "withdrawn"


# Intents that steer the conversation rather than answer it.
COMMANDS = frozenset(
    {
        "skip",
        "stop",
        "goodbye",
        "repeat",
        "help",
        "privacy_question",
        "talk_to_person",
        "bot_challenge",
        "withdraw_consent",
        "give_feedback",
        "greet",
    }
)
# Typed words steer the conversation (a command, a bare yes or no) only when
# they are short or Rasa is sure of them: "they told me to stop crying" is
# something to keep, not "stop". Longer typed answers keep their words.
SHORT_MESSAGE_WORDS = 3
COMMAND_CONFIDENCE = 0.9
# Where the person is asked to tell us something, a yes or no this short is a
# bare yes or no ("yes please"); longer is what they want to tell ("yes they shout").
BARE_REPLY_WORDS = 2
# Words that ask for help or a person are acted on even when they are kept as an answer.
ASKS_FOR_PERSON = frozenset({"help", "talk_to_person"})
# Ending a check-in from typed words is confirmed first; a pressed Stop is not.
ENDING_INTENTS = {"stop": "stopped", "goodbye": "stopped", "withdraw_consent": "withdrawn"}
SCALE_INTENTS = {
    "scale3": {"rate_good": "good", "rate_okay": "okay", "rate_bad": "bad"},
    "yes_no_unsure": {"affirm": "yes", "deny": "no", "unsure": "unsure"},
}
FEEDBACK_QUESTION_ID = "feedback"
ANYTHING_ELSE_QUESTION_ID = "anything_else"

HELP_TEXT = (
    "You can press a button or type your answer. Say 'skip' to miss a question, "
    "'repeat' to hear it again, 'stop' to finish, or ask for a person."
)
HELP_EASY = "Press a button or type. Say skip, repeat, stop, or ask for a person."
PRIVACY_TEXT = (
    "The manager and the team at your service read the answers to make things better. "
    "We do not put your name on anything we share. You will not get in trouble for "
    "anything you say. You can skip or stop at any time."
)
PRIVACY_EASY = (
    "The manager reads your answers. We do not share your name. You will not get in trouble."
)
PERSON_TEXT = (
    "Please ask a member of staff near you. I have also made a note that you "
    "asked to talk to someone."
)
PERSON_EASY = "Please ask a member of staff. I have made a note."
BOT_TEXT = "I am a computer program, not a person. People at your service read your answers."
BOT_EASY = "I am a computer, not a person. Staff read your answers."
NOT_UNDERSTOOD_TEXT = "Sorry, I did not understand that. You can press one of the buttons."
NOT_UNDERSTOOD_EASY = "Sorry, I did not understand. Please press a button."


@dataclass(frozen=True)
class Button:
    label: str
    pictogram: str
    payload: str
    kind: str = "answer"  # "answer" or "control"

    def as_dict(self) -> ButtonPayload:
        return {
            "title": f"{self.pictogram} {self.label}",
            "label": self.label,
            "pictogram": self.pictogram,
            "payload": self.payload,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class Prompt:
    """One message to the person, in both wordings; the channel picks one."""

    kind: str  # consent, question, follow_up, confirm, info, closing, error
    text: str
    easy_read: str
    buttons: tuple[Button, ...] = ()
    pictograms: tuple[str, ...] = ()
    question_id: str | None = None


@dataclass(frozen=True)
class FlowState:
    stage: Stage
    question_id: str | None = None
    # Where to go once a follow-up or mid-way feedback is answered.
    after_id: str | None = None
    # An ending ("stopped", "withdrawn") waiting for the person to confirm it.
    pending: str | None = None


@dataclass(frozen=True)
class UserTurn:
    intent: str
    text: str
    choice: str | None = None
    from_button: bool = False
    confidence: float = 1.0

    @property
    def is_short(self) -> bool:
        return len(self.text.split()) <= SHORT_MESSAGE_WORDS

    @property
    def is_bare(self) -> bool:
        return self.from_button or len(self.text.split()) <= BARE_REPLY_WORDS

    @property
    def steers(self) -> bool:
        """Whether this may be taken as a command rather than as something to keep."""
        return self.from_button or self.is_short or self.confidence >= COMMAND_CONFIDENCE

    @property
    def is_story(self) -> bool:
        """Typed words that answer in their own way ("they talk over me").

        Emoji, a key-mash or one or two words that fit no answer are not.
        """
        if self.from_button:
            return False
        words = [word for word in self.text.split() if any(ch.isalpha() for ch in word)]
        return bool(words) and (self.intent == "inform" or len(words) > SHORT_MESSAGE_WORDS)


@dataclass(frozen=True)
class AnswerToStore:
    question_id: str
    answer_value: str | None
    free_text: str | None
    themes: tuple[str, ...]
    cqc: tuple[str, ...]


@dataclass
class Outcome:
    state: FlowState
    prompts: list[Prompt]
    answer: AnswerToStore | None = None
    consent_given: bool | None = None
    ending: Ending | None = None
    person_requested: bool = False


# Their own payloads, so that a question's Yes or No button pressed now is not
# taken as an answer to "Do you want to stop?".
CARRY_ON = Button("No, carry on", "▶️", "/repeat")
CONFIRM_BUTTONS = {
    "stopped": (Button("Yes, stop", "✋", "/stop"), CARRY_ON),
    "withdrawn": (Button("Yes, do not use them", "✋", "/withdraw_consent"), CARRY_ON),
}
CONTROL_BUTTONS = (
    Button("Skip", "⏭️", "/skip", "control"),
    Button("Repeat", "🔁", "/repeat", "control"),
    Button("Help", "❓", "/help", "control"),
    Button("Stop", "✋", "/stop", "control"),
)
YES_START = Button("Yes, let's start", "👍", "/affirm")
NO_THANKS = Button("No, thank you", "👎", "/deny")
NOTHING_ELSE = Button("No, that's all", "👍", "/deny")
START_AGAIN = Button("Start again", "🔄", "/greet")


class CheckinFlow:
    """Runs one question set: consent, one question at a time, anything else, thanks."""

    def __init__(self, question_set: QuestionSet) -> None:
        self.qs = question_set

    # -- entry points ---------------------------------------------------

    def begin(self) -> Outcome:
        """Start a new check-in at the consent step."""
        return Outcome(FlowState(Stage.consent), [self._consent_prompt()])

    def handle(self, state: FlowState, turn: UserTurn) -> Outcome:
        """Apply what the person said or pressed to the conversation."""
        outcome = self._route(state, turn)
        # "help me please someone is hurting me" is kept as the answer, and the
        # person is still pointed to staff and the request noted.
        if turn.intent in ASKS_FOR_PERSON and not turn.steers and not outcome.person_requested:
            outcome.prompts.insert(0, _info(PERSON_TEXT, PERSON_EASY))
            outcome.person_requested = True
        return outcome

    def _route(self, state: FlowState, turn: UserTurn) -> Outcome:
        if state.pending:
            return self._confirm_ending(state, turn)
        if state.stage == Stage.ended:
            return self._after_end(state, turn)
        if turn.intent in COMMANDS and turn.steers:
            return self._command(state, turn)
        if state.stage == Stage.consent:
            return self._consent(state, turn)
        if state.stage == Stage.question:
            return self._answer(state, turn)
        return self._free_text_step(state, turn)

    def can_continue(self, state: FlowState) -> bool:
        """Whether ``state`` still fits this set (a reworded set may drop a question)."""
        if state.stage in (Stage.question, Stage.tell_more, Stage.feedback):
            if not state.question_id or not self.qs.has_question(state.question_id):
                return False
            if (
                state.stage == Stage.tell_more
                and self.qs.question(state.question_id).follow_up is None
            ):
                return False
        after = state.after_id
        return after is None or after == END or self.qs.has_question(after)

    def current_prompts(self, state: FlowState) -> list[Prompt]:
        """What to show to carry on from ``state`` (after help, a restart, ...)."""
        if state.stage == Stage.consent:
            return [self._consent_prompt()]
        if state.stage == Stage.question and state.question_id:
            return [self._question_prompt(self.qs.question(state.question_id))]
        if state.stage == Stage.tell_more and state.question_id:
            follow_up = self.qs.question(state.question_id).follow_up
            assert follow_up is not None
            return [self._follow_up_prompt(follow_up)]
        if state.stage == Stage.feedback:
            return [self._feedback_prompt()]
        if state.stage == Stage.anything_else:
            return [self._anything_else_prompt()]
        return [self._ended_prompt()]

    # -- the steps --------------------------------------------------------

    def _consent(self, state: FlowState, turn: UserTurn) -> Outcome:
        if turn.intent == "affirm" and turn.steers:
            return Outcome(
                FlowState(Stage.question, self.qs.first.id),
                [self._question_prompt(self.qs.first)],
                consent_given=True,
            )
        if turn.intent == "deny" and turn.steers:
            return Outcome(
                FlowState(Stage.ended),
                [
                    _info(
                        "That is fine. Thank you. If you change your mind, say hello.",
                        "That is OK. Say hello if you want to try later.",
                        START_AGAIN,
                    )
                ],
                consent_given=False,
                ending=Ending.declined,
            )
        return self._with_note(state, "Please press Yes or No.", "Press Yes or No.")

    def _answer(self, state: FlowState, turn: UserTurn) -> Outcome:
        assert state.question_id is not None
        question = self.qs.question(state.question_id)
        value = self._answer_value(question, turn)
        typed = None if turn.from_button else turn.text.strip() or None
        if value is not None and turn.is_short:
            typed = None  # "yes", "its ok", "😊": the value says it all
        if value is None and question.scale != "free_text" and not turn.is_story:
            return self._with_note(state, NOT_UNDERSTOOD_TEXT, NOT_UNDERSTOOD_EASY)
        if question.scale == "free_text" and typed is None:
            return self._with_note(state, "Please type your answer.", "Please type your answer.")
        answer = AnswerToStore(question.id, value, typed, question.themes, question.cqc)
        next_id = self._next_after(question, value)
        follow_up = question.follow_up
        if follow_up and value in follow_up.when:
            return Outcome(
                FlowState(Stage.tell_more, question.id, after_id=next_id),
                [self._follow_up_prompt(follow_up)],
                answer=answer,
            )
        return self._go_to(next_id, answer=answer)

    def _free_text_step(self, state: FlowState, turn: UserTurn) -> Outcome:
        text = turn.text.strip()
        if turn.is_bare and turn.intent == "deny":
            return self._leave_free_text_step(state, answer=None)
        if turn.is_bare and turn.intent == "affirm":
            return Outcome(state, [self._go_ahead_prompt()])
        if not text or turn.from_button:
            return self._with_note(state, "Please type what you want to say.", "Please type it.")
        if state.stage == Stage.tell_more:
            assert state.question_id is not None
            question = self.qs.question(state.question_id)
            assert question.follow_up is not None
            answer = AnswerToStore(question.follow_up.id, None, text, question.themes, question.cqc)
        elif state.stage == Stage.feedback:
            answer = AnswerToStore(FEEDBACK_QUESTION_ID, None, text, (), ())
        else:
            themes = self.qs.spec.anything_else.themes
            answer = AnswerToStore(ANYTHING_ELSE_QUESTION_ID, None, text, themes, ())
        return self._leave_free_text_step(state, answer=answer)

    def _leave_free_text_step(self, state: FlowState, answer: AnswerToStore | None) -> Outcome:
        if state.stage == Stage.anything_else:
            return self._finish(answer)
        if state.stage == Stage.feedback:
            back = FlowState(Stage.question, state.question_id)
            if answer is None:
                return Outcome(back, self.current_prompts(back))
            thanks = _info(
                "Thank you for telling me. Let's carry on.", "Thank you. Let's carry on."
            )
            return Outcome(back, [thanks, *self.current_prompts(back)], answer=answer)
        return self._go_to(state.after_id or END, answer=answer)

    # -- commands ---------------------------------------------------------

    def _command(self, state: FlowState, turn: UserTurn) -> Outcome:
        intent = turn.intent
        if intent == "skip":
            return self._skip(state)
        if intent in ENDING_INTENTS:
            if state.stage == Stage.consent:
                return self._consent(state, replace(turn, intent="deny"))
            if state.stage == Stage.anything_else and intent != "withdraw_consent":
                return self._finish(None)  # at the last step, "stop" means "that's all"
            ending = Ending(ENDING_INTENTS[intent])
            if turn.from_button:
                return self._stop(ending)
            return Outcome(replace(state, pending=ending.value), [self._confirm_prompt(ending)])
        if intent == "repeat":
            return Outcome(state, self.current_prompts(state))
        if intent == "help":
            return self._with_note(state, HELP_TEXT, HELP_EASY)
        if intent == "privacy_question":
            return self._with_note(state, PRIVACY_TEXT, PRIVACY_EASY)
        if intent == "bot_challenge":
            return self._with_note(state, BOT_TEXT, BOT_EASY)
        if intent == "talk_to_person":
            outcome = self._with_note(state, PERSON_TEXT, PERSON_EASY)
            outcome.person_requested = True
            return outcome
        if intent == "greet":
            return self._with_note(state, "Hello again.", "Hello again.")
        return self._give_feedback(state, turn)

    def _give_feedback(self, state: FlowState, turn: UserTurn) -> Outcome:
        if state.stage == Stage.consent:
            return self._with_note(state, "Please press Yes or No first.", "Press Yes or No.")
        at_button_question = state.stage == Stage.question and not self._asks_free_text(state)
        if not turn.is_short and not turn.from_button:
            # "I want to complain about the food, it is cold": that is the feedback.
            if at_button_question:
                told = FlowState(Stage.feedback, state.question_id)
                return self._free_text_step(told, turn)
            if state.stage == Stage.question:
                return self._answer(state, turn)
            return self._free_text_step(state, turn)
        if at_button_question:
            return Outcome(FlowState(Stage.feedback, state.question_id), [self._feedback_prompt()])
        return Outcome(state, [self._go_ahead_prompt()])

    def _asks_free_text(self, state: FlowState) -> bool:
        return self.qs.question(state.question_id or "").scale == "free_text"

    def _skip(self, state: FlowState) -> Outcome:
        if state.stage == Stage.consent:
            return self._with_note(state, "Please press Yes or No.", "Press Yes or No.")
        if state.stage == Stage.question and state.question_id:
            following = self.qs.following(state.question_id)
            return self._go_to(following.id if following else END)
        return self._leave_free_text_step(state, answer=None)

    def _confirm_ending(self, state: FlowState, turn: UserTurn) -> Outcome:
        """The answer to "Do you want to stop?": yes, no, or ask again."""
        assert state.pending is not None
        ending = Ending(state.pending)
        carry_on = replace(state, pending=None)
        if turn.from_button:
            if turn.intent in ENDING_INTENTS:
                return self._stop(Ending(ENDING_INTENTS[turn.intent]))
            return self._route(carry_on, turn)  # "No, carry on", or a question's own button
        if turn.intent == "affirm" or (turn.intent in ENDING_INTENTS and turn.is_short):
            return self._stop(ending)
        if turn.intent == "deny":
            return self._with_note(carry_on, "Good, let's carry on.", "OK, let's carry on.")
        # "no I don't want to stop" is no yes: ask again rather than guess.
        return Outcome(
            state,
            [
                _info("Please press one of these.", "Please press one."),
                self._confirm_prompt(ending),
            ],
        )

    def _confirm_prompt(self, ending: Ending) -> Prompt:
        if ending == Ending.withdrawn:
            text = "Do you want to stop, and for us not to use the answers you gave in this chat?"
            easy = "Stop, and not use your answers?"
        else:
            text = "Do you want to stop now?"
            easy = "Stop now?"
        return Prompt("confirm", text, easy, CONFIRM_BUTTONS[ending.value])

    def _stop(self, ending: Ending) -> Outcome:
        if ending == Ending.withdrawn:
            text = (
                "That is fine. I have stopped, and the answers you gave in this chat will "
                "not be used. You can start again any time by saying hello."
            )
            easy = "OK. I have stopped. We will not use your answers."
        else:
            text = (
                "That is fine, we can stop here. Thank you for your time. The answers you "
                "gave will help. You can start again any time by saying hello."
            )
            easy = "OK, we will stop. Thank you. Say hello to start again."
        return Outcome(
            FlowState(Stage.ended),
            [Prompt("closing", text, easy, (START_AGAIN,))],
            ending=ending,
            consent_given=False if ending == Ending.withdrawn else None,
        )

    def _after_end(self, state: FlowState, turn: UserTurn) -> Outcome:
        # A new check-in (after "hello" or "Start again") is a new conversation,
        # which the caller starts with begin(). Until then the person can still
        # withdraw what they said or ask for someone.
        if turn.steers and turn.intent == "withdraw_consent":
            ending = Ending.withdrawn
            return Outcome(replace(state, pending=ending.value), [self._confirm_prompt(ending)])
        if turn.steers and turn.intent == "talk_to_person":
            outcome = self._with_note(state, PERSON_TEXT, PERSON_EASY)
            outcome.person_requested = True
            return outcome
        return Outcome(state, [self._ended_prompt()])

    # -- moving on --------------------------------------------------------

    def _next_after(self, question: Question, value: str | None) -> str:
        if value is not None and value in question.branch:
            return question.branch[value]
        following = self.qs.following(question.id)
        return following.id if following else END

    def _go_to(self, question_id: str, answer: AnswerToStore | None = None) -> Outcome:
        if question_id == END:
            return Outcome(
                FlowState(Stage.anything_else), [self._anything_else_prompt()], answer=answer
            )
        question = self.qs.question(question_id)
        return Outcome(
            FlowState(Stage.question, question.id), [self._question_prompt(question)], answer=answer
        )

    def _finish(self, answer: AnswerToStore | None) -> Outcome:
        closing = self.qs.spec.closing
        return Outcome(
            FlowState(Stage.ended),
            [Prompt("closing", closing.text, closing.easy_read, (START_AGAIN,))],
            answer=answer,
            ending=Ending.finished,
        )

    def _with_note(self, state: FlowState, text: str, easy: str) -> Outcome:
        return Outcome(state, [_info(text, easy), *self.current_prompts(state)])

    # -- answer interpretation -------------------------------------------

    def _answer_value(self, question: Question, turn: UserTurn) -> str | None:
        if question.scale == "free_text":
            return None
        if question.scale == "choice":
            return self._choice_value(question, turn)
        # A long, unsure "no problem they are fine" is no "no": keep the words instead.
        return SCALE_INTENTS[question.scale].get(turn.intent) if turn.steers else None

    def _choice_value(self, question: Question, turn: UserTurn) -> str | None:
        values = {option.value for option in question.options}
        if turn.choice in values:
            return turn.choice
        # Only the option's own word counts: "i dont like going out" is not "Going out".
        typed = "".join(ch for ch in turn.text.lower() if ch.isalnum() or ch.isspace()).strip()
        for option in question.options:
            if typed in (option.value.replace("_", " "), option.label.lower()):
                return option.value
        return None

    # -- prompts ----------------------------------------------------------

    def _consent_prompt(self) -> Prompt:
        intro = self.qs.spec.intro
        return Prompt("consent", intro.text, intro.easy_read, (YES_START, NO_THANKS))

    def _question_prompt(self, question: Question) -> Prompt:
        answers = tuple(
            Button(option.label, option.pictogram, self._payload(question, option))
            for option in self.qs.options(question)
        )
        return Prompt(
            "question",
            question.text,
            question.easy_read,
            answers + CONTROL_BUTTONS,
            question.pictograms,
            question.id,
        )

    def _follow_up_prompt(self, follow_up: FollowUp) -> Prompt:
        return Prompt(
            "follow_up",
            follow_up.text,
            follow_up.easy_read,
            CONTROL_BUTTONS,
            ("💬",),
            follow_up.id,
        )

    def _feedback_prompt(self) -> Prompt:
        return Prompt(
            "follow_up",
            "I would like to hear it. Please tell me now.",
            "Please tell me now.",
            CONTROL_BUTTONS,
            ("💬",),
            FEEDBACK_QUESTION_ID,
        )

    def _anything_else_prompt(self) -> Prompt:
        wording = self.qs.spec.anything_else
        return Prompt(
            "follow_up",
            wording.text,
            wording.easy_read,
            (NOTHING_ELSE, CONTROL_BUTTONS[3]),
            ("💬",),
            ANYTHING_ELSE_QUESTION_ID,
        )

    def _go_ahead_prompt(self) -> Prompt:
        return _info("Please go ahead and tell me.", "Please tell me.", *CONTROL_BUTTONS)

    def _ended_prompt(self) -> Prompt:
        return _info(
            "We have finished. Thank you. Say hello or press Start again to do it again.",
            "We have finished. Press Start again to do it again.",
            START_AGAIN,
        )

    @staticmethod
    def _payload(question: Question, option: ScaleOption) -> str:
        if question.scale == "choice":
            return "/inform" + json.dumps({"choice": option.value})
        intent = {v: k for k, v in SCALE_INTENTS[question.scale].items()}[option.value]
        return f"/{intent}"


def _info(text: str, easy: str, *buttons: Button) -> Prompt:
    return Prompt("info", text, easy, tuple(buttons))
