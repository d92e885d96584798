// A button that takes files from the learner's or trainer's computer (widgets/controls/upload.py).
// Files over the size limit are refused here, in the browser, before anything is sent, with a
// message that gives the limit; the rest go to Python as binary buffers in one message.
function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "sb-upload";
  const input = document.createElement("input");
  input.type = "file";
  input.hidden = true;
  input.accept = model.get("accept");
  input.multiple = model.get("multiple");
  const button = document.createElement("button");
  button.type = "button";
  // The look of the page's other buttons (ipywidgets' own classes).
  button.className = "jupyter-button widget-button sb-upload-button";
  button.textContent = model.get("description");
  if (model.get("tooltip")) { button.title = model.get("tooltip"); }
  const status = document.createElement("div");
  status.className = "sb-upload-status";
  box.append(button, input, status);
  el.append(box);

  function say(text) {
    status.replaceChildren();
    if (!text) { return; }
    const line = document.createElement("p");
    line.className = "sb-status-problem";
    line.setAttribute("data-sb-announce", "alert");
    line.textContent = text;
    status.append(line);
  }

  button.addEventListener("click", () => input.click());
  input.addEventListener("change", async () => {
    const chosen = Array.from(input.files || []);
    input.value = "";  // so that the same file can be chosen again
    if (!chosen.length) { return; }
    const limit = model.get("max_bytes");
    const most = model.get("max_files");
    const fit = chosen.filter((file) => file.size <= limit).slice(0, most);
    const tooLarge = chosen.filter((file) => file.size > limit).map((file) => file.name);
    const problems = tooLarge.map((name) => `${name}: ${model.get("too_large")}`);
    if (chosen.filter((file) => file.size <= limit).length > most) {
      problems.push(model.get("too_many"));
    }
    say(problems.join(" "));
    try {
      const buffers = await Promise.all(fit.map((file) => file.arrayBuffer()));
      model.send(
        { kind: "files", files: fit.map((file) => ({ name: file.name, size: file.size })),
          refused: tooLarge },
        undefined,
        buffers,
      );
    } catch (error) {
      say(model.get("unreadable"));
    }
  });
}
export default { render };
