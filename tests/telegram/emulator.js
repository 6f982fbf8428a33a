// A Telegram Bot API emulator for end-to-end tests: telegram-test-api 4.2.1,
// with the gaps filled that stop a python-telegram-bot 22 bot from running on it.
//
//   TELEGRAM_EMULATOR_PORT=9000 node tests/telegram/emulator.js
//
// The bot talks to http://127.0.0.1:PORT/bot<token>/<method> and downloads from
// /file/bot<token>/<path>. The test plays the human user over the emulator's
// client API (/sendMessage, /sendCommand, /sendCallback, /getUpdates), plus routes
// added here: /clientUpload and /clientFile/<file_id> for files, /clientEdit for an
// edited message, /clientCommands/<token> for the bot's command menu, and
// /clientThrottle for Telegram's "429 Too Many Requests".
//
// It keeps everything in memory and serves loopback only. It exits when the process
// that started it goes away, so a test run that dies leaves no emulator behind.
'use strict';

const crypto = require('crypto');
const multer = require('multer');
const TelegramServer = require('telegram-test-api');
const { routes } = require('telegram-test-api/lib/routes/index');

const port = Number(process.env.TELEGRAM_EMULATOR_PORT || 9000);
const host = process.env.TELEGRAM_EMULATOR_HOST || '127.0.0.1';
if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
  console.error(`The emulator serves loopback only, not ${host}.`);
  process.exit(2);
}

const BOT = { id: 666, is_bot: true, first_name: 'Test First name', username: 'TestNameBot' };
const files = new Map(); // file_id -> { buf, name, mime }: uploads from the bot and the user

// The emulator builds its web app from this exported list of routes when a server
// is constructed, in order. Routes put at the front answer before its own ones,
// including its catch-all that answers "API method ... is not supported" (HTTP 500).
const before = (route) => routes.unshift(route);

// Messages the bot sends come back with the date in milliseconds (PTB: "year out
// of range") and without a sender.
const addBotMessage = TelegramServer.prototype.addBotMessage;
TelegramServer.prototype.addBotMessage = function (rawMessage, token) {
  const message = addBotMessage.call(this, rawMessage, token);
  return { ...message, date: Math.floor(message.date / 1000), from: BOT };
};

// A callback query without chat_instance is dropped by PTB as malformed. An edit the
// user made arrives as edited_message, as Telegram sends it.
const formatUpdate = TelegramServer.formatUpdate;
TelegramServer.formatUpdate = (update) => {
  if (update.editedMessageId !== undefined) {
    return {
      update_id: update.updateId,
      edited_message: { ...update.message, message_id: update.editedMessageId, edit_date: Math.floor(update.time / 1000) },
    };
  }
  const formatted = formatUpdate(update);
  if (formatted.callback_query) {
    formatted.callback_query.chat_instance = String(update.callbackQuery.chat_instance ?? '0');
  }
  return formatted;
};

// PTB needs is_bot to start.
before((app) => app.all('/bot:token/getMe', (_req, res) => res.json({ ok: true, result: BOT })));

// Long polling: with a timeout, hold the request until the user does something or the
// timeout passes, as Telegram does. Without it PTB asks again at once, in a busy loop.
before((app, server) => app.all('/bot:token/getUpdates', (req, res) => {
  const token = req.params.token;
  const timeout = Math.min(Number(req.body?.timeout ?? req.query.timeout ?? 0), 50);
  const ready = server.getUpdates(token);
  if (ready.length || !timeout) return res.json({ ok: true, result: ready });
  const events = ['AddedUserMessage', 'AddedUserCommand', 'AddedUserCallbackQuery'];
  let waiting = true;
  const stopWaiting = () => {
    waiting = false;
    clearTimeout(timer);
    events.forEach((event) => server.off(event, answer));
  };
  const answer = () => {
    if (!waiting) return;
    stopWaiting();
    res.json({ ok: true, result: server.getUpdates(token) });
  };
  const timer = setTimeout(answer, timeout * 1000);
  events.forEach((event) => server.on(event, answer));
  // The bot gave up on this request (it is stopping). Watch the response, not the
  // request: on Node 20 the request's 'close' fires as soon as its body is read.
  res.on('close', () => { if (waiting) stopWaiting(); });
}));

// The command menu the bot set, for the user's side to read.
const menus = new Map(); // token -> [{ command, description }]
before((app) => {
  app.all('/bot:token/setMyCommands', (req, res) => {
    const commands = req.body?.commands;
    menus.set(req.params.token, typeof commands === 'string' ? JSON.parse(commands) : commands || []);
    res.json({ ok: true, result: true });
  });
  app.get('/clientCommands/:token', (req, res) => res.json({ ok: true, result: menus.get(req.params.token) || [] }));
});

// Methods a real bot calls for their side effects; nothing to show the user.
before((app) => {
  for (const method of ['answerCallbackQuery', 'sendChatAction', 'deleteMyCommands',
    'setChatMenuButton', 'setWebhook', 'deleteWebhook']) {
    app.all(`/bot:token/${method}`, (_req, res) => res.json({ ok: true, result: true }));
  }
});

// Edits. The emulator answers null and keeps a keyboard the bot meant to remove: in the
// real API an edit without reply_markup removes the message's inline keyboard. An edited
// message is marked unread again, so the user's next /getUpdates sees its new state.
before((app, server) => {
  const edit = (changesText) => (req, res) => {
    const body = TelegramServer.normalizeMessage({ ...req.body });
    const stored = server.storage.botMessages.find((update) => String(update.messageId) === String(body.message_id)
      && String(update.message.chat_id) === String(body.chat_id));
    if (!stored) {
      return res.status(400).json({ ok: false, error_code: 400, description: 'Bad Request: message to edit not found' });
    }
    const message = stored.message;
    if (changesText) message.text = body.text;
    if (body.reply_markup) message.reply_markup = body.reply_markup;
    else delete message.reply_markup;
    stored.edited = (stored.edited || 0) + 1;
    stored.isRead = false;
    server.emit(changesText ? 'EditedMessageText' : 'EditedMessageReplyMarkup');
    res.json({
      ok: true,
      result: {
        message_id: stored.messageId,
        date: Math.floor(stored.time / 1000),
        edit_date: Math.floor(Date.now() / 1000),
        chat: { id: Number(message.chat_id), type: 'private', first_name: 'User' },
        from: BOT,
        text: message.text,
        reply_markup: message.reply_markup,
      },
    });
  };
  app.all('/bot:token/editMessageText', edit(true));
  app.all('/bot:token/editMessageReplyMarkup', edit(false));
});

// Files. The emulator has no uploads, getFile or downloads at all.
const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 50 * 1024 * 1024 } });

// Telegram judges a file by its bytes, not by the part's declared type (PTB declares
// application/octet-stream when it cannot guess from the file name).
const mimeOf = (buf, declared) => (buf.subarray(0, 4).toString('latin1') === 'OggS' ? 'audio/ogg' : declared);

function keep(file) {
  const fileId = crypto.randomBytes(8).toString('hex');
  const mime = mimeOf(file.buffer, file.mimetype);
  files.set(fileId, { buf: file.buffer, name: file.originalname, mime });
  return { file_id: fileId, file_unique_id: fileId, file_size: file.size, mime_type: mime };
}

before((app, server) => {
  const fields = { sendVoice: 'voice', sendAudio: 'audio', sendDocument: 'document', sendPhoto: 'photo' };
  for (const [method, field] of Object.entries(fields)) {
    app.post(`/bot:token/${method}`, upload.any(), (req, res) => {
      const parts = req.files || [];
      // PTB names the part after the field, or refers to it as attach://<part name>.
      const part = parts.find((p) => p.fieldname === field || `attach://${p.fieldname}` === req.body[field]);
      let media;
      if (part) {
        media = { ...keep(part), file_name: part.originalname };
      } else if (req.body[field] && files.has(req.body[field])) { // sent again by file_id
        const known = files.get(req.body[field]);
        media = { file_id: req.body[field], file_unique_id: req.body[field], file_size: known.buf.length, mime_type: known.mime };
      } else {
        return res.status(400).json({ ok: false, error_code: 400, description: `Bad Request: no ${field} file` });
      }
      if (field === 'voice' || field === 'audio') media.duration = Number(req.body.duration || 0);
      if (field === 'photo') media = [{ ...media, width: 1, height: 1 }];
      const body = { chat_id: req.body.chat_id, caption: req.body.caption, [field]: media };
      if (req.body.reply_markup) body.reply_markup = req.body.reply_markup;
      res.json({ ok: true, result: server.addBotMessage(body, req.params.token) });
    });
  }
  app.all('/bot:token/getFile', (req, res) => {
    const fileId = req.body?.file_id ?? req.query.file_id;
    const file = files.get(fileId);
    if (!file) return res.status(400).json({ ok: false, error_code: 400, description: 'Bad Request: invalid file_id' });
    res.json({ ok: true, result: { file_id: fileId, file_unique_id: fileId, file_size: file.buf.length, file_path: `files/${fileId}` } });
  });
  const download = (req, res) => {
    const file = files.get(req.params.id);
    if (!file) return res.status(404).end();
    res.type(file.mime || 'application/octet-stream').send(file.buf);
  };
  app.get('/file/bot:token/files/:id', download);
  // For the user: upload a file (a voice note) to put in a message, and fetch one the bot sent.
  app.post('/clientUpload', upload.single('file'), (req, res) => {
    if (!req.file) return res.status(400).json({ ok: false, description: 'no "file" part' });
    res.json({ ok: true, result: keep(req.file) });
  });
  app.get('/clientFile/:id', download);
});

// The user edits a message they sent earlier.
before((app, server) => app.post('/clientEdit', (req, res) => {
  const { botToken, message_id: messageId, ...message } = req.body;
  server.addUserUpdate({ ...server.getCommonFields(botToken), message, editedMessageId: Number(messageId) })
    .then(() => {
      server.emit('AddedUserMessage');
      res.json({ ok: true, result: true });
    });
}));

// Flood control: the next `times` calls of `method` by the bot answer 429 with
// retry_after, as Telegram does; /clientThrottle/<token> says how many were served.
const throttles = new Map(); // `${token} ${method}` -> { left, retryAfter }
const throttled = new Map(); // token -> how many 429s were served
before((app) => {
  app.post('/clientThrottle', (req, res) => {
    const { botToken, method, times, retry_after: retryAfter } = req.body;
    throttles.set(`${botToken} ${method}`, { left: Number(times), retryAfter: Number(retryAfter) });
    res.json({ ok: true, result: true });
  });
  app.get('/clientThrottle/:token', (req, res) => res.json({ ok: true, result: throttled.get(req.params.token) || 0 }));
  app.all('/bot:token/:method', (req, res, next) => {
    const throttle = throttles.get(`${req.params.token} ${req.params.method}`);
    if (!throttle || throttle.left <= 0) return next();
    throttle.left -= 1;
    throttled.set(req.params.token, (throttled.get(req.params.token) || 0) + 1);
    res.status(429).json({
      ok: false,
      error_code: 429,
      description: `Too Many Requests: retry after ${throttle.retryAfter}`,
      parameters: { retry_after: throttle.retryAfter },
    });
  });
});

const server = new TelegramServer({ port, host, storeTimeout: 600 });
server.start().then(() => console.log(`Telegram emulator listening on ${server.config.apiURL}`));

const exit = () => process.exit(0);
process.on('SIGTERM', exit);
process.on('SIGINT', exit);
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) exit(); }, 1000).unref();
