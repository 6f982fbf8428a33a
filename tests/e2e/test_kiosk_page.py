"""The kiosk page in Debian's Chromium, against the app with the real Rasa and action servers.

Playwright drives the browser (never `playwright install`: Debian's Chromium is
launched directly); axe-core from npm checks every screen against WCAG 2.2 A
and AA. Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import re
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import select

from bot.kiosk.tokens import issue
from checkin.wording import BotWording
from cli.stack import Stack
from covoice.settings import PROJECT_ROOT
from governance.people import add_person
from storage.models import Conversation, Response
from storage.unit_of_work import UnitOfWork
from tests.browser import CHROMIUM, launch

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
SIZES = {"tablet-landscape": (1280, 800), "tablet-portrait": (800, 1280), "phone": (390, 844)}
CLOSING = re.compile("Thank you. The manager will read your answers")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("The kiosk's browser tests need Debian's Chromium: run 'make test'.")
    with sync_playwright() as playwright:
        launched = launch(playwright)
        yield launched
        launched.close()


@pytest.fixture
def kiosk_url(stack: Stack, store: Callable[[], UnitOfWork]) -> str:
    with store() as uow:
        token, _ = issue(uow, "oak-house", "browser test")
        uow.commit()
    return f"{stack.settings.app_url}/kiosk/{token}"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    yield opened
    context.close()


def _no_axe_violations(page: Page, screen: str) -> None:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run 'make test' (npm ci installs it).")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target).join(' ')))",
        AXE_TAGS,
    )
    assert violations == [], f"{screen}: {violations}"


def _answer_until_the_end(page: Page, by_keyboard: bool = False) -> None:
    """Press the first answer of each question (typing at the free-text one) until the end."""
    for _ in range(30):
        heading = page.locator("#talk-title")
        expect(heading).to_be_visible()
        expect(page.locator("#main")).to_have_attribute("aria-busy", "false")
        if CLOSING.search(heading.inner_text()):
            return
        answers = page.locator(".answer:enabled")
        if answers.count() == 0:
            box = page.locator("#free-text-box")
            box.focus()
            box.fill("more trips to the seaside please")
            if by_keyboard:
                page.keyboard.press("Tab")  # from the words to Send
                page.keyboard.press("Enter")
            else:
                page.locator("#send-button").click()
        elif by_keyboard:
            answers.first.focus()
            page.keyboard.press("Enter")
        else:
            answers.first.click()
        expect(heading).not_to_have_text(heading.inner_text(), timeout=20_000)
    raise AssertionError("the check-in did not reach its end")


def _begin(page: Page, url: str, role_label: str) -> None:
    page.goto(url)
    page.get_by_role("button", name=re.compile("Fixture Start")).click()
    page.get_by_role("button", name=re.compile(role_label)).click()
    anonymous = page.get_by_role("button", name=re.compile("Fixture I won't say"))
    if anonymous.count():
        anonymous.click()
    expect(page.locator("#talk-title")).to_be_visible()


def _kiosk_answers(
    store: Callable[[], UnitOfWork], url: str
) -> tuple[Conversation, list[Response]]:
    prefix = url.rsplit("/", 1)[-1][1:11]
    with store() as uow:
        conversation = uow.session.scalars(
            select(Conversation).where(Conversation.sender_id.startswith(f"kiosk:{prefix}:"))
        ).one()
        answers = list(
            uow.session.scalars(select(Response).where(Response.conversation_id == conversation.id))
        )
    return conversation, answers


def test_a_whole_check_in_by_touch_is_stored_with_the_role_and_the_kiosk_channel(
    page: Page, kiosk_url: str, store: Callable[[], UnitOfWork]
) -> None:
    _begin(page, kiosk_url, "Fixture Me, with staff helping")
    page.get_by_role("button", name="Yes, let's start").click()
    expect(page.locator("#progress-words")).to_have_text(re.compile(r"Fixture 1 of \d+"))
    _answer_until_the_end(page)

    conversation, answers = _kiosk_answers(store, kiosk_url)
    assert conversation.channel == "kiosk" and conversation.respondent_role == "staff_supported"
    assert conversation.status.value == "finished"
    assert {a.question_id for a in answers} >= {"feel_safe", "staff_kind", "one_change"}
    assert all(a.channel == "kiosk" for a in answers)


def test_a_whole_check_in_by_keyboard_only(
    page: Page, kiosk_url: str, store: Callable[[], UnitOfWork]
) -> None:
    page.goto(kiosk_url)
    start = page.get_by_role("button", name=re.compile("Fixture Start"))
    expect(start).to_be_visible()
    for _ in range(15):  # Tab until the Start button has the focus, then Enter
        page.keyboard.press("Tab")
        if start.evaluate("b => b === document.activeElement"):
            break
    page.keyboard.press("Enter")
    role = page.get_by_role("button", name=re.compile("Fixture Family or friend"))
    role.focus()
    page.keyboard.press("Space")
    anonymous = page.get_by_role("button", name=re.compile("Fixture I won't say"))
    if anonymous.count():
        anonymous.focus()
        page.keyboard.press("Enter")
    consent = page.get_by_role("button", name="Yes, let's start")
    consent.focus()
    page.keyboard.press("Enter")
    _answer_until_the_end(page, by_keyboard=True)

    conversation, answers = _kiosk_answers(store, kiosk_url)
    assert conversation.respondent_role == "family" and answers


def test_skip_help_and_stop_are_always_there_and_every_prompt_can_be_heard(
    page: Page, kiosk_url: str, store: Callable[[], UnitOfWork], wording: BotWording
) -> None:
    _begin(page, kiosk_url, "Fixture Me$")
    page.get_by_role("button", name="Yes, let's start").click()
    first = page.locator("#talk-title").inner_text()

    audio = page.locator(".prompt audio").last
    expect(audio).to_have_attribute("src", re.compile(r"/speech/\w+\.mp3$"))
    duration = audio.evaluate(
        "a => new Promise(done => a.readyState >= 1 ? done(a.duration)"
        " : a.addEventListener('loadedmetadata', () => done(a.duration)))"
    )
    assert duration > 0.3
    page.get_by_role("button", name=re.compile("Fixture Hear again")).click()

    page.get_by_role("button", name=re.compile("Fixture Skip")).click()
    expect(page.locator("#talk-title")).not_to_have_text(first)
    expect(page.locator("#progress-words")).to_have_text(re.compile(r"Fixture 2 of \d+"))
    page.get_by_role("button", name=re.compile("Fixture Help")).click()
    expect(page.locator("#prompts")).to_contain_text(wording.messages.help.easy_read)
    page.get_by_role("button", name=re.compile("Fixture Stop")).click()  # a press: no question
    expect(page.get_by_role("button", name="Start again")).to_be_visible()

    conversation, answers = _kiosk_answers(store, kiosk_url)
    assert conversation.status.value == "stopped" and answers == []


def test_big_picture_and_word_buttons_and_the_choices_stay_for_the_conversation(
    page: Page, kiosk_url: str
) -> None:
    _begin(page, kiosk_url, "Fixture Me$")
    page.get_by_role("button", name="Yes, let's start").click()
    expect(page.locator("#talk-title")).to_have_text(re.compile("Do you feel safe at home"))
    buttons = page.locator("#prompts .answer, .control")
    assert buttons.count() >= 6
    for index in range(buttons.count()):
        box = buttons.nth(index).bounding_box()
        assert box is not None and box["width"] >= 64 and box["height"] >= 64, index
    answers = page.locator("#prompts .answer")
    for index in range(answers.count()):
        answer = answers.nth(index)
        assert answer.locator("img").count() == 1  # a picture ...
        assert answer.inner_text().strip()  # ... never without its word

    page.locator("#settings-toggle").click()
    page.locator('.setting[data-setting="wording"][data-value="text"]').click()
    page.locator('.setting[data-setting="speech"][data-value="off"]').click()
    page.locator("#settings-toggle").click()
    expect(page.locator("#talk-title")).to_have_text("Do you feel safe where you live?")
    answers.first.click()
    # The next question keeps the fuller words, and nothing speaks it.
    expect(page.locator("#talk-title")).to_have_text("Do the staff listen to you?")
    page.wait_for_timeout(500)
    playing = page.evaluate("() => [...document.querySelectorAll('audio')].some(a => !a.paused)")
    assert playing is False


def test_with_no_touch_the_kiosk_asks_then_clears_the_screen_and_keeps_the_answers(
    page: Page, kiosk_url: str, store: Callable[[], UnitOfWork]
) -> None:
    _begin(page, kiosk_url, "Fixture Me$")
    page.get_by_role("button", name="Yes, let's start").click()
    page.locator(".answer").first.click()  # feel_safe: Yes
    expect(page.locator("#progress-words")).to_have_text(re.compile(r"Fixture 2 of"))

    expect(page.locator("#idle-dialog")).to_be_visible(timeout=20_000)  # idle: 10 s
    expect(page.locator("#screen-start")).to_be_visible(timeout=30_000)  # goodbye: 5 s more
    assert page.locator("#prompts").inner_text() == ""
    assert "Yes" not in page.locator("#main").inner_text()

    _, answers = _kiosk_answers(store, kiosk_url)
    assert [(a.question_id, a.answer_value) for a in answers] == [("feel_safe", "yes")]


def test_with_rasa_down_the_kiosk_says_sorry_and_try_again_keeps_the_tap_once(
    page: Page, kiosk_url: str, stack: Stack, store: Callable[[], UnitOfWork]
) -> None:
    _begin(page, kiosk_url, "Fixture Me$")
    page.get_by_role("button", name="Yes, let's start").click()
    expect(page.locator("#progress-words")).to_have_text(re.compile(r"Fixture 1 of"))

    stack.stop("Rasa server")
    restarted = threading.Event()
    try:
        page.locator(".answer").first.click()  # feel_safe: Yes, while Rasa is down
        expect(page.locator("#trouble-title")).to_have_text(re.compile("Fixture Sorry, I can't"))
        try_again = page.get_by_role("button", name=re.compile("Fixture Try again"))
        expect(try_again).to_be_visible()
        _, answers = _kiosk_answers(store, kiosk_url)
        assert answers == []

        def restart() -> None:
            stack.wait_ready(stack.start_rasa(), on_progress=lambda _: None)
            restarted.set()

        threading.Thread(target=restart, daemon=True).start()
        # Someone is still there while Rasa comes back: no idle goodbye meanwhile.
        deadline = time.monotonic() + 120
        while not restarted.wait(timeout=2):
            assert time.monotonic() < deadline, "Rasa did not come back"
            page.mouse.click(5, 5)
    finally:
        if not restarted.is_set() and not any(p.name == "Rasa server" for p in stack.processes):
            stack.wait_ready(stack.start_rasa(), on_progress=lambda _: None)

    try_again.click()
    expect(page.locator("#progress-words")).to_have_text(re.compile(r"Fixture 2 of"))
    _, answers = _kiosk_answers(store, kiosk_url)
    assert [(a.question_id, a.answer_value) for a in answers] == [("feel_safe", "yes")]


def test_reloading_mid_check_in_shows_nothing_of_the_last_person_and_keeps_their_answers(
    page: Page, kiosk_url: str, store: Callable[[], UnitOfWork]
) -> None:
    _begin(page, kiosk_url, "Fixture Me$")
    page.get_by_role("button", name="Yes, let's start").click()
    question = page.locator("#talk-title").inner_text()
    page.locator(".answer").first.click()
    expect(page.locator("#progress-words")).to_have_text(re.compile(r"Fixture 2 of"))

    page.reload()
    expect(page.get_by_role("button", name=re.compile("Fixture Start"))).to_be_visible()
    assert question not in page.locator("body").inner_text()
    assert page.locator("#prompts").inner_text() == ""
    page.go_back()  # nor does the browser's history bring them back
    assert question not in page.locator("body").inner_text()

    _, answers = _kiosk_answers(store, kiosk_url)
    assert [(a.question_id, a.answer_value) for a in answers] == [("feel_safe", "yes")]


def test_a_person_picks_their_own_photo_with_no_typing(
    page: Page, kiosk_url: str, store: Callable[[], UnitOfWork]
) -> None:
    with store() as uow:
        person = add_person(uow, "oak-house", "Fixture Rosa", ref="page-rosa", photo=_tiny_png())
        uow.commit()
    page.goto(kiosk_url)
    page.get_by_role("button", name=re.compile("Fixture Start")).click()
    page.get_by_role("button", name=re.compile("Fixture Me$")).click()
    rosa = page.get_by_role("button", name=re.compile("Fixture Rosa"))
    photo = rosa.locator("img")
    expect(photo).to_have_attribute("src", re.compile(rf"/photo/{person.id}$"))
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 2
    rosa.click()
    page.get_by_role("button", name="Yes, let's start").click()
    page.locator(".answer").first.click()
    expect(page.locator("#progress-words")).to_have_text(re.compile(r"Fixture 2 of"))

    conversation, _ = _kiosk_answers(store, kiosk_url)
    with store() as uow:
        chosen = uow.people.get(conversation.person_id or 0)
        assert chosen is not None and chosen.ref == "page-rosa"


def _tiny_png() -> bytes:
    """A 2 by 2 grey PNG, made here so the test needs no image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)  # 8-bit greyscale
    pixels = zlib.compress(b"\x00\x80\x80" * 2)  # each row: filter 0, two pixels
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def test_every_screen_passes_axe_in_each_mode_and_is_photographed(
    browser: Browser, kiosk_url: str
) -> None:
    for mode in ("normal", "large", "contrast"):
        for size, (width, height) in SIZES.items():
            # axe is injected into the page, which the page's own policy forbids.
            context = browser.new_context(
                viewport={"width": width, "height": height}, bypass_csp=True
            )
            page = context.new_page()
            page.goto(kiosk_url)
            expect(page.get_by_role("button", name=re.compile("Fixture Start"))).to_be_visible()
            if mode != "normal":
                page.locator("#settings-toggle").click()
                page.locator(f'.setting[data-setting="{mode}"]').click()
                page.locator("#settings-toggle").click()
            _no_axe_violations(page, f"start, {mode}, {size}")
            page.get_by_role("button", name=re.compile("Fixture Start")).click()
            _no_axe_violations(page, f"who is answering, {mode}, {size}")
            page.get_by_role("button", name=re.compile("Fixture Me$")).click()
            anonymous = page.get_by_role("button", name=re.compile("Fixture I won't say"))
            if anonymous.count():
                anonymous.click()
            page.get_by_role("button", name="Yes, let's start").click()
            expect(page.locator("#progress-words")).to_be_visible()
            _no_axe_violations(page, f"question, {mode}, {size}")
            if mode == "normal" or size == "tablet-landscape":
                page.screenshot(path=str(SCREENSHOTS / f"kiosk-question-{mode}-{size}.png"))
            context.close()


def test_the_people_idle_and_trouble_screens_pass_axe(
    browser: Browser, kiosk_url: str, store: Callable[[], UnitOfWork]
) -> None:
    with store() as uow:
        add_person(uow, "oak-house", "Fixture Rosa", ref="page-rosa", photo=_tiny_png())
        uow.commit()
    page = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True).new_page()
    page.goto(kiosk_url)
    page.get_by_role("button", name=re.compile("Fixture Start")).click()
    page.get_by_role("button", name=re.compile("Fixture Me$")).click()
    expect(page.get_by_role("button", name=re.compile("Fixture Rosa"))).to_be_visible()
    _no_axe_violations(page, "who are you")
    page.get_by_role("button", name=re.compile("Fixture I won't say")).click()
    page.get_by_role("button", name="Yes, let's start").click()
    expect(page.locator("#idle-dialog")).to_be_visible(timeout=20_000)
    _no_axe_violations(page, "are you still there")
    page.locator("#still-here").click()
    # The network fails under the page: the trouble screen, whatever the cause.
    page.route("**/api/say", lambda route: route.abort())
    page.locator(".answer").first.click()
    expect(page.locator("#trouble-title")).to_be_visible()
    _no_axe_violations(page, "trouble")
    page.context.close()


def test_an_unknown_kiosk_gets_a_friendly_page(browser: Browser, stack: Stack) -> None:
    page = browser.new_context(bypass_csp=True).new_page()
    response = page.goto(f"{stack.settings.app_url}/kiosk/k0123456789_{'x' * 43}")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_be_visible()
    _no_axe_violations(page, "unknown kiosk")
