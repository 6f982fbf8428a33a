"""The check-in conversation as a pure state machine: state + what the person did
-> new state, what to say, and what to store.

No Rasa, no database: the service stores what it decides, and the unit tests
drive it directly.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from checkin.prompts import ANYTHING_ELSE_STEP, CONSENT_STEP, FEEDBACK_STEP, PromptBuilder
from checkin.question_sets import END, Question, QuestionSet
from checkin.reading import (
    ASKS_FOR_PERSON,
    COMMANDS,
    UserTurn,
    answer_value,
)
from checkin.wire import Prompt
from checkin.wording import BotWording


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


# Ending a check-in from typed words is confirmed first; a pressed Stop is not.
ENDING_INTENTS = {"stop": Ending.stopped, "goodbye": Ending.stopped}
WITHDRAW = "withdraw_consent"
# Pending after words that may disclose harm: the person chooses to carry on or stop.
DISCLOSED = "disclosed"


@dataclass(frozen=True)
class FlowState:
    stage: Stage
    question_id: str | None = None
    # Where to go once a follow-up or mid-way feedback is answered.
    after_id: str | None = None
    # An ending ("stopped", "withdrawn") waiting for the person to confirm it.
    pending: str | None = None
    # Goes up by one each time the conversation moves to another step.
    turn: int = 0


@dataclass(frozen=True)
class AnswerToStore:
    question_id: str
    answer_value: str | None
    free_text: str | None
    themes: tuple[str, ...]
    cqc: tuple[str, ...]
    # What the tagger read in the words, kept apart from the question's themes.
    text_themes: tuple[str, ...] = ()
    intent: str | None = None
    intent_confidence: float | None = None
    theme_confidence: float | None = None

    @classmethod
    def of_words(
        cls,
        question_id: str,
        turn: UserTurn,
        value: str | None = None,
        free_text: str | None = None,
        themes: tuple[str, ...] = (),
        cqc: tuple[str, ...] = (),
    ) -> AnswerToStore:
        """An answer with the person's words, tagged as the tagger read them."""
        if free_text is None:
            return cls(question_id, value, None, themes, cqc)
        return cls(
            question_id,
            value,
            free_text,
            themes,
            cqc,
            text_themes=turn.themes,
            intent=turn.intent,
            intent_confidence=turn.confidence,
            theme_confidence=turn.theme_confidence,
        )


@dataclass
class Outcome:
    state: FlowState
    prompts: list[Prompt]
    answer: AnswerToStore | None = None
    consent_given: bool | None = None
    ending: Ending | None = None
    person_requested: bool = False
    # The person asked for none of their answers, from any check-in, to be used.
    withdraw_all: bool = False
    # A button pressed for a step that is over: nothing moved, nothing stored.
    stale: bool = False


class CheckinFlow:
    """Runs one question set: consent, one question at a time, anything else, thanks."""

    def __init__(
        self, question_set: QuestionSet, wording: BotWording, earlier_answers: bool = False
    ) -> None:
        self.qs = question_set
        self.wording = wording
        self.prompts = PromptBuilder(question_set, wording)
        # Whether the person has answers from earlier check-ins they could withdraw too.
        self.earlier_answers = earlier_answers

    # -- entry points ---------------------------------------------------

    def begin(self, turn: int = 0) -> Outcome:
        """Start a new check-in at the consent step."""
        state = FlowState(Stage.consent, turn=turn)
        return Outcome(state, self.current_prompts(state))

    def handle(self, state: FlowState, turn: UserTurn) -> Outcome:
        """Apply what the person said or pressed to the conversation."""
        if self.is_stale(state, turn):
            return self._note(state, "earlier_question", stale=True)
        if turn.disclosure and not turn.from_button and not turn.is_short:
            # "they told me to stop crying" is something to keep, never a command.
            turn = replace(turn, intent="inform")
        outcome = self._route(state, turn)
        if outcome.person_requested:
            return outcome
        if turn.intent in ASKS_FOR_PERSON or turn.is_cry_for_help:
            # "help me", "someone is hurting me": answered as a request for a person,
            # and the words are kept where they answer a question.
            if turn.is_cry_for_help:
                outcome.prompts.insert(0, self.wording.prompt("cry_for_help"))
                outcome.person_requested = True
            elif not turn.steers:
                outcome.prompts.insert(0, self.wording.prompt("person"))
                outcome.person_requested = True
        if turn.disclosure and not turn.from_button:
            return self._disclosed(outcome)
        return outcome

    def is_stale(self, state: FlowState, turn: UserTurn) -> bool:
        """A button that names a step or turn other than the one on screen now."""
        if not turn.from_button or turn.turn is None:
            return False
        return turn.turn != state.turn or turn.question != self.step_of(state)

    def step_of(self, state: FlowState) -> str | None:
        """The id the current step's buttons carry."""
        if state.stage == Stage.consent:
            return CONSENT_STEP
        if state.stage == Stage.question:
            return state.question_id
        if state.stage == Stage.tell_more and state.question_id:
            follow_up = self.qs.question(state.question_id).follow_up
            return follow_up.id if follow_up else None
        if state.stage == Stage.feedback:
            return FEEDBACK_STEP
        if state.stage == Stage.anything_else:
            return ANYTHING_ELSE_STEP
        return None

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
        build = self.prompts
        if state.pending == DISCLOSED:
            return [build.disclosure(self.step_of(state), state.turn)]
        if state.pending:
            withdraw = state.pending == Ending.withdrawn
            step = self.step_of(state)
            return [build.confirm_ending(withdraw, self.earlier_answers, step, state.turn)]
        if state.stage == Stage.consent:
            return [build.consent(state.turn)]
        if state.stage == Stage.question and state.question_id:
            return [build.question(self.qs.question(state.question_id), state.turn)]
        if state.stage == Stage.tell_more and state.question_id:
            follow_up = self.qs.question(state.question_id).follow_up
            assert follow_up is not None
            return [build.follow_up(follow_up, state.turn)]
        if state.stage == Stage.feedback:
            return [build.feedback(state.turn)]
        if state.stage == Stage.anything_else:
            return [build.anything_else(state.turn)]
        return [build.ended()]

    # -- the steps --------------------------------------------------------

    def _route(self, state: FlowState, turn: UserTurn) -> Outcome:
        if state.pending == DISCLOSED:
            return self._carry_on_or_stop(state, turn)
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

    def _consent(self, state: FlowState, turn: UserTurn) -> Outcome:
        if turn.agrees and turn.steers:
            first = self._move(state, Stage.question, self.qs.first.id)
            return Outcome(first, self.current_prompts(first), consent_given=True)
        if turn.intent == "deny" and turn.steers:
            return Outcome(
                self._move(state, Stage.ended),
                [self.prompts.ending("declined")],
                consent_given=False,
                ending=Ending.declined,
            )
        return self._note(state, "press_yes_or_no")

    def _answer(self, state: FlowState, turn: UserTurn) -> Outcome:
        assert state.question_id is not None
        question = self.qs.question(state.question_id)
        value = answer_value(question, turn)
        typed = None if turn.from_button else turn.text.strip() or None
        if value is not None and turn.is_short:
            typed = None  # "yes", "its ok", "😊": the value says it all
        if value is None and question.scale != "free_text" and not turn.is_story:
            return self._note(state, "not_understood")
        if question.scale == "free_text" and typed is None:
            return self._note(state, "type_answer")
        answer = AnswerToStore.of_words(
            question.id, turn, value, typed, question.themes, question.cqc
        )
        next_id = self._next_after(question, value)
        follow_up = question.follow_up
        if follow_up and value in follow_up.when:
            told = self._move(state, Stage.tell_more, question.id, after_id=next_id)
            return Outcome(told, self.current_prompts(told), answer=answer)
        return self._go_to(state, next_id, answer=answer)

    def _free_text_step(self, state: FlowState, turn: UserTurn) -> Outcome:
        text = turn.text.strip()
        if turn.is_bare and turn.intent == "deny":
            return self._leave_free_text_step(state, answer=None)
        if turn.is_bare and turn.intent == "affirm":
            return Outcome(state, [self.prompts.go_ahead(self.step_of(state), state.turn)])
        if not text or turn.from_button:
            return self._note(state, "type_it")
        if state.stage == Stage.tell_more:
            assert state.question_id is not None
            question = self.qs.question(state.question_id)
            assert question.follow_up is not None
            answer = AnswerToStore.of_words(
                question.follow_up.id, turn, None, text, question.themes, question.cqc
            )
        elif state.stage == Stage.feedback:
            answer = AnswerToStore.of_words(FEEDBACK_STEP, turn, None, text)
        else:
            themes = self.qs.spec.anything_else.themes
            answer = AnswerToStore.of_words(ANYTHING_ELSE_STEP, turn, None, text, themes)
        return self._leave_free_text_step(state, answer=answer)

    def _leave_free_text_step(self, state: FlowState, answer: AnswerToStore | None) -> Outcome:
        if state.stage == Stage.anything_else:
            return self._finish(state, answer)
        if state.stage == Stage.feedback:
            back = self._move(state, Stage.question, state.question_id)
            prompts = self.current_prompts(back)
            if answer is not None:
                prompts.insert(0, self.wording.prompt("feedback_thanks"))
            return Outcome(back, prompts, answer=answer)
        return self._go_to(state, state.after_id or END, answer=answer)

    # -- commands ---------------------------------------------------------

    def _command(self, state: FlowState, turn: UserTurn) -> Outcome:
        intent = turn.intent
        if intent == "skip":
            return self._skip(state)
        if intent in ENDING_INTENTS or intent == WITHDRAW:
            return self._ending_asked(state, turn)
        if intent == "repeat":
            return Outcome(state, self.current_prompts(state))
        if intent == "help":
            if turn.is_cry_for_help:
                outcome = self._note(state, "cry_for_help")
                outcome.person_requested = True
                return outcome
            return self._note(state, "help")
        if intent == "privacy_question":
            return self._note(state, "privacy")
        if intent == "bot_challenge":
            return self._note(state, "bot")
        if intent == "talk_to_person":
            outcome = self._note(state, "person")
            outcome.person_requested = True
            return outcome
        if intent == "greet":
            return self._note(state, "hello_again")
        return self._give_feedback(state, turn)

    def _ending_asked(self, state: FlowState, turn: UserTurn) -> Outcome:
        withdraw = turn.intent == WITHDRAW
        if state.stage == Stage.consent and not (withdraw and self.earlier_answers):
            return self._consent(state, replace(turn, intent="deny"))
        if state.stage == Stage.anything_else and not withdraw:
            return self._finish(state, None)  # at the last step, "stop" means "that's all"
        ending = Ending.withdrawn if withdraw else Ending.stopped
        if turn.from_button and not (withdraw and self.earlier_answers and turn.scope is None):
            return self._stop(state, ending, withdraw_all=turn.scope == "all")
        pending = replace(state, pending=ending.value)
        return Outcome(pending, self.current_prompts(pending))

    def _give_feedback(self, state: FlowState, turn: UserTurn) -> Outcome:
        if state.stage == Stage.consent:
            return self._note(state, "press_yes_or_no_first")
        at_button_question = state.stage == Stage.question and not self._asks_free_text(state)
        if not turn.is_short and not turn.from_button:
            # "I want to complain about the food, it is cold": that is the feedback.
            if at_button_question:
                told = FlowState(Stage.feedback, state.question_id, turn=state.turn)
                outcome = self._free_text_step(told, turn)
                return outcome
            if state.stage == Stage.question:
                return self._answer(state, turn)
            return self._free_text_step(state, turn)
        if at_button_question:
            told = self._move(state, Stage.feedback, state.question_id)
            return Outcome(told, self.current_prompts(told))
        return Outcome(state, [self.prompts.go_ahead(self.step_of(state), state.turn)])

    def _asks_free_text(self, state: FlowState) -> bool:
        return self.qs.question(state.question_id or "").scale == "free_text"

    def _skip(self, state: FlowState) -> Outcome:
        if state.stage == Stage.consent:
            return self._note(state, "press_yes_or_no")
        if state.stage == Stage.question and state.question_id:
            following = self.qs.following(state.question_id)
            return self._go_to(state, following.id if following else END)
        return self._leave_free_text_step(state, answer=None)

    def _confirm_ending(self, state: FlowState, turn: UserTurn) -> Outcome:
        """The answer to "Do you want to stop?": yes, no, or ask again."""
        assert state.pending is not None
        ending = Ending(state.pending)
        carry_on = replace(state, pending=None)
        if turn.from_button:
            if turn.intent == WITHDRAW:
                return self._stop(carry_on, Ending.withdrawn, withdraw_all=turn.scope == "all")
            if turn.intent in ENDING_INTENTS:
                return self._stop(carry_on, ENDING_INTENTS[turn.intent])
            return self._route(carry_on, turn)  # "No, carry on", or a question's own button
        # Only a bare yes ends it: "yes but not now" or "no I don't want to stop" is no yes.
        # A withdrawal of every earlier answer is asked by its own button.
        offers_choice = ending == Ending.withdrawn and self.earlier_answers
        if turn.is_bare_yes and not offers_choice:
            return self._stop(carry_on, ending)
        if ending == Ending.stopped and turn.intent in ENDING_INTENTS and turn.is_short:
            return self._stop(carry_on, ending)  # "Stop now?" "stop"
        if turn.intent == "deny":
            return self._note(carry_on, "carry_on")  # carrying on loses nothing
        return Outcome(state, [self.wording.prompt("press_one"), *self.current_prompts(state)])

    # -- after words that may disclose harm --------------------------------

    def _disclosed(self, outcome: Outcome) -> Outcome:
        """Never simply carry on: say the calm words, then let the person choose.

        What the turn stores (the answer, an ending) stands; the alert is
        already stored by the app.
        """
        outcome.state = replace(outcome.state, pending=DISCLOSED)
        outcome.prompts = self.current_prompts(outcome.state)
        outcome.person_requested = True
        return outcome

    def _carry_on_or_stop(self, state: FlowState, turn: UserTurn) -> Outcome:
        carry_on = replace(state, pending=None)
        if turn.intent == "affirm" and (turn.from_button or turn.is_bare):
            return Outcome(carry_on, self.current_prompts(carry_on))
        stopping = turn.intent in ENDING_INTENTS and (turn.from_button or turn.is_short)
        if stopping or (turn.intent == "deny" and turn.is_bare):
            if carry_on.stage == Stage.ended:
                return Outcome(carry_on, [self.prompts.ended()])
            return self._stop(carry_on, Ending.stopped)
        return self._route(carry_on, turn)  # anything else is taken where we are

    def _stop(self, state: FlowState, ending: Ending, withdraw_all: bool = False) -> Outcome:
        if ending == Ending.withdrawn:
            name = "withdrawn_all" if withdraw_all else "withdrawn"
        else:
            name = "stopped"
        return Outcome(
            self._move(state, Stage.ended),
            [self.prompts.ending(name)],
            ending=ending,
            consent_given=False if ending == Ending.withdrawn else None,
            withdraw_all=withdraw_all,
        )

    def _after_end(self, state: FlowState, turn: UserTurn) -> Outcome:
        # A new check-in (after "hello" or "Start again") is a new conversation,
        # which the caller starts with begin(). Until then the person can still
        # withdraw what they said or ask for someone.
        if turn.steers and turn.intent == WITHDRAW:
            if turn.from_button and (turn.scope is not None or not self.earlier_answers):
                return self._stop(state, Ending.withdrawn, withdraw_all=turn.scope == "all")
            pending = replace(state, pending=Ending.withdrawn.value)
            return Outcome(pending, self.current_prompts(pending))
        if turn.steers and turn.intent == "talk_to_person":
            outcome = self._note(state, "person")
            outcome.person_requested = True
            return outcome
        return Outcome(state, [self.prompts.ended()])

    # -- moving on --------------------------------------------------------

    @staticmethod
    def _move(
        state: FlowState, stage: Stage, question_id: str | None = None, after_id: str | None = None
    ) -> FlowState:
        return FlowState(stage, question_id, after_id, pending=None, turn=state.turn + 1)

    def _next_after(self, question: Question, value: str | None) -> str:
        if value is not None and value in question.branch:
            return question.branch[value]
        following = self.qs.following(question.id)
        return following.id if following else END

    def _go_to(
        self, state: FlowState, question_id: str, answer: AnswerToStore | None = None
    ) -> Outcome:
        if question_id == END:
            last = self._move(state, Stage.anything_else)
        else:
            last = self._move(state, Stage.question, question_id)
        return Outcome(last, self.current_prompts(last), answer=answer)

    def _finish(self, state: FlowState, answer: AnswerToStore | None) -> Outcome:
        return Outcome(
            self._move(state, Stage.ended),
            [self.prompts.closing()],
            answer=answer,
            ending=Ending.finished,
        )

    def _note(self, state: FlowState, message: str, stale: bool = False) -> Outcome:
        """Say one of the bot's messages, then show where we are again."""
        prompts = [self.wording.prompt(message), *self.current_prompts(state)]
        return Outcome(state, prompts, stale=stale)
