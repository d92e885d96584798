// The self-assessment (widgets/pages/assessment.py): a named radio group for each statement.
function render({ model, el }) {
  const offset = sbOffset(model);
  const send = sbChannel(model, onReply);
  const box = document.createElement("div");
  box.className = "sb-assessment";
  const base = "sb-a-" + Math.random().toString(36).slice(2, 10);
  const groups = new Map();
  let count = 0;
  model.get("groups").forEach((group) => {
    const heading = document.createElement("h3");
    heading.className = "sb-rating-stage";
    heading.textContent = group.title;
    box.append(heading);
    group.statements.forEach((statement) => {
      count += 1;
      const set = document.createElement("fieldset");
      set.className = "sb-rating";
      set.setAttribute("role", "radiogroup");
      const legend = document.createElement("legend");
      legend.className = "sb-rating-statement";
      legend.id = base + "-" + count;
      legend.textContent = statement.text;
      set.setAttribute("aria-labelledby", legend.id);
      set.append(legend);
      const levels = document.createElement("div");
      levels.className = "sb-rating-levels";
      const inputs = [];
      model.get("levels").forEach((level) => {
        const label = document.createElement("label");
        label.className = "sb-rating-level";
        const input = document.createElement("input");
        input.type = "radio";
        input.name = base + "-" + count;
        input.value = level.key;
        input.addEventListener("change", () => { if (input.checked) { chosen(statement.id, level.key); } });
        const words = document.createElement("span");
        words.textContent = level.label;
        label.append(input, words);
        levels.append(label);
        inputs.push(input);
      });
      set.append(levels);
      box.append(set);
      groups.set(statement.id, inputs);
    });
  });
  const status = document.createElement("div");
  status.className = "sb-status";
  const reading = document.createElement("div");
  reading.className = "sb-reading";
  box.append(status, reading);
  el.append(box);

  function keyFor(id) { return "rating/" + model.get("attempt") + "/" + id; }

  function chosen(id, level) {
    const stamp = sbStamp(offset);
    if (!model.get("attempt_saved")) {
      sbKeep("attempt/" + model.get("attempt"), { started: stamp }, stamp);
    }
    sbKeep(keyFor(id), level, stamp);
    send({ kind: "edit", key: keyFor(id), value: level, updated: stamp }, () => sbSay(status, SB_NOT_SAVED, true));
  }

  function onReply(msg) {
    if (msg.saved) {
      sbRelease(msg.key, msg.updated);
      sbRelease("attempt/" + model.get("attempt"), msg.updated);
    }
    sbSay(status, msg.message, msg.problem);
  }

  // Each group shows the journal's answer, unless this browser holds a newer unsaved one.
  function show() {
    const answers = model.get("answers");
    groups.forEach((inputs, id) => {
      const saved = answers[id] || null;
      const kept = sbKept(keyFor(id));
      let level = saved ? saved.level : null;
      if (kept && kept.updated > (saved ? saved.updated : "")) { level = kept.value; }
      else if (kept) { sbRelease(keyFor(id), saved ? saved.updated : ""); }
      inputs.forEach((input) => { input.checked = input.value === level; });
    });
    // The reading is made by the course from its own words (learner text never appears in it).
    reading.innerHTML = model.get("reading");
  }
  show();
  model.on("change:answers", show);
  model.on("change:reading", show);
  model.on("change:attempt", show);
}
export default { render };
