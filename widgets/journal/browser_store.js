// The browser's half of the journal kept in the learner's browser (widgets/journal/browser.py):
// reads every entry from local storage when the page opens, writes the entries the kernel sends,
// and clears everything when the learner deletes their journal.
const PREFIX = "secure-base:";
const ENTRY = PREFIX + "entry:";
const CLEARED = PREFIX + "cleared";

function readAll() {
  const entries = {};
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (key && key.startsWith(ENTRY)) {
      try { entries[key.slice(ENTRY.length)] = JSON.parse(localStorage.getItem(key)); }
      catch (e) { entries[key.slice(ENTRY.length)] = null; }
    }
  }
  return JSON.stringify({ entries: entries, cleared: localStorage.getItem(CLEARED) });
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
  el.style.display = "none";
  let text = "";
  let error = "";
  try { text = readAll(); } catch (e) { error = String(e); }
  model.set("loaded", text);
  model.set("error", error);
  model.save_changes();
  model.on("msg:custom", (msg) => {
    try {
      if (msg.kind === "write") { write(msg.entries); }
      if (msg.kind === "clear") { clearAll(msg.cleared); }
      model.send({ kind: "done", seq: msg.seq });
    } catch (e) {
      model.send({ kind: "failed", seq: msg.seq, error: String(e) });
    }
  });
}
export default { render };
