// The buttonflow console: a person's chats, bots' keyboards and every button
// type pressed the way Telegram apps do (seed 004's button flow), over the
// server's JSON API and its Server-Sent Events stream.
"use strict";

const $ = (id) => document.getElementById(id);

const state = {
  me: null,
  chats: [],
  peer: null,            // the open chat
  messages: new Map(),   // id -> message, for the open chat
  replyTo: 0,
  pending: null,         // events held while the history loads
  keyboardShown: true,
  forceReplied: new Set(),
  cache: new Map(),      // callback answers, until cache_time runs out
  exchanges: new Map(),  // "peer/id" -> raw exchanges of presses on that message
  selected: null,        // "peer/id"
  phone: "", phoneCodeHash: "",
  events: null,
};

// ---- the API ----

class APIError extends Error {
  constructor(name, code, message) { super(message || name); this.name = name; this.code = code; }
}

async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const res = await fetch("/console/api/" + path, opts);
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new APIError(data.error || "HTTP_" + res.status, res.status, data.message);
  return data;
}

// ---- toasts, alerts, prompts ----

function toast(text, kind) {
  const el = document.createElement("div");
  el.className = "toast" + (kind ? " " + kind : "");
  el.textContent = text;
  el.dataset.testid = "toast";
  $("toasts").append(el);
  setTimeout(() => el.remove(), 4000);
}

function busy(on, text) {
  $("busy").hidden = !on;
  if (text) $("busy-text").textContent = text;
}

// modal shows a dialog built by build(form) and resolves with the value of
// the button that closed it ("" when dismissed with Escape).
function modal(build) {
  const dlg = $("modal"), form = $("modal-form");
  form.replaceChildren();
  build(form);
  return new Promise((resolve) => {
    dlg.addEventListener("close", () => resolve(dlg.returnValue), { once: true });
    dlg.returnValue = "";
    dlg.showModal();
    const first = form.querySelector("input, textarea");
    if (first) first.focus();
  });
}

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const c of children) if (c != null) e.append(c);
  return e;
}

function actions(...buttons) {
  return el("div", { className: "actions" }, ...buttons.map(([value, text]) => el("button", { value, textContent: text })));
}

// alertBox is a dismissable alert: a callback answer with alert set.
function alertBox(text) {
  return modal((f) => {
    f.dataset.testid = "alert";
    f.append(el("p", { textContent: text, id: "alert-text" }), actions(["ok", "OK"]));
  });
}

async function confirmBox(title, text, ok) {
  const v = await modal((f) => f.append(el("h3", { textContent: title }), el("p", { className: "url", textContent: text }),
    actions(["cancel", "Cancel"], ["ok", ok || "OK"])));
  return v === "ok";
}

// askPassword asks for the 2FA password; null when cancelled.
async function askPassword(title, hint) {
  const v = await modal((f) => f.append(el("h3", { textContent: title }),
    hint ? el("p", { className: "muted", textContent: "Hint: " + hint }) : null,
    el("label", { textContent: "2FA password" }, el("input", { type: "password", id: "modal-password", autocomplete: "current-password" })),
    actions(["cancel", "Cancel"], ["ok", "Confirm"])));
  return v === "ok" ? $("modal-password").value : null;
}

function openURL(url) {
  window.open(url, "_blank", "noopener");
  document.body.dataset.lastOpened = url;
  toast("Opened " + url);
}

// ---- login ----

function showLoginStep(id) {
  for (const f of ["phone-form", "code-form", "signup-form", "login-password-form"]) $(f).hidden = f !== id;
  $("login-error").textContent = "";
}

async function loginStep(fn) {
  try { await fn(); } catch (e) { $("login-error").textContent = e.name + (e.message && e.message !== e.name ? ": " + e.message : ""); }
}

$("phone-form").onsubmit = (ev) => {
  ev.preventDefault();
  loginStep(async () => {
    state.phone = $("phone").value;
    const r = await api("POST", "login/code", { phone: state.phone });
    state.phoneCodeHash = r.phone_code_hash;
    showLoginStep("code-form");
    $("code").focus();
  });
};

$("code-form").onsubmit = (ev) => {
  ev.preventDefault();
  loginStep(async () => {
    try {
      const r = await api("POST", "login/signin", { phone: state.phone, phone_code_hash: state.phoneCodeHash, code: $("code").value });
      if (r.signup_required) { showLoginStep("signup-form"); $("first-name").focus(); return; }
      await enter(r.user);
    } catch (e) {
      if (e.name !== "SESSION_PASSWORD_NEEDED") throw e;
      const p = await api("GET", "password");
      $("login-hint").textContent = p.hint ? "Hint: " + p.hint : "";
      showLoginStep("login-password-form");
      $("login-password").focus();
    }
  });
};

$("signup-form").onsubmit = (ev) => {
  ev.preventDefault();
  loginStep(async () => {
    const r = await api("POST", "login/signup", { phone: state.phone, phone_code_hash: state.phoneCodeHash,
      first_name: $("first-name").value, last_name: $("last-name").value });
    await enter(r.user);
  });
};

$("login-password-form").onsubmit = (ev) => {
  ev.preventDefault();
  loginStep(async () => {
    busy(true, "Checking the password…");
    try {
      const p = await api("GET", "password");
      const proof = await SRP.check($("login-password").value, p.current_algo, p.srp_id, p.srp_b);
      const r = await api("POST", "login/password", proof);
      await enter(r.user);
    } finally { busy(false); }
  });
};

$("logout").onclick = async () => {
  await api("POST", "logout", {});
  location.reload();
};

// ---- 2FA settings ----

$("password-settings").onclick = async () => {
  const p = await api("GET", "password");
  const v = await modal((f) => f.append(el("h3", { textContent: "2FA password" }),
    el("p", { className: "muted", textContent: p.has_password ? "A password is set." + (p.hint ? " Hint: " + p.hint : "") : "No password is set." }),
    p.has_password ? el("label", { textContent: "Current password" }, el("input", { type: "password", id: "pw-current" })) : null,
    el("label", { textContent: "New password" }, el("input", { type: "password", id: "pw-new" })),
    el("label", { textContent: "Hint" }, el("input", { id: "pw-hint" })),
    actions(["cancel", "Cancel"], ...(p.has_password ? [["remove", "Remove password"]] : []), ["set", p.has_password ? "Change" : "Set password"])));
  if (v !== "set" && v !== "remove") return;
  const current = p.has_password ? $("pw-current").value : "", next = $("pw-new").value, hint = $("pw-hint").value;
  if (v === "set" && !next) { toast("Type a new password", "error"); return; }
  busy(true, "Computing the password verifier…");
  try {
    const body = { current: null, new_algo: null, new_password_hash: null, hint: "" };
    if (p.has_password) body.current = await SRP.check(current, p.current_algo, p.srp_id, p.srp_b);
    if (v === "set") Object.assign(body, await SRP.newSettings(next, p.new_algo), { hint });
    await api("POST", "password", body);
    toast(v === "set" ? "Password set" : "Password removed");
  } catch (e) {
    toast(e.name === "PASSWORD_HASH_INVALID" ? "Wrong current password (PASSWORD_HASH_INVALID)" : e.name, "error");
  } finally { busy(false); }
};

// ---- chats ----

async function enter(user) {
  state.me = user;
  $("login").hidden = true;
  $("app").hidden = false;
  $("me-name").textContent = [user.first_name, user.last_name].filter(Boolean).join(" ");
  $("me-phone").textContent = "+" + user.phone;
  connectEvents();
  await loadChats();
  const hash = decodeURIComponent(location.hash.slice(1));
  if (hash) await openChat(hash);
}

async function loadChats() {
  const r = await api("GET", "chats");
  state.chats = r.chats;
  const list = $("chat-list");
  list.replaceChildren(...r.chats.map((c) => {
    const top = c.top ? (c.top.service || c.top.text || (c.top.media ? "[" + c.top.media.type + "]" : "")) : "";
    const li = el("li", { className: c.peer === state.peer ? "active" : "" },
      el("span", { textContent: c.title || c.username || c.peer }), el("span", { className: "muted kind", textContent: c.kind }),
      el("span", { className: "muted top", textContent: top }));
    li.dataset.peer = c.peer;
    li.onclick = () => openChat(c.peer);
    return li;
  }));
}

let chatsTimer = 0;
function reloadChatsSoon() {
  clearTimeout(chatsTimer);
  chatsTimer = setTimeout(() => loadChats().catch(() => {}), 300);
}

function chatInfo(peer) { return state.chats.find((c) => c.peer === peer); }

async function openChat(peer) {
  state.peer = peer;
  state.replyTo = 0;
  state.keyboardShown = true;
  history.replaceState(null, "", "#" + encodeURIComponent(peer));
  const info = chatInfo(peer);
  $("chat-title").textContent = info ? (info.title || info.username) + (info.username ? "  @" + info.username : "") : peer;
  $("input").disabled = $("send").disabled = false;
  for (const li of $("chat-list").children) li.classList.toggle("active", li.dataset.peer === peer);
  await loadHistory();
}

async function loadHistory() {
  if (!state.peer) return;
  // Events that arrive while the history loads are applied after it, so
  // none is lost between the read and the answer.
  state.pending = state.pending || [];
  try {
    const r = await api("GET", "history?peer=" + encodeURIComponent(state.peer));
    state.messages = new Map(r.messages.map((m) => [m.id, m]));
  } finally {
    const pending = state.pending || [];
    state.pending = null;
    for (const e of pending) applyEvent(e);
    renderMessages();
  }
}

$("start-form").onsubmit = async (ev) => {
  ev.preventDefault();
  try {
    await startBot($("start-username").value, $("start-param").value);
    $("start-username").value = $("start-param").value = "";
  } catch (e) { toast(e.name, "error"); }
};

async function startBot(username, param) {
  const r = await api("POST", "start", { username, start_param: param || "" });
  await loadChats();
  await openChat(r.peer);
}

// ---- live updates ----

function connectEvents() {
  if (state.events) return;
  let opened = false;
  const es = new EventSource("/console/api/events");
  state.events = es;
  es.onopen = () => {
    document.body.dataset.live = "1";
    if (opened) { loadHistory().catch(() => {}); reloadChatsSoon(); } // missed events while away
    opened = true;
  };
  es.onmessage = (ev) => applyEvent(JSON.parse(ev.data));
}

function applyEvent(e) {
  if (state.pending) { state.pending.push(e); return; }
  switch (e.type) {
    case "message":
    case "edit":
      if (e.message.peer === state.peer) {
        state.messages.set(e.message.id, e.message);
        renderMessages();
      }
      reloadChatsSoon();
      break;
    case "delete": {
      const here = e.peer ? e.peer === state.peer : state.peer && !state.peer.startsWith("channel");
      if (here) { for (const id of e.ids) state.messages.delete(id); renderMessages(); }
      reloadChatsSoon();
      break;
    }
    case "reset":
      loadHistory().catch(() => {});
      reloadChatsSoon();
      break;
  }
}

// ---- messages and keyboards ----

function sorted() { return [...state.messages.values()].sort((a, b) => a.id - b.id); }
function key(m) { return m.peer + "/" + m.id; }

function renderMessages() {
  const box = $("messages");
  const group = state.peer && !state.peer.startsWith("user");
  box.replaceChildren(...sorted().map((m) => renderMessage(m, group)));
  box.scrollTop = box.scrollHeight;
  renderKeyboard();
  renderRaw();
}

function renderMessage(m, group) {
  const wrap = el("div", { className: "msg" + (m.out ? " out" : "") + (m.service ? " service" : "") + (state.selected === key(m) ? " selected" : "") });
  wrap.dataset.id = m.id;
  const b = el("div", { className: "bubble" });
  b.onclick = () => { state.selected = key(m); renderMessages(); };
  if (m.service) {
    b.textContent = (m.from_name ? m.from_name + " " : "") + m.service;
    wrap.append(b);
    return wrap;
  }
  if (group && !m.out && m.from_name) b.append(el("div", { className: "from", textContent: m.from_name }));
  if (m.reply_to) {
    const q = state.messages.get(m.reply_to);
    b.append(el("div", { className: "quote", textContent: q ? (q.text || q.service || "[" + (q.media ? q.media.type : "message") + "]") : "a message" }));
  }
  if (m.via_bot) b.append(el("div", { className: "muted", textContent: "via @" + m.via_bot }));
  if (m.media) b.append(renderMedia(m.media));
  if (m.text) b.append(el("div", { className: "text", textContent: m.text }));
  b.append(el("div", { className: "meta", textContent: (m.edit_date ? "edited " : "") + new Date(m.date * 1000).toLocaleTimeString() }));
  wrap.append(b);
  if (m.markup && m.markup.kind === "inline") wrap.append(renderInline(m));
  return wrap;
}

function renderMedia(md) {
  switch (md.type) {
    case "game": return el("div", { className: "media" }, el("strong", { textContent: "🎮 " + md.title }), el("div", { className: "muted", textContent: md.text || "" }));
    case "contact": return el("div", { className: "media", textContent: "👤 " + md.title + " · +" + md.phone });
    case "geo": return el("div", { className: "media", textContent: "📍 " + md.lat.toFixed(5) + ", " + md.long.toFixed(5) });
    case "poll": return el("div", { className: "media" }, el("strong", { textContent: (md.quiz ? "Quiz: " : "Poll: ") + md.title }),
      el("ul", {}, ...(md.answers || []).map((a) => el("li", { textContent: a }))));
  }
  return el("div", { className: "media muted", textContent: md.title });
}

const corner = { url: "↗", url_auth: "↗", web_view: "↗", switch_inline: "↪", game: "🎮", buy: "💳", copy: "⧉" };

function renderInline(m) {
  const kb = el("div", { className: "inline-kb" });
  m.markup.rows.forEach((row) => {
    kb.append(el("div", { className: "kb-row" }, ...row.map((btn) => {
      const b = el("button", { type: "button", textContent: btn.text, disabled: btn.type === "disabled" });
      b.dataset.type = btn.type;
      if (btn.requires_password) b.append(el("span", { className: "corner", textContent: "2FA" }));
      else if (corner[btn.type]) b.append(el("span", { className: "corner", textContent: corner[btn.type] }));
      b.onclick = () => pressInline(m, btn, b);
      return b;
    })));
  });
  return kb;
}

// currentKeyboard is the reply markup in force: that of the newest incoming
// message carrying a reply keyboard, a hide or a force reply.
function currentKeyboard() {
  const list = sorted();
  for (let i = list.length - 1; i >= 0; i--) {
    const m = list[i];
    if (m.out || !m.markup || m.markup.kind === "inline") continue;
    return m;
  }
  return null;
}

function usedKey(m) { return "buttonflow.used." + key(m); }

function renderKeyboard() {
  const kbEl = $("keyboard"), input = $("input");
  const m = currentKeyboard();
  let placeholder = "Message";
  kbEl.hidden = true;
  $("keyboard-toggle").hidden = true;
  if (m && m.markup.kind === "reply" && !localStorage.getItem(usedKey(m))) {
    if (m.markup.placeholder) placeholder = m.markup.placeholder;
    $("keyboard-toggle").hidden = false;
    kbEl.hidden = !state.keyboardShown;
    kbEl.classList.toggle("fill", !m.markup.resize);
    kbEl.replaceChildren(...m.markup.rows.map((row) => el("div", { className: "kb-row" }, ...row.map((btn) => {
      const b = el("button", { type: "button", textContent: btn.text });
      b.dataset.type = btn.type;
      b.onclick = () => pressReply(m, btn);
      return b;
    }))));
  } else if (m && m.markup.kind === "force_reply" && !state.forceReplied.has(key(m))) {
    // Act as if the person pressed "reply" on the message.
    state.forceReplied.add(key(m));
    setReply(m.id);
  }
  if (state.replyTo) {
    const r = state.messages.get(state.replyTo);
    if (r && r.markup && r.markup.kind === "force_reply" && r.markup.placeholder) placeholder = r.markup.placeholder;
  }
  input.placeholder = placeholder;
}

$("keyboard-toggle").onclick = () => { state.keyboardShown = !state.keyboardShown; renderKeyboard(); };

function setReply(id) {
  state.replyTo = id;
  const m = state.messages.get(id);
  $("reply-bar").hidden = !id;
  $("reply-text").textContent = m ? "Reply to: " + (m.text || "[message]") : "";
  if (id) $("input").focus();
}
$("reply-cancel").onclick = () => { setReply(0); renderKeyboard(); };

$("composer").onsubmit = async (ev) => {
  ev.preventDefault();
  const text = $("input").value;
  if (!text.trim() || !state.peer) return;
  try {
    await send(text, state.replyTo);
    $("input").value = "";
    setReply(0);
  } catch (e) { toast(e.name, "error"); }
};

async function send(text, replyTo) {
  const r = await api("POST", "send", { peer: state.peer, text, reply_to: replyTo || 0 });
  if (r.message && r.message.peer === state.peer) { state.messages.set(r.message.id, r.message); renderMessages(); }
}

async function sendMedia(body) {
  const r = await api("POST", "media", { peer: state.peer, ...body });
  if (r.message && r.message.peer === state.peer) { state.messages.set(r.message.id, r.message); renderMessages(); }
}

// ---- pressing reply keyboard buttons ----

async function pressReply(m, btn) {
  try {
    let done = true;
    switch (btn.type) {
      case "text": await send(btn.text, replyForKeyboard(m)); break;
      case "request_phone":
        done = await confirmBox("Share your phone number?", "The bot will see +" + state.me.phone, "Share");
        if (done) await sendMedia({ kind: "contact", reply_to: replyForKeyboard(m) });
        break;
      case "request_location": done = await askLocation(m); break;
      case "request_poll": done = await askPoll(m, btn); break;
      case "simple_web_view":
        done = await confirmBox("Do you want to open this URL?", btn.url, "Open");
        if (done) openURL(btn.url);
        break;
      default: toast("The console does not support " + btn.type + " buttons yet", "error"); done = false;
    }
    if (done && m.markup.single_use) { localStorage.setItem(usedKey(m), "1"); renderKeyboard(); }
  } catch (e) { toast(e.name, "error"); }
}

// replyForKeyboard: reply keyboard buttons reply to the message that attached
// the keyboard (seed 004), which selective keyboards in groups rely on; in a
// private chat the reply adds nothing, so none is sent.
function replyForKeyboard(m) { return state.peer.startsWith("user") ? 0 : m.id; }

async function askLocation(m) {
  const v = await modal((f) => f.append(el("h3", { textContent: "Share a location with the bot?" }),
    el("label", { textContent: "Latitude" }, el("input", { id: "geo-lat", value: "51.5007" })),
    el("label", { textContent: "Longitude" }, el("input", { id: "geo-long", value: "-0.1246" })),
    actions(["cancel", "Cancel"], ["ok", "Share"])));
  if (v !== "ok") return false;
  await sendMedia({ kind: "location", lat: parseFloat($("geo-lat").value), long: parseFloat($("geo-long").value), reply_to: replyForKeyboard(m) });
  return true;
}

async function askPoll(m, btn) {
  const quizOnly = btn.quiz === true, pollOnly = btn.quiz === false;
  const v = await modal((f) => f.append(el("h3", { textContent: quizOnly ? "Create a quiz" : "Create a poll" }),
    el("label", { textContent: "Question" }, el("input", { id: "poll-q" })),
    el("label", { textContent: "Answers, one a line" }, el("textarea", { id: "poll-a", rows: 4 })),
    pollOnly ? null : el("label", {}, el("input", { type: "checkbox", id: "poll-quiz", checked: quizOnly, disabled: quizOnly }), " Quiz (the first answer is correct)"),
    actions(["cancel", "Cancel"], ["ok", "Send"])));
  if (v !== "ok") return false;
  const answers = $("poll-a").value.split("\n").map((s) => s.trim()).filter(Boolean);
  const quiz = quizOnly || (!pollOnly && $("poll-quiz").checked);
  await sendMedia({ kind: "poll", question: $("poll-q").value, answers, quiz, correct: 0, reply_to: replyForKeyboard(m) });
  return true;
}

// ---- pressing inline buttons ----

function internalLink(url) {
  const m = /^(?:https?:\/\/)?(?:t|telegram)\.me\/([A-Za-z][A-Za-z0-9_]{3,31})\/?(?:\?start=([A-Za-z0-9_-]{0,64}))?$/.exec(url);
  return m ? { username: m[1], start: m[2] || "" } : null;
}

async function pressInline(m, btn, b) {
  state.selected = key(m);
  try {
    switch (btn.type) {
      case "callback": return await pressCallback(m, btn, b, { data: btn.data });
      case "game": return await pressCallback(m, btn, b, { game: true });
      case "url": case "url_auth": case "web_view": {
        const link = internalLink(btn.url);
        if (link) return await startBot(link.username, link.start); // internal links open right away
        if (await confirmBox("Do you want to open this URL?", btn.url, "Open")) openURL(btn.url);
        return;
      }
      case "switch_inline": return await switchInline(m, btn);
      case "user_profile": return await openChat("user" + btn.user_id);
      case "copy":
        await navigator.clipboard.writeText(btn.query).catch(() => {});
        return toast("Copied: " + btn.query);
      case "buy": return toast("Payments are not supported by the console", "error");
      default: return toast("The console does not support " + btn.type + " buttons yet", "error");
    }
  } catch (e) { toast(e.name, "error"); }
}

async function switchInline(m, btn) {
  const info = chatInfo(m.peer);
  const username = m.via_bot || (info && info.username) || "";
  let target = m.peer;
  if (!btn.same_peer) {
    const v = await modal((f) => f.append(el("h3", { textContent: "Choose a chat" }),
      el("div", { className: "actions", style: "flex-direction: column; align-items: stretch" },
        ...state.chats.map((c) => el("button", { value: c.peer, textContent: c.title || c.username || c.peer }))),
      actions(["", "Cancel"])));
    if (!v) return;
    target = v;
  }
  if (target !== state.peer) await openChat(target);
  $("input").value = "@" + username + " " + btn.query;
  $("input").focus();
}

function cacheKey(m, opts) { return key(m) + (opts.game ? "/game" : "/" + opts.data); }

// pressCallback is messages.getBotCallbackAnswer with seed 004's handling
// of the answer: toast or alert, URL opened without a prompt, cached for
// cache_time, BOT_RESPONSE_TIMEOUT shown as "the bot did not answer".
async function pressCallback(m, btn, b, opts) {
  const ck = cacheKey(m, opts);
  const hit = state.cache.get(ck);
  if (hit && hit.until > Date.now()) {
    logExchange(m, btn, { cached: true, answer: hit.answer });
    return showAnswer(hit.answer);
  }
  const body = { peer: m.peer, msg_id: m.id, data: opts.data ?? null, game: !!opts.game, password: null };
  if (btn.requires_password) {
    const p = await api("GET", "password");
    if (p.has_password) {
      const pw = await askPassword("The bot asks for your 2FA password", p.hint);
      if (pw === null) return;
      busy(true, "Computing the password proof…");
      try { body.password = await SRP.check(pw, p.current_algo, p.srp_id, p.srp_b); } finally { busy(false); }
    }
  }
  b.classList.add("loading");
  b.disabled = true;
  busy(true, "Waiting for the bot…");
  let r;
  try { r = await api("POST", "press", body); } finally { b.classList.remove("loading"); b.disabled = false; busy(false); }
  logExchange(m, btn, r);
  if (r.error) return showError(r.error);
  if (r.answer.cache_time > 0) state.cache.set(ck, { answer: r.answer, until: Date.now() + r.answer.cache_time * 1000 });
  return showAnswer(r.answer);
}

function showError(name) {
  const text = {
    BOT_RESPONSE_TIMEOUT: "The bot did not answer",
    PASSWORD_HASH_INVALID: "Wrong password",
    PASSWORD_MISSING: "Set a 2FA password first: this button asks for it",
    DATA_INVALID: "This button is no longer there",
    MESSAGE_ID_INVALID: "The message is gone",
  }[name];
  toast((text ? text + " " : "") + "(" + name + ")", "error");
}

async function showAnswer(a) {
  if (a.message) {
    if (a.alert) await alertBox(a.message);
    else toast(a.message);
  }
  if (a.url) {
    const link = internalLink(a.url);
    if (link) await startBot(link.username, link.start);
    else openURL(a.url);
  }
}

// ---- the raw exchange panel ----

function logExchange(m, btn, r) {
  const k = key(m);
  const list = state.exchanges.get(k) || [];
  list.unshift({ at: new Date(), button: btn.text, ...r });
  state.exchanges.set(k, list.slice(0, 20));
  state.selected = k;
  renderMessages();
}

function renderRaw() {
  const log = $("raw-log");
  const list = state.selected ? state.exchanges.get(state.selected) || [] : [];
  $("raw-hint").hidden = list.length > 0;
  log.replaceChildren(...list.map((x) => el("div", { className: "exchange" },
    el("div", {}, el("strong", { textContent: x.button }), " · " + x.at.toLocaleTimeString() +
      (x.cached ? " · answered from the cache" : " · " + x.elapsed_ms + " ms")),
    x.cached ? null : el("div", { className: "muted", textContent: "request" }),
    x.cached ? null : el("pre", { textContent: JSON.stringify(x.request, null, 1) }),
    el("div", { className: x.error ? "err" : "muted", textContent: x.error ? "error " + x.error : "answer" }),
    el("pre", { textContent: JSON.stringify(x.cached ? x.answer : x.response, null, 1) }))));
}

// ---- start ----

(async () => {
  try {
    const r = await api("GET", "me");
    await enter(r.user);
  } catch (e) {
    $("login").hidden = false;
    showLoginStep("phone-form");
  }
})();
