// Shared by every course component (widgets/pages/component.py). What the learner changes is kept
// in this web browser first, marked as unsaved, and then sent to the course's server; the mark goes
// once the server says the journal has it. If the server does not answer, the component says so.
const SB_UNSAVED = "secure-base:unsaved:";
// How long a change may wait for the server's answer before the page says it is not saved.
const SB_REPLY_WAIT_MS = 4000;
// Batching: a field is sent after a pause in typing, at most once a second, and at least every
// three seconds while the learner keeps typing; and at once when they leave the field or the page.
const SB_PAUSE_MS = 1000;
const SB_MIN_GAP_MS = 1000;
const SB_MAX_WAIT_MS = 3000;
const SB_NOT_SAVED =
  "Not saved: the course cannot reach its server just now. What you wrote is kept in this web " +
  "browser, marked as unsaved. Reload the page to save it. If the page does not come back, open " +
  "the course again in this browser later: your writing will be saved then.";

// The browser's clock, corrected only if it is far from the server's (a wrong clock would make a
// newer change look older when copies are merged).
function sbOffset(model) {
  const server = Date.parse(model.get("server_time") || "");
  const gap = Number.isNaN(server) ? 0 : server - Date.now();
  return Math.abs(gap) > 60000 ? gap : 0;
}

function sbStamp(offset) {
  // The journal's own format: ISO 8601 in UTC, to the microsecond.
  return new Date(Date.now() + offset).toISOString().replace("Z", "000+00:00");
}

function sbKeep(key, value, updated) {
  try {
    localStorage.setItem(SB_UNSAVED + key, JSON.stringify({ value: value, updated: updated }));
    return true;
  } catch (e) {
    return false;
  }
}

function sbKept(key) {
  try {
    const text = localStorage.getItem(SB_UNSAVED + key);
    const kept = text ? JSON.parse(text) : null;
    return kept && typeof kept.updated === "string" ? kept : null;
  } catch (e) {
    return null;
  }
}

function sbRelease(key, updated) {
  // Only what the server has: a newer change typed since stays marked.
  const kept = sbKept(key);
  if (kept && kept.updated <= updated) {
    try { localStorage.removeItem(SB_UNSAVED + key); } catch (e) { /* nothing to undo */ }
  }
}

// A status line: plain text, announced by the page's live regions (polite, or alert for problems).
function sbSay(element, text, problem) {
  element.replaceChildren();
  if (!text) { return; }
  const line = document.createElement("span");
  line.className = problem ? "sb-status-problem" : "sb-status-ok";
  line.setAttribute("data-sb-announce", problem ? "alert" : "polite");
  line.textContent = text;
  element.append(line);
}

// Whether the page can reach its server, shared by every component of the page: set when the
// page's connection to its kernel closes or opens (the course's page template watches it and
// says so with an "sb-socket" event), and when a change goes unanswered or an answer comes.
// Each change of state is told to the page as an "sb-connection" event, so that every
// component acts on it at once.
function sbConnection(gone) {
  if (window.sbServerGone === gone) { return; }
  window.sbServerGone = gone;
  window.dispatchEvent(new CustomEvent("sb-connection", { detail: { gone: gone } }));
}
window.addEventListener("sb-socket", (event) => {
  sbConnection(!(event.detail && event.detail.open));
});

function sbGone() {
  return window.sbServerGone === true;
}

// Sends a message to the server and waits for its reply; `lost` is called if none comes. Once
// the server is known to be gone (the connection closed, or a change went unanswered), a change
// waiting for its answer, or sent meanwhile, is told at once that it is not saved, not after a
// wait of its own.
function sbChannel(model, onReply) {
  let seq = 0;
  const waiting = new Map();
  model.on("msg:custom", (msg) => {
    if (!msg || msg.kind !== "reply") { return; }
    const wait = waiting.get(msg.seq);
    if (wait) {
      clearTimeout(wait.timer);
      waiting.delete(msg.seq);
    }
    sbConnection(false);
    onReply(msg, wait ? wait.content : null);
  });
  window.addEventListener("sb-connection", (event) => {
    if (event.detail && event.detail.gone) {
      Array.from(waiting.values()).forEach((wait) => wait.giveUp());
    }
  });
  return function send(content, lost) {
    seq += 1;
    const mine = seq;
    function giveUp() {
      clearTimeout(timer);
      if (!waiting.delete(mine)) { return; }
      lost(content);
    }
    const timer = setTimeout(() => {
      giveUp();
      sbConnection(true);
    }, SB_REPLY_WAIT_MS);
    waiting.set(mine, { timer: timer, content: content, giveUp: giveUp });
    try {
      model.send({ ...content, seq: mine });
    } catch (e) {
      giveUp();
      return;
    }
    if (sbGone()) { giveUp(); }
  };
}

// One value the learner edits (a text box), batched and kept until saved. While the server is
// gone nothing is sent: each change is kept in this browser and the field says it is not saved;
// if the connection comes back, what is not saved is sent then.
function sbBatcher(send, key, read, offset, status) {
  let timer = null;
  let firstUnsent = 0;
  let lastSent = 0;
  let stamp = null;
  let unsent = false;
  function notSaved() {
    unsent = true;
    if (status.textContent !== SB_NOT_SAVED) { sbSay(status, SB_NOT_SAVED, true); }
  }
  function flush() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (!unsent) { return; }
    if (sbGone()) { notSaved(); return; }
    unsent = false;
    lastSent = Date.now();
    send({ kind: "edit", key: key, value: read(), updated: stamp }, notSaved);
  }
  function changed() {
    stamp = sbStamp(offset);
    sbKeep(key, read(), stamp);
    const at = Date.now();
    if (!unsent) { firstUnsent = at; }
    unsent = true;
    if (timer) { clearTimeout(timer); timer = null; }
    if (sbGone()) { notSaved(); return; }
    const due = Math.max(
      Math.min(at + SB_PAUSE_MS, firstUnsent + SB_MAX_WAIT_MS),
      lastSent + SB_MIN_GAP_MS,
    );
    timer = setTimeout(flush, Math.max(0, due - at));
  }
  // The connection closed: what is waiting for its pause is not saved, and says so now. It
  // opened again: what was not saved is sent.
  window.addEventListener("sb-connection", flush);
  // Leaving the page: sent while the connection is still open. The course's page template
  // calls `sbLeaving` before Voilà closes the connection to the kernel (its own "beforeunload"
  // listener does), so the last words typed still go; elsewhere the browser's events do.
  if (Array.isArray(window.sbLeaving)) { window.sbLeaving.push(flush); }
  else { window.addEventListener("beforeunload", flush, { capture: true }); }
  window.addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") { flush(); }
  });
  return { changed: changed, flush: flush, busy: () => unsent };
}

// -- drawing, shared by the components -------------------------------------------------------
function sbMake(tag, className, text) {
  const element = document.createElement(tag);
  if (className) { element.className = className; }
  if (text !== undefined) { element.textContent = text; }
  return element;
}

// A labelled control in its own box: `control` gets the id the label points to.
function sbField(wrapClass, label, control, id) {
  const wrap = sbMake("div", wrapClass);
  const words = sbMake("label", "", label);
  control.id = id;
  words.htmlFor = id;
  wrap.append(words, control);
  return wrap;
}

// A text box for one of an action's fields (`input`: name, label, limit, long).
function sbTextBox(input) {
  const box = document.createElement(input.long ? "textarea" : "input");
  if (input.long) { box.rows = 3; } else { box.type = "text"; }
  box.maxLength = input.limit;
  return box;
}

// A drop-down of `options` ({key, title}), showing `value` if it is one of them.
function sbSelect(options, value) {
  const select = document.createElement("select");
  options.forEach((option) => {
    const item = sbMake("option", "", option.title);
    item.value = option.key;
    select.append(item);
  });
  if (options.some((option) => option.key === value)) { select.value = value; }
  return select;
}

// -- drafts: what is typed in a form before it is sent, kept in this browser -------------------
const SB_DRAFT = "secure-base:draft:";

function sbReadDraft(key) {
  try {
    const draft = JSON.parse(localStorage.getItem(SB_DRAFT + key) || "null");
    return draft && typeof draft === "object" && !Array.isArray(draft) ? draft : null;
  } catch (e) {
    return null;
  }
}

function sbKeepDraft(key, values) {
  try {
    localStorage.setItem(SB_DRAFT + key, JSON.stringify(values));
  } catch (e) { /* the browser's storage is full: the form still holds what was typed */ }
}

function sbDropDraft(key) {
  try { localStorage.removeItem(SB_DRAFT + key); } catch (e) { /* nothing to undo */ }
}
