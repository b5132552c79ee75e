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

function dataThrough(gd) {
  const info = CHART_INFO[gd.id] || {};
  if (info.through) return info.through;
  let last = "";
  for (const trace of gd.data || []) {
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
  const layout = JSON.parse(JSON.stringify(gd.layout || {}));
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
  return {data: gd.data, layout};
}

function downloadChart(gd, format) {
  return loadChartlib(gd.data).then(Plotly => Plotly.downloadImage(publishedFigure(gd), {format, filename: chartFilename(gd), width: 1200, height: 675}));
}

// The numbers the chart shows, one row per point: series, x, y (bands as lower/upper bounds; on a
// map, x is the place's code and y its value).
function chartCSV(gd) {
  const rows = [["series", "x", "y"]];
  const data = (gd.data || []).filter(t => !(t.meta && t.meta.csv === false));
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
    await loadChartlib(figure[0]);
    await nextTask();  // the library's start and each first chart in tasks of their own
  }
  FIGURES.set(gd, figure);
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
