// A stage's reflection boxes (widgets/pages/reflection.py), drawn as native form controls.
function render({ model, el }) {
  const offset = sbOffset(model);
  const send = sbChannel(model, onReply);
  const stage = document.createElement("div");
  stage.className = "sb-stage";
  const question = document.createElement("p");
  question.className = "sb-stage-question";
  question.textContent = model.get("question");
  stage.append(question);
  const views = new Map();
  const base = "sb-r-" + Math.random().toString(36).slice(2, 10);

  model.get("boxes").forEach((box, index) => {
    const wrap = document.createElement("div");
    wrap.className = "sb-reflection";
    const id = base + "-" + index;
    const label = document.createElement("label");
    label.className = "sb-reflection-label";
    label.htmlFor = id;
    label.textContent = box.label;
    const text = document.createElement("textarea");
    text.id = id;
    text.className = "sb-reflection-text";
    text.rows = 4;
    text.maxLength = model.get("limit");
    text.placeholder = model.get("placeholder");
    const status = document.createElement("div");
    status.className = "sb-status";
    status.id = id + "-status";
    const described = [];
    wrap.append(label, text);
    if (box.nudge) {
      const nudge = document.createElement("p");
      nudge.className = "sb-nudge";
      nudge.id = id + "-nudge";
      nudge.textContent = box.nudge;
      wrap.append(nudge);
      described.push(nudge.id);
    }
    described.push(status.id);
    text.setAttribute("aria-describedby", described.join(" "));
    wrap.append(status);
    stage.append(wrap);
    const batch = sbBatcher(send, box.key, () => text.value, offset, status);
    text.addEventListener("input", batch.changed);
    text.addEventListener("blur", batch.flush);
    views.set(box.key, { text: text, status: status, batch: batch });
    show(box);
  });
  el.append(stage);

  // What the journal holds, unless this browser holds a newer unsaved copy (typed here, not yet
  // saved, or kept from a visit whose server went away: the page's bridge saves that one).
  function show(box) {
    const view = views.get(box.key);
    if (!view) { return; }
    const kept = sbKept(box.key);
    if (kept && kept.updated > (box.updated || "")) {
      if (view.text.value !== kept.value && document.activeElement !== view.text) {
        view.text.value = kept.value;
      }
      return;
    }
    if (kept) { sbRelease(box.key, box.updated); }
    if (view.text.value !== box.value && !view.batch.busy()) { view.text.value = box.value; }
  }

  function onReply(msg) {
    const view = views.get(msg.key);
    if (!view) { return; }
    if (msg.saved) { sbRelease(msg.key, msg.updated); }
    sbSay(view.status, msg.message, msg.problem);
  }

  model.on("change:boxes", () => model.get("boxes").forEach(show));
}
export default { render };
