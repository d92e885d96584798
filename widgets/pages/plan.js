// The action plan (widgets/pages/actions.py): every action in the learner's order, drawn as native
// HTML. Moving, marking done, deleting and saving an edit are sent to Python, which checks and
// saves each and sends the plan back. An action's edit form opens here at once; what is typed in
// it is kept in this browser as a draft until it is saved or cancelled. Every piece of the
// learner's text is set as text, never as HTML.
const SB_EDIT_DRAFT = "action-edit/";
const SB_PLAN_NOT_SAVED =
  "Not saved: the course cannot reach its server just now, so your plan is as it was. Reload " +
  "the page, then make the change again. If the page does not come back, open the course again " +
  "in this browser later.";
const SB_EDIT_NOT_SAVED =
  "Not saved: the course cannot reach its server just now. What you wrote in this action is " +
  "kept in this web browser. Reload the page to save it: the action's form opens again as you " +
  "left it. If the page does not come back, open the course again in this browser later.";

function render({ model, el }) {
  const send = sbChannel(model, onReply);
  const base = "sb-p-" + Math.random().toString(36).slice(2, 10);
  const editing = new Set(); // the actions whose edit form is open
  let waiting = 0; // changes sent and not yet answered

  const make = sbMake;
  // Every control has a name that outlives a redraw, so that focus can come back to it.
  function named(element, name, id) {
    element.setAttribute("data-sb-key", name + "/" + id);
    return element;
  }
  function find(key) {
    return [...list.querySelectorAll("[data-sb-key]")]
      .find((e) => e.getAttribute("data-sb-key") === key) || null;
  }
  function button(text, name, id, press) {
    const b = named(make("button", "sb-action-button", text), name, id);
    b.type = "button";
    b.addEventListener("click", press);
    return b;
  }

  const root = make("div", "sb-action-plan");
  const list = make("div", "sb-action-list");
  const status = make("div", "sb-status");
  root.append(list, status);
  el.append(root);

  // -- drafts of edits, kept in this browser ---------------------------------------------------
  const readDraft = (id) => sbReadDraft(SB_EDIT_DRAFT + id);
  const keepDraft = (id, values) => sbKeepDraft(SB_EDIT_DRAFT + id, values);
  const dropDraft = (id) => sbDropDraft(SB_EDIT_DRAFT + id);

  // -- drawing ---------------------------------------------------------------------------------
  function heading(action) {
    const text = action.position + ". " + action.what + (action.done ? " (done)" : "");
    const title = named(make("h3", "sb-action-title", text), "title", action.id);
    if (action.id === model.get("focus")) {
      title.tabIndex = -1;
      title.setAttribute("data-sb-focus", "");
    }
    return title;
  }

  function row(action) {
    const box = make("div", "sb-action" + (action.done ? " sb-action-done" : ""));
    box.append(
      heading(action),
      make("p", "sb-action-where", action.domain_title + ", " + action.stage_title.toLowerCase()),
    );
    const details = make("dl", "sb-action-details");
    model.get("inputs").forEach((field) => {
      if (field.name === "what" || !action[field.name]) { return; }
      details.append(make("dt", "", field.label), make("dd", "", action[field.name]));
    });
    if (details.childElementCount) { box.append(details); }
    const tick = make("label", "sb-action-tick");
    const check = named(document.createElement("input"), "done", action.id);
    check.type = "checkbox";
    check.checked = action.done;
    check.addEventListener("change", () => {
      change({ kind: "done", id: action.id, done: check.checked });
    });
    tick.append(check, make("span", "", "Done: action " + action.position));
    // No button is ever disabled (a disabled button drops keyboard focus): at the ends of the
    // plan, moving further says so instead.
    const buttons = make("div", "sb-action-buttons");
    buttons.append(
      button("Move action " + action.position + " up", "up", action.id,
        () => change({ kind: "move", id: action.id, step: -1 })),
      button("Move action " + action.position + " down", "down", action.id,
        () => change({ kind: "move", id: action.id, step: 1 })),
      button("Edit action " + action.position, "edit", action.id, () => openEditor(action.id)),
      button("Delete action " + action.position, "delete", action.id,
        () => change({ kind: "delete", id: action.id })),
    );
    box.append(tick, buttons);
    return box;
  }

  const field = (label, control, id) => sbField("sb-action-edit-field", label, control, id);

  function editor(action) {
    const draft = readDraft(action.id) || {};
    const start = (name) => (typeof draft[name] === "string" ? draft[name] : action[name]);
    const box = make("div", "sb-action sb-action-editing");
    const form = make("form", "sb-action-edit");
    form.noValidate = true;
    const controls = {};
    model.get("inputs").forEach((input) => {
      const control = named(sbTextBox(input), input.name, action.id);
      control.value = start(input.name);
      control.addEventListener("input", keep);
      form.append(field(input.label, control, base + "-" + action.id + "-" + input.name));
      controls[input.name] = control;
    });
    const where = make("div", "sb-action-edit-choices");
    [["domain", "Domain", model.get("domains")], ["stage", "Stage", model.get("stages")]].forEach(
      ([name, label, options]) => {
        const control = named(sbSelect(options, start(name)), name, action.id);
        control.addEventListener("change", keep);
        where.append(field(label, control, base + "-" + action.id + "-" + name));
        controls[name] = control;
      },
    );
    const save = named(
      make("button", "sb-action-button sb-action-save", "Save action " + action.position),
      "save",
      action.id,
    );
    save.type = "submit";
    const cancel = button("Cancel", "cancel", action.id, () => {
      editing.delete(action.id);
      dropDraft(action.id);
      sbSay(status, "");
      draw("edit/" + action.id);
    });
    const buttons = make("div", "sb-action-buttons");
    buttons.append(save, cancel);
    form.append(where, buttons);
    box.append(heading(action), form);

    function values() {
      const found = {};
      Object.entries(controls).forEach(([name, control]) => { found[name] = control.value; });
      return found;
    }
    function keep() { keepDraft(action.id, values()); }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      keep();
      change({ kind: "save", id: action.id, values: values() });
    });
    return box;
  }

  function openEditor(id) {
    editing.add(id);
    sbSay(status, "");
    draw("what/" + id);
  }

  // Draws the plan from the state. `target` is where keyboard focus goes: a control's name,
  // "focus" for the heading of the action just changed (or the empty plan's paragraph), or
  // nothing: focus then stays on the control it was on, if it was in the plan.
  function draw(target) {
    const active = document.activeElement;
    const inside = !!active && active !== document.body && root.contains(active);
    const was = inside ? active.getAttribute("data-sb-key") : null;
    const selection = inside && typeof active.selectionStart === "number"
      ? [active.selectionStart, active.selectionEnd] : null;
    const actions = model.get("actions");
    // An edit kept from before (a reload, a server that went away) opens again as it was left.
    actions.forEach((action) => { if (readDraft(action.id)) { editing.add(action.id); } });
    if (actions.length) {
      list.replaceChildren(...actions.map((a) => (editing.has(a.id) ? editor(a) : row(a))));
    } else {
      const empty = make("p", "sb-action-empty", model.get("empty"));
      empty.tabIndex = -1;
      empty.setAttribute("data-sb-focus", "");
      list.replaceChildren(empty);
    }
    const marked = list.querySelector("[data-sb-focus]");
    if (target === "focus") {
      if (marked) { marked.focus(); }
    } else if (target) {
      const wanted = find(target);
      if (wanted) { wanted.focus(); }
    } else if (inside && !active.isConnected) {
      // A change on its way takes focus to its action; anything else keeps it where it was.
      const same = waiting ? null : (was && find(was));
      const next = same || marked;
      if (next) {
        next.focus();
        if (same && selection && typeof same.setSelectionRange === "function") {
          try { same.setSelectionRange(selection[0], selection[1]); } catch (e) { /* not text */ }
        }
      }
    }
  }

  // -- changes, checked and saved by Python -----------------------------------------------------
  function change(content) {
    waiting += 1;
    sbSay(status, "");
    send(content, () => {
      waiting = Math.max(0, waiting - 1);
      draw(); // a box ticked here goes back to what the journal holds
      sbSay(status, content.kind === "save" ? SB_EDIT_NOT_SAVED : SB_PLAN_NOT_SAVED, true);
    });
  }

  function onReply(msg, sent) {
    if (sent) { waiting = Math.max(0, waiting - 1); }
    const id = typeof msg.id === "string" ? msg.id : null;
    if (msg.saved && id && (msg.change === "save" || msg.change === "delete")) {
      editing.delete(id);
      dropDraft(id);
    }
    // The plan is drawn first, so that it has changed by the time the status is said.
    if (msg.saved) { draw(sent ? "focus" : undefined); }
    else if (sent && sent.kind === "done") { draw(); }
    sbSay(status, msg.message, msg.problem);
  }

  draw();
  model.on("change:actions", () => draw());
  model.on("change:focus", () => draw());
}
export default { render };
