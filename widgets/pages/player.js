// One scenario's card and player (widgets/pages/player.py), drawn as native HTML. The whole story
// is here as data, so a choice, Back and Start again take effect at once, even if the server has
// gone. Where the learner is (a scenario record: the path, the ending reached, every ending seen)
// is kept in this browser, marked as unsaved, until the server says the journal has it.
function render({ model, el }) {
  const offset = sbOffset(model);
  const send = sbChannel(model, onReply);
  const key = model.get("key");
  const start = model.get("start");
  const nodes = new Map(model.get("nodes").map((node) => [node.id, node]));

  const make = sbMake;
  function control(text, tip) {
    const button = make("button", "sb-control", text);
    button.type = "button";
    button.title = tip;
    return button;
  }

  const card = make("div", "sb-scenario");
  const progress = make("p", "sb-scenario-status");
  const player = make("div", "sb-player");
  const story = make("div", "sb-story");
  const choices = make("div", "sb-choices");
  const controls = make("div", "sb-controls");
  const back = control("Back one step", "Undo your last choice");
  const restart = control("Start again", "Go back to the beginning of this scenario");
  const status = make("div", "sb-status");
  controls.append(back, restart);
  player.append(story, choices, controls, status);
  card.append(
    make("h3", "sb-scenario-title", model.get("title")),
    make("p", "sb-scenario-summary", model.get("summary")),
    progress,
    player,
  );
  el.append(card);

  let here = null; // the record shown
  let latest = ""; // the time of the last change sent

  function ends(node) { return !!node && node.ending !== null && node.ending !== undefined; }
  function record(path, endings) {
    const last = path[path.length - 1];
    return { path: path, ending: ends(nodes.get(last)) ? last : null, endings: endings };
  }
  // A record followed as far as it fits this story, as ScenarioRun does in Python.
  function resume(saved) {
    const path = [start];
    const steps = saved && Array.isArray(saved.path) ? saved.path.slice(1) : [];
    for (const step of steps) {
      if (!nodes.get(path[path.length - 1]).choices.some((c) => c.next === step)) { break; }
      path.push(step);
    }
    const seen = saved && Array.isArray(saved.endings) ? saved.endings : [];
    return record(path, seen.filter((id) => ends(nodes.get(id))));
  }

  function draw(focus) {
    const node = nodes.get(here.path[here.path.length - 1]);
    const parts = [];
    const made = [];
    for (let i = 1; i < here.path.length; i += 1) {
      const from = nodes.get(here.path[i - 1]);
      made.push(from.choices.find((c) => c.next === here.path[i]).label);
    }
    if (made.length) {
      const trail = make("details", "sb-trail");
      const list = make("ol");
      made.forEach((label) => list.append(make("li", "", label)));
      trail.append(make("summary", "", "Your choices so far (" + made.length + ")"), list);
      parts.push(trail);
    }
    const heading = ends(node)
      ? make("h4", "sb-ending-title", "Ending: " + node.ending)
      : make("h4", "sb-step", "Step " + here.path.length);
    heading.tabIndex = -1;
    heading.setAttribute("data-sb-focus", "");
    parts.push(heading);
    story.replaceChildren(...parts);
    story.insertAdjacentHTML("beforeend", node.html);
    choices.replaceChildren(...node.choices.map((choice, index) => {
      const button = make("button", "sb-choice", choice.label);
      button.type = "button";
      button.addEventListener("click", () => choose(index));
      return button;
    }));
    // The button pressed has gone: keyboard focus goes to the new step's heading.
    if (focus) { heading.focus(); }
  }

  function show(saved) {
    const next = resume(saved);
    if (here && JSON.stringify(next) === JSON.stringify(here)) { return; }
    here = next;
    draw(false);
  }

  function showProgress(text) {
    progress.replaceChildren(make("strong", "", "Status:"), " " + text);
  }

  // A move: shown at once, kept in this browser, then sent.
  function move(next, focus) {
    const stamp = sbStamp(offset);
    here = next;
    latest = stamp;
    sbKeep(key, next, stamp);
    draw(focus);
    sbSay(status, "");
    send(
      { kind: "edit", key: key, value: next, updated: stamp },
      () => sbSay(status, SB_NOT_SAVED, true),
    );
  }

  function choose(index) {
    const choice = nodes.get(here.path[here.path.length - 1]).choices[index];
    if (!choice) { return; }
    const endings = here.endings.slice();
    if (ends(nodes.get(choice.next)) && !endings.includes(choice.next)) {
      endings.push(choice.next);
    }
    move(record(here.path.concat([choice.next]), endings), true);
  }

  // Back and Start again stay enabled (a disabled button drops keyboard focus); at the
  // beginning they only say so.
  back.addEventListener("click", () => {
    if (here.path.length <= 1) { sbSay(status, model.get("beginning"), false); return; }
    move(record(here.path.slice(0, -1), here.endings.slice()), false);
  });
  restart.addEventListener("click", () => {
    if (here.path.length <= 1) { sbSay(status, model.get("beginning"), false); return; }
    move(record([start], here.endings.slice()), false);
  });

  // What the journal holds, unless this browser holds a newer unsaved copy (a move made here, not
  // yet saved, or kept from a visit whose server went away: the page's bridge saves that one).
  function fromState() {
    const kept = sbKept(key);
    const updated = model.get("updated") || "";
    if (kept && kept.updated > updated) {
      show(kept.value);
      return;
    }
    if (kept) { sbRelease(key, updated); }
    show(model.get("record"));
  }

  function onReply(msg) {
    if (msg.key !== key) { return; }
    if (msg.saved || msg.refused) { sbRelease(key, msg.updated); }
    const mine = msg.updated === latest;
    if (msg.saved && mine && typeof msg.progress === "string") { showProgress(msg.progress); }
    // A move the server can never take: back to where the journal says the learner is.
    if (msg.refused) { show(model.get("record")); }
    if (mine || msg.problem) { sbSay(status, msg.message, msg.problem); }
  }

  showProgress(model.get("progress"));
  fromState();
  model.on("change:record", fromState);
  model.on("change:updated", fromState);
  model.on("change:progress", () => showProgress(model.get("progress")));
}
export default { render };
