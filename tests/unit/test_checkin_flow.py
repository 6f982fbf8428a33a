"""The check-in flow, driven directly: no Rasa, no store."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from checkin.flow import (
    CheckinFlow,
    Ending,
    FlowState,
    Outcome,
    Stage,
    UserTurn,
)
from checkin.question_sets import QuestionSet
from checkin.wire import Prompt
from checkin.wording import BotWording


@pytest.fixture
def flow(checkin: QuestionSet, wording: BotWording) -> CheckinFlow:
    return CheckinFlow(checkin, wording)


def button(payload: str) -> UserTurn:
    """A press of a button, read the way Rasa reads its payload."""
    intent = payload[1:].split("{", 1)[0]
    entities = json.loads(payload[payload.index("{") :]) if "{" in payload else {}
    return UserTurn(
        intent=intent,
        text=payload,
        choice=entities.get("choice"),
        from_button=True,
        question=entities.get("question"),
        turn=entities.get("turn"),
        scope=entities.get("scope"),
    )


def press(prompt: Prompt, label: str) -> UserTurn:
    """Press the button with this label on a prompt."""
    [found] = [b for b in prompt.buttons if b.label == label]
    return button(found.payload)


def typed(intent: str, text: str) -> UserTurn:
    return UserTurn(intent=intent, text=text)


def unturned(state: FlowState) -> FlowState:
    """The state without its turn count, which these tests do not follow."""
    return replace(state, turn=0)


def at(question_id: str) -> FlowState:
    return FlowState(Stage.question, question_id)


def last_question(outcome: Outcome) -> str | None:
    return outcome.prompts[-1].question_id


def test_begin_asks_for_consent_with_yes_and_no_buttons(flow: CheckinFlow) -> None:
    outcome = flow.begin(turn=4)
    assert outcome.state.stage == Stage.consent
    prompt = outcome.prompts[0]
    assert prompt.kind == "consent"
    assert "skip" in prompt.text and "stop" in prompt.text
    assert [b.payload for b in prompt.buttons] == [
        '/affirm{"question":"consent","turn":4}',
        '/deny{"question":"consent","turn":4}',
    ]


def test_consent_yes_asks_first_question_and_records_consent(flow: CheckinFlow) -> None:
    outcome = flow.handle(FlowState(Stage.consent), button("/affirm"))
    assert outcome.consent_given is True
    assert unturned(outcome.state) == at("feel_safe")
    assert outcome.prompts[0].kind == "question"
    assert outcome.answer is None


def test_consent_no_ends_politely_and_stores_nothing(flow: CheckinFlow) -> None:
    outcome = flow.handle(FlowState(Stage.consent), typed("deny", "no thanks"))
    assert outcome.consent_given is False
    assert outcome.ending == Ending.declined
    assert outcome.state.stage == Stage.ended
    assert outcome.answer is None


def test_question_prompt_has_scale_buttons_with_pictograms_then_controls(
    flow: CheckinFlow,
) -> None:
    prompt = flow.current_prompts(replace(at("food"), turn=7))[0]
    answers = [b for b in prompt.buttons if b.kind == "answer"]
    assert [(b.label, b.pictogram, b.payload) for b in answers] == [
        ("Good", "😊", '/rate_good{"question":"food","turn":7}'),
        ("Okay", "😐", '/rate_okay{"question":"food","turn":7}'),
        ("Not good", "☹️", '/rate_bad{"question":"food","turn":7}'),
    ]
    controls = [(b.label, b.payload) for b in prompt.buttons if b.kind == "control"]
    assert controls == [
        ("Skip", '/skip{"question":"food","turn":7}'),
        ("Repeat", "/repeat"),
        ("Help", "/help"),
        ("Stop", '/stop{"question":"food","turn":7}'),
    ]
    assert prompt.pictograms == ("🍽️",)


def test_yes_answer_is_stored_with_themes_and_moves_on(flow: CheckinFlow) -> None:
    outcome = flow.handle(at("feel_safe"), button("/affirm"))
    assert outcome.answer is not None
    assert outcome.answer.question_id == "feel_safe"
    assert outcome.answer.answer_value == "yes"
    assert outcome.answer.free_text is None
    assert outcome.answer.themes == ("safety",)
    assert "Safe: Safeguarding" in outcome.answer.cqc
    assert unturned(outcome.state) == at("listened_to")


def test_typed_answer_keeps_the_words_as_free_text(flow: CheckinFlow) -> None:
    outcome = flow.handle(at("food"), typed("rate_good", "the food is lovely"))
    assert outcome.answer is not None
    assert outcome.answer.answer_value == "good"
    assert outcome.answer.free_text == "the food is lovely"


def test_skip_moves_to_next_question_and_stores_nothing(flow: CheckinFlow) -> None:
    outcome = flow.handle(at("feel_safe"), button("/skip"))
    assert outcome.answer is None
    assert unturned(outcome.state) == at("listened_to")


def test_not_good_asks_tell_me_more_then_stores_it_under_the_follow_up_id(
    flow: CheckinFlow,
) -> None:
    first = flow.handle(at("food"), button("/rate_bad"))
    assert first.answer is not None and first.answer.answer_value == "bad"
    assert unturned(first.state) == FlowState(Stage.tell_more, "food", after_id="home")
    assert first.prompts[0].question_id == "food_more"
    second = flow.handle(first.state, typed("inform", "more hot dinners and less pasta"))
    assert second.answer is not None
    assert second.answer.question_id == "food_more"
    assert second.answer.free_text == "more hot dinners and less pasta"
    assert second.answer.themes == ("food_drink",)
    assert unturned(second.state) == at("home")


def test_short_no_in_tell_me_more_moves_on_without_storing(flow: CheckinFlow) -> None:
    state = FlowState(Stage.tell_more, "food", after_id="home")
    outcome = flow.handle(state, typed("deny", "no"))
    assert outcome.answer is None
    assert unturned(outcome.state) == at("home")


def test_branch_after_not_good_activities_leaves_out_the_favourites(flow: CheckinFlow) -> None:
    first = flow.handle(at("activities"), button("/rate_bad"))
    assert first.state.after_id == "family_friends"
    second = flow.handle(first.state, button("/skip"))
    assert unturned(second.state) == at("family_friends")


def test_good_activities_goes_on_to_the_favourites(flow: CheckinFlow) -> None:
    outcome = flow.handle(at("activities"), button("/rate_good"))
    assert unturned(outcome.state) == at("favourite_activity")


def test_choice_by_button_and_by_typed_label(flow: CheckinFlow) -> None:
    pressed = flow.handle(at("favourite_activity"), button('/inform{"choice": "cooking"}'))
    assert pressed.answer is not None and pressed.answer.answer_value == "cooking"
    said = flow.handle(at("favourite_activity"), typed("inform", "Music!"))
    assert said.answer is not None and said.answer.answer_value == "music"


def test_a_sentence_that_mentions_an_option_is_not_that_choice(flow: CheckinFlow) -> None:
    said = flow.handle(at("favourite_activity"), typed("inform", "i dont like going out"))
    assert said.answer is not None
    assert (said.answer.answer_value, said.answer.free_text) == (None, "i dont like going out")


def test_free_text_where_buttons_are_offered_is_stored_without_a_value(
    flow: CheckinFlow,
) -> None:
    outcome = flow.handle(at("home"), typed("inform", "my radiator has been broken for weeks"))
    assert outcome.answer is not None
    assert outcome.answer.answer_value is None
    assert outcome.answer.free_text == "my radiator has been broken for weeks"
    assert unturned(outcome.state) == at("one_change")


def test_unrecognised_message_asks_again_gently_with_the_buttons(flow: CheckinFlow) -> None:
    outcome = flow.handle(at("food"), typed("nlu_fallback", "🎉🎉"))
    assert outcome.answer is None
    assert unturned(outcome.state) == at("food")
    assert "did not understand" in outcome.prompts[0].text
    assert outcome.prompts[-1].question_id == "food"
    assert any(b.payload.startswith("/rate_good") for b in outcome.prompts[-1].buttons)


def test_answer_from_another_scale_is_asked_again(flow: CheckinFlow) -> None:
    outcome = flow.handle(at("feel_safe"), typed("rate_good", "good"))
    assert outcome.answer is None
    assert last_question(outcome) == "feel_safe"


@pytest.mark.parametrize("intent", ["nlu_fallback", "affirm", "deny"])
def test_a_few_typed_words_that_fit_no_button_are_kept_as_free_text(
    flow: CheckinFlow, intent: str
) -> None:
    outcome = flow.handle(at("staff_kind"), typed(intent, "they talk over me"))
    assert outcome.answer is not None
    assert (outcome.answer.answer_value, outcome.answer.free_text) == (None, "they talk over me")
    assert unturned(outcome.state) == at("own_choices")


@pytest.mark.parametrize("text", ["asdkjh qwe", "🎉 🎉 🎉 🎉", "hmm"])
def test_key_mash_and_emoji_are_asked_again(flow: CheckinFlow, text: str) -> None:
    outcome = flow.handle(at("staff_kind"), typed("nlu_fallback", text))
    assert outcome.answer is None
    assert unturned(outcome.state) == at("staff_kind")


@pytest.mark.parametrize(
    ("intent", "words"),
    [
        ("help", "press a button"),
        ("privacy_question", "manager"),
        ("bot_challenge", "computer"),
        ("talk_to_person", "member of staff"),
    ],
)
def test_side_questions_answer_then_carry_on_with_the_same_question(
    flow: CheckinFlow, intent: str, words: str
) -> None:
    outcome = flow.handle(at("staff_kind"), typed(intent, "?"))
    assert words in outcome.prompts[0].text.lower()
    assert unturned(outcome.state) == at("staff_kind")
    assert last_question(outcome) == "staff_kind"
    assert outcome.answer is None
    assert outcome.person_requested is (intent == "talk_to_person")


def test_repeat_gives_the_same_question_again(flow: CheckinFlow) -> None:
    outcome = flow.handle(at("staff_kind"), typed("repeat", "pardon"))
    assert outcome.prompts == flow.current_prompts(at("staff_kind"))


def test_pressing_stop_ends_and_says_the_answers_still_count(flow: CheckinFlow) -> None:
    outcome = flow.handle(at("food"), button("/stop"))
    assert outcome.ending == Ending.stopped
    assert outcome.state.stage == Stage.ended
    assert "answers you gave will help" in outcome.prompts[0].text


def test_typed_stop_is_confirmed_first(flow: CheckinFlow) -> None:
    asked = flow.handle(at("food"), typed("stop", "stop"))
    assert asked.ending is None
    assert unturned(asked.state) == FlowState(Stage.question, "food", pending="stopped")
    assert asked.prompts[0].kind == "confirm"
    assert [b.payload for b in asked.prompts[0].buttons] == [
        '/stop{"question":"food","turn":0}',
        "/repeat",
    ]
    assert flow.handle(asked.state, press(asked.prompts[0], "Yes, stop")).ending == Ending.stopped
    assert flow.handle(asked.state, typed("affirm", "yes")).ending == Ending.stopped


def test_no_to_stopping_carries_on_with_the_same_question(flow: CheckinFlow) -> None:
    asked = flow.handle(at("staff_kind"), typed("stop", "not enough staff"))
    carried = flow.handle(asked.state, typed("deny", "no"))
    assert carried.ending is None
    assert unturned(carried.state) == at("staff_kind")
    assert last_question(carried) == "staff_kind"


def test_an_answer_instead_of_confirming_is_taken_as_the_answer(flow: CheckinFlow) -> None:
    asked = flow.handle(at("food"), typed("stop", "stop"))
    answered = flow.handle(asked.state, button("/rate_good"))
    assert answered.answer is not None and answered.answer.answer_value == "good"
    assert unturned(answered.state) == at("home")


def test_withdraw_consent_is_confirmed_then_ends_as_withdrawn(flow: CheckinFlow) -> None:
    asked = flow.handle(at("food"), typed("withdraw_consent", "delete what i said"))
    assert "not to use the answers" in asked.prompts[0].text
    outcome = flow.handle(asked.state, typed("affirm", "yes"))
    assert outcome.ending == Ending.withdrawn
    assert outcome.consent_given is False
    assert "will not be used" in outcome.prompts[0].text


@pytest.mark.parametrize(
    ("intent", "confidence", "text"),
    [
        ("stop", 0.69, "they told me to stop crying"),
        ("help", 0.87, "I need help staff hurt me"),
        ("deny", 0.73, "no they shout at me at night"),
    ],
)
def test_a_story_that_sounds_like_a_command_is_kept(
    flow: CheckinFlow, intent: str, confidence: float, text: str
) -> None:
    turn = UserTurn(intent=intent, text=text, confidence=confidence)
    at_question = flow.handle(at("feel_safe"), turn)
    assert at_question.answer is not None and at_question.answer.free_text == text
    telling_more = flow.handle(FlowState(Stage.tell_more, "feel_safe", "listened_to"), turn)
    assert telling_more.answer is not None
    assert telling_more.answer.question_id == "feel_safe_more"
    assert telling_more.answer.free_text == text


def test_a_sure_long_command_is_still_a_command(flow: CheckinFlow) -> None:
    turn = UserTurn(intent="talk_to_person", text="can i speak to my key worker", confidence=0.99)
    outcome = flow.handle(FlowState(Stage.tell_more, "food", "home"), turn)
    assert outcome.person_requested is True
    assert outcome.answer is None


def test_give_feedback_mid_way_takes_the_words_then_returns_to_the_question(
    flow: CheckinFlow,
) -> None:
    asked = flow.handle(at("food"), typed("give_feedback", "can i complain"))
    assert unturned(asked.state) == FlowState(Stage.feedback, "food")
    told = flow.handle(asked.state, typed("inform", "the minibus is always late"))
    assert told.answer is not None and told.answer.question_id == "feedback"
    assert unturned(told.state) == at("food")
    assert last_question(told) == "food"


def test_whole_check_in_ends_with_anything_else_and_thanks(
    flow: CheckinFlow, checkin: QuestionSet
) -> None:
    state = flow.handle(FlowState(Stage.consent), button("/affirm")).state
    answers = []
    while state.stage == Stage.question:
        question = checkin.question(state.question_id or "")
        if question.scale == "free_text":
            turn = typed("inform", "more trips to the seaside")
        elif question.scale == "choice":
            turn = button('/inform{"choice": "music"}')
        elif question.scale == "scale3":
            turn = button("/rate_good")
        else:
            turn = button("/affirm")
        outcome = flow.handle(state, turn)
        answers.append(outcome.answer)
        state = outcome.state
    assert state.stage == Stage.anything_else
    assert len(answers) == len(checkin.spec.questions)
    last = flow.handle(state, typed("inform", "thank you for asking me about things"))
    assert last.answer is not None and last.answer.question_id == "anything_else"
    assert last.ending == Ending.finished
    assert "what we change" in last.prompts[0].text


def test_after_the_end_a_message_gets_a_start_again_button(flow: CheckinFlow) -> None:
    outcome = flow.handle(FlowState(Stage.ended), typed("rate_good", "good"))
    assert outcome.state.stage == Stage.ended
    assert outcome.prompts[0].buttons[0].payload == "/greet"


def test_short_typed_answer_is_only_the_value(flow: CheckinFlow) -> None:
    outcome = flow.handle(at("food"), typed("rate_good", "😊"))
    assert outcome.answer is not None
    assert (outcome.answer.answer_value, outcome.answer.free_text) == ("good", None)


def test_state_from_an_older_version_of_the_set_cannot_continue(flow: CheckinFlow) -> None:
    assert flow.can_continue(at("food"))
    assert not flow.can_continue(at("question_that_was_removed"))
    assert not flow.can_continue(FlowState(Stage.tell_more, "favourite_activity"))  # no follow-up
    assert not flow.can_continue(FlowState(Stage.tell_more, "food", after_id="gone"))


def test_feedback_given_in_one_go_is_kept_and_the_question_asked_again(flow: CheckinFlow) -> None:
    said = typed("give_feedback", "i want to complain about the minibus it is always late")
    outcome = flow.handle(at("food"), said)
    assert outcome.answer is not None
    assert (outcome.answer.question_id, outcome.answer.free_text) == ("feedback", said.text)
    assert unturned(outcome.state) == at("food")


@pytest.mark.parametrize(
    ("intent", "confidence", "text"),
    [
        ("stop", 0.92, "no I don't want to stop"),
        ("inform", 0.5, "the food is cold"),
    ],
)
def test_an_unclear_reply_to_do_you_want_to_stop_asks_again(
    flow: CheckinFlow, intent: str, confidence: float, text: str
) -> None:
    asked = flow.handle(at("feel_safe"), typed("stop", "stop"))
    again = flow.handle(asked.state, UserTurn(intent=intent, text=text, confidence=confidence))
    assert again.ending is None and again.answer is None
    assert unturned(again.state) == asked.state
    assert again.prompts[-1].kind == "confirm"


@pytest.mark.parametrize(
    ("intent", "confidence", "text", "ends"),
    [
        ("affirm", 1.0, "yes", True),
        ("affirm", 0.95, "yes please", True),
        ("affirm", 0.72, "yes delete them please", False),
        ("affirm", 0.98, "yes but not the food ones", False),
        ("stop", 0.99, "stop", False),
    ],
)
def test_only_a_bare_yes_withdraws_the_answers(
    flow: CheckinFlow, intent: str, confidence: float, text: str, ends: bool
) -> None:
    asked = flow.handle(at("feel_safe"), typed("withdraw_consent", "delete what i said"))
    outcome = flow.handle(asked.state, UserTurn(intent=intent, text=text, confidence=confidence))
    assert outcome.answer is None
    assert (outcome.ending == Ending.withdrawn) is ends
    if not ends:
        assert outcome.state.pending == "withdrawn"
        assert outcome.prompts[-1].kind == "confirm"


def test_a_long_no_to_the_withdrawal_carries_on(flow: CheckinFlow) -> None:
    asked = flow.handle(at("feel_safe"), typed("withdraw_consent", "delete what i said"))
    outcome = flow.handle(asked.state, UserTurn("deny", "no I want to carry on", confidence=0.44))
    assert outcome.ending is None
    assert unturned(outcome.state) == at("feel_safe")


def test_a_question_button_pressed_while_confirming_answers_the_question(
    flow: CheckinFlow,
) -> None:
    asked = flow.handle(at("feel_safe"), typed("stop", "stop"))
    outcome = flow.handle(asked.state, button("/affirm"))
    assert outcome.answer is not None and outcome.answer.answer_value == "yes"
    assert outcome.ending is None


@pytest.mark.parametrize("stage", [Stage.tell_more, Stage.anything_else])
@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("affirm", "yes they shout"),
        ("deny", "no they shout at me"),
        ("give_feedback", "i want to complain about the food it is cold"),
    ],
)
def test_words_in_a_free_text_step_are_kept_even_if_they_start_with_yes_or_no(
    flow: CheckinFlow, stage: Stage, intent: str, text: str
) -> None:
    state = FlowState(stage, "food", "home") if stage == Stage.tell_more else FlowState(stage)
    outcome = flow.handle(state, UserTurn(intent=intent, text=text, confidence=0.94))
    assert outcome.answer is not None and outcome.answer.free_text == text


def test_an_unsure_long_no_is_kept_as_words_not_as_no(flow: CheckinFlow) -> None:
    said = UserTurn(intent="deny", text="no problem they are fine", confidence=0.37)
    outcome = flow.handle(at("listened_to"), said)
    assert outcome.answer is not None
    assert (outcome.answer.answer_value, outcome.answer.free_text) == (None, said.text)
    assert unturned(outcome.state) == at("staff_kind")  # no "when do staff not listen?"


def test_an_unsure_cry_for_help_is_kept_and_acted_on(flow: CheckinFlow) -> None:
    said = UserTurn(intent="help", text="help me please someone is hurting me", confidence=0.62)
    outcome = flow.handle(at("feel_safe"), said)
    assert outcome.answer is not None and outcome.answer.free_text == said.text
    assert outcome.person_requested is True
    assert "member of staff" in outcome.prompts[0].text


def test_stop_at_anything_else_finishes_with_the_thank_you(flow: CheckinFlow) -> None:
    outcome = flow.handle(FlowState(Stage.anything_else), button("/stop"))
    assert outcome.ending == Ending.finished
    assert "what we change" in outcome.prompts[0].text


def test_after_the_end_the_person_can_still_withdraw_or_ask_for_someone(
    flow: CheckinFlow,
) -> None:
    ended = FlowState(Stage.ended)
    asked = flow.handle(ended, typed("withdraw_consent", "delete what i said"))
    assert asked.prompts[0].kind == "confirm"
    assert flow.handle(asked.state, typed("affirm", "yes")).ending == Ending.withdrawn
    person = flow.handle(ended, typed("talk_to_person", "i want a person"))
    assert person.person_requested is True and person.state == ended


def test_skipping_mid_way_feedback_says_no_thanks_for_nothing(flow: CheckinFlow) -> None:
    outcome = flow.handle(FlowState(Stage.feedback, "food"), button("/skip"))
    assert outcome.answer is None
    assert unturned(outcome.state) == at("food")
    assert "Thank you" not in outcome.prompts[0].text


def test_moving_to_another_step_counts_a_turn_and_help_does_not(flow: CheckinFlow) -> None:
    start = replace(at("food"), turn=5)
    helped = flow.handle(start, typed("help", "help"))
    assert helped.state.turn == 5
    answered = flow.handle(start, press(flow.current_prompts(start)[0], "Good"))
    assert answered.state.turn == 6
    assert answered.prompts[-1].question_id == "home"


def test_a_button_for_an_earlier_question_is_answered_kindly_and_stores_nothing(
    flow: CheckinFlow,
) -> None:
    at_food = replace(at("food"), turn=5)
    old_keyboard = flow.current_prompts(at_food)[0]
    moved_on = flow.handle(at_food, press(old_keyboard, "Good")).state
    late = flow.handle(moved_on, press(old_keyboard, "Not good"))
    assert late.stale is True
    assert late.answer is None
    assert late.state == moved_on
    assert "earlier question" in late.prompts[0].text
    assert late.prompts[-1].question_id == "home"


def test_a_second_press_of_skip_does_not_skip_a_second_question(flow: CheckinFlow) -> None:
    at_food = replace(at("food"), turn=2)
    skip = press(flow.current_prompts(at_food)[0], "Skip")
    once = flow.handle(at_food, skip)
    twice = flow.handle(once.state, skip)
    assert twice.stale is True
    assert twice.state == once.state
    assert twice.prompts[-1].question_id == "home"


def test_a_button_from_the_same_question_after_help_still_counts(flow: CheckinFlow) -> None:
    at_food = replace(at("food"), turn=3)
    keyboard = flow.current_prompts(at_food)[0]
    helped = flow.handle(at_food, typed("help", "help"))
    answered = flow.handle(helped.state, press(keyboard, "Okay"))
    assert answered.stale is False
    assert answered.answer is not None and answered.answer.answer_value == "okay"


@pytest.mark.parametrize(
    ("intent", "text"),
    [("help", "help me"), ("help", "HELP ME PLEASE someone hurt me"), ("nlu_fallback", "help us")],
)
def test_a_cry_for_help_is_noted_as_a_request_for_a_person(
    flow: CheckinFlow, intent: str, text: str
) -> None:
    outcome = flow.handle(at("food"), UserTurn(intent=intent, text=text, confidence=0.6))
    assert outcome.person_requested is True
    assert "999" in outcome.prompts[0].text
    assert "press a button or type" not in outcome.prompts[0].text.lower()


def test_how_to_use_it_is_answered_with_help_not_as_a_cry(flow: CheckinFlow) -> None:
    outcome = flow.handle(at("food"), typed("help", "how do I use this"))
    assert outcome.person_requested is False
    assert "press a button or type" in outcome.prompts[0].text.lower()


def test_words_of_a_cry_for_help_at_a_question_are_kept_as_the_answer(flow: CheckinFlow) -> None:
    text = "HELP ME PLEASE someone hurt me"
    outcome = flow.handle(at("staff_kind"), UserTurn(intent="help", text=text, confidence=0.5))
    assert outcome.answer is not None and outcome.answer.free_text == text
    assert outcome.person_requested is True


def test_withdrawing_offers_all_earlier_check_ins_when_there_are_some(
    checkin: QuestionSet, wording: BotWording
) -> None:
    flow = CheckinFlow(checkin, wording, earlier_answers=True)
    asked = flow.handle(at("food"), button("/withdraw_consent"))
    confirm = asked.prompts[-1]
    assert confirm.kind == "confirm"
    assert [b.label for b in confirm.buttons] == ["This chat", "All my chats", "No, carry on"]
    done = flow.handle(asked.state, press(confirm, "All my chats"))
    assert done.ending == Ending.withdrawn and done.withdraw_all is True
    this_only = flow.handle(asked.state, press(confirm, "This chat"))
    assert this_only.ending == Ending.withdrawn and this_only.withdraw_all is False


def test_every_prompt_has_a_speech_key_for_each_wording(flow: CheckinFlow) -> None:
    [prompt] = flow.current_prompts(at("food"))
    again = flow.current_prompts(at("food"))[0]
    assert prompt.speech_key == again.speech_key
    assert prompt.speech_key != prompt.easy_read_speech_key
    assert len(prompt.speech_key) == 20


def test_an_old_stop_or_withdrawal_button_does_not_end_a_later_step(
    checkin: QuestionSet, wording: BotWording
) -> None:
    flow = CheckinFlow(checkin, wording, earlier_answers=True)
    at_food = replace(at("food"), turn=5)
    old_stop = press(flow.current_prompts(at_food)[0], "Stop")
    confirm = flow.handle(at_food, button("/withdraw_consent")).prompts[-1]
    moved_on = flow.handle(at_food, press(flow.current_prompts(at_food)[0], "Good")).state
    for late in (old_stop, press(confirm, "This chat"), press(confirm, "All my chats")):
        outcome = flow.handle(moved_on, late)
        assert outcome.stale is True and outcome.ending is None


def test_asking_to_withdraw_at_consent_offers_the_earlier_check_ins(
    checkin: QuestionSet, wording: BotWording
) -> None:
    flow = CheckinFlow(checkin, wording, earlier_answers=True)
    consent = flow.begin(turn=9).state
    asked = flow.handle(consent, typed("withdraw_consent", "delete what i said"))
    assert asked.ending is None and asked.state.pending == "withdrawn"
    done = flow.handle(asked.state, press(asked.prompts[-1], "All my chats"))
    assert done.ending == Ending.withdrawn and done.withdraw_all is True


# -- words that may disclose harm -------------------------------------------


def disclosing(intent: str, text: str, category: str = "psychological") -> UserTurn:
    return UserTurn(intent=intent, text=text, themes=("dignity_respect",), disclosure=category)


def test_a_disclosure_at_a_scale_question_is_kept_and_answered_with_calm_words(
    flow: CheckinFlow, wording: BotWording
) -> None:
    outcome = flow.handle(at("staff_kind"), disclosing("inform", "my keyworker shouted at me"))
    assert outcome.answer is not None
    assert outcome.answer.free_text == "my keyworker shouted at me"
    assert outcome.answer.text_themes == ("dignity_respect",)
    assert outcome.person_requested
    [calm] = outcome.prompts
    assert calm.text == wording.messages.disclosure.text
    assert [b.label for b in calm.buttons] == ["Fixture carry on", "Fixture stop"]
    # The conversation does not go on to the next question until the person chooses.
    assert outcome.state.pending == "disclosed"


def test_carrying_on_after_a_disclosure_asks_the_next_question(flow: CheckinFlow) -> None:
    told = flow.handle(at("staff_kind"), disclosing("inform", "my keyworker shouted at me"))
    carried = flow.handle(told.state, press(told.prompts[0], "Fixture carry on"))
    assert carried.state.pending is None
    assert carried.answer is None
    assert last_question(carried) == told.state.question_id != "staff_kind"


def test_stopping_after_a_disclosure_ends_the_check_in_and_keeps_the_answers(
    flow: CheckinFlow,
) -> None:
    told = flow.handle(at("staff_kind"), disclosing("inform", "my keyworker shouted at me"))
    stopped = flow.handle(told.state, press(told.prompts[0], "Fixture stop"))
    assert stopped.ending == Ending.stopped
    assert not stopped.withdraw_all and stopped.consent_given is None


def test_a_disclosure_at_consent_does_not_start_the_questions(flow: CheckinFlow) -> None:
    told = flow.handle(FlowState(Stage.consent), disclosing("inform", "he hits me"))
    assert told.consent_given is None and told.answer is None
    assert told.state.pending == "disclosed"
    again = flow.handle(told.state, typed("affirm", "yes"))
    assert again.state.stage == Stage.consent and again.prompts[-1].kind == "consent"


def test_a_disclosure_after_the_end_still_gets_the_calm_words(
    flow: CheckinFlow, wording: BotWording
) -> None:
    told = flow.handle(FlowState(Stage.ended), disclosing("inform", "she takes my money"))
    assert told.prompts[0].text == wording.messages.disclosure.text
    stopped = flow.handle(told.state, typed("stop", "stop"))
    assert stopped.ending is None and stopped.state.stage == Stage.ended


def test_a_second_disclosure_while_choosing_is_heard_again(flow: CheckinFlow) -> None:
    told = flow.handle(at("staff_kind"), disclosing("inform", "my keyworker shouted at me"))
    more = flow.handle(told.state, disclosing("inform", "and he does it every night"))
    assert more.state.pending == "disclosed"
    assert more.prompts[0].kind == "confirm"


@pytest.mark.parametrize("text", ["not rly", "nope"])
def test_a_bare_no_to_how_do_you_feel_is_not_good(flow: CheckinFlow, text: str) -> None:
    outcome = flow.handle(at("staff_kind"), typed("deny", text))
    assert outcome.answer is not None and outcome.answer.answer_value == "bad"


@pytest.mark.parametrize(("intent", "text"), [("rate_okay", "okay"), ("rate_good", "good")])
def test_okay_or_good_at_consent_starts_the_check_in(
    flow: CheckinFlow, intent: str, text: str
) -> None:
    outcome = flow.handle(FlowState(Stage.consent), typed(intent, text))
    assert outcome.consent_given is True


def test_words_that_may_disclose_harm_are_kept_even_when_they_sound_like_a_command(
    flow: CheckinFlow,
) -> None:
    turn = UserTurn(intent="stop", text="they told me to stop crying", confidence=0.97)
    outcome = flow.handle(at("feel_safe"), replace(turn, disclosure="psychological"))
    assert outcome.answer is not None and outcome.answer.free_text == turn.text
    assert outcome.ending is None and outcome.state.pending == "disclosed"
