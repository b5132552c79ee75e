// Shared helpers for the dashboard pages. Okabe–Ito colour-blind-safe palette (its neutral grey
// #999999 marks "other").
const OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
const COLOURS = {GTM: "#0072B2", HND: "#E69F00", SLV: "#009E73", MEX: "#CC79A7", OTHER: "#999999",
                 NIC: "#56B4E9", CRI: "#D55E00", PAN: "#000000", XNT: "#D55E00"};
const SITE = "rootcauses";
// The page's language, the locale that formats numbers and dates, and the translations of the
// scripts' words, from <script id="i18n"> (rootcauses.web.i18n.js_messages, from the Babel
// catalogue). Every word a script shows goes through t() with a double-quoted literal, which is
// how the catalogue finds it: t("Source"), t("%(shown)s of %(total)s indicators", {shown, total}).
const PAGE_LANGUAGE = JSON.parse(document.getElementById("i18n")?.textContent || "{}");
const LANG = PAGE_LANGUAGE.lang || document.documentElement.lang || "en";
const LOCALE = PAGE_LANGUAGE.locale || "en-US";
const MESSAGES = PAGE_LANGUAGE.messages || {};
function t(text, values) {
  const words = MESSAGES[text] || text;
  if (!values) return words;
  return words.replace(/%\((\w+)\)s|%%/g, (match, key) => (key ? String(values[key] ?? "") : "%"));
}
// Numbers in the page's locale (es-419 writes 1,234.5 as in Guatemala, Honduras and El Salvador).
function formatNumber(value, options) {
  return value === null || value === undefined || value === "" ? "" : Number(value).toLocaleString(LOCALE, options);
}

// ------------------------------------------------------------------ exports (PNG, SVG, CSV)
// Each chart's title is its heading (aria-labelledby or the h2/h3 of its section), its source the
// page's "Source:" line; a page adds a subtitle, the data-through month and an embed route with
// describeChart(). Images are redrawn at 1200x675 with title, subtitle, source and date on them.
const ICONS = {
  png: {width: 1000, height: 1000, path: "M100 150h800a50 50 0 0 1 50 50v600a50 50 0 0 1-50 50H100a50 50 0 0 1-50-50V200a50 50 0 0 1 50-50zm30 590h740L640 450 480 640 370 520zm170-350a80 80 0 1 0 0-1z"},
  svg: {width: 1000, height: 1000, path: "M150 800 400 250l250 400 200-450h60L660 800h-60L400 420 210 850H150zM80 80h170v170H80zm670 0h170v170H750zM80 750h170v170H80z"},
};
const CHART_INFO = {};  // element id -> {subtitle, through, embed, source, title}

function describeChart(id, info) {
  CHART_INFO[id] = {...(CHART_INFO[id] || {}), ...info};
  const chart = document.getElementById(id);
  if (chart && document.body.dataset.embed === id) document.querySelector("h1").textContent = chartTitle(chart);
  const tools = document.querySelector(`[data-export-for="${id}"]`);
  if (tools) updateShare(id, tools);
}

function chartTitle(gd) {
  const info = CHART_INFO[gd.id] || {};
  if (info.title || gd.dataset.title) return info.title || gd.dataset.title;
  const label = gd.getAttribute("aria-label") || "";
  if (label.includes(": ")) return label.slice(label.indexOf(": ") + 2);  // "bar chart: TITLE"
  const labelled = gd.getAttribute("aria-labelledby");
  const heading = labelled ? document.getElementById(labelled)
    : gd.closest("section, [role=tabpanel]")?.querySelector("h2, h3");
  return (heading ? heading.textContent : document.querySelector("h1").textContent).trim();
}

function chartSource(gd) {
  const info = CHART_INFO[gd.id] || {};
  if (info.source) return info.source;
  const line = document.querySelector(".source");
  const lead = new RegExp(`^(Source|${t("Source")}):\\s*`);
  return line ? line.textContent.replace(/\s+/g, " ").replace(lead, "").trim() : SITE;
}

// The figure a chart shows: Plotly's once it has drawn it, else the one its sketch shows.
const chartData = gd => gd.data || SKETCHES.get(gd)?.[0] || [];
const chartLayout = gd => gd.layout || SKETCHES.get(gd)?.[1] || {};

function dataThrough(gd) {
  const info = CHART_INFO[gd.id] || {};
  if (info.through) return info.through;
  let last = "";
  for (const trace of chartData(gd)) {
    for (const x of trace.x || []) if (typeof x === "string" && /^\d{4}-\d{2}/.test(x) && x > last) last = x;
  }
  return last.slice(0, 7);
}

function slug(text) {
  return text.toLowerCase().normalize("NFKD").replace(/[^\w\s-]/g, "").trim().replace(/[\s_-]+/g, "-").slice(0, 80);
}

function chartFilename(gd) {
  const through = dataThrough(gd);
  return [SITE, slug(chartTitle(gd)), through].filter(Boolean).join("-");
}

function footerText(gd) {
  const through = dataThrough(gd);
  return `${t("Source")}: ${chartSource(gd)}${through ? ` · ${t("Data through")} ${through}` : ""} · ${SITE}`;
}

// The figure as published: title and subtitle above, source and date below.
function publishedFigure(gd) {
  const layout = JSON.parse(JSON.stringify(chartLayout(gd)));
  const info = CHART_INFO[gd.id] || {};
  const margin = layout.margin || {};
  layout.title = {text: chartTitle(gd), x: 0.01, xanchor: "left", font: {size: 20},
                  subtitle: info.subtitle ? {text: info.subtitle, font: {size: 13, color: "#555"}} : undefined};
  layout.margin = {...margin, t: info.subtitle ? 95 : 70, b: Math.max(margin.b || 0, 120), l: Math.max(margin.l || 0, 70),
                   r: Math.max(margin.r || 0, 30)};
  layout.annotations = [...(layout.annotations || []), {
    text: footerText(gd), xref: "paper", yref: "paper", x: 0, y: 0, xanchor: "left", yanchor: "top",
    yshift: -(layout.margin.b - 28), showarrow: false, align: "left", font: {size: 11, color: "#555"}}];
  layout.width = 1200;
  layout.height = 675;
  layout.autosize = false;
  return {data: chartData(gd), layout};
}

function downloadChart(gd, format) {
  return loadChartlib(chartData(gd)).then(Plotly => Plotly.downloadImage(publishedFigure(gd), {format, filename: chartFilename(gd), width: 1200, height: 675}));
}

// The numbers the chart shows, one row per point: series, x, y (bands as lower/upper bounds; on a
// map, x is the place's code and y its value).
function chartCSV(gd) {
  const rows = [["series", "x", "y"]];
  const data = chartData(gd).filter(t => !(t.meta && t.meta.csv === false));
  data.forEach((trace, i) => {
    let name = trace.name;
    const next = data[i + 1];
    if (trace.fill === "tonexty") name = t("%(series)s (lower bound)", {series: trace.name});
    else if (next && next.fill === "tonexty" && !trace.name) name = t("%(series)s (upper bound)", {series: next.name});
    const xs = trace.x || trace.locations || [];  // a map: the place and its value
    const ys = trace.y || trace.z || [];
    xs.forEach((x, j) => rows.push([name || t("series %(number)s", {number: i + 1}), x, ys[j]]));
  });
  return rows.map(r => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

function csvCell(value) {
  if (value === null || value === undefined || (typeof value === "number" && !isFinite(value))) return "";
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text) && isNaN(Number(text))) text = `'${text}`;  // no formulas in spreadsheets
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function saveText(text, filename, type) {
  const url = URL.createObjectURL(new Blob([text], {type}));
  const link = Object.assign(document.createElement("a"), {href: url, download: filename});
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function citation(gd) {
  const through = dataThrough(gd);
  const today = new Date().toISOString().slice(0, 10);
  const info = CHART_INFO[gd.id] || {};
  const url = info.permalink || window.location.href;
  return `${SITE}, “${chartTitle(gd)}”${info.subtitle ? ` (${info.subtitle})` : ""}. ` +
    `${t("Data")}: ${chartSource(gd)}${through ? `, ${t("through")} ${through}` : ""}. ${url} (${t("accessed")} ${today}).`;
}

function embedCode(gd) {
  const info = CHART_INFO[gd.id] || {};
  if (!info.embed) return "";
  const src = new URL(info.embed, window.location.origin).href;
  return `<iframe src="${src}" title="${chartTitle(gd).replace(/"/g, "&quot;")}" width="100%" height="480" ` +
    `style="border:0" loading="lazy"></iframe>`;
}

function updateShare(id, tools) {
  const gd = document.getElementById(id);
  const cite = tools.querySelector("textarea.cite");
  const embed = tools.querySelector("textarea.embed-code");
  if (cite) cite.value = citation(gd);
  if (embed) {
    embed.value = embedCode(gd);
    embed.closest("p").hidden = !embed.value;
    const preview = tools.querySelector("a.embed-preview");
    if (preview) preview.href = CHART_INFO[id]?.embed || "#";
  }
}

function icon(kind) {
  const {width, height, path} = ICONS[kind];
  return `<svg viewBox="0 0 ${width} ${height}" aria-hidden="true" focusable="false"><path d="${path}"/></svg>`;
}

// A toolbar under each chart: PNG, SVG, CSV as shown, and a fold with embed code and citation.
function addExportTools(gd) {
  if (document.querySelector(`[data-export-for="${gd.id}"]`)) return;
  const tools = document.createElement("div");
  tools.dataset.exportFor = gd.id;
  tools.innerHTML = `<div class="export" role="group" aria-label="${t("Download this chart")}">
      <button type="button" data-format="png">${icon("png")} ${t("Image (PNG)")}</button>
      <button type="button" data-format="svg">${icon("svg")} ${t("Vector (SVG)")}</button>
      <button type="button" data-format="csv">${t("Data as shown (CSV)")}</button></div>
    <details class="share"><summary>${t("Embed or cite this chart")}</summary>
      <p><label>${t("Citation")} <textarea class="cite" rows="3" readonly></textarea></label></p>
      <p><label>${t("Embed code")} <textarea class="embed-code" rows="3" readonly></textarea></label>
        <a class="embed-preview" href="#" target="_blank" rel="noopener">${t("Preview the embedded chart")}</a></p>
    </details>`;
  tools.addEventListener("click", event => {
    const button = event.target.closest("button[data-format]");
    if (!button) return;
    const format = button.dataset.format;
    if (format === "csv") saveText(chartCSV(gd), `${chartFilename(gd)}.csv`, "text/csv;charset=utf-8");
    else downloadChart(gd, format);
  });
  tools.querySelector("details").addEventListener("toggle", () => updateShare(gd.id, tools));
  gd.after(tools);
  updateShare(gd.id, tools);
}

const MODEBAR_BUTTONS = [
  {name: "downloadPNG", title: t("Download as PNG image (with title and source)"), icon: ICONS.png,
   click: gd => downloadChart(gd, "png")},
  {name: "downloadSVG", title: t("Download as SVG vector image (with title and source)"), icon: ICONS.svg,
   click: gd => downloadChart(gd, "svg")},
];
const PLOT_CONFIG = {responsive: true, displaylogo: false, showSendToCloud: false, showEditInChartStudio: false,
                     modeBarButtonsToRemove: ["toImage", "sendDataToCloud", "editInChartStudio", "lasso2d", "select2d"],
                     modeBarButtonsToAdd: MODEBAR_BUTTONS,
                     // Plotly's own words (mode bar, hints) and month names in the page's language
                     locale: LANG, locales: PAGE_LANGUAGE.plotly ? {[LANG]: PAGE_LANGUAGE.plotly} : {}};

// ------------------------------------------------------------------ drawing charts when seen
// plotly.js is most of what a page weighs and costs a phone's processor: the page names its
// bundle in <body data-chartlib> (base.html), and it is loaded only when a chart first comes near
// the screen. plot() stands for Plotly.react: it draws a chart when the chart nears the screen (a
// hidden tab's chart when the tab opens) and resolves with the element once drawn; a chart
// already seen is redrawn at once, and only the latest figure asked for is drawn.
// A page with maps also names <body data-chartlib-maps>: the same bundle plus choropleth maps,
// larger, loaded only when a map is drawn; the charts drawn before it are then redrawn with it.
const LOADING = {};  // bundle URL -> the promise of its Plotly
const FIGURES = new Map();  // element -> the figure last drawn in it
let chartlib = null;  // {url, plotly}: the bundle the page's charts are drawn with

function loadBundle(url) {
  LOADING[url] ||= new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement("script"), {src: url});
    script.onload = () => resolve(window.Plotly);  // this script's Plotly, read before another runs
    script.onerror = () => {
      delete LOADING[url];
      reject(new Error(`could not load ${url || "the charting library"}`));
    };
    document.head.append(script);
  });
  return LOADING[url];
}

function bundleFor(data) {
  const maps = document.body.dataset.chartlibMaps;
  const needsMaps = maps && (chartlib?.url === maps || (data || []).some(trace => trace.type === "choropleth"));
  return needsMaps ? maps : document.body.dataset.chartlib || "";
}

// The Plotly that can draw ``data``: at once (no promise) when it is loaded, else null.
function readyChartlib(data) {
  return chartlib && chartlib.url === bundleFor(data) ? chartlib.plotly : null;
}

async function loadChartlib(data) {
  const url = bundleFor(data);
  const plotly = await loadBundle(url);
  const maps = document.body.dataset.chartlibMaps;
  if (chartlib && chartlib.url === maps && url !== maps) {  // the larger bundle came first
    window.Plotly = chartlib.plotly;
    return chartlib.plotly;
  }
  if (chartlib && chartlib.plotly !== plotly) redrawWith(chartlib.plotly, plotly);
  chartlib = {url, plotly};
  window.Plotly = plotly;
  return plotly;
}

// The maps bundle has arrived: the charts drawn with the smaller one are drawn again with it (a
// hidden one when it is next seen).
function redrawWith(previous, plotly) {
  for (const [gd, figure] of FIGURES) {
    previous.purge(gd);
    if (gd.offsetParent !== null) {
      plotly.react(gd, ...figure);
    } else if (NEAR_SCREEN && !CHARTS_WAITING.has(gd)) {
      CHARTS_SEEN.delete(gd);
      CHARTS_WAITING.set(gd, {figure, callbacks: []});
      NEAR_SCREEN.observe(gd);
    }
  }
}

const CHARTS_SEEN = new WeakSet();
const CHARTS_WAITING = new Map();  // element -> {figure: [data, layout, config], callbacks: [[resolve, reject]]}

const nextTask = () => new Promise(resolve => setTimeout(resolve, 0));

async function drawNow(gd, figure) {
  if (!readyChartlib(figure[0])) {
    if (!wantPlotly && sketchable(figure[0])) {
      sketch(gd, figure[0], figure[1]);
      SKETCHES.set(gd, figure);
      return gd;
    }
    await loadChartlib(figure[0]);
    await nextTask();  // the library's start and each first chart in tasks of their own
  }
  FIGURES.set(gd, figure);
  if (SKETCHES.delete(gd)) {
    gd.querySelector(":scope > .sketch")?.remove();
    gd.classList.remove("sketched");
  }
  await chartlib.plotly.react(gd, ...figure);  // once loaded, a redraw happens at once
  return gd;
}

function drawWaiting(gd) {
  const job = CHARTS_WAITING.get(gd);
  CHARTS_WAITING.delete(gd);
  CHARTS_SEEN.add(gd);
  if (!job) return;
  const drawn = drawNow(gd, job.figure);
  for (const [resolve, reject] of job.callbacks) drawn.then(resolve, reject);
}

const NEAR_SCREEN = "IntersectionObserver" in window ? new IntersectionObserver(entries => {
  for (const entry of entries) {
    if (!entry.isIntersecting) continue;
    NEAR_SCREEN.unobserve(entry.target);
    drawWaiting(entry.target);
  }
}, {rootMargin: "200px 0px"}) : null;

function plot(target, data, layout, config = PLOT_CONFIG) {
  const gd = typeof target === "string" ? document.getElementById(target) : target;
  if (CHARTS_SEEN.has(gd) || !NEAR_SCREEN) {
    CHARTS_SEEN.add(gd);
    return drawNow(gd, [data, layout, config]);
  }
  return new Promise((resolve, reject) => {
    const job = CHARTS_WAITING.get(gd) || {callbacks: []};
    job.figure = [data, layout, config];
    job.callbacks.push([resolve, reject]);
    if (!CHARTS_WAITING.has(gd)) NEAR_SCREEN.observe(gd);
    CHARTS_WAITING.set(gd, job);
  });
}

// ------------------------------------------------------------------ sketches before plotly.js
// Evaluating plotly.js and drawing its first chart blocks a phone's main thread for a second or
// more. On a page that asks for it (<body data-sketch>: the overview, Drivers and Forecasts pages
// and their embeds), until the reader shows intent (touches, clicks, types, moves a mouse or
// wheel), line and bar charts are drawn as sketches: a plain SVG of the same figure (axes, ticks, lines,
// bands, bars, legend, vertical event lines), a few milliseconds each. The first sign of intent
// loads plotly.js once the main thread is idle and redraws every sketched chart as the interactive
// Plotly chart (a hidden one when it is next seen); exports and the CSV work from either. Maps
// (choropleth) and other trace types are drawn by plotly.js only.
const SKETCHES = new Map();  // element -> the figure its sketch shows
let wantPlotly = document.body.dataset.sketch === undefined;  // pages without sketches: at once
const INTENT = ["pointerdown", "pointermove", "touchstart", "keydown", "wheel", "focusin", "input"];
const SVG_NS = "http://www.w3.org/2000/svg";
const FONT = '"Open Sans", verdana, arial, sans-serif';

function sketchable(data) {
  return (data || []).every(trace => !trace.type || trace.type === "scatter" || trace.type === "bar");
}

function upgradeSketches() {
  if (wantPlotly) return;
  wantPlotly = true;
  for (const type of INTENT) window.removeEventListener(type, onIntent, true);
  for (const [gd, figure] of SKETCHES) {
    if (gd.offsetParent !== null) {
      drawNow(gd, figure).catch(error => console.warn(error));
    } else if (NEAR_SCREEN && !CHARTS_WAITING.has(gd)) {  // hidden: drawn when next seen
      CHARTS_SEEN.delete(gd);
      CHARTS_WAITING.set(gd, {figure, callbacks: []});
      NEAR_SCREEN.observe(gd);
    }
  }
}

function onIntent() {
  for (const type of INTENT) window.removeEventListener(type, onIntent, true);
  if ("requestIdleCallback" in window) requestIdleCallback(upgradeSketches, {timeout: 1500});
  else setTimeout(upgradeSketches, 50);
}
if (!wantPlotly) for (const type of INTENT) window.addEventListener(type, onIntent, {capture: true, passive: true});

function svg(tag, attributes, parent) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined && value !== null) element.setAttribute(key, value);
  if (parent) parent.append(element);
  return element;
}

function svgText(parent, x, y, words, attributes = {}) {
  const text = svg("text", {x, y, "font-size": 12, fill: "#444", ...attributes}, parent);
  text.textContent = words;
  return text;
}

const isDate = v => typeof v === "string" && /^\d{4}-\d{2}/.test(v);
const dateValue = v => Date.parse(v.length === 7 ? `${v}-01` : v.slice(0, 10));
const finite = v => v !== null && v !== undefined && v !== "" && Number.isFinite(Number(v));

function niceTicks(low, high, count) {
  const raw = (high - low) / Math.max(count, 1) || 1;
  const size = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map(m => m * size).find(m => m >= raw);
  const ticks = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function dateTicks(low, high, count) {
  const years = (high - low) / (365.25 * 864e5);
  const first = new Date(low);
  const ticks = [];
  if (years >= 2) {
    const step = [1, 2, 5, 10, 20, 50].find(s => years / s <= count) || 100;
    for (let y = Math.ceil(first.getUTCFullYear() / step) * step; Date.UTC(y, 0, 1) <= high; y += step) {
      if (Date.UTC(y, 0, 1) >= low) ticks.push([Date.UTC(y, 0, 1), String(y)]);
    }
  } else {
    const step = [1, 2, 3, 6, 12].find(s => years * 12 / s <= count) || 12;
    for (let m = first.getUTCFullYear() * 12 + first.getUTCMonth(); Date.UTC(Math.floor(m / 12), m % 12, 1) <= high; m += 1) {
      const at = Date.UTC(Math.floor(m / 12), m % 12, 1);
      if (at >= low && (m % 12) % step === 0) {
        ticks.push([at, new Date(at).toLocaleDateString(LOCALE, {month: "short", year: "numeric", timeZone: "UTC"})]);
      }
    }
  }
  return ticks;
}

function tickLabel(value, format) {
  if (format && format.includes("%")) return `${formatNumber(value * 100, {maximumFractionDigits: 1})}%`;
  return formatNumber(value, Math.abs(value) >= 1e4 ? {notation: "compact", maximumSignificantDigits: 3} : {maximumSignificantDigits: 4});
}

// The x axis: dates, numbers or categories (bars always categories, as plotly spaces them).
function sketchXAxis(traces) {
  const values = traces.flatMap(t => [...(t.x || [])]);
  if (!values.length) return {kind: "linear", value: Number, low: 0, high: 1};
  if (traces.some(t => t.type === "bar") || !values.every(v => isDate(v) || finite(v))) {
    const categories = [...new Set(values.map(String))];
    return {kind: "category", categories, value: v => categories.indexOf(String(v)), low: -0.5, high: categories.length - 0.5};
  }
  const dates = values.every(isDate);
  const value = dates ? dateValue : Number;
  const numbers = values.map(value);
  return {kind: dates ? "date" : "linear", value, low: Math.min(...numbers), high: Math.max(...numbers)};
}

function sketch(gd, data, layout = {}) {
  const width = gd.clientWidth || 600;
  const height = gd.clientHeight || 400;
  const traces = (data || []).filter(t => t.visible !== false);
  const drawn = traces.filter(t => t.visible !== "legendonly");
  const x = sketchXAxis(drawn.length ? drawn : traces);
  const yAxis = layout.yaxis || {};
  const log = yAxis.type === "log";
  const stacked = layout.barmode === "stack";
  // the y range: given, or the data's (stacked bars summed; bars and "tozero" from zero)
  let ys = [];
  if (stacked) {
    const sums = {};
    for (const t of drawn.filter(t => t.type === "bar")) {
      (t.x || []).forEach((v, i) => { if (finite(t.y[i])) sums[v] = (sums[v] || 0) + Number(t.y[i]); });
    }
    ys = Object.values(sums);
  }
  ys = [...ys, ...drawn.flatMap(t => [...(t.y || [])].filter(finite).map(Number))].filter(v => !log || v > 0);
  let [low, high] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (yAxis.range) {
    [low, high] = yAxis.range.map(Number);
  } else if (log) {
    [low, high] = [Math.log10(low), Math.log10(high)];
    const pad = (high - low) * 0.05 || 0.5;
    [low, high] = [low - pad, high + pad];
  } else {
    if (yAxis.rangemode === "tozero" || drawn.some(t => t.type === "bar")) [low, high] = [Math.min(low, 0), Math.max(high, 0)];
    const pad = (high - low) * 0.05 || 1;
    if (low !== 0) low -= pad;
    if (high !== 0) high += pad;
  }
  const yTicks = log
    ? niceTicks(Math.ceil(low), Math.floor(high), 6).filter(Number.isInteger).map(p => [p, tickLabel(10 ** p)])
    : niceTicks(low, high, Math.max(3, Math.min(8, height / 50))).filter(v => v >= low && v <= high).map(v => [v, tickLabel(v, yAxis.tickformat)]);
  // the legend: one entry per named trace (or legend group) shown in it, in rows
  const entries = [];
  for (const [i, t] of traces.entries()) {
    if (!t.name || t.showlegend === false) continue;
    if (t.legendgroup && entries.some(e => e.group === t.legendgroup)) continue;
    entries.push({trace: t, i, group: t.legendgroup});
  }
  const showLegend = layout.showlegend ?? entries.length > 1;
  const margin = layout.margin || {};
  const yTitle = yAxis.title?.text || "";
  const labelWidth = Math.max(0, ...yTicks.map(([, label]) => label.length * 7));
  const left = Math.max(margin.l ?? 80, labelWidth + (yTitle ? 26 : 8));
  const right = margin.r ?? 80;
  const plotWidth = Math.max(40, width - left - right);
  const rows = [];
  if (showLegend) {
    let row = [], used = 0;
    for (const entry of entries) {
      entry.width = 40 + entry.trace.name.length * 6.5;
      if (row.length && used + entry.width > plotWidth) { rows.push(row); row = []; used = 0; }
      row.push(entry);
      used += entry.width;
    }
    if (row.length) rows.push(row);
  }
  const legendAbove = (layout.legend?.y ?? 0) >= 1;
  const legendHeight = rows.length * 19;
  const top = (margin.t ?? 100) + (legendAbove ? legendHeight : 0);
  const bottom = Math.max(margin.b ?? 80, 30 + (legendAbove ? 0 : legendHeight + 8));
  const plotHeight = Math.max(40, height - top - bottom);
  const px = v => left + (x.value(v) - x.low) / ((x.high - x.low) || 1) * plotWidth;
  const py = v => {
    const value = log ? Math.log10(v) : Number(v);
    return top + plotHeight - (value - low) / ((high - low) || 1) * plotHeight;
  };

  const root = document.createElement("div");
  root.className = "sketch";
  const chart = svg("svg", {viewBox: `0 0 ${width} ${height}`, width: "100%", height: "100%", "aria-hidden": "true",
                            "font-family": FONT, style: "display: block; overflow: hidden"}, root);
  const clip = `sketch-clip-${gd.id}`;
  svg("rect", {x: left, y: top, width: plotWidth, height: plotHeight}, svg("clipPath", {id: clip}, svg("defs", {}, chart)));
  // grid and tick labels
  for (const [value, label] of yTicks) {
    const y = top + plotHeight - (value - low) / ((high - low) || 1) * plotHeight;
    svg("line", {x1: left, x2: left + plotWidth, y1: y, y2: y, stroke: "#eee"}, chart);
    svgText(chart, left - 6, y + 4, label, {"text-anchor": "end"});
  }
  const xTicks = x.kind === "date" ? dateTicks(x.low, x.high, Math.max(2, plotWidth / 80))
    : x.kind === "linear" ? niceTicks(x.low, x.high, Math.max(2, plotWidth / 80)).map(v => [v, tickLabel(v)])
    : x.categories.map((c, i) => [i, c]).filter((_, i, all) => i % Math.ceil(all.length / Math.max(1, plotWidth / 50)) === 0);
  for (const [value, label] of xTicks) {
    const at = left + (value - x.low) / ((x.high - x.low) || 1) * plotWidth;
    if (x.kind !== "category") svg("line", {x1: at, x2: at, y1: top, y2: top + plotHeight, stroke: "#eee"}, chart);
    svgText(chart, at, top + plotHeight + 17, label, {"text-anchor": "middle"});
  }
  if (yTitle) {
    svgText(chart, 0, 0, yTitle, {"text-anchor": "middle", "font-size": 13,
                                  transform: `translate(14 ${top + plotHeight / 2}) rotate(-90)`});
  }
  const plotArea = svg("g", {"clip-path": `url(#${clip})`}, chart);
  // vertical lines (events) from the layout's shapes
  for (const shape of layout.shapes || []) {
    if (shape.type !== "line" || shape.x0 !== shape.x1 || shape.yref !== "paper") continue;
    const at = px(shape.x0);
    svg("line", {x1: at, x2: at, y1: top, y2: top + plotHeight, stroke: shape.line?.color || "#444",
                 "stroke-width": shape.line?.width ?? 1, "stroke-dasharray": dash(shape.line?.dash)}, plotArea);
  }
  // bars, grouped or stacked
  const bars = drawn.filter(t => t.type === "bar");
  const slot = 0.8 / (stacked ? 1 : Math.max(1, bars.length));
  const base = {};
  bars.forEach((t, b) => {
    const colour = barColour(t, traces.indexOf(t));
    (t.x || []).forEach((v, i) => {
      if (!finite(t.y[i])) return;
      const start = stacked ? (base[v] || 0) : 0;
      const end = start + Number(t.y[i]);
      if (stacked) base[v] = end;
      const centre = x.value(v) - 0.4 + slot * (stacked ? 0.5 : b + 0.5);
      const x0 = left + (centre - slot / 2 - x.low) / (x.high - x.low) * plotWidth;
      const [y0, y1] = [py(Math.max(start, end)), py(Math.min(start, end))];
      svg("rect", {x: x0, y: y0, width: Math.max(1, slot / (x.high - x.low) * plotWidth), height: Math.max(0, y1 - y0), fill: colour}, plotArea);
    });
  });
  // lines, bands (fill to the previous trace) and markers
  const points = t => (t.x || []).map((v, i) => (finite(t.y?.[i]) && (!log || t.y[i] > 0) ? [px(v), py(t.y[i])] : null));
  traces.forEach((t, i) => {
    if (t.type === "bar" || t.visible === "legendonly") return;
    const mine = points(t);
    if (t.fill === "tonexty" && i > 0) {
      const lower = points(traces[i - 1]).filter(Boolean).reverse();
      const upper = mine.filter(Boolean);
      if (upper.length && lower.length) {
        svg("polygon", {points: [...upper, ...lower].map(p => p.join(",")).join(" "), fill: t.fillcolor || "rgba(0,114,178,0.3)"}, plotArea);
      }
    }
  });
  traces.forEach((t, i) => {
    if (t.type === "bar" || t.visible === "legendonly") return;
    const mine = points(t);
    const mode = t.mode || (mine.length < 20 ? "lines+markers" : "lines");
    const colour = t.line?.color || t.marker?.color || OKABE_ITO[i % OKABE_ITO.length];
    if (mode.includes("lines") && (t.line?.width ?? 2) > 0) {
      let path = "";
      let pen = "M";
      for (const p of mine) {
        if (!p) { pen = "M"; continue; }
        path += `${pen}${p[0].toFixed(1)},${p[1].toFixed(1)}`;
        pen = "L";
      }
      svg("path", {d: path, fill: "none", stroke: colour, "stroke-width": t.line?.width ?? 2,
                   "stroke-dasharray": dash(t.line?.dash), "stroke-linejoin": "round"}, plotArea);
    }
    if (mode.includes("markers")) {
      const size = (typeof t.marker?.size === "number" ? t.marker.size : 6) / 2;
      const fill = typeof t.marker?.color === "string" ? t.marker.color : colour;
      for (const p of mine) if (p) svg("circle", {cx: p[0], cy: p[1], r: size, fill}, plotArea);
    }
  });
  // axes and the legend
  svg("line", {x1: left, x2: left + plotWidth, y1: top + plotHeight, y2: top + plotHeight, stroke: "#444"}, chart);
  let legendY = legendAbove ? top - legendHeight + 12 : top + plotHeight + 38;
  for (const row of rows) {
    let at = left;
    for (const {trace, i, width: entryWidth} of row) {
      const colour = trace.type === "bar" ? barColour(trace, i)
        : trace.fill === "tonexty" ? trace.fillcolor : trace.line?.color || trace.marker?.color || OKABE_ITO[i % OKABE_ITO.length];
      if (trace.type === "bar" || trace.fill === "tonexty") svg("rect", {x: at, y: legendY - 9, width: 24, height: 10, fill: colour}, chart);
      else svg("line", {x1: at, x2: at + 24, y1: legendY - 4, y2: legendY - 4, stroke: colour, "stroke-width": 2, "stroke-dasharray": dash(trace.line?.dash)}, chart);
      svgText(chart, at + 30, legendY, trace.name, {opacity: trace.visible === "legendonly" ? 0.5 : 1});
      at += entryWidth;
    }
    legendY += 19;
  }
  gd.querySelector(":scope > .sketch")?.remove();
  gd.append(root);
  gd.classList.add("sketched");
}

function barColour(trace, i) {
  return typeof trace.marker?.color === "string" ? trace.marker.color : OKABE_ITO[i % OKABE_ITO.length];
}

function dash(kind) {
  return {dash: "6,4", dot: "2,3", dashdot: "6,3,2,3", longdash: "10,5"}[kind];
}

// Printing draws the charts not yet drawn (at once when plotly.js is loaded, as it is once one
// chart has been seen; otherwise too late for that print).
window.addEventListener("beforeprint", () => { for (const gd of [...CHARTS_WAITING.keys()]) drawWaiting(gd); });

// ------------------------------------------------------------------ data and page state
async function getJSON(url) {
  const response = await fetch(url);
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail; } catch (e) { /* not JSON */ }
    throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
  }
  return response.json();
}

// The form's state <-> the query string, so a link restores the view.
function readState(defaults) {
  const params = new URLSearchParams(window.location.search);
  const state = {...defaults};
  for (const key of Object.keys(defaults)) {
    if (!params.has(key)) continue;
    state[key] = Array.isArray(defaults[key]) ? params.getAll(key) : params.get(key);
  }
  return state;
}

function writeState(state) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state)) {
    if (Array.isArray(value)) value.forEach(v => params.append(key, v));
    else if (value !== null && value !== undefined && value !== "") params.set(key, value);
  }
  if (LANG !== "en") params.set("lang", LANG);  // permalinks and embeds keep the language
  const url = `${window.location.pathname}?${params}`;
  if (!document.body.classList.contains("embed")) window.history.replaceState(null, "", url);
  const link = document.getElementById("permalink");
  if (link) link.href = url;
  for (const [id, [name, fixed]] of Object.entries(EMBEDS[window.location.pathname] || {})) {
    const query = new URLSearchParams(params);
    for (const [key, value] of Object.entries(fixed || {})) query.set(key, value);
    describeChart(id, {embed: `/embed/${name}?${query}`, permalink: new URL(url, window.location.origin).href});
  }
  return params;
}

function showError(id, message) {
  const box = document.getElementById(id);
  box.textContent = message;
  box.hidden = !message;
}

// ------------------------------------------------------------------ layout helpers
// Charts that have an /embed/ route: page path -> {element id: embed name}.
// Kept in step with EMBEDS in rootcauses/web/app.py.
const EMBEDS = {"/": {chart: ["encounters"], share: ["nt-share"]},
                "/drivers": {chart: ["indicator", {view: "chart"}], map: ["indicator-map", {view: "map"}],
                             departments: ["department-map"]},
                "/forecasts": {chart: ["forecast"]}};

// Tables that stack on phones label each cell with its column heading.
function labelCells(table) {
  const heads = [...table.querySelectorAll("thead th")].map(th => th.textContent.trim());
  for (const row of table.querySelectorAll("tbody tr")) {
    [...row.cells].forEach((cell, i) => {
      if (!cell.dataset.label && heads[i] && cell.colSpan === 1) cell.dataset.label = heads[i];
    });
  }
}

for (const table of document.querySelectorAll("table.stack")) {
  labelCells(table);
  const body = table.tBodies[0];
  if (body) new MutationObserver(() => labelCells(table)).observe(body, {childList: true});
}

// An /embed/ page shows one chart: everything else on the page is hidden.
function keepOnly(target) {
  const main = document.querySelector("main");
  for (let node = target; node && node !== main; node = node.parentElement) {
    for (const sibling of node.parentElement.children) {
      // the source line and a licence's credit (the ODbL department outlines) stay with the chart
      if (sibling !== node && !sibling.matches("h1, .source, .attribution, script")) sibling.hidden = true;
    }
  }
}

const EMBEDDED = document.body.dataset.embed;
if (EMBEDDED) {
  const target = document.getElementById(EMBEDDED);
  if (target) {
    keepOnly(target);
    document.querySelector("h1").textContent = chartTitle(target);
  }
}
for (const gd of document.querySelectorAll("div.chart[id]")) {
  if (!EMBEDDED || gd.id === EMBEDDED) addExportTools(gd);
}
