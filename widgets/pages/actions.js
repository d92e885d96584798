// The action form (widgets/pages/actions.py): an action for this module's domain, drafted in
// the browser (the draft is kept in this browser until the action is added) and added by Python.
const SB_DRAFT = "secure-base:draft:";
const SB_NOT_ADDED =
  "Not added yet: the course cannot reach its server just now. What you wrote is kept in this " +
  "web browser. Reload the page, then press the button again.";

function render({ model, el }) {
  const send = sbChannel(model, onReply);
  const draftKey = SB_DRAFT + "action/" + model.get("domain");
  const base = "sb-f-" + Math.random().toString(36).slice(2, 10);
  const form = document.createElement("form");
  form.className = "sb-action-form";
  form.noValidate = true;
  const boxes = {};
  model.get("inputs").forEach((field) => {
    const wrap = document.createElement("div");
    wrap.className = "sb-action-field";
    const label = document.createElement("label");
    label.htmlFor = base + "-" + field.name;
    label.textContent = field.label;
    const box = document.createElement(field.long ? "textarea" : "input");
    if (!field.long) { box.type = "text"; } else { box.rows = 3; }
    box.id = label.htmlFor;
    box.maxLength = field.limit;
    box.addEventListener("input", keepDraft);
    wrap.append(label, box);
    form.append(wrap);
    boxes[field.name] = box;
  });
  const where = document.createElement("div");
  where.className = "sb-action-where-row";
  const domain = document.createElement("p");
  domain.className = "sb-action-domain";
  const strong = document.createElement("strong");
  strong.textContent = "Domain: ";
  domain.append(strong, document.createTextNode(model.get("domain_title")));
  const stageWrap = document.createElement("div");
  stageWrap.className = "sb-action-field";
  const stageLabel = document.createElement("label");
  stageLabel.htmlFor = base + "-stage";
  stageLabel.textContent = "Stage";
  const stage = document.createElement("select");
  stage.id = stageLabel.htmlFor;
  model.get("stages").forEach((s) => {
    const option = document.createElement("option");
    option.value = s.key;
    option.textContent = s.title;
    stage.append(option);
  });
  stage.addEventListener("change", keepDraft);
  stageWrap.append(stageLabel, stage);
  where.append(domain, stageWrap);
  const button = document.createElement("button");
  button.type = "submit";
  button.className = "sb-action-add";
  button.textContent = "Add to my action plan";
  const status = document.createElement("div");
  status.className = "sb-status";
  form.append(where, button, status);
  el.append(form);

  function values() {
    const found = { domain: model.get("domain"), stage: stage.value };
    Object.entries(boxes).forEach(([name, box]) => { found[name] = box.value; });
    return found;
  }
  function keepDraft() {
    try { localStorage.setItem(draftKey, JSON.stringify(values())); } catch (e) { /* full */ }
  }
  try {
    const draft = JSON.parse(localStorage.getItem(draftKey) || "null");
    if (draft) {
      Object.entries(boxes).forEach(([name, box]) => {
        if (typeof draft[name] === "string") { box.value = draft[name]; }
      });
      if ([...stage.options].some((o) => o.value === draft.stage)) { stage.value = draft.stage; }
    }
  } catch (e) { /* no draft */ }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send({ kind: "add", values: values() }, () => sbSay(status, SB_NOT_ADDED, true));
  });

  function onReply(msg) {
    if (msg.saved) {
      Object.values(boxes).forEach((box) => { box.value = ""; });
      try { localStorage.removeItem(draftKey); } catch (e) { /* nothing to undo */ }
      boxes.what.focus();
    }
    sbSay(status, msg.message, msg.problem);
  }
}
export default { render };
