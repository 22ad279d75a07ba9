// console.js -- lambda-emulator's browser console (plain JS, no framework).
// Invocations arrive live as Server-Sent Events (api/events); the page keeps
// at most KEEP of them (and ROWS in the table), their log lines bounded, and
// draws each function's charts from the same stream.  Every string from the
// emulator goes into the page as text (textContent), never as HTML.
"use strict";

const KEEP = 1000;          // invocations remembered
const ROWS = 200;           // invocations in the table
const LOG_LINES = 500;      // log lines kept per invocation
const LOG_BYTES = 65536;
const WINDOW_MS = 5 * 60 * 1000;  // charts: the last 5 minutes
const SAMPLES_PER_FN = 20000;

const invs = new Map();     // request id -> invocation
const order = [];           // request ids, oldest first
const series = new Map();   // function -> [{t, dur, err}]
const dirty = new Set();    // invocations whose row needs drawing
let selected = null;
let frameAsked = false;
let chartsDue = 0;
let functionsList = [];
// Figures the tests read: records handled, render frames and their cost.
window.consoleStats = { records: 0, frames: 0, renderMs: 0, maxFrameMs: 0, lost: 0 };

function $(id) { return document.getElementById(id); }

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function ms(v) { return v === undefined || v === null ? "" : v.toFixed(2) + " ms"; }

function statusOf(inv) {
  return inv.status || "running";
}

function endStatus(r, inv) {
  if (r.status === "success") return "ok";
  if (r.status === "timeout") return "timeout";
  if (!inv.started) return "init error";
  if ((r.text || "").startsWith("Runtime.ExitError")) return "crash";
  return "function error";
}

function invocation(id, fn, t) {
  let inv = invs.get(id);
  if (!inv) {
    inv = { id: id, fn: fn, t: t, logs: [], logBytes: 0, row: null };
    invs.set(id, inv);
    order.push(id);
    while (order.length > KEEP) {
      const old = invs.get(order.shift());
      invs.delete(old.id);
      if (old.row) old.row.remove();
      dirty.delete(old);
    }
  }
  return inv;
}

function notice(text, error) {
  const list = $("notices");
  const li = el("li", new Date().toLocaleTimeString() + "  " + text, error ? "error" : "");
  list.insertBefore(li, list.firstChild);
  while (list.children.length > 20) list.lastChild.remove();
}

function sample(fn, t, dur, err) {
  let s = series.get(fn);
  if (!s) { s = []; series.set(fn, s); }
  s.push({ t: t, dur: dur, err: err });
  if (s.length > SAMPLES_PER_FN) s.splice(0, s.length - SAMPLES_PER_FN);
}

function addLog(inv, text) {
  inv.logs.push(text);
  inv.logBytes += text.length;
  while (inv.logs.length > LOG_LINES || inv.logBytes > LOG_BYTES) {
    inv.logBytes -= inv.logs.shift().length;
    inv.logsCut = true;
  }
  if (selected === inv) showLogs(inv);
}

function handle(r) {
  window.consoleStats.records++;
  let inv = null;
  switch (r.type) {
  case "start":
    inv = invocation(r.id, r.fn, r.t);
    inv.started = true;
    inv.status = inv.status || "running";
    break;
  case "log":
    if (r.id) addLog(invocation(r.id, r.fn, r.t), r.text || "");
    return;
  case "end":
    inv = invocation(r.id, r.fn, r.t);
    inv.status = endStatus(r, inv);
    inv.errType = r.text || "";
    inv.dur = r.dur; inv.billed = r.billed; inv.init = r.init; inv.maxMem = r.maxMem; inv.mem = r.mem;
    sample(r.fn, r.t, r.dur, inv.status !== "ok");
    break;
  case "throttle":
    inv = invocation(r.id, r.fn, r.t);
    inv.status = "throttled";
    sample(r.fn, r.t, null, true);
    break;
  case "init":
    if (r.status !== "success")
      notice("function " + r.fn + ": init " + r.status + (r.text ? " (" + r.text + ")" : "") +
             " after " + ms(r.init), true);
    return;
  case "reload":
    notice("reload: " + (r.text || ""), false);
    return;
  case "lost":
    window.consoleStats.lost += r.n;
    return;
  default:
    return;
  }
  dirty.add(inv);
  askFrame();
}

function askFrame() {
  if (frameAsked) return;
  frameAsked = true;
  requestAnimationFrame(render);
}

function cells(inv) {
  const st = statusOf(inv);
  return [
    [new Date(inv.t).toLocaleTimeString(), ""],
    [inv.fn, ""],
    [inv.id, "id"],
    [st + (inv.errType && st !== "timeout" ? " (" + inv.errType + ")" : ""),
     "status status-" + st.replace(/ /g, "-")],
    [ms(inv.dur), ""],
    [inv.billed ? inv.billed + " ms" : "", ""],
    [inv.init ? ms(inv.init) : "", ""],
    [inv.maxMem !== undefined ? inv.maxMem + " / " + inv.mem + " MB" : "", ""],
  ];
}

function drawRow(inv) {
  let row = inv.row;
  if (!row) {
    row = inv.row = document.createElement("tr");
    row.dataset.id = inv.id;
    row.className = "inv";
    row.addEventListener("click", () => select(inv));
    for (let i = 0; i < 8; i++) row.appendChild(document.createElement("td"));
    const body = $("invocations").tBodies[0];
    body.insertBefore(row, body.firstChild);
    while (body.rows.length > ROWS) {
      const last = body.rows[body.rows.length - 1];
      const old = invs.get(last.dataset.id);
      if (old) old.row = null;
      last.remove();
    }
  }
  cells(inv).forEach((c, i) => {
    const td = row.cells[i];
    if (td.textContent !== c[0]) td.textContent = c[0];
    if (td.className !== c[1]) td.className = c[1];
  });
  if (selected === inv) row.classList.add("selected");
}

function render() {
  frameAsked = false;
  const t0 = performance.now();
  for (const inv of dirty) if (invs.has(inv.id)) drawRow(inv);
  dirty.clear();
  $("count").textContent = "(" + invs.size + " kept, newest first)";
  if (Date.now() >= chartsDue) {
    drawCharts();
    chartsDue = Date.now() + 1000;
  }
  const spent = performance.now() - t0;
  const s = window.consoleStats;
  s.frames++;
  s.renderMs += spent;
  s.maxFrameMs = Math.max(s.maxFrameMs, spent);
}

function select(inv) {
  if (selected && selected.row) selected.row.classList.remove("selected");
  selected = inv;
  if (inv.row) inv.row.classList.add("selected");
  showLogs(inv);
}

function showLogs(inv) {
  $("detail-title").textContent = inv.fn + "  " + inv.id + "  " + statusOf(inv);
  $("logs").textContent = (inv.logsCut ? "[earlier lines dropped]\n" : "") + inv.logs.join("");
}

// ---- charts -------------------------------------------------------------

const HIST = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, Infinity];

function chartFor(fn) {
  let box = document.querySelector('.chart[data-fn="' + CSS.escape(fn) + '"]');
  if (!box) {
    box = el("div", null, "chart");
    box.dataset.fn = fn;
    box.appendChild(el("h4", fn));
    for (const what of ["rate", "latency"]) {
      const c = document.createElement("canvas");
      c.width = 300; c.height = 110;
      c.className = what;
      box.appendChild(c);
    }
    $("charts").appendChild(box);
  }
  return box;
}

function bars(canvas, values, colors, labels, title) {
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = "#16191f";
  g.font = "10px sans-serif";
  g.fillText(title, 2, 10);
  const top = Math.max(1, ...values.map(v => v.reduce((a, b) => a + b, 0)));
  const w = canvas.width / values.length, h = canvas.height - 26;
  values.forEach((stack, i) => {
    let y = canvas.height - 12;
    stack.forEach((v, k) => {
      const bh = v / top * h;
      g.fillStyle = colors[k];
      g.fillRect(i * w + 1, y - bh, Math.max(1, w - 2), bh);
      y -= bh;
    });
  });
  g.fillStyle = "#687078";
  labels.forEach((l, i) => { if (l) g.fillText(l, i * w, canvas.height - 1); });
  g.textAlign = "right";  // ends at the canvas's edge, whatever its width
  g.fillText("max " + top, canvas.width - 4, 10);
  g.textAlign = "left";
}

function drawCharts() {
  const now = Date.now();
  for (const [fn, s] of series) {
    while (s.length && s[0].t < now - WINDOW_MS) s.shift();
    const box = chartFor(fn);
    const rate = Array.from({ length: 30 }, () => [0, 0]);
    const hist = HIST.map(() => [0]);
    for (const p of s) {
      const b = Math.min(29, Math.floor((p.t - (now - WINDOW_MS)) / 10000));
      if (b >= 0) rate[b][p.err ? 1 : 0]++;
      if (p.dur !== null && p.dur !== undefined) hist[HIST.findIndex(x => p.dur < x)][0]++;
    }
    bars(box.querySelector(".rate"), rate, ["#1d8102", "#d13212"],
         rate.map((_, i) => i % 6 === 0 ? "-" + (5 - i / 6) + "m" : ""),
         "invocations / errors per 10 s");
    bars(box.querySelector(".latency"), hist, ["#0073bb"],
         HIST.map((x, i) => i % 3 ? "" : x === Infinity ? "more" : "<" + x), "latency (ms)");
  }
}

// ---- functions, live stream ----------------------------------------------

async function loadFunctions() {
  try {
    const r = await fetch("api/functions", { cache: "no-store" });
    const j = await r.json();
    functionsList = j.functions;
    const body = $("functions").tBodies[0];
    body.textContent = "";
    for (const f of j.functions) {
      const tr = document.createElement("tr");
      for (const v of [f.name, f.handler, f.runtime, f.timeout + " s", f.memory + " MB",
                       f.concurrency + (f.maxConcurrency ? " x " + f.maxConcurrency : ""),
                       f.warm, f.busy, f.queued, f.routes.join(", ")])
        tr.appendChild(el("td", v));
      body.appendChild(tr);
    }
    fillFunctionSelect();
  } catch (e) {
    /* the emulator stopped or restarts: the next round tries again */
  }
}

function connect() {
  const live = $("live");
  const es = new EventSource("api/events");
  es.onopen = () => { live.textContent = "live"; live.className = "live on"; };
  es.onerror = () => { live.textContent = "reconnecting"; live.className = "live off"; };
  es.onmessage = (e) => {
    let r;
    try { r = JSON.parse(e.data); } catch (err) { return; }
    handle(r);
  };
}

// ---- Test tab -------------------------------------------------------------

function fillFunctionSelect() {
  const sel = $("test-function");
  const names = functionsList.map(f => f.name);
  if (Array.from(sel.options).map(o => o.value).join("\n") === names.join("\n")) return;
  const keep = sel.value;
  sel.textContent = "";
  for (const n of names) {
    const o = el("option", n);
    o.value = n;
    sel.appendChild(o);
  }
  if (names.includes(keep)) sel.value = keep;
}

async function loadSamples() {
  const sel = $("sample");
  try {
    const j = await (await fetch("api/samples", { cache: "no-store" })).json();
    sel.textContent = "";
    sel.appendChild(el("option", "(your own event)"));
    j.samples.forEach((s, i) => {
      const o = el("option", s.name);
      o.value = String(i);
      o.dataset.event = s.event;
      sel.appendChild(o);
    });
  } catch (e) {
    sel.appendChild(el("option", "(cannot list the saved events)"));
  }
}

function decodeTail(b64) {
  try {
    const bin = atob(b64);
    const bytes = Uint8Array.from(bin, ch => ch.charCodeAt(0));
    return new TextDecoder().decode(bytes);
  } catch (e) {
    return "";
  }
}

function pretty(text) {
  try {
    const j = JSON.parse(text);
    let out = JSON.stringify(j, null, 2);
    if (j && typeof j.body === "string") {
      try { out += "\n\nbody:\n" + JSON.stringify(JSON.parse(j.body), null, 2); }
      catch (e) { out += "\n\nbody:\n" + j.body; }
    }
    return out;
  } catch (e) {
    return text;
  }
}

async function invoke() {
  const fn = $("test-function").value;
  const status = $("test-status");
  status.textContent = "invoking " + fn + "...";
  $("test-response").textContent = "";
  $("test-report").textContent = "";
  $("test-log").textContent = "";
  try {
    const r = await fetch("/2015-03-31/functions/" + encodeURIComponent(fn) + "/invocations", {
      method: "POST", headers: { "X-Amz-Log-Type": "Tail" }, body: $("event").value,
    });
    const text = await r.text();
    const ferr = r.headers.get("X-Amz-Function-Error");
    status.textContent = "HTTP " + r.status + (ferr ? ", function error" : "") + ", request " +
      (r.headers.get("x-amzn-RequestId") || "?");
    $("test-response").textContent = pretty(text);
    const tail = decodeTail(r.headers.get("X-Amz-Log-Result") || "");
    $("test-log").textContent = tail;
    const report = tail.split("\n").filter(l => l.startsWith("REPORT ") ||
                                                l.includes('"platform.report"'));
    $("test-report").textContent = report.join("\n").replace(/\t/g, "\n");
  } catch (e) {
    status.textContent = "the invocation failed: " + e;
  }
}

function showTab(name) {
  for (const b of document.querySelectorAll(".tab"))
    b.classList.toggle("active", b.dataset.tab === name);
  $("panel-invocations").classList.toggle("hidden", name !== "invocations");
  $("panel-test").classList.toggle("hidden", name !== "test");
}

document.addEventListener("DOMContentLoaded", () => {
  for (const b of document.querySelectorAll(".tab"))
    b.addEventListener("click", () => showTab(b.dataset.tab));
  $("sample").addEventListener("change", (e) => {
    const o = e.target.selectedOptions[0];
    if (o && o.dataset.event !== undefined) $("event").value = o.dataset.event;
  });
  $("invoke").addEventListener("click", invoke);
  loadFunctions();
  loadSamples();
  setInterval(loadFunctions, 2000);
  setInterval(askFrame, 1000);
  connect();
});
