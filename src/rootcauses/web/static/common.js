// Shared helpers for the dashboard pages. Okabe–Ito colour-blind-safe palette (its neutral grey
// #999999 marks "other").
const OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
const COLOURS = {GTM: "#0072B2", HND: "#E69F00", SLV: "#009E73", MEX: "#CC79A7", OTHER: "#999999",
                 NIC: "#56B4E9", CRI: "#D55E00", PAN: "#000000", XNT: "#D55E00"};
const CHART_FILENAME = "rootcauses-chart";
// The modebar's camera saves a PNG; this button next to it saves the same chart as SVG.
const SVG_BUTTON = {
  name: "downloadSVG",
  title: "Download plot as SVG",
  icon: Plotly.Icons.camera,
  click: gd => Plotly.downloadImage(gd, {format: "svg", filename: CHART_FILENAME}),
};
const PLOT_CONFIG = {responsive: true, displaylogo: false,
                     toImageButtonOptions: {format: "png", filename: CHART_FILENAME},
                     modeBarButtonsToAdd: [SVG_BUTTON]};

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
  const url = `${window.location.pathname}?${params}`;
  window.history.replaceState(null, "", url);
  const link = document.getElementById("permalink");
  if (link) link.href = url;
  return params;
}

function showError(id, message) {
  const box = document.getElementById(id);
  box.textContent = message;
  box.hidden = !message;
}
