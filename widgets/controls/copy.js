// A button that copies one piece of text to the clipboard, in the browser, with no round trip
// to the kernel (widgets/controls/copy.py). Where the page is not served securely and the
// clipboard interface is missing, it falls back to selecting the text and copying it.
function render({ model, el }) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "jupyter-button widget-button sb-copy-button";
  button.textContent = model.get("description");
  if (model.get("label")) { button.setAttribute("aria-label", model.get("label")); }
  const status = document.createElement("span");
  status.className = "sb-copy-status";
  el.append(button, status);

  function say(text, problem) {
    status.replaceChildren();
    const line = document.createElement("span");
    line.className = problem ? "sb-status-problem" : "sb-status-ok";
    line.setAttribute("data-sb-announce", problem ? "alert" : "polite");
    line.textContent = text;
    status.append(line);
  }

  function fallback(text) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.append(area);
    area.select();
    const done = document.execCommand("copy");
    area.remove();
    button.focus();
    return done;
  }

  // The box on the page, when there is one: what the learner sees is what gets copied, even
  // before the kernel has heard of their last keystrokes.
  function current() {
    const source = model.get("source_class");
    const box = source
      ? document.querySelector(`.${CSS.escape(source)} textarea, .${CSS.escape(source)} input`)
      : null;
    return box ? box.value : model.get("text");
  }

  button.addEventListener("click", async () => {
    const text = current();
    if (!text.trim()) { say(model.get("empty_message"), true); return; }
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
      } else if (!fallback(text)) {
        throw new Error("copy refused");
      }
      say(model.get("copied_message"), false);
    } catch (error) {
      say(model.get("failed_message"), true);
    }
  });
}
export default { render };
