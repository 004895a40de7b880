// credence workbench: the page of `credence serve`. Plain DOM, no
// dependencies. Everything it shows comes from the server's JSON API
// (docs/SERVE.md); model text is only ever set as textContent.
"use strict";

const TOKEN = document.querySelector('meta[name="credence-token"]').content;
const SVG = "http://www.w3.org/2000/svg";
// Past this many items the evidence table shows the strongest ones only.
const TABLE_ROWS = 150;

const page = {
  state: null,      // GET /api/state
  baseline: null,   // report JSON of the file
  current: null,    // report JSON with the overrides
  compare: null,    // report JSON of the chosen scenario
  compareId: "",
  controls: new Map(),  // path -> {input, out, control}
  rows: new Map(),      // item id -> row cells
  itemNodes: new Map(), // item id -> svg rect
  showAll: false,
  inflight: false,
  pending: null,        // {path, value, started}
};
// Slider latency, input event to the frame that shows the new numbers
// (read by the browser test).
window.credenceTimings = [];

// ---------------------------------------------------------------- helpers

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function $(id) { return document.getElementById(id); }

function fmt(p) { return (typeof p === "number") ? p.toFixed(4) : "–"; }
function signed(x, digits) {
  if (typeof x !== "number" || !isFinite(x)) return "–";
  const s = x.toFixed(digits);
  return (x > 0 && Number(s) !== 0 ? "+" : "") + s;
}
function db(x) { return (x === null || x === undefined) ? "∞" : signed(x, 1); }

async function api(method, url, body) {
  const init = { method, headers: {} };
  if (method !== "GET") {
    init.headers["X-Credence-Token"] = TOKEN;
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
  }
  let r, text;
  try {
    r = await fetch(url, init);
    text = await r.text();
  } catch (_) {
    // The server stopped (Ctrl-C) or the connection broke.
    return { ok: false, status: 0, json: { error: "The workbench server is not answering: is `credence serve` still running?" }, timing: null };
  }
  let json = null;
  try { json = JSON.parse(text); } catch (_) { json = { error: text }; }
  return { ok: r.ok, status: r.status, json, timing: r.headers.get("server-timing") };
}

function showError(message) {
  const e = $("error");
  e.textContent = message || "";
  e.hidden = !message;
}

// A refusal for the page's own requests: the server's message, and what
// to do when it is about this page rather than the request.
function describeRefusal(r) {
  const text = describeDiagnostics(r.json);
  if (r.status === 403) return text + ". This page may belong to an earlier run of `credence serve`: reload it.";
  return text;
}

function describeDiagnostics(d) {
  if (!d || !d.diagnostics) return (d && d.error) || "refused";
  return d.diagnostics.map(x =>
    (x.line ? `${d.file}:${x.line}:${x.column}: ` : "") + x.message +
    (x.hints && x.hints.length ? ` (${x.hints.join("; ")})` : "")).join("\n");
}

// ------------------------------------------------------------------ state

async function loadState() {
  const r = await api("GET", "/api/state");
  if (!r.ok) { showError(r.status === 403 ? describeRefusal(r) : (r.json.error || "cannot load the state")); return; }
  page.state = r.json;
  page.baseline = r.json.baseline;
  page.current = r.json.current;
  renderAll();
  // While the file is invalid the scenario cannot be run (422): the side
  // by side keeps its last result, as the rest of the page does.
  const stale = r.json.stale || !r.json.current;
  if (page.compareId && !stale) await chooseCompare(page.compareId);
  else if (page.compare) renderCompare();
}

function renderAll() {
  const s = page.state;
  const rep = page.current;
  $("file").textContent = s.file.split(/[\\/]/).pop();
  $("file").title = s.file;
  $("model-title").textContent = rep ? rep.model.title : "credence workbench";
  $("model-question").textContent = rep && rep.model.question ? rep.model.question : "";
  document.title = (rep ? rep.model.title + " · " : "") + "credence workbench";
  renderProblems();
  renderDropped();
  renderControls();
  renderStatus();
  restoreFocus();
  renderOverrides();
  renderScenarios();
  buildGraph();
  buildEvidence();
  renderSources();
  renderReport(null);
}

function renderStatus() {
  const s = page.state;
  const st = $("status");
  const stale = s.stale || (!page.current && s.diagnostics);
  st.textContent = stale ? "stale: the file is invalid" : `live (version ${s.version})`;
  st.className = "status " + (stale ? "stale" : "live");
  document.body.classList.toggle("is-stale", !!stale);
  $("undo").disabled = !s.can_undo || !!stale;
  $("reset").disabled = s.overrides.length === 0 || !!stale;
  $("save-open").disabled = s.overrides.length === 0 || !!stale;
  // No what-if on a file that is invalid: the controls wait for the fix
  // (for the keyboard too, not only the mouse).
  for (const { input } of page.controls.values()) input.disabled = !!stale;
}

function renderProblems() {
  const d = page.state.diagnostics;
  $("problems").hidden = !d;
  $("problems-kept").textContent = page.current
    ? "Showing the last valid result, marked stale. Fix the file and save: the page follows."
    : "There is no valid result to show yet. Fix the file and save: the page follows.";
  const list = $("diagnostics");
  list.replaceChildren();
  if (!d) return;
  for (const x of d.diagnostics) {
    const where = x.line ? `line ${x.line}, column ${x.column}` : "";
    list.append(el("li", { class: "diagnostic" },
      el("span", { class: "where", text: where }),
      el("span", { class: "message", text: " " + x.message }),
      el("pre", { text: x.rendered })));
  }
}

function renderDropped() {
  const d = page.state.dropped || [];
  const box = $("dropped");
  box.hidden = d.length === 0;
  box.replaceChildren();
  if (!d.length) return;
  box.append(el("h2", { text: "Overrides dropped when the file changed" }));
  const ul = el("ul");
  for (const x of d) ul.append(el("li", { text: `${x.path} = ${x.value}: ${x.reason}` }));
  box.append(ul);
}

function renderOverrides() {
  const box = $("overrides");
  box.replaceChildren();
  const list = page.state.overrides;
  if (!list.length) {
    box.append(el("p", { class: "hint", text: "No overrides: this is the file as written." }));
    return;
  }
  box.append(el("h3", { text: `Changed from the file (${list.length})` }));
  const ul = el("ul", { class: "chips" });
  for (const o of list) ul.append(el("li", { class: "chip", text: `${o.path} = ${o.value}` }));
  box.append(ul);
}

function renderScenarios() {
  const sel = $("compare");
  const keep = page.compareId;
  sel.replaceChildren(el("option", { value: "", text: "(no scenario)" }));
  for (const s of page.state.scenarios) {
    sel.append(el("option", { value: s.id, text: `${s.id}: ${s.title}`, title: s.paths.join(", ") }));
  }
  sel.value = page.state.scenarios.some(s => s.id === keep) ? keep : "";
  if (!sel.value) { page.compareId = ""; page.compare = null; }
}

// --------------------------------------------------------------- controls

function controlLabel(c) {
  return el("span", { class: "label", text: c.label });
}

function renderControls() {
  const box = $("controls");
  // A reload redraws every control: the sections the reader opened or
  // closed stay so, the panel keeps its scroll, and the focused control
  // keeps the focus (a keyboard user is not thrown back to the top of the
  // page by an edit of the file; a control disabled while the file is
  // invalid gets it back when the file is fixed).
  const opened = new Map([...box.querySelectorAll("details[data-key]")].map(d => [d.dataset.key, d.open]));
  const focused = box.contains(document.activeElement) ? document.activeElement : null;
  if (focused) page.focus = focused.dataset.path ? { path: focused.dataset.path }
    : focused.tagName === "SUMMARY" ? { key: focused.parentElement.dataset.key } : null;
  else if (document.activeElement && document.activeElement !== document.body) page.focus = null;
  const scroll = $("controls-panel").scrollTop;
  const isOpen = (key, fallback) => opened.has(key) ? opened.get(key) : fallback;
  box.replaceChildren();
  page.controls.clear();
  const groups = new Map();
  const section = (key, title, open) => {
    if (!groups.has(key)) {
      const d = el("details", { class: "group", "data-key": "group:" + key, open: isOpen("group:" + key, open) });
      d.append(el("summary", { text: title }));
      groups.set(key, d);
      box.append(d);
    }
    return groups.get(key);
  };
  const owners = new Map();
  const overridden = new Set(page.state.overrides.map(o => o.path));
  const count = page.state.controls.filter(c => c.group === "evidence" && c.label === "counted").length;
  const titles = { prior: "Priors", source: "Sources: reliability and bias", dependency: "Dependencies", evidence: `Evidence items (${count})` };
  for (const c of page.state.controls) {
    const g = section(c.group, titles[c.group] || c.group, c.group !== "evidence" || count <= 40);
    const key = c.group + ":" + c.owner;
    if (!owners.has(key)) {
      const d = el("details", { class: "owner", "data-owner": c.owner, "data-key": "owner:" + key, open: isOpen("owner:" + key, c.group !== "evidence") });
      d.append(el("summary", { title: c.title }, el("code", { text: c.owner }), el("span", { class: "otitle", text: c.title ? " " + c.title : "" })));
      owners.set(key, d);
      g.append(d);
    }
    owners.get(key).append(controlRow(c, overridden.has(c.path)));
  }
  applyFilter();
  $("controls-panel").scrollTop = scroll;
}

// Give the focus back to the control that had it before a redraw, once it
// can take it (not while disabled).
function restoreFocus() {
  const f = page.focus;
  if (!f) return;
  const active = document.activeElement;
  if (active && active !== document.body && !$("controls").contains(active)) { page.focus = null; return; }
  let target = null;
  if (f.path) { const e = page.controls.get(f.path); target = e && !e.input.disabled ? e.input : null; }
  else if (f.key) { const d = $("controls").querySelector(`details[data-key="${CSS.escape(f.key)}"]`); target = d && d.querySelector("summary"); }
  if (target) target.focus({ preventScroll: true });
}

function controlRow(c, changed) {
  const row = el("div", {
    class: "control" + (changed ? " changed" : ""),
    "data-path": c.path,
    "data-search": `${c.path} ${c.label} ${c.title}`.toLowerCase(),
  });
  let input, out;
  if (c.kind === "slider") {
    input = el("input", {
      type: "range", min: "0", max: "1", step: "0.01",
      "aria-label": `${c.path}`, "data-path": c.path,
    });
    input.value = String(c.value);
    out = el("output", { text: fmtValue(c.value) });
    if (c.group === "prior") input.dataset.prior = c.owner;
    input.addEventListener("input", () => {
      const started = performance.now();
      out.textContent = fmtValue(Number(input.value));
      send(c.path, Number(input.value), started);
    });
  } else {
    input = el("input", { type: "checkbox", "aria-label": c.path, "data-path": c.path });
    input.checked = !!c.value;
    out = el("output", { text: c.value ? "on" : "off" });
    input.addEventListener("change", () => {
      const started = performance.now();
      out.textContent = input.checked ? "on" : "off";
      send(c.path, input.checked, started);
    });
  }
  const base = c.written ? `file: ${c.written}` : `file: ${fmtValue(c.baseline)}`;
  row.append(el("label", { title: c.path }, controlLabel(c), input, out),
    el("span", { class: "base", text: base }));
  page.controls.set(c.path, { input, out, control: c, row });
  return row;
}

function fmtValue(v) {
  if (typeof v === "boolean") return v ? "on" : "off";
  const x = Number(v);
  return x.toFixed(Number(x.toFixed(2)) === x ? 2 : 3);
}

// Setting one prior rescales the others: their sliders follow the report.
function syncPriors(rep) {
  for (const h of rep.hypotheses) {
    const entry = page.controls.get(`hypotheses.${h.id}.prior`);
    if (!entry || typeof h.prior !== "number" || document.activeElement === entry.input) continue;
    entry.input.value = String(h.prior);
    entry.out.textContent = fmtValue(h.prior);
  }
}

function applyFilter() {
  const q = $("filter").value.trim().toLowerCase();
  for (const { row } of page.controls.values()) row.hidden = q !== "" && !row.dataset.search.includes(q);
  if (q) for (const d of document.querySelectorAll("#controls details")) d.open = true;
}

// One request at a time; while one is out, the newest value waits.
function send(path, value, started) {
  page.pending = { path, value, started };
  if (!page.inflight) pump();
}

async function pump() {
  while (page.pending) {
    const { path, value, started } = page.pending;
    page.pending = null;
    page.inflight = true;
    const r = await api("POST", "/api/overrides", { set: { [path]: value } });
    page.inflight = false;
    if (!r.ok) {
      showError(r.status === 422 ? "The file is invalid: " + describeDiagnostics(r.json)
        : describeRefusal(r));
      if (r.status !== 0) await loadState();
      continue;
    }
    showError("");
    page.current = r.json;
    const known = page.state.overrides.filter(o => o.path !== path);
    known.push({ path, value: String(value) });
    page.state.overrides = known;
    page.state.can_undo = true;
    const entry = page.controls.get(path);
    if (entry) entry.row.classList.add("changed");
    renderReport(r.timing);
    if (path.startsWith("hypotheses.")) syncPriors(r.json);
    renderStatus();
    renderOverrides();
    if (!page.pending) {
      requestAnimationFrame(() => {
        const ms = performance.now() - started;
        window.credenceTimings.push({ path, value, ms, server: r.timing });
        $("timing").textContent = `last change: ${ms.toFixed(1)} ms in the page` +
          (r.timing ? ` (${r.timing.replace("compute;dur=", "server ")} ms)` : "");
      });
    }
  }
}

// ----------------------------------------------------------------- report

function leaderOf(rep) {
  return rep.hypotheses.find(h => h.id === rep.leading) || rep.hypotheses[0];
}

function renderReport() {
  const rep = page.current;
  const base = page.baseline;
  if (!rep) {
    $("bars").replaceChildren(el("p", { class: "hint", text: "No valid result yet." }));
    return;
  }
  renderBottomLine(rep);
  renderLeader(rep, base);
  renderBars($("bars"), rep.hypotheses, base ? base.hypotheses : null, rep.leading);
  renderGroups(rep, base);
  updateEvidence(rep, base);
  updateGraph(rep);
  if (page.compare) renderCompare();
}

function renderBottomLine(rep) {
  const box = $("bottom-line");
  const b = rep.bottom_line;
  box.hidden = !b;
  if (!b) return;
  box.replaceChildren(el("h2", { text: "Bottom line" }));
  if (typeof b === "string") { box.append(el("p", { class: "bottom", text: b })); return; }
  const dl = el("dl", { class: "bottom" });
  for (const [k, v] of Object.entries(b)) {
    if (v === null || typeof v === "object") continue;
    // A count is a count (`flip count 2`, not `2.0000`).
    const text = typeof v !== "number" ? String(v) : Number.isInteger(v) && !k.includes("probability") ? String(v) : fmt(v);
    dl.append(el("dt", { text: k.replace(/_/g, " ") }), el("dd", { text }));
  }
  box.append(dl);
}

function renderLeader(rep, base) {
  const now = leaderOf(rep);
  const p = $("leader");
  p.replaceChildren();
  p.append(el("span", { text: "Leading: " }), el("strong", { id: "leading", text: now.id }),
    el("span", { text: ` (${fmt(now.posterior)}, ${now.icd203})` }));
  if (base) {
    const was = leaderOf(base);
    if (was.id !== now.id) {
      p.append(el("span", { class: "flip", id: "leader-change", text: ` leader changes: the file says ${was.id} (${fmt(was.posterior)})` }));
    } else {
      p.append(el("span", { class: "same", text: " same leader as the file" }));
    }
  }
}

function renderBars(box, rows, baseRows, leading) {
  const baseBy = new Map((baseRows || []).map(r => [r.id, r]));
  let table = box.querySelector("table");
  if (!table || table.dataset.ids !== rows.map(r => r.id).join(",")) {
    table = el("table", { class: "bars" });
    table.dataset.ids = rows.map(r => r.id).join(",");
    for (const r of rows) {
      const bar = el("div", { class: "bar" }, el("div", { class: "fill" }), el("div", { class: "mark" }));
      table.append(el("tr", { "data-id": r.id },
        el("th", { title: r.title || "" }, el("span", { class: "hid", text: r.id }), el("span", { class: "htitle", text: r.title || "" })),
        el("td", { class: "barcell" }, bar),
        el("td", { class: "num posterior", "data-posterior": r.id }),
        el("td", { class: "num delta" }),
        el("td", { class: "term" })));
    }
    box.replaceChildren(table);
  }
  for (const tr of table.rows) {
    const r = rows.find(x => x.id === tr.dataset.id);
    const b = baseBy.get(r.id);
    const [, barcell, post, delta, term] = tr.cells;
    barcell.querySelector(".fill").style.width = (100 * r.posterior).toFixed(2) + "%";
    const mark = barcell.querySelector(".mark");
    mark.hidden = !b;
    if (b) mark.style.left = (100 * b.posterior).toFixed(2) + "%";
    post.textContent = fmt(r.posterior);
    const d = b ? r.posterior - b.posterior : 0;
    delta.textContent = b ? signed(d, 4) : "";
    delta.className = "num delta " + (d > 5e-5 ? "up" : d < -5e-5 ? "down" : "");
    term.textContent = r.icd203 || "";
    tr.classList.toggle("leading", r.id === leading);
  }
}

function renderGroups(rep, base) {
  const box = $("groups");
  const groups = rep.groups;
  box.hidden = !Array.isArray(groups) || groups.length === 0;
  if (box.hidden) return;
  const rows = groups.map(g => ({ id: g.id, title: g.title || (g.members || []).join(", "), posterior: g.posterior, icd203: g.icd203 || "" }));
  const baseRows = base && Array.isArray(base.groups) ? base.groups.map(g => ({ id: g.id, posterior: g.posterior })) : null;
  if (!box.querySelector("h3")) box.prepend(el("h3", { text: "Groups" }));
  let holder = box.querySelector("div.holder");
  if (!holder) { holder = el("div", { class: "holder" }); box.append(holder); }
  renderBars(holder, rows, baseRows, null);
}

// --------------------------------------------------------------- evidence

function strongest(rep) {
  const ids = rep.evidence.map(e => e.id);
  if (ids.length <= TABLE_ROWS || page.showAll) return ids;
  return rep.evidence
    .map(e => [e.id, e.strength_db === null ? Infinity : (e.strength_db || 0)])
    .sort((a, b) => b[1] - a[1]).slice(0, TABLE_ROWS).map(x => x[0]);
}

function buildEvidence() {
  const table = $("evidence");
  table.replaceChildren();
  page.rows.clear();
  const rep = page.baseline || page.current;
  if (!rep) return;
  const hyps = rep.hypotheses.map(h => h.id);
  const head = el("tr", {}, el("th", { text: "item" }), el("th", { text: "claim" }),
    el("th", { text: "counted" }), el("th", { text: "origins" }),
    ...hyps.map(h => el("th", { class: "num", text: `WoE ${h} dB` })),
    el("th", { class: "num", text: "effect on the leader" }));
  table.append(el("thead", {}, head));
  const body = el("tbody");
  const shown = strongest(rep);
  const note = $("evidence-note");
  note.replaceChildren();
  if (shown.length < rep.evidence.length) {
    note.append(`The ${shown.length} strongest of ${rep.evidence.length} items. `);
    const b = el("button", { type: "button", text: "Show all" });
    b.addEventListener("click", () => { page.showAll = true; buildEvidence(); updateEvidence(page.current, page.baseline); });
    note.append(b);
  }
  const byId = new Map(rep.evidence.map(e => [e.id, e]));
  for (const id of shown) {
    const e = byId.get(id);
    const cells = {
      counted: el("td"), origins: el("td", { class: "num" }),
      woe: hyps.map(() => el("td", { class: "num" })), effect: el("td", { class: "num" }),
    };
    const tr = el("tr", { "data-item": id },
      el("td", { class: "id" }, nodeLink(id)), el("td", { class: "claim", text: e.claim }),
      cells.counted, cells.origins, ...cells.woe, cells.effect);
    cells.tr = tr;
    body.append(tr);
    page.rows.set(id, cells);
  }
  table.append(body);
}

function nodeLink(id) {
  const a = el("button", { type: "button", class: "link", text: id });
  a.addEventListener("click", () => focusNode("item:" + id));
  return a;
}

function setText(node, text) { if (node.textContent !== text) node.textContent = text; }

function updateEvidence(rep) {
  if (!rep) return;
  const leaderIndex = rep.hypotheses.findIndex(h => h.id === rep.leading);
  for (const e of rep.evidence) {
    const cells = page.rows.get(e.id);
    if (!cells) continue;
    setText(cells.counted, e.enabled ? "yes" : "no");
    setText(cells.origins, `${e.origins} of ${e.reports}`);
    e.weight_of_evidence_db.forEach((w, k) => setText(cells.woe[k], e.enabled ? db(w) : "–"));
    setText(cells.effect, e.effect ? signed(e.effect[leaderIndex], 4) : "–");
    cells.tr.classList.toggle("disabled", !e.enabled);
  }
}

function renderSources() {
  const table = $("sources");
  table.replaceChildren();
  const rep = page.current;
  if (!rep) return;
  const origins = new Map();
  for (const e of rep.evidence) {
    for (const r of e.report_details) {
      const o = origins.get(r.source) || { reports: 0, origins: 0, items: new Set() };
      o.reports += 1;
      if (e.origin_reports.includes(r.id)) o.origins += 1;
      o.items.add(e.id);
      origins.set(r.source, o);
    }
  }
  table.append(el("thead", {}, el("tr", {}, el("th", { text: "source" }), el("th", { text: "title" }),
    el("th", { text: "reliability" }), el("th", { class: "num", text: "bias" }),
    el("th", { class: "num", text: "reports" }), el("th", { class: "num", text: "independent origins" }),
    el("th", { text: "learned reliability (posterior mean)" }))));
  const body = el("tbody");
  for (const s of rep.sources) {
    const o = origins.get(s.id) || { reports: 0, origins: 0 };
    body.append(el("tr", {}, el("td", { class: "id" }, el("span", { text: s.id })), el("td", { text: s.title }),
      el("td", { text: s.reliability }), el("td", { class: "num", text: fmt(s.bias) }),
      el("td", { class: "num", text: String(o.reports) }), el("td", { class: "num", text: String(o.origins) }),
      el("td", { text: s.learned ? `${fmt(s.learned.prior_mean)} → ${fmt(s.learned.posterior_mean)}` : "" })));
  }
  table.append(body);
}

// ---------------------------------------------------------------- compare

async function chooseCompare(id) {
  page.compareId = id;
  if (!id) { page.compare = null; $("compare-panel").hidden = true; return; }
  const r = await api("GET", "/api/scenarios/" + encodeURIComponent(id));
  if (!r.ok) { showError(describeDiagnostics(r.json)); page.compare = null; return; }
  page.compare = r.json;
  renderCompare();
}

function renderCompare() {
  const panel = $("compare-panel");
  const t = $("compare-table");
  panel.hidden = false;
  t.replaceChildren();
  const base = page.baseline, cur = page.current, sc = page.compare;
  if (!base || !cur || !sc) return;
  t.append(el("thead", {}, el("tr", {}, el("th", { text: "hypothesis" }), el("th", { class: "num", text: "file" }),
    el("th", { class: "num", text: "now (your overrides)" }), el("th", { class: "num", text: `scenario ${page.compareId}` }))));
  const body = el("tbody");
  for (const h of cur.hypotheses) {
    const b = base.hypotheses.find(x => x.id === h.id), s = sc.hypotheses.find(x => x.id === h.id);
    body.append(el("tr", {}, el("th", { text: h.id }), el("td", { class: "num", text: fmt(b && b.posterior) }),
      el("td", { class: "num", text: fmt(h.posterior) }), el("td", { class: "num", text: fmt(s && s.posterior) })));
  }
  body.append(el("tr", { class: "leaders" }, el("th", { text: "leader" }), el("td", { class: "num", text: base.leading }),
    el("td", { class: "num", text: cur.leading }), el("td", { class: "num", text: sc.leading })));
  t.append(body);
}

// ------------------------------------------------------------------ graph
// Columns: the hypotheses, the evidence items, then each item's reports as
// a tree (origins first, relays to the right by depth). Labels are full,
// wrapped; the view pans and zooms, and a click shows a node's details.

const G = { rowH: 18, pad: 6, itemX: 260, itemW: 330, repX: 630, repW: 230, repStep: 260, hypW: 220 };
const view = { x: 10, y: 10, k: 1 };

function wrap(text, width) {
  const words = String(text).split(/\s+/);
  const lines = [];
  let line = "";
  for (const w of words) {
    if (line && (line + " " + w).length > width) { lines.push(line); line = w; } else line = line ? line + " " + w : w;
  }
  if (line) lines.push(line);
  return lines.length ? lines : [""];
}

function box(g, x, y, w, lines, cls, key) {
  const h = lines.length * G.rowH + 2 * G.pad;
  const node = svg("g", { class: "node " + cls, "data-key": key, transform: `translate(${x},${y})` });
  node.append(svg("rect", { width: w, height: h, rx: 4 }));
  lines.forEach((line, i) => {
    const t = svg("text", { x: G.pad, y: G.pad + (i + 0.8) * G.rowH });
    t.textContent = line;
    node.append(t);
  });
  g.append(node);
  return h;
}

function buildGraph() {
  const g = $("viewport");
  g.replaceChildren();
  page.itemNodes.clear();
  page.graphKeys = new Map();
  const rep = page.current;
  if (!rep) return;
  const edges = svg("g", { class: "edges" });
  g.append(edges);
  const chars = w => Math.floor((w - 2 * G.pad) / 7.2);
  let y = 0;
  for (const h of rep.hypotheses) {
    const lines = wrap(`${h.id}: ${h.title}`, chars(G.hypW));
    const hh = box(g, 0, y, G.hypW, lines, "hypothesis", "hypothesis:" + h.id);
    page.graphKeys.set("hypothesis:" + h.id, { kind: "hypothesis", data: h, y });
    y += hh + 10;
  }
  const hypBottom = y;
  y = 0;
  const trunkX = G.hypW + 20;
  let lastItemMid = 0;
  for (const e of rep.evidence) {
    const itemLines = wrap(`${e.id}: ${e.claim}`, chars(G.itemW));
    // Reports: pre-order from the origins, depth = relay distance.
    const reps = e.report_details;
    const index = new Map(reps.map((r, i) => [r.id, i]));
    const children = reps.map(() => []);
    const roots = [];
    reps.forEach((r, i) => {
      const p = r.via !== null && index.has(r.via) && index.get(r.via) !== i ? index.get(r.via) : null;
      if (p === null) roots.push(i); else children[p].push(i);
    });
    const order = [];
    const seen = new Set();
    const visit = (i, d) => { if (seen.has(i)) return; seen.add(i); order.push([i, d]); for (const c of children[i]) visit(c, d + 1); };
    roots.forEach(i => visit(i, 0));
    reps.forEach((_, i) => visit(i, 0));
    let ry = y;
    const pos = new Map();
    for (const [i, d] of order) {
      const r = reps[i];
      const origin = e.origin_reports.includes(r.id);
      const label = wrap(`${r.id} (${r.source})${r.observed ? "" : " latent"}${r.asserts ? "" : " denies"}`, chars(G.repW));
      const x = G.repX + d * G.repStep;
      const key = `report:${e.id}:${r.id}`;
      const rh = box(g, x, ry, G.repW, label, "report" + (origin ? " origin" : "") + (r.observed ? "" : " latent"), key);
      page.graphKeys.set(key, { kind: "report", data: r, item: e, y: ry });
      pos.set(i, { x, y: ry + rh / 2 });
      ry += rh + 4;
    }
    const itemH = itemLines.length * G.rowH + 2 * G.pad;
    const key = "item:" + e.id;
    box(g, G.itemX, y, G.itemW, itemLines, "item", key);
    page.graphKeys.set(key, { kind: "item", data: e, y });
    const node = g.lastChild;
    page.itemNodes.set(e.id, node);
    const mid = y + Math.min(itemH, 2 * G.rowH) / 2;
    edges.append(svg("path", { d: `M${trunkX},${mid} H${G.itemX}`, class: "edge" }));
    lastItemMid = mid;
    for (const [i] of order) {
      const r = reps[i];
      const to = pos.get(i);
      const p = r.via !== null && index.has(r.via) ? pos.get(index.get(r.via)) : null;
      if (p && p !== to) {
        edges.append(svg("path", { d: `M${p.x + G.repW},${p.y} C${p.x + G.repW + 15},${p.y} ${to.x - 15},${to.y} ${to.x},${to.y}`,
          class: "edge relay" + (r.strength !== null && r.strength < 1 ? " partial" : "") }));
      } else {
        edges.append(svg("path", { d: `M${G.itemX + G.itemW},${mid} C${G.repX - 20},${mid} ${to.x - 20},${to.y} ${to.x},${to.y}`, class: "edge" }));
      }
    }
    y = Math.max(y + itemH, ry) + 12;
  }
  edges.append(svg("path", { d: `M${G.hypW},${Math.min(hypBottom, 40) / 2} H${trunkX} V${Math.max(lastItemMid, 20)}`, class: "edge trunk" }));
  page.graphHeight = Math.max(y, hypBottom);
  g.addEventListener("click", onNodeClick);
  updateGraph(rep);
  if (!page.graphPlaced) { page.graphPlaced = true; view.k = 1; view.x = 10; view.y = 10; applyView(); }
}

function updateGraph(rep) {
  if (!rep || !page.itemNodes.size) return;
  const lead = rep.hypotheses.findIndex(h => h.id === rep.leading);
  for (const e of rep.evidence) {
    const node = page.itemNodes.get(e.id);
    if (!node) continue;
    const w = e.weight_of_evidence_db[lead];
    const cls = !e.enabled ? "item disabled" : (w === null ? "item strong" : w > 0.05 ? "item for" : w < -0.05 ? "item against" : "item neutral");
    const want = "node " + cls;
    if (node.getAttribute("class") !== want) node.setAttribute("class", want);
    const info = page.graphKeys.get("item:" + e.id);
    if (info) info.data = e;
  }
}

function applyView() {
  $("viewport").setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`);
}

function fitGraph() {
  const svgEl = $("graph");
  const w = svgEl.clientWidth || 900;
  const width = G.repX + 2 * G.repStep + G.repW;
  view.k = Math.min(1, w / width);
  view.x = 10; view.y = 10;
  applyView();
}

function zoomAt(factor, cx, cy) {
  const k = Math.min(4, Math.max(0.05, view.k * factor));
  view.x = cx - (cx - view.x) * (k / view.k);
  view.y = cy - (cy - view.y) * (k / view.k);
  view.k = k;
  applyView();
}

function focusNode(key) {
  const info = page.graphKeys && page.graphKeys.get(key);
  if (!info) return false;
  const svgEl = $("graph");
  const x = key.startsWith("item:") ? G.itemX : key.startsWith("report:") ? G.repX : 0;
  view.k = 1;
  view.x = 20 - x + 200;
  view.y = svgEl.clientHeight / 2 - info.y;
  applyView();
  showDetails(key);
  svgEl.scrollIntoView({ block: "nearest" });
  return true;
}

function onNodeClick(ev) {
  if (page.dragged) return;
  const node = ev.target.closest(".node");
  if (node) showDetails(node.dataset.key);
}

function showDetails(key) {
  const info = page.graphKeys.get(key);
  const box = $("details");
  box.replaceChildren();
  if (!info) { box.hidden = true; return; }
  box.hidden = false;
  for (const n of document.querySelectorAll("#viewport .node.selected")) n.classList.remove("selected");
  const node = document.querySelector(`#viewport .node[data-key="${CSS.escape(key)}"]`);
  if (node) node.classList.add("selected");
  const close = el("button", { type: "button", class: "close", text: "×" });
  close.addEventListener("click", () => { box.hidden = true; });
  box.append(close);
  const dl = el("dl");
  const add = (k, v) => dl.append(el("dt", { text: k }), el("dd", { text: v }));
  const rep = page.current;
  if (info.kind === "hypothesis") {
    const h = rep.hypotheses.find(x => x.id === info.data.id) || info.data;
    box.append(el("h3", { text: `hypothesis ${h.id}` }));
    add("title", h.title); add("prior", fmt(h.prior)); add("posterior", `${fmt(h.posterior)} (${h.icd203})`);
    add("change in log-odds", h.delta_log_odds_db === null ? "–" : `${signed(h.delta_log_odds_db, 2)} dB`);
  } else if (info.kind === "item") {
    const e = rep.evidence.find(x => x.id === info.data.id) || info.data;
    box.append(el("h3", { text: `evidence ${e.id}` }));
    add("claim", e.claim); add("counted", e.enabled ? "yes" : "no (disabled)");
    add("reports", `${e.reports}, of which ${e.origins} independent origin(s): ${e.origin_reports.join(", ")}`);
    rep.hypotheses.forEach((h, k) => add(`weight of evidence for ${h.id}`, `${db(e.weight_of_evidence_db[k])} dB`));
    if (e.effect) rep.hypotheses.forEach((h, k) => add(`effect on P(${h.id})`, signed(e.effect[k], 4)));
    const ctl = el("button", { type: "button", text: "Show its controls" });
    ctl.addEventListener("click", () => { $("filter").value = `evidence.${e.id}.`; applyFilter(); });
    box.append(dl, ctl);
    return;
  } else {
    const r = info.data;
    box.append(el("h3", { text: `report ${r.id} of ${info.item.id}` }));
    add("source", r.source); add("observed", r.observed ? "yes" : "no (latent)");
    add("asserts the claim", r.asserts ? "yes" : "no (denies)");
    if (r.via) add("relays", `${r.via}${r.strength !== null ? ` (strength ${r.strength})` : ""}`);
    add("hit rate", fmt(r.hit)); add("false-alarm rate", fmt(r.false_alarm));
    if (r.document) add("document", r.document);
  }
  box.append(dl);
}

function setupGraph() {
  const svgEl = $("graph");
  let drag = null;
  svgEl.addEventListener("wheel", ev => {
    ev.preventDefault();
    const r = svgEl.getBoundingClientRect();
    zoomAt(ev.deltaY < 0 ? 1.15 : 1 / 1.15, ev.clientX - r.left, ev.clientY - r.top);
  }, { passive: false });
  svgEl.addEventListener("pointerdown", ev => {
    drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y };
    page.dragged = false;
  });
  window.addEventListener("pointermove", ev => {
    if (!drag) return;
    const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) page.dragged = true;
    view.x = drag.vx + dx; view.y = drag.vy + dy;
    applyView();
  });
  window.addEventListener("pointerup", () => { drag = null; setTimeout(() => { page.dragged = false; }, 0); });
  // The keyboard: arrows pan, + and - zoom, 0 fits.
  svgEl.addEventListener("keydown", ev => {
    const step = 60;
    const pan = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] }[ev.key];
    if (pan) { view.x += pan[0]; view.y += pan[1]; applyView(); }
    else if (ev.key === "+" || ev.key === "=") zoomAt(1.25, svgEl.clientWidth / 2, svgEl.clientHeight / 2);
    else if (ev.key === "-") zoomAt(0.8, svgEl.clientWidth / 2, svgEl.clientHeight / 2);
    else if (ev.key === "0") fitGraph();
    else return;
    ev.preventDefault();
  });
  $("graph-fit").addEventListener("click", fitGraph);
  $("graph-zoom-in").addEventListener("click", () => zoomAt(1.25, svgEl.clientWidth / 2, svgEl.clientHeight / 2));
  $("graph-zoom-out").addEventListener("click", () => zoomAt(0.8, svgEl.clientWidth / 2, svgEl.clientHeight / 2));
  $("graph-find").addEventListener("change", ev => {
    const q = ev.target.value.trim();
    if (!q) return;
    if (!focusNode("item:" + q) && !focusNode("hypothesis:" + q)) {
      const key = [...page.graphKeys.keys()].find(k => k.startsWith("report:") && k.endsWith(":" + q));
      if (!key || !focusNode(key)) showError(`no node ${q} in the graph`);
    }
  });
}

// ---------------------------------------------------------------- actions

async function replaceState(method, url) {
  const r = await api(method, url);
  if (!r.ok) { showError(describeRefusal(r)); return; }
  showError("");
  await loadState();
}

async function saveScenario() {
  const body = { id: $("save-id").value.trim(), title: $("save-title").value.trim() };
  const why = $("save-why").value.trim();
  if (why) body.why = why;
  const msg = $("save-message");
  // The server checks the same; saying it here spares a round trip.
  const bad = !/^[A-Za-z0-9_-]{1,64}$/.test(body.id) ? "The id is letters, digits, _ and - (at most 64)."
    : !body.title ? "A scenario needs a title." : "";
  if (bad) { msg.textContent = bad; msg.className = "message bad"; $(body.title || !body.id ? "save-id" : "save-title").focus(); return; }
  const r = await api("POST", "/api/scenario", body);
  if (!r.ok) {
    msg.textContent = r.status === 409 ? r.json.error : r.status === 403 ? describeRefusal(r) : (r.json.error || describeDiagnostics(r.json));
    msg.className = "message bad";
    if (r.status === 409) await loadState();
    return;
  }
  msg.textContent = `Saved as scenario ${r.json.saved}: credence whatif ${page.state.file} --scenario ${r.json.saved}`;
  msg.className = "message good";
  await loadState();
}

function setup() {
  $("undo").addEventListener("click", () => replaceState("POST", "/api/undo"));
  $("reset").addEventListener("click", () => replaceState("POST", "/api/reset"));
  $("compare").addEventListener("change", ev => chooseCompare(ev.target.value));
  $("filter").addEventListener("input", applyFilter);
  $("save-open").addEventListener("click", () => { $("save-form").hidden = false; $("save-message").textContent = ""; $("save-id").focus(); });
  $("save-cancel").addEventListener("click", () => { $("save-form").hidden = true; });
  $("save").addEventListener("click", saveScenario);
  // In the form, Enter saves and Escape closes it.
  $("save-form").addEventListener("keydown", ev => {
    if (ev.key === "Enter" && ev.target.tagName === "INPUT") { ev.preventDefault(); saveScenario(); }
    if (ev.key === "Escape") { $("save-form").hidden = true; $("save-open").focus(); }
  });
  setupGraph();
  // `hello VERSION RUN` on every connection: the same run with a newer
  // version means the file changed while the stream was down; another run
  // means the server was restarted, and this page (its token, its
  // overrides) belongs to the old one: load the new page.
  const events = new EventSource("/api/events");
  events.addEventListener("reload", () => loadState());
  events.addEventListener("hello", ev => {
    const [version, run] = ev.data.split(" ");
    if (page.run && run !== page.run) { location.reload(); return; }
    page.run = run;
    if (page.disconnected) { page.disconnected = false; showError(""); }
    if (page.state && Number(version) !== page.state.version) loadState();
  });
  events.addEventListener("error", () => {
    // The browser reconnects by itself; meanwhile say why nothing moves.
    page.disconnected = true;
    showError("The workbench server is not answering (stopped?); the page reconnects when it is back.");
  });
  loadState();
}

setup();
