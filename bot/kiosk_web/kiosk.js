/* CoVoice kiosk page.
 *
 * One person at a time answers a check-in by touch, keyboard or switch, and
 * hears every prompt. What the page knows about that person (their session,
 * the prompts on screen, their settings) lives in memory only and is wiped
 * when they finish or walk away, so the next person starts clean.
 */
"use strict";

// How long to wait for the app before telling the person we cannot talk.
const REQUEST_TIMEOUT_MS = 20000;
// How long "goodbye" stays up after a quiet spell before the start screen.
const FAREWELL_MS = 4000;
// Payloads the control bar stands for; a prompt may carry its own version
// of each (e.g. '/skip{"question":"food"}'), which the bar then uses.
const CONTROL_MEANINGS = ["/skip", "/stop", "/help", "/repeat", "/talk_to_person"];
// What "hear it again" says on screens that are not the bot's prompts.
const SCREEN_WORDS = {
  start: "welcome",
  role: "who_is_answering",
  person: "who_are_you",
  trouble: "cant_talk",
  goodbye: "goodbye",
};

const kiosk = {
  api: "",
  setup: null,
  screen: "loading",
  retry: null, // what "try again" does on the trouble screen
  visitCount: 0,
};
const timers = { idle: 0, goodbye: 0, closing: 0, farewell: 0, announce: 0 };
let speechRun = 0;
let visit = newVisit();

function $(id) {
  return document.getElementById(id);
}

/* ---------- one person's visit ---------- */

function newVisit() {
  kiosk.visitCount += 1;
  return {
    id: kiosk.visitCount, // replies that arrive for an earlier visit are dropped
    touched: false, // someone has started, or changed a setting
    role: null,
    session: null,
    replies: [],
    controls: {},
    closing: false,
    busy: false,
    wording: "easy_read",
    speech: true,
    large: false,
    contrast: false,
  };
}

/** Clear every trace of the person who was here and show the start screen. */
function resetForNextPerson() {
  clearTimers();
  stopSpeaking();
  silenceVoice();
  closeDialogs();
  wipeConversation();
  visit = newVisit();
  kiosk.retry = null;
  setBusy(false);
  closeSettings();
  applyPreferences();
  showScreen("start", { focus: false });
  refreshSetup();
}

function wipeConversation() {
  $("prompts").replaceChildren();
  $("progress").hidden = true;
  $("progress-dots").replaceChildren();
  $("progress-words").textContent = "";
  $("free-text-box").value = "";
  $("free-text").hidden = true;
  // A pending announcement must not write the last person's words back.
  clearTimeout(timers.announce);
  $("announcer").textContent = "";
  visit.replies = [];
  visit.session = null;
}

/** Drop any answer still on its way: it belongs to someone who has gone. */
function forgetPendingReplies() {
  kiosk.visitCount += 1;
  visit.id = kiosk.visitCount;
  setBusy(false);
}

/** End the session with the app (answers so far are kept) and start again. */
function finishVisit() {
  endSession();
  resetForNextPerson();
}

function endSession(options = {}) {
  const session = visit.session;
  visit.session = null;
  if (!session) return;
  postJson("end", { session }, options).catch(() => {});
}

/* ---------- talking to the app ---------- */

function newMessageId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // randomUUID needs a secure context; a kiosk on a local network may be plain http.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function postJson(path, body, { keepalive = false } = {}) {
  return fetch(kiosk.api + path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    cache: "no-store",
    credentials: "same-origin",
    keepalive,
  });
}

/** Call the API; a network failure or a timeout comes back as status 0. */
async function callApi(path, body) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    const init = { method: "GET", cache: "no-store", credentials: "same-origin", signal: controller.signal };
    if (body !== undefined) {
      Object.assign(init, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    }
    const response = await fetch(kiosk.api + path, init);
    let data = null;
    if (response.status !== 204) {
      data = await response.json().catch(() => null);
    }
    return { status: response.status, data };
  } catch {
    return { status: 0, data: null };
  } finally {
    clearTimeout(timer);
  }
}

function startConversation(person) {
  sendToApp("start", { role: visit.role, person });
}

function say(text, { typed = false } = {}) {
  if (visit.busy || !visit.session) return;
  // Each tap is a new message; a retry re-sends this same body and id.
  sendToApp("say", { session: visit.session, text, message_id: newMessageId() }, { typed });
}

async function sendToApp(path, body, { typed = false } = {}) {
  const visitId = visit.id;
  kiosk.retry = () => sendToApp(path, body, { typed });
  setBusy(true);
  const { status, data } = await callApi(path, body);
  if (visit.id !== visitId) {
    // The person left while we waited: close any session this opened.
    if (path === "start" && data && data.session) {
      postJson("end", { session: data.session }).catch(() => {});
    }
    return;
  }
  setBusy(false);
  if (status === 410) {
    resetForNextPerson();
    return;
  }
  const replies = status === 200 && data && Array.isArray(data.replies) ? data.replies : [];
  if (path === "start" && status === 200 && data && data.session) {
    visit.session = data.session;
  }
  // The bot could not answer (Rasa down): the tap is kept for "try again".
  const failed = replies.some((prompt) => prompt.kind === "error");
  if (replies.length && visit.session && !failed) {
    kiosk.retry = null;
    // Typed words stay in the box until they have surely arrived.
    if (typed) $("free-text-box").value = "";
    showReplies(replies);
    return;
  }
  if (path === "start" && status >= 400 && status < 500) {
    // The kiosk's roles or people changed under us: begin again with fresh ones.
    resetForNextPerson();
    return;
  }
  // An empty answer is no answer: never leave the person in silence.
  if (path === "start") endSession();
  showTrouble();
}

/** Stop double taps: nothing else can be sent until the answer arrives. */
function setBusy(busy) {
  visit.busy = busy;
  $("main").setAttribute("aria-busy", String(busy));
  const senders = document.querySelectorAll(
    ".answer, .choice, #send-button, #try-again, .control[data-sends]"
  );
  for (const button of senders) button.disabled = busy;
}

/* ---------- the kiosk's words ---------- */

async function fetchSetup() {
  const { status, data } = await callApi("setup");
  if (status !== 200 || !data || typeof data.words !== "object" || !data.words) return null;
  return data;
}

function applySetup(data) {
  kiosk.setup = {
    service: String(data.service || ""),
    words: data.words,
    roles: Array.isArray(data.roles) ? data.roles : [],
    people: Array.isArray(data.people) ? data.people : [],
    idleSeconds: Number(data.idle_seconds) > 0 ? Number(data.idle_seconds) : 120,
    goodbyeSeconds: Number(data.goodbye_seconds) > 0 ? Number(data.goodbye_seconds) : 20,
  };
  $("service-name").textContent = kiosk.setup.service;
  document.title = kiosk.setup.service ? `${kiosk.setup.service} – CoVoice` : "CoVoice";
  renderRoles();
  renderPeople();
  applyWords();
  $("settings-toggle").hidden = false;
}

/** Pick up new people or wording between visits; keep the old ones if the app is away. */
async function refreshSetup() {
  const visitId = visit.id;
  const data = await fetchSetup();
  // Never change the buttons under the finger of someone who has begun.
  if (data && visit.id === visitId && !visit.touched) applySetup(data);
}

function wordEntry(key) {
  const words = kiosk.setup ? kiosk.setup.words : null;
  return words && words[key] ? words[key] : null;
}

/** The word in the person's chosen wording, falling back to the other one. */
function word(key) {
  const entry = wordEntry(key);
  if (!entry) return "";
  return entry[visit.wording] || entry.text || entry.easy_read || "";
}

function wordSpeech(key) {
  const entry = wordEntry(key);
  return entry && entry.speech ? entry.speech[visit.wording] || entry.speech.text || "" : "";
}

/** Put the kiosk's words into every labelled element; the page's own English stays when one is missing. */
function applyWords() {
  for (const element of document.querySelectorAll("[data-word]")) {
    const text = word(element.dataset.word);
    if (text) element.textContent = text;
  }
  renderProgress();
}

/* ---------- screens ---------- */

function showScreen(name, { focus = true } = {}) {
  kiosk.screen = name;
  for (const screen of document.querySelectorAll(".screen")) {
    screen.hidden = screen.id !== `screen-${name}`;
  }
  updateControls();
  watchIdle();
  // Each screen is read from its top; the heading takes focus without
  // scrolling earlier words (an introduction, say) out of view.
  $("main").scrollTop = 0;
  if (focus) {
    const heading = document.querySelector(`#screen-${name} h1`);
    if (heading) heading.focus({ preventScroll: true });
  }
}

function beginVisit() {
  visit.touched = true;
  showScreen("role");
  speakWord("who_is_answering");
}

function chooseRole(roleId) {
  visit.role = roleId;
  if (kiosk.setup.people.length) {
    showScreen("person");
    speakWord("who_are_you");
  } else {
    startConversation(null);
  }
}

function choiceButton({ pictureNode, wordKey, label }) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "choice";
  button.append(pictureNode);
  const words = document.createElement("span");
  if (wordKey) words.dataset.word = wordKey;
  words.textContent = label;
  button.append(words);
  item.append(button);
  return { item, button };
}

function pictureImage(picture) {
  const image = document.createElement("img");
  image.src = picture.src;
  // The word beside it names the button; the picture adds nothing to read out.
  image.alt = "";
  return image;
}

function spriteIcon(name, className) {
  const svgNs = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("class", className);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const use = document.createElementNS(svgNs, "use");
  use.setAttribute("href", `#icon-${name}`);
  svg.append(use);
  return svg;
}

function renderRoles() {
  const list = $("role-choices");
  list.replaceChildren();
  for (const role of kiosk.setup.roles) {
    const picture = role.picture && role.picture.src ? pictureImage(role.picture) : spriteIcon("person", "picture");
    const { item, button } = choiceButton({ pictureNode: picture, wordKey: role.word, label: word(role.word) || role.id });
    button.addEventListener("click", () => chooseRole(role.id));
    list.append(item);
  }
}

function renderPeople() {
  const list = $("person-choices");
  list.replaceChildren();
  const anonymous = choiceButton({
    pictureNode: spriteIcon("anonymous", "picture"),
    wordKey: "anonymous",
    label: word("anonymous"),
  });
  anonymous.button.classList.add("choice-anonymous");
  anonymous.button.addEventListener("click", () => startConversation(null));
  list.append(anonymous.item);
  for (const person of kiosk.setup.people) {
    const { item, button } = choiceButton({
      pictureNode: personPicture(person),
      label: person.name,
    });
    button.addEventListener("click", () => startConversation(person.key));
    list.append(item);
  }
}

function personPicture(person) {
  if (person.photo) return pictureImage({ src: person.photo });
  const initials = document.createElement("span");
  initials.className = "initials";
  // The first name beside it is what a screen reader says.
  initials.setAttribute("aria-hidden", "true");
  initials.textContent = person.initials || (person.name || "?").slice(0, 1);
  return initials;
}

/* ---------- the conversation ---------- */

function showReplies(replies) {
  stopSpeaking();
  visit.replies = replies;
  visit.controls = controlPayloads(replies);
  visit.closing = replies.some((prompt) => prompt.kind === "closing");
  renderConversation();
  showScreen("talk");
  revealAnswers();
  announce(replies.map(promptWords));
  if (visit.speech) speakPrompts();
  if (visit.closing) {
    // The check-in is over: leave the thanks up a while, then make way for the next person.
    timers.closing = setTimeout(finishVisit, kiosk.setup.goodbyeSeconds * 1000);
  }
}

/** Scroll just far enough to show the answers, never past the question itself. */
function revealAnswers() {
  const stage = $("main");
  const heading = $("talk-title");
  if (!heading) return;
  const block = heading.closest(".prompt");
  const last = block.nextElementSibling || block;
  const view = stage.getBoundingClientRect();
  const overflow = last.getBoundingClientRect().bottom - view.bottom;
  const room = heading.getBoundingClientRect().top - view.top;
  if (overflow > 0 && room > 0) stage.scrollTop += Math.min(overflow + 16, room - 8);
}

function controlPayloads(replies) {
  const found = {};
  for (const prompt of replies) {
    for (const button of prompt.buttons || []) {
      const meaning = button.kind === "control" ? controlMeaning(button.payload) : null;
      if (meaning) found[meaning] = button.payload;
    }
  }
  return found;
}

function controlMeaning(payload) {
  const text = String(payload || "");
  return CONTROL_MEANINGS.find((meaning) => text === meaning || text.startsWith(`${meaning}{`)) || null;
}

function promptWords(prompt) {
  return (visit.wording === "text" ? prompt.text : prompt.easy_read) || prompt.text || prompt.easy_read || "";
}

function promptSpeech(prompt) {
  const speech = prompt.speech || {};
  return speech[visit.wording] || speech.text || speech.easy_read || "";
}

function renderConversation() {
  const box = $("prompts");
  box.replaceChildren();
  const last = visit.replies.length - 1;
  visit.replies.forEach((prompt, index) => box.append(...renderPrompt(prompt, index === last)));
  renderProgress();
  $("free-text").hidden = visit.closing;
  setBusy(visit.busy);
}

/** A prompt's words, pictures and voice, then its own buttons. The last prompt is the screen's heading. */
function renderPrompt(prompt, isMain) {
  const block = document.createElement("div");
  block.className = isMain ? "prompt" : "prompt prompt-earlier";
  const words = document.createElement("div");
  words.className = "prompt-words";
  const text = document.createElement(isMain ? "h1" : "p");
  if (isMain) {
    text.id = "talk-title";
    text.tabIndex = -1;
  }
  text.textContent = promptWords(prompt);
  words.append(text);
  block.append(words);
  const pictures = (prompt.pictograms || []).filter((picture) => picture && picture.src);
  if (pictures.length) {
    const row = document.createElement("div");
    row.className = "prompt-pictures";
    for (const picture of pictures) {
      const image = document.createElement("img");
      image.src = picture.src;
      image.alt = picture.alt || "";
      row.append(image);
    }
    block.append(row);
  }
  const source = promptSpeech(prompt);
  if (source) {
    const audio = document.createElement("audio");
    audio.preload = "auto";
    audio.src = source;
    block.append(audio);
  }
  const buttons = renderPromptButtons(prompt);
  return buttons ? [block, buttons] : [block];
}

/** Answer buttons, and any control the bar has no place for. */
function renderPromptButtons(prompt) {
  const shown = (prompt.buttons || []).filter(
    (button) => button.label && (button.kind !== "control" || !controlMeaning(button.payload))
  );
  if (!shown.length) return null;
  const list = document.createElement("ul");
  list.className = "answers";
  for (const button of shown) {
    const item = document.createElement("li");
    const element = document.createElement("button");
    element.type = "button";
    element.className = "answer";
    if (button.picture && button.picture.src) element.append(pictureImage(button.picture));
    const label = document.createElement("span");
    label.textContent = button.label;
    element.append(label);
    element.addEventListener("click", () => pressPromptButton(prompt, button));
    item.append(element);
    list.append(item);
  }
  return list;
}

function pressPromptButton(prompt, button) {
  if (prompt.kind === "closing") {
    finishVisit();
    return;
  }
  say(button.payload);
}

function currentProgress() {
  const last = visit.replies[visit.replies.length - 1];
  const progress = last && last.progress;
  if (!progress || !(progress.total > 0) || !(progress.position > 0)) return null;
  return progress;
}

function progressWords(progress) {
  return word("question_of")
    .replace("{position}", String(progress.position))
    .replace("{total}", String(progress.total));
}

/** "Question 2 of 3" for everyone, and dots for the eye (aria-hidden in the page). */
function renderProgress() {
  const progress = currentProgress();
  $("progress").hidden = !progress;
  if (!progress) return;
  $("progress-words").textContent = progressWords(progress);
  const dots = $("progress-dots");
  dots.replaceChildren();
  for (let step = 1; step <= progress.total; step += 1) {
    const dot = document.createElement("li");
    dot.className = step < progress.position ? "dot dot-done" : step === progress.position ? "dot dot-now" : "dot";
    dots.append(dot);
  }
}

function sendTypedWords(event) {
  event.preventDefault();
  const box = $("free-text-box");
  const text = box.value.trim();
  if (!text) {
    box.focus();
    return;
  }
  say(text, { typed: true });
}

/* ---------- the control bar ---------- */

/** Show only the controls that mean something on this screen. */
function updateControls() {
  const screen = kiosk.screen;
  const talking = screen === "talk" && !visit.closing;
  const choosing = screen === "role" || screen === "person";
  const stuck = screen === "trouble" && visit.touched;
  $("controls").hidden = !(talking || choosing || stuck || (screen === "talk" && visit.closing));
  $("control-hear").hidden = false;
  $("control-skip").hidden = !talking;
  $("control-help").hidden = !talking;
  $("control-person").hidden = !talking;
  $("control-stop").hidden = !(talking || choosing || stuck);
  // Lets the layout share the row out among the controls actually shown.
  $("controls").dataset.shown = String(document.querySelectorAll("#controls .control:not([hidden])").length);
}

function pressControl(event) {
  const sends = event.currentTarget.dataset.sends;
  if (kiosk.screen === "talk" && visit.session) {
    say(visit.controls[sends] || sends);
  } else if (sends === "/stop") {
    finishVisit();
  }
}

/* ---------- speech ---------- */

function stopSpeaking() {
  speechRun += 1;
  for (const audio of document.querySelectorAll("audio")) {
    audio.pause();
  }
}

/** Play each audio after the one before it ends. */
function playInOrder(audios) {
  stopSpeaking();
  const run = speechRun;
  const playFrom = (index) => {
    if (run !== speechRun || index >= audios.length) return;
    const audio = audios[index];
    const next = () => playFrom(index + 1);
    audio.onended = next;
    audio.onerror = next;
    audio.currentTime = 0;
    audio.play().catch(() => {
      if (run === speechRun && audio.error) next();
    });
  };
  playFrom(0);
}

function speakPrompts() {
  playInOrder(Array.from($("prompts").querySelectorAll("audio")));
}

/** Speak one of the page's own words (a heading, the idle question). */
function speakWord(key, { evenIfOff = false } = {}) {
  if (!visit.speech && !evenIfOff) return;
  const source = wordSpeech(key);
  if (!source) return;
  // In the page only while it has words to say: no <audio> ever sits empty.
  let voice = $("voice");
  if (!voice) {
    voice = document.createElement("audio");
    voice.id = "voice";
    voice.preload = "auto";
    document.body.append(voice);
  }
  voice.src = source;
  playInOrder([voice]);
}

function silenceVoice() {
  const voice = $("voice");
  if (voice) voice.remove();
}

/** Say this screen again; asked for, so it speaks even with speech off. */
function hearAgain() {
  if (kiosk.screen === "talk") {
    playInOrder(Array.from($("prompts").querySelectorAll("audio")));
  } else if (SCREEN_WORDS[kiosk.screen]) {
    speakWord(SCREEN_WORDS[kiosk.screen], { evenIfOff: true });
  }
}

/** End with a full stop unless it already ends a sentence, so a screen reader pauses. */
function asSentence(text) {
  return /[.!?。]$/.test(text.trim()) ? text : `${text}.`;
}

function announce(lines) {
  const progress = kiosk.screen === "talk" ? currentProgress() : null;
  const text = (progress ? [progressWords(progress), ...lines] : lines).filter(Boolean).map(asSentence).join(" ");
  const announcer = $("announcer");
  // Emptied first so the same words twice in a row are still read out.
  announcer.textContent = "";
  clearTimeout(timers.announce);
  timers.announce = setTimeout(() => {
    announcer.textContent = text;
  }, 100);
}

/* ---------- settings ---------- */

function toggleSettings() {
  const open = $("settings-toggle").getAttribute("aria-expanded") !== "true";
  $("settings-toggle").setAttribute("aria-expanded", String(open));
  $("settings-panel").hidden = !open;
}

function closeSettings() {
  $("settings-toggle").setAttribute("aria-expanded", "false");
  $("settings-panel").hidden = true;
}

function chooseSetting(event) {
  const button = event.currentTarget;
  const { setting, value } = button.dataset;
  visit.touched = true;
  if (setting === "wording") changeWording(value);
  if (setting === "speech") changeSpeech(value === "on");
  if (setting === "large") visit.large = !visit.large;
  if (setting === "contrast") visit.contrast = !visit.contrast;
  applyPreferences();
  watchIdle();
}

function changeWording(wording) {
  if (visit.wording === wording) return;
  visit.wording = wording;
  applyWords();
  if (kiosk.screen === "talk") {
    renderConversation();
    announce(visit.replies.map(promptWords));
    if (visit.speech) speakPrompts();
  }
}

function changeSpeech(on) {
  if (visit.speech === on) return;
  visit.speech = on;
  if (on) hearAgain();
  else stopSpeaking();
}

function settingIsOn(button) {
  const { setting, value } = button.dataset;
  if (setting === "wording") return visit.wording === value;
  if (setting === "speech") return visit.speech === (value === "on");
  if (setting === "large") return visit.large;
  if (setting === "contrast") return visit.contrast;
  return false;
}

function applyPreferences() {
  const root = document.documentElement;
  root.classList.toggle("large", visit.large);
  root.classList.toggle("contrast", visit.contrast);
  for (const button of document.querySelectorAll(".setting")) {
    button.setAttribute("aria-pressed", String(settingIsOn(button)));
  }
  applyWords();
}

/* ---------- when the person goes quiet ---------- */

function clearTimers() {
  for (const name of Object.keys(timers)) {
    clearTimeout(timers[name]);
    timers[name] = 0;
  }
}

function idleWatched() {
  const screen = kiosk.screen;
  return visit.touched && !visit.closing && screen !== "goodbye" && screen !== "loading";
}

function watchIdle() {
  clearTimeout(timers.idle);
  timers.idle = 0;
  if (!idleWatched() || $("idle-dialog").open) return;
  timers.idle = setTimeout(askStillThere, kiosk.setup.idleSeconds * 1000);
}

function noteActivity() {
  // While the question is up only an answer to it counts (a click, not a
  // pointerdown), so a touch cannot fall through onto the page beneath.
  if (!$("idle-dialog").open && timers.idle) watchIdle();
}

/** Ask, in words and speech, whether the person is still there (WCAG 2.2.1). */
function askStillThere() {
  timers.idle = 0;
  if ($("about-dialog").open) $("about-dialog").close();
  const dialog = $("idle-dialog");
  dialog.showModal();
  $("still-here").focus();
  speakWord("still_there");
  timers.goodbye = setTimeout(sayGoodbye, kiosk.setup.goodbyeSeconds * 1000);
}

function stillHere() {
  clearTimeout(timers.goodbye);
  timers.goodbye = 0;
  const dialog = $("idle-dialog");
  if (dialog.open) dialog.close();
  stopSpeaking();
  watchIdle();
}

/** Nobody answered: end the session, wipe the answers at once, say goodbye, then start again. */
function sayGoodbye() {
  forgetPendingReplies();
  clearTimers();
  closeDialogs();
  endSession();
  wipeConversation();
  closeSettings();
  showScreen("goodbye");
  speakWord("goodbye");
  timers.farewell = setTimeout(resetForNextPerson, FAREWELL_MS);
}

function closeDialogs() {
  for (const dialog of document.querySelectorAll("dialog")) {
    if (dialog.open) dialog.close();
  }
}

/* ---------- when things go wrong ---------- */

function showTrouble() {
  stopSpeaking();
  showScreen("trouble");
  announce([word("cant_talk") || $("trouble-title").textContent]);
  speakWord("cant_talk");
}

function tryAgain() {
  if (visit.busy) return;
  if (kiosk.retry) kiosk.retry();
}

async function startKiosk() {
  kiosk.retry = startKiosk;
  setBusy(true);
  const data = await fetchSetup();
  setBusy(false);
  if (data) applySetup(data);
  if (!kiosk.setup) {
    // Without the kiosk's words the page's own English says what happened.
    showScreen("trouble", { focus: false });
    return;
  }
  kiosk.retry = null;
  applyPreferences();
  showScreen("start", { focus: false });
}

/* ---------- about, shown over the conversation so it is not lost ---------- */

async function openAbout(event) {
  const link = event.currentTarget;
  event.preventDefault();
  try {
    const response = await fetch(link.href, { cache: "no-store", credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    const about = new DOMParser().parseFromString(await response.text(), "text/html");
    showAbout(about);
  } catch {
    // Only leave the page when no one is part-way through.
    if (!visit.session) window.location.assign(link.href);
  }
}

function showAbout(about) {
  const body = $("about-dialog-body");
  body.replaceChildren();
  const main = about.querySelector("main");
  for (const node of Array.from(main ? main.children : [])) {
    body.append(document.importNode(node, true));
  }
  // Behind a modal dialog the screen keeps its own h1, so every heading of
  // the about page moves down a level and its title becomes the dialog's h2.
  for (const heading of body.querySelectorAll("h1, h2, h3, h4, h5")) {
    const level = Number(heading.tagName.slice(1)) + 1;
    const replacement = document.createElement(`h${level}`);
    replacement.textContent = heading.textContent;
    heading.replaceWith(replacement);
  }
  const title = body.querySelector("h2");
  if (title) {
    title.id = "about-dialog-title";
    title.tabIndex = -1;
  }
  const dialog = $("about-dialog");
  dialog.setAttribute("aria-labelledby", "about-dialog-title");
  const back = about.querySelector("[data-back]");
  $("about-close").textContent = back ? back.textContent.trim() : "Back";
  dialog.showModal();
  // Long text: start reading at its title, not at the button below it.
  if (title) title.focus();
  else $("about-close").focus();
}

function closeAbout() {
  $("about-dialog").close();
  $("about-link").focus();
}

/* ---------- wiring ---------- */

function kioskToken() {
  const parts = window.location.pathname.split("/").filter(Boolean);
  const at = parts.indexOf("kiosk");
  return at >= 0 && parts[at + 1] ? parts[at + 1] : "";
}

function wireKiosk() {
  kiosk.api = `/kiosk/${kioskToken()}/api/`;
  $("start-button").addEventListener("click", beginVisit);
  $("try-again").addEventListener("click", tryAgain);
  $("free-text").addEventListener("submit", sendTypedWords);
  $("control-hear").addEventListener("click", hearAgain);
  for (const control of document.querySelectorAll(".control[data-sends]")) {
    control.addEventListener("click", pressControl);
  }
  $("settings-toggle").addEventListener("click", toggleSettings);
  for (const button of document.querySelectorAll(".setting")) {
    button.addEventListener("click", chooseSetting);
  }
  $("still-here").addEventListener("click", stillHere);
  // A tap anywhere, the backdrop included, means someone is there.
  $("idle-dialog").addEventListener("click", stillHere);
  $("idle-dialog").addEventListener("cancel", (event) => {
    event.preventDefault();
    stillHere();
  });
  $("about-link").addEventListener("click", openAbout);
  $("about-close").addEventListener("click", closeAbout);
  for (const kind of ["pointerdown", "keydown", "input", "wheel"]) {
    document.addEventListener(kind, noteActivity, { capture: true, passive: true });
  }
  // Leaving or reloading the page ends the visit: nothing is kept for later.
  window.addEventListener("pagehide", () => {
    endSession({ keepalive: true });
    wipeConversation();
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) resetForNextPerson();
  });
  startKiosk();
}

/** The about page opened on its own: offer a way back when there is one. */
function wireAboutPage() {
  const back = document.querySelector("[data-back]");
  if (!back || window.history.length < 2) return;
  back.hidden = false;
  back.addEventListener("click", () => window.history.back());
}

if (document.body.dataset.page === "kiosk") wireKiosk();
if (document.body.dataset.page === "about") wireAboutPage();
