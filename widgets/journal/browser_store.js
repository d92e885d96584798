// The page's bridge to the learner's browser (widgets/journal/browser.py). On every page it
// sends the kernel what this browser kept unsaved (changes whose server went away before it
// had them), and forgets each once the journal has it. Where the journal itself is kept in the
// browser, it also reads every entry when the page opens, writes the entries the kernel sends,
// and clears everything when the learner deletes their journal.
const PREFIX = "secure-base:";
const ENTRY = PREFIX + "entry:";
const UNSAVED = PREFIX + "unsaved:";
const CLEARED = PREFIX + "cleared";

function readPrefix(prefix) {
  const entries = {};
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (key && key.startsWith(prefix)) {
      try { entries[key.slice(prefix.length)] = JSON.parse(localStorage.getItem(key)); }
      catch (e) { entries[key.slice(prefix.length)] = null; }
    }
  }
  return entries;
}

function readAll(keepsJournal) {
  return JSON.stringify({
    entries: keepsJournal ? readPrefix(ENTRY) : {},
    cleared: localStorage.getItem(CLEARED),
    unsaved: readPrefix(UNSAVED),
  });
}

function release(saved) {
  // Forget each unsaved change the journal now has; a newer one typed since stays.
  for (const [key, updated] of Object.entries(saved)) {
    const current = localStorage.getItem(UNSAVED + key);
    if (!current) { continue; }
    let kept = null;
    try { kept = JSON.parse(current); } catch (e) { kept = null; }
    if (!kept || typeof kept.updated !== "string" || kept.updated <= updated) {
      localStorage.removeItem(UNSAVED + key);
    }
  }
}

function clearUnsaved() {
  // Everything the course keeps in this browser besides the journal: unsaved changes, drafts.
  [UNSAVED, PREFIX + "draft:"].forEach((prefix) => {
    Object.keys(readPrefix(prefix)).forEach((key) => localStorage.removeItem(prefix + key));
  });
}

function write(entries) {
  const cleared = localStorage.getItem(CLEARED);
  for (const [key, entry] of Object.entries(entries)) {
    if (cleared && entry.updated <= cleared) { continue; }
    const current = localStorage.getItem(ENTRY + key);
    if (current) {
      try { if (JSON.parse(current).updated > entry.updated) { continue; } } catch (e) {}
    }
    localStorage.setItem(ENTRY + key, JSON.stringify(entry));
  }
}

function clearAll(moment) {
  const doomed = [];
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (key && key.startsWith(PREFIX)) { doomed.push(key); }
  }
  doomed.forEach((key) => localStorage.removeItem(key));
  localStorage.setItem(CLEARED, moment);
}

function render({ model, el }) {
  // The page's notice: news ("restored") or a problem, in words; nothing shows when all is well.
  const notice = document.createElement("p");
  notice.className = "sb-notice";
  el.append(notice);
  function showNotice() {
    const text = model.get("notice");
    // The notice itself is hidden, not the widget's element, whose style ipywidgets manages.
    notice.hidden = !text;
    notice.className = model.get("notice_problem") ? "sb-notice" : "sb-notice sb-notice-news";
    notice.replaceChildren();
    if (!text) { return; }
    const line = document.createElement("span");
    line.className = model.get("notice_problem") ? "sb-status-problem" : "sb-status-ok";
    line.setAttribute("data-sb-announce", model.get("notice_problem") ? "alert" : "polite");
    line.textContent = text;
    notice.append(line);
  }
  showNotice();
  model.on("change:notice", showNotice);
  model.on("change:notice_problem", showNotice);
  let text = "";
  let error = "";
  try { text = readAll(model.get("keeps_journal")); } catch (e) { error = String(e); }
  model.set("loaded", text);
  model.set("error", error);
  model.save_changes();
  model.on("msg:custom", (msg) => {
    try {
      if (msg.kind === "write") { write(msg.entries); }
      if (msg.kind === "clear") { clearAll(msg.cleared); }
      if (msg.kind === "release") { release(msg.saved); }
      if (msg.kind === "clear-unsaved") { clearUnsaved(); }
      model.send({ kind: "done", seq: msg.seq });
    } catch (e) {
      model.send({ kind: "failed", seq: msg.seq, error: String(e) });
    }
  });
}
export default { render };
