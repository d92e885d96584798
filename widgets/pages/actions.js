// The action form (widgets/pages/actions.py): an action for this module's domain, drafted in
// the browser (the draft is kept in this browser until the action is added) and added by Python.
const SB_NOT_ADDED =
  "Not added yet: the course cannot reach its server just now. What you wrote is kept in this " +
  "web browser. Reload the page, then press the button again.";

function render({ model, el }) {
  const send = sbChannel(model, onReply);
  const draftKey = "action/" + model.get("domain");
  const base = "sb-f-" + Math.random().toString(36).slice(2, 10);
  const form = sbMake("form", "sb-action-form");
  form.noValidate = true;
  const boxes = {};
  model.get("inputs").forEach((input) => {
    const box = sbTextBox(input);
    box.addEventListener("input", keepDraft);
    form.append(sbField("sb-action-field", input.label, box, base + "-" + input.name));
    boxes[input.name] = box;
  });
  const where = sbMake("div", "sb-action-where-row");
  const domain = sbMake("p", "sb-action-domain");
  domain.append(sbMake("strong", "", "Domain: "), document.createTextNode(model.get("domain_title")));
  const stage = sbSelect(model.get("stages"), null);
  stage.addEventListener("change", keepDraft);
  where.append(domain, sbField("sb-action-field", "Stage", stage, base + "-stage"));
  const button = sbMake("button", "sb-action-add", "Add to my action plan");
  button.type = "submit";
  const status = sbMake("div", "sb-status");
  form.append(where, button, status);
  el.append(form);

  function values() {
    const found = { domain: model.get("domain"), stage: stage.value };
    Object.entries(boxes).forEach(([name, box]) => { found[name] = box.value; });
    return found;
  }
  function keepDraft() { sbKeepDraft(draftKey, values()); }
  const draft = sbReadDraft(draftKey);
  if (draft) {
    Object.entries(boxes).forEach(([name, box]) => {
      if (typeof draft[name] === "string") { box.value = draft[name]; }
    });
    if ([...stage.options].some((o) => o.value === draft.stage)) { stage.value = draft.stage; }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send({ kind: "add", values: values() }, () => sbSay(status, SB_NOT_ADDED, true));
  });

  function onReply(msg) {
    if (msg.saved) {
      Object.values(boxes).forEach((box) => { box.value = ""; });
      sbDropDraft(draftKey);
      boxes.what.focus();
    }
    sbSay(status, msg.message, msg.problem);
  }
}
export default { render };
