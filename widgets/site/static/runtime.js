// The course on a static site: Python runs in this web browser (Pyodide), and this script does
// what Voilà and its kernel do for a served course. It starts Python, runs the page's code cells
// one by one, and draws each widget they show where the cell stands on the page: the course's
// own components (anywidgets) with their own scripts, and the few plain ipywidgets the closing
// and privacy pages use (HTML, boxes, buttons, text boxes, check boxes, drop-downs).
// Nothing is fetched from anywhere but this site, and nothing the learner writes leaves the page
// but by their own download.

const site = JSON.parse(document.getElementById("sb-site").textContent);
const panel = document.getElementById("sb-loading");
const stepText = panel.querySelector(".sb-loading-step");
const main = document.getElementById("main-content");
const cells = Array.from(main.querySelectorAll(".jp-CodeCell"));

// ---------------------------------------------------------------------------------------------
// Telling the learner what is happening, in their words.

// A second visit takes the files from the browser's own store (the site's service worker).
const kept = Boolean(navigator.serviceWorker && navigator.serviceWorker.controller);
const STEPS = [
  kept
    ? "Step 1 of 3: loading the course's exercises, which this browser kept from your " +
      "last visit."
    : `Step 1 of 3: fetching the course's exercises (about ${site.megabytes} MB, only this once: ` +
      "your browser keeps them for your next visit).",
  "Step 2 of 3: starting Python, which runs the exercises here in your web browser.",
  "Step 3 of 3: setting out the exercises on this page.",
];

function step(index, extra) {
  stepText.textContent = STEPS[index] + (extra ? ` ${extra}` : "");
  panel.querySelector("progress").value = index;
}

function ready() {
  panel.hidden = true;
  main.removeAttribute("aria-busy");
  document.body.dataset.sbReady = "true";
  const polite = document.getElementById("sb-live-polite");
  if (polite) { polite.textContent = "The exercises on this page are ready."; }
}

function failed(error) {
  console.error(error);
  main.removeAttribute("aria-busy");
  document.body.dataset.sbReady = "failed";
  panel.classList.add("sb-loading-failed");
  panel.setAttribute("role", "alert");
  panel.querySelector("progress").hidden = true;
  panel.querySelector(".sb-loading-title").textContent = "The exercises could not be started";
  stepText.textContent =
    "This web browser could not start the exercises on this page. The reading on the page is " +
    "all still here. Reloading the page often helps; if it does not, try an up-to-date " +
    "version of Edge, Chrome, Firefox or Safari. Anything you wrote before is still kept in " +
    "this browser.";
}

// ---------------------------------------------------------------------------------------------
// The widget models, kept in step with Python's.

const models = new Map();
let python = null;

function toPython(modelId, data, buffers) {
  python.receive(modelId, JSON.stringify(data), buffers || []);
}

function putBuffers(state, paths, buffers) {
  (paths || []).forEach((path, i) => {
    let target = state;
    for (const key of path.slice(0, -1)) { target = target[key]; }
    target[path[path.length - 1]] = new DataView(buffers[i].buffer);
  });
  return state;
}

class Model {
  constructor(id, state) {
    this.model_id = id;
    this.state = state;
    this.handlers = new Map();
    this.pending = {};
    this.widget_manager = manager;
  }
  get(key) { return this.state[key]; }
  set(key, value) {
    const changes = typeof key === "object" ? key : { [key]: value };
    Object.entries(changes).forEach(([name, v]) => {
      this.state[name] = v;
      this.pending[name] = v;
    });
    Object.entries(changes).forEach(([name, v]) => this.emit(`change:${name}`, this, v));
    this.emit("change", this);
  }
  save_changes() {
    const state = this.pending;
    this.pending = {};
    if (Object.keys(state).length) {
      toPython(this.model_id, { method: "update", state, buffer_paths: [] });
    }
  }
  send(content, _callbacks, buffers) {
    toPython(this.model_id, { method: "custom", content }, buffers);
  }
  on(event, handler) {
    event.split(/\s+/).forEach((name) => {
      if (!this.handlers.has(name)) { this.handlers.set(name, new Set()); }
      this.handlers.get(name).add(handler);
    });
  }
  off(event, handler) {
    if (!event) { this.handlers.clear(); return; }
    event.split(/\s+/).forEach((name) => {
      if (handler) {
        this.handlers.get(name)?.delete(handler);
      } else {
        this.handlers.delete(name);
      }
    });
  }
  emit(event, ...args) {
    this.handlers.get(event)?.forEach((handler) => {
      try { handler(...args); } catch (e) { console.error(e); }
    });
  }
  fromPython(state) {
    Object.assign(this.state, state);
    Object.entries(state).forEach(([name, v]) => this.emit(`change:${name}`, this, v));
    this.emit("change", this);
  }
}

const manager = {
  get_model(id) { return Promise.resolve(models.get(id)); },
};

function referenced(value) {
  return typeof value === "string" && value.startsWith("IPY_MODEL_")
    ? models.get(value.slice("IPY_MODEL_".length)) : undefined;
}

// What Python sends: outputs for the cell being run, and the messages of each widget's comm.
let currentCell = null;

function fromPython(kind, text, pyBuffers) {
  const buffers = pyBuffers.toJs();
  pyBuffers.destroy();
  const message = JSON.parse(text);
  if (kind === "display") { show(message.data); return; }
  if (kind === "clear") { return; }
  const content = message.content;
  const data = content.data || {};
  if (kind === "comm_open") {
    const state = putBuffers(data.state || {}, data.buffer_paths, buffers);
    models.set(content.comm_id, new Model(content.comm_id, state));
  } else if (kind === "comm_msg") {
    const model = models.get(content.comm_id);
    if (!model) { return; }
    if (data.method === "update" || data.method === "echo_update") {
      model.fromPython(putBuffers(data.state || {}, data.buffer_paths, buffers));
    } else if (data.method === "custom") {
      model.emit("msg:custom", data.content, buffers);
    }
  } else if (kind === "comm_close") {
    models.get(content.comm_id)?.emit("comm:close");
    models.delete(content.comm_id);
  }
}

// ---------------------------------------------------------------------------------------------
// Where outputs go: the cell's output area, made as Voilà makes it.

function outputArea(cell) {
  let area = cell.querySelector(".jp-OutputArea");
  if (!area) {
    const wrapper = document.createElement("div");
    wrapper.className = "jp-Cell-outputWrapper";
    area = document.createElement("div");
    area.className = "jp-OutputArea jp-Cell-outputArea";
    wrapper.appendChild(area);
    cell.appendChild(wrapper);
    cell.classList.remove("jp-mod-noOutputs");
  }
  return area;
}

function show(data) {
  if (!currentCell) { return; }
  const child = document.createElement("div");
  child.className = "jp-OutputArea-child";
  const output = document.createElement("div");
  child.appendChild(output);
  const view = data["application/vnd.jupyter.widget-view+json"];
  const model = view && models.get(view.model_id);
  if (model) {
    output.className = "jp-OutputArea-output";
    output.dataset.mimeType = "application/vnd.jupyter.widget-view+json";
    output.appendChild(render(model));
  } else if (typeof data["text/html"] === "string") {
    // The course's own HTML: every piece of learner text in it was escaped by Python.
    output.className = "jp-RenderedHTMLCommon jp-RenderedHTML jp-OutputArea-output";
    output.dataset.mimeType = "text/html";
    output.innerHTML = data["text/html"];
  } else if (typeof data["text/plain"] === "string") {
    output.className = "jp-RenderedText jp-OutputArea-output";
    const pre = document.createElement("pre");
    pre.textContent = data["text/plain"];
    output.appendChild(pre);
  } else {
    return;
  }
  outputArea(currentCell).appendChild(child);
}

// ---------------------------------------------------------------------------------------------
// Drawing a widget. Each view listens to its model until its element leaves the page.

const cleanups = new WeakMap();

function listen(el, model, event, handler) {
  model.on(event, handler);
  const list = cleanups.get(el) || [];
  list.push(() => model.off(event, handler));
  cleanups.set(el, list);
}

function dispose(el) {
  (cleanups.get(el) || []).forEach((undo) => undo());
  cleanups.delete(el);
  Array.from(el.children).forEach(dispose);
}

function css(name) { return name.replace(/_/g, "-"); }

// The layout model's properties are the element's CSS; the style model's few that the course's
// widgets use go where ipywidgets puts them.
const STYLE_SETTERS = {
  layout(el, other) {
    Object.entries(other.state).forEach(([name, value]) => {
      if (name.startsWith("_") || value === null || value === undefined || value === "") { return; }
      el.style.setProperty(css(name), String(value));
    });
  },
  style(el, other) {
    const width = other.get("description_width");
    const label = el.querySelector(":scope > .widget-label");
    if (width && label) { label.style.width = width; }
    if (other.get("button_color")) { el.style.backgroundColor = other.get("button_color"); }
    if (other.get("font_weight")) { el.style.fontWeight = other.get("font_weight"); }
  },
};

function styleFrom(el, model, key) {
  const other = referenced(model.get(key));
  if (!other) { return; }
  const apply = () => STYLE_SETTERS[key](el, other);
  apply();
  listen(el, other, "change", apply);
}

function classesFrom(el, model) {
  let previous = [];
  const apply = () => {
    previous.forEach((name) => el.classList.remove(name));
    previous = model.get("_dom_classes") || [];
    previous.forEach((name) => el.classList.add(name));
  };
  apply();
  listen(el, model, "change:_dom_classes", apply);
}

let fieldCount = 0;

function labelled(el, model, control) {
  const label = document.createElement("label");
  label.className = "widget-label";
  control.id = `sb-field-${++fieldCount}`;
  label.htmlFor = control.id;
  const text = () => {
    label.textContent = model.get("description") || "";
    label.style.display = label.textContent ? "" : "none";
    const tip = model.get("tooltip") || model.get("description_tooltip");
    if (tip) { control.title = tip; }
  };
  text();
  listen(el, model, "change:description", text);
  el.append(label, control);
}

function disabledFrom(el, model, control) {
  const apply = () => { control.disabled = Boolean(model.get("disabled")); };
  apply();
  listen(el, model, "change:disabled", apply);
}

const VIEWS = {
  HTMLView(el, model) {
    el.classList.add("widget-inline-hbox", "widget-html");
    const content = document.createElement("div");
    content.className = "widget-html-content";
    const draw = () => { content.innerHTML = model.get("value") || ""; };
    draw();
    listen(el, model, "change:value", draw);
    el.appendChild(content);
  },
  BoxView(el, model) {
    el.classList.add("lm-Panel", "widget-container", "widget-box");
    const draw = () => {
      Array.from(el.children).forEach((child) => { dispose(child); child.remove(); });
      (model.get("children") || []).forEach((ref) => {
        const child = referenced(ref);
        if (child) { el.appendChild(render(child)); }
      });
    };
    draw();
    listen(el, model, "change:children", draw);
  },
  VBoxView(el, model) { VIEWS.BoxView(el, model); el.classList.add("widget-vbox"); },
  HBoxView(el, model) { VIEWS.BoxView(el, model); el.classList.add("widget-hbox"); },
  ButtonView(el, model) {
    el.classList.add("jupyter-button", "widget-button");
    let style = "";
    const draw = () => {
      el.textContent = model.get("description") || "";
      el.disabled = Boolean(model.get("disabled"));
      const tip = model.get("tooltip");
      if (tip) { el.title = tip; } else { el.removeAttribute("title"); }
      if (style) { el.classList.remove(`mod-${style}`); }
      style = model.get("button_style") || "";
      if (style) { el.classList.add(`mod-${style}`); }
    };
    draw();
    listen(el, model, "change", draw);
    el.addEventListener("click", () => model.send({ event: "click" }));
  },
  TextView(el, model, tag = "input") {
    el.classList.add("widget-inline-hbox", tag === "input" ? "widget-text" : "widget-textarea");
    const box = document.createElement(tag);
    if (tag === "input") {
      box.type = "text";
    } else if (model.get("rows")) {
      box.rows = model.get("rows");
    }
    box.value = model.get("value") || "";
    box.placeholder = model.get("placeholder") || "";
    labelled(el, model, box);
    disabledFrom(el, model, box);
    listen(el, model, "change:value", () => {
      if (box.value !== model.get("value")) { box.value = model.get("value") || ""; }
    });
    box.addEventListener("input", () => {
      model.set("value", box.value);
      if (model.get("continuous_update")) { model.save_changes(); }
    });
    box.addEventListener("change", () => { model.set("value", box.value); model.save_changes(); });
    if (tag === "input") {
      box.addEventListener("keydown", (event) => {
        if (event.key === "Enter") { model.send({ event: "submit" }); }
      });
    }
  },
  TextareaView(el, model) { VIEWS.TextView(el, model, "textarea"); },
  CheckboxView(el, model) {
    el.classList.add("widget-inline-hbox", "widget-checkbox");
    const label = document.createElement("label");
    label.className = "widget-label-basic";
    const box = document.createElement("input");
    box.type = "checkbox";
    const words = document.createElement("span");
    label.append(box, words);
    el.appendChild(label);
    const draw = () => {
      box.checked = Boolean(model.get("value"));
      words.textContent = model.get("description") || "";
      box.disabled = Boolean(model.get("disabled"));
    };
    draw();
    listen(el, model, "change", draw);
    box.addEventListener("change", () => {
      model.set("value", box.checked);
      model.save_changes();
    });
  },
  DropdownView(el, model) {
    el.classList.add("widget-inline-hbox", "widget-dropdown");
    const select = document.createElement("select");
    labelled(el, model, select);
    disabledFrom(el, model, select);
    const draw = () => {
      select.replaceChildren(...(model.get("_options_labels") || []).map((text, i) => {
        const option = document.createElement("option");
        option.value = String(i);
        option.textContent = text;
        return option;
      }));
      const index = model.get("index");
      select.selectedIndex = index === null || index === undefined ? -1 : index;
    };
    draw();
    listen(el, model, "change:_options_labels change:index", draw);
    select.addEventListener("change", () => {
      model.set("index", select.selectedIndex < 0 ? null : select.selectedIndex);
      model.save_changes();
    });
  },
  AnyView(el, model) { drawAnywidget(el, model); },
};

function render(model) {
  const name = model.get("_view_name");
  const el = document.createElement(name === "ButtonView" ? "button" : "div");
  // As in Voilà: ipywidgets' own views carry its class (and with it its margin, font and
  // colour); anywidget's view is a bare element that takes the page's.
  el.classList.add("lm-Widget");
  if (name !== "AnyView") {
    el.classList.add("jupyter-widgets");
  }
  const view = VIEWS[name];
  if (view) {
    view(el, model);
  } else {
    console.error(`This page cannot draw a widget of the kind ${name}.`);
  }
  styleFrom(el, model, "layout");
  styleFrom(el, model, "style");
  classesFrom(el, model);
  return el;
}

// An anywidget: its own ES module draws it, as anywidget's front end does in Voilà.
const modules = new Map();
const initialised = new WeakSet();
const stylesAdded = new Set();

async function drawAnywidget(el, model) {
  const source = model.get("_esm");
  const style = model.get("_css");
  if (style && !stylesAdded.has(style)) {
    stylesAdded.add(style);
    const tag = document.createElement("style");
    tag.textContent = style;
    document.head.appendChild(tag);
  }
  try {
    if (!modules.has(source)) {
      const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
      modules.set(source, import(url).finally(() => URL.revokeObjectURL(url)));
    }
    const loaded = await modules.get(source);
    let widget = loaded.default ?? loaded;
    if (typeof widget === "function") { widget = await widget(); }
    if (!initialised.has(model)) {
      initialised.add(model);
      if (widget.initialize) { await widget.initialize({ model }); }
    }
    const cleanup = widget.render ? await widget.render({ model, el }) : undefined;
    if (typeof cleanup === "function") { cleanups.set(el, [...(cleanups.get(el) || []), cleanup]); }
  } catch (error) {
    console.error(error);
    el.textContent = "This part of the page could not be drawn. Reloading the page often helps.";
  }
}

// ---------------------------------------------------------------------------------------------
// A second visit is quick: the site's service worker keeps the runtime and the course's Python.

async function cacheOffline() {
  if (!("serviceWorker" in navigator) || !site.serviceWorker) { return; }
  try {
    await navigator.serviceWorker.register(site.serviceWorker);
    if (navigator.serviceWorker.controller) { return; }
    // The first visit: wait (briefly) for the worker to take this page, so that the large files
    // this page fetches next are kept as they arrive, not fetched a second time.
    await Promise.race([
      new Promise((resolve) => {
        navigator.serviceWorker.addEventListener("controllerchange", resolve);
      }),
      new Promise((resolve) => setTimeout(resolve, 3000)),
    ]);
  } catch (error) {
    console.warn("This browser will not keep the course for the next visit:", error);
  }
}

async function fetchCourse(url) {
  const response = await fetch(url);
  if (!response.ok) { throw new Error(`${url}: ${response.status}`); }
  const total = Number(response.headers.get("Content-Length")) || 0;
  if (!response.body || !total) { return new Uint8Array(await response.arrayBuffer()); }
  const reader = response.body.getReader();
  const data = new Uint8Array(total);
  let got = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) { break; }
    data.set(value.subarray(0, Math.max(0, total - got)), got);
    got += value.length;
  }
  return data;
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 0));
// How long each part of starting took, for the benchmark (performance.getEntriesByType("mark")).
const mark = (name) => performance.mark(`sb:${name}`);

async function start() {
  main.setAttribute("aria-busy", "true");
  step(0);
  await cacheOffline();
  const runtime = new URL(site.pyodide, location.href);
  const { loadPyodide } = await import(new URL("pyodide.mjs", runtime).href);
  const [pyodide, course] = await Promise.all([
    loadPyodide({ indexURL: runtime.href, packages: [] }),
    fetchCourse(site.python),
  ]);
  mark("python-loaded");
  step(1);
  await pause();
  const sitePackages = pyodide.runPython("import sysconfig; sysconfig.get_paths()['purelib']");
  pyodide.unpackArchive(course, "zip", { extractDir: sitePackages });
  mark("course-unpacked");
  step(2);
  await pause();
  python = pyodide.pyimport("widgets.site.inbrowser");
  python.start(fromPython);
  mark("kernel-started");
  for (let i = 0; i < site.cells.length && i < cells.length; i++) {
    currentCell = cells[i];
    if (!python.run_cell(site.cells[i])) {
      const output = document.createElement("p");
      output.className = "sb-notice";
      output.textContent =
        "This part of the page could not be shown. Reloading the page often helps; your " +
        "journal is safe in this browser.";
      outputArea(cells[i]).appendChild(output);
    }
    mark(`cell-${i}`);
    await pause();
  }
  currentCell = null;
  ready();
}

start().catch(failed);
