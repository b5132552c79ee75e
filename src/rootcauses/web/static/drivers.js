// The Drivers page: indicator search, chart (log / relative), country map with a timeline, the
// indicator against encounters, table, and the department map. Data from the API; the page's
// lists (indicators by theme, department indicators) are rendered by the server.
const DATA = JSON.parse(document.getElementById("drivers-data").textContent);
const NAMES = DATA.names;
const sourceTitle = id => DATA.sources[id] || id;  // a part id of the store as its publication's title
const MAP_CONFIG = {...PLOT_CONFIG, topojsonURL: DATA.world.slice(0, DATA.world.lastIndexOf("/") + 1)};
const form = document.getElementById("controls");
const select = form.indicator;
const VIEWS = ["chart", "map", "versus", "table"];
let view = "chart";
let rowsCache = {key: null, rows: []};

// ------------------------------------------------------------------ the indicator picker
const allOptions = [...select.querySelectorAll("option")].map(o => ({option: o, group: o.parentElement,
  text: `${o.textContent} ${o.dataset.theme} ${o.dataset.about} ${o.value}`.toLowerCase()}));

function filterIndicators() {
  const words = form.querySelector("#indicator-search").value.toLowerCase().split(/\s+/).filter(Boolean);
  let shown = 0;
  for (const {option, text} of allOptions) {
    const match = words.every(w => text.includes(w));
    option.hidden = !match;
    option.disabled = !match;
    if (match) shown += 1;
  }
  for (const group of select.querySelectorAll("optgroup")) {
    group.hidden = ![...group.children].some(o => !o.hidden);
  }
  document.getElementById("search-count").textContent = words.length
    ? t("%(shown)s of %(total)s indicators", {shown: formatNumber(shown), total: formatNumber(allOptions.length)}) : "";
  if (select.selectedOptions[0]?.hidden) {
    const first = allOptions.find(o => !o.option.hidden);
    if (first) { select.value = first.option.value; draw(); }
  }
}

function chosen() {
  const option = select.selectedOptions[0];
  return {code: select.value, name: option ? option.textContent : select.value, unit: option?.dataset.unit || "",
          about: option?.dataset.about || "", frequency: option?.dataset.frequency || "", years: option?.dataset.years || "",
          sources: option?.dataset.sources || "", theme: option?.dataset.theme || ""};
}

function describeIndicator() {
  const c = chosen();
  const box = document.getElementById("indicator-about");
  box.replaceChildren();
  const strong = document.createElement("strong");
  strong.textContent = c.name;
  const frequency = c.frequency.charAt(0).toUpperCase() + c.frequency.slice(1);
  const about = c.about ? ` ${c.about}.` : "";
  box.append(strong, ` (${c.theme}).${about} ` +
    t("Unit: %(unit)s. %(frequency)s, %(years)s. Source: %(sources)s.", {unit: c.unit, frequency, years: c.years, sources: c.sources}));
}

// ------------------------------------------------------------------ state and data
function state() {
  return {indicator: select.value, country: [...form.querySelectorAll("input[name=country]:checked")].map(i => i.value),
          start: form.start.value, end: form.end.value, view, log: form.log.checked ? "1" : "",
          relative: form.relative.checked ? "1" : "", year: document.getElementById("map-year").value,
          dind: document.getElementById("dept-indicator")?.value || "", dyear: document.getElementById("dept-year")?.value || "",
          dwithin: document.getElementById("dept-within")?.checked ? "1" : ""};
}

async function indicatorRows(s) {
  const q = new URLSearchParams();
  s.country.forEach(c => q.append("country", c));
  if (s.start) q.set("start", s.start);
  if (s.end) q.set("end", `${s.end}-12-31`);
  const key = `${s.indicator}?${q}`;
  document.getElementById("csv").href = `/api/indicators/${key}&format=csv`;
  if (rowsCache.key !== key) rowsCache = {key, rows: (await getJSON(`/api/indicators/${key}`)).data};
  return rowsCache.rows;
}

// Yearly values per country: the year's value, or the mean of its months.
function yearly(rows) {
  const sums = {};
  for (const r of rows) {
    const year = Number(r.period.slice(0, 4));
    const cell = ((sums[r.country] ||= {})[year] ||= {sum: 0, n: 0});
    cell.sum += Number(r.value); cell.n += 1;
  }
  const out = {};
  for (const [country, years] of Object.entries(sums)) {
    out[country] = Object.fromEntries(Object.entries(years).map(([y, c]) => [y, c.sum / c.n]));
  }
  return out;
}

const shortUnit = unit => unit.length <= 34 ? unit : "";
const LEGEND = {orientation: "h", x: 0, y: 1, yanchor: "bottom"};
// On phones the colour bar goes under the map, so the map keeps the width.
const colourBar = title => window.innerWidth < 640
  ? {title: {text: title, side: "top"}, orientation: "h", thickness: 10, len: 0.9, x: 0.5, xanchor: "center", y: 0, yanchor: "top"}
  : {title: {text: title}, thickness: 12, len: 0.8};
const fmtValue = v => formatNumber(v, {maximumSignificantDigits: 4});

// ------------------------------------------------------------------ views
function drawChart(s, rows, c) {
  const traces = s.country.map((code, i) => {
    const mine = rows.filter(r => r.country === code);
    let y = mine.map(r => Number(r.value));
    if (s.relative) {
      const base = y.find(v => v !== 0 && Number.isFinite(v));
      y = base ? y.map(v => v / base * 100) : y.map(() => null);
    }
    return {x: mine.map(r => r.period), y, name: NAMES[code] || code, mode: "lines+markers", type: "scatter",
            line: {color: COLOURS[code] || OKABE_ITO[i % 8], width: 2}, marker: {size: 4},
            hovertemplate: `%{x|%Y-%m}: %{y:,.4~g}${s.relative ? ` (${t("first year = 100")})` : " " + c.unit}<extra>${NAMES[code] || code}</extra>`};
  });
  const title = s.relative ? t("first year shown = 100") : shortUnit(c.unit);
  return plot("chart", traces, {margin: {t: 30, r: 10, l: 10}, legend: LEGEND,
    yaxis: {title: {text: title}, type: s.log ? "log" : "linear", automargin: true}, xaxis: {automargin: true}});
}

const GEO = {scope: "world", resolution: 50, projection: {type: "mercator"}, showframe: false, showcoastlines: false,
             showland: true, landcolor: "#eeeeee", showcountries: true, countrycolor: "#8c8c8c", showocean: false,
             showlakes: false, showrivers: false, showsubunits: false, bgcolor: "rgba(0,0,0,0)"};

function yearSlider(id, years, wanted) {
  const slider = document.getElementById(id);
  const out = document.getElementById(`${id}-out`);
  if (!years.length) { slider.disabled = true; out.textContent = t("no data"); return null; }
  slider.disabled = false;
  slider.min = years[0]; slider.max = years[years.length - 1];
  const year = years.includes(Number(wanted)) ? Number(wanted) : years[years.length - 1];
  slider.value = year;
  out.textContent = year;
  return year;
}

function drawMap(s, rows, c) {
  const values = yearly(rows);
  const years = [...new Set(Object.values(values).flatMap(v => Object.keys(v).map(Number)))].sort((a, b) => a - b);
  const year = yearSlider("map-year", years, s.year);
  const codes = Object.keys(NAMES);
  const when = {};  // each country's latest year with a value, up to the chosen year
  for (const code of codes) {
    const known = Object.keys(values[code] || {}).map(Number).filter(y => y <= year);
    if (known.length) when[code] = Math.max(...known);
  }
  const have = codes.filter(code => when[code] !== undefined);
  const base = {type: "choropleth", locationmode: "ISO-3", locations: codes, z: codes.map(() => 0), showscale: false,
                colorscale: [[0, "#d9d9d9"], [1, "#d9d9d9"]], marker: {line: {color: "#ffffff", width: 0.5}},
                text: codes.map(code => t("%(place)s: no value up to %(year)s", {place: NAMES[code], year})), hoverinfo: "text", name: t("no data"),
                meta: {csv: false}};
  const data = {type: "choropleth", locationmode: "ISO-3", locations: have, z: have.map(code => values[code][when[code]]),
                colorscale: "Viridis", reversescale: true, marker: {line: {color: "#ffffff", width: 0.8}}, name: c.name,
                colorbar: colourBar(shortUnit(c.unit)),
                text: have.map(code => `${NAMES[code]}: ${fmtValue(values[code][when[code]])} ${c.unit} (${when[code]})`), hoverinfo: "text"};
  describeChart("map", {title: c.name, subtitle: t("Latest value up to %(year)s, by country", {year})});
  return plot("map", [base, data], {margin: {t: 0, r: 0, b: 0, l: 0}, showlegend: false,
    geo: {...GEO, lonaxis: {range: [-118, -76]}, lataxis: {range: [6, 33]}}}, MAP_CONFIG);
}

async function encountersPer100k(countries) {
  const q = new URLSearchParams({basis: "usbp"});
  countries.forEach(c => q.append("citizenship", c));
  const p = new URLSearchParams();
  countries.forEach(c => p.append("country", c));
  const [enc, pop] = await Promise.all([getJSON(`/api/encounters?${q}`), getJSON(`/api/indicators/population?${p}`)]);
  const months = {};
  for (const r of enc.data) {
    const year = Number(r.month.slice(0, 4));
    const cell = ((months[r.citizenship] ||= {})[year] ||= {count: 0, n: 0});
    cell.count += Number(r.count); cell.n += 1;
  }
  const people = yearly(pop.data);
  const out = {};
  for (const [country, years] of Object.entries(months)) {
    for (const [year, cell] of Object.entries(years)) {
      const population = people[country]?.[year];
      if (cell.n === 12 && population) (out[country] ||= {})[year] = cell.count / population * 1e5;
    }
  }
  return out;
}

async function drawVersus(s, rows, c, current) {
  const values = yearly(rows);
  const encounters = await encountersPer100k(s.country);
  if (!current()) return;
  const traces = s.country.map((code, i) => {
    const years = Object.keys(values[code] || {}).filter(y => encounters[code]?.[y] !== undefined).sort();
    return {x: years.map(y => values[code][y]), y: years.map(y => encounters[code][y]), text: years, name: NAMES[code] || code,
            type: "scatter", mode: "markers", marker: {size: 8, color: COLOURS[code] || OKABE_ITO[i % 8]},
            hovertemplate: `%{text}: %{x:,.4~g} ${c.unit}; %{y:,.0f} ${t("encounters per 100,000")}<extra>${NAMES[code] || code}</extra>`};
  });
  describeChart("versus", {title: t("%(indicator)s and encounters per 100,000", {indicator: c.name}),
                          subtitle: t("%(countries)s, one point per year", {countries: s.country.map(k => NAMES[k] || k).join(", ")})});
  return plot("versus", traces, {margin: {t: 30, r: 10}, legend: LEGEND,
    xaxis: {title: {text: shortUnit(c.unit) ? `${c.name} (${c.unit})` : c.name}, type: s.log ? "log" : "linear", automargin: true},
    yaxis: {title: {text: t("encounters per 100,000")}, automargin: true, rangemode: "tozero"}});
}

function drawTable(rows) {
  const tbody = document.querySelector("#values tbody");
  tbody.innerHTML = "";
  for (const r of rows) {
    const tr = tbody.insertRow();
    [NAMES[r.country] || r.country, r.period, fmtValue(r.value), r.unit, sourceTitle(r.source)].forEach((v, i) => {
      const td = tr.insertCell(); td.textContent = v; if (i === 2) td.className = "num"; });
  }
}

function selectTab(name) {
  view = name;
  for (const tab of document.querySelectorAll("#controls ~ [role=tablist] [role=tab]")) {
    const on = tab.id === `tab-${name}`;
    tab.setAttribute("aria-selected", on);
    document.getElementById(tab.getAttribute("aria-controls")).hidden = !on;
  }
  draw();
}

let drawing = 0;  // the latest draw: an older one whose data arrive late draws nothing

async function draw() {
  const ticket = ++drawing;
  const s = state();
  writeState(s);
  describeIndicator();
  if (!s.country.length) { showError("chart-error", t("Pick at least one country.")); return; }
  const c = chosen();
  const shown = s.country.map(code => NAMES[code] || code).join(", ");
  describeChart("chart", {title: c.name, subtitle: `${shown}, ${s.start}–${s.end}${s.relative ? `, ${t("first year = 100")}` : ""}` +
                                                  `${s.log ? `, ${t("log scale")}` : ""}`});
  try {
    const rows = await indicatorRows(s);
    if (ticket !== drawing) return;
    document.getElementById("source-line").textContent = [...new Set(rows.map(r => sourceTitle(r.source)))].join("; ") || t("no data in range;");
    if (view === "chart") await drawChart(s, rows, c);
    else if (view === "map") await drawMap(s, rows, c);
    else if (view === "versus") await drawVersus(s, rows, c, () => ticket === drawing);
    else drawTable(rows);
    showError("chart-error", "");
  } catch (error) {
    showError("chart-error", t("Could not load the indicator: %(error)s", {error: error.message}));
  }
}

// ------------------------------------------------------------------ departments
// GeoJSON (RFC 7946) winds outer rings anticlockwise; plotly's d3-geo reads an anticlockwise
// ring as "everything but this polygon". Outer rings clockwise, holes anticlockwise for d3.
function ringArea(ring) {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) sum += (ring[i][0] - ring[j][0]) * (ring[i][1] + ring[j][1]);
  return sum / 2;  // > 0: clockwise (lon east, lat north)
}
function forD3(geojson) {
  const wind = polygon => polygon.map((ring, i) => ((ringArea(ring) > 0) === (i === 0) ? ring : [...ring].reverse()));
  return {...geojson, features: geojson.features.map(f => ({...f, geometry: {...f.geometry,
    coordinates: f.geometry.type === "Polygon" ? wind(f.geometry.coordinates) : f.geometry.coordinates.map(wind)}}))};
}

const deptSelect = document.getElementById("dept-indicator");
let shapes = null;
let deptYear = null;  // the year asked for (link or slider); the latest year of the indicator when null

let drawingDepartments = 0;

async function drawDepartments() {
  if (!deptSelect) return;
  const ticket = ++drawingDepartments;
  const s = state();
  writeState(s);
  const code = deptSelect.value;
  document.getElementById("dept-csv").href = `/api/departments/values?indicator=${code}&format=csv`;
  try {
    shapes ||= getJSON("/api/departments/shapes").then(forD3);
    const [geo, body] = await Promise.all([shapes, getJSON(`/api/departments/values?indicator=${code}`)]);
    if (ticket !== drawingDepartments) return;
    const rows = body.data;
    const years = [...new Set(rows.flatMap(r => [r.year, r.year_end]))].sort((a, b) => a - b);
    const year = yearSlider("dept-year", years, deptYear);
    const latest = {};
    for (const r of rows) if (r.year <= year && (!latest[r.code] || r.year_end >= latest[r.code].year_end)) latest[r.code] = r;
    const all = geo.features.map(f => f.id);
    const have = all.filter(id => latest[id]);
    const names = Object.fromEntries(geo.features.map(f => [f.id, f.properties.name]));
    const unit = rows.length ? rows[0].unit : "";
    const base = {type: "choropleth", geojson: geo, featureidkey: "id", locations: all, z: all.map(() => 0), showscale: false,
                  colorscale: [[0, "#e3e3e3"], [1, "#e3e3e3"]], marker: {line: {color: "#ffffff", width: 0.6}},
                  text: all.map(id => t("%(place)s: no value up to %(year)s", {place: names[id], year})), hoverinfo: "text", meta: {csv: false},
                  name: t("no data")};
    const within = document.getElementById("dept-within").checked;
    const rank = {};  // percentile of each department among its country's (0 lowest, 100 highest)
    for (const id of have) {
      const peers = have.filter(other => other.slice(0, 2) === id.slice(0, 2)).map(other => latest[other].value);
      const below = peers.filter(v => v < latest[id].value).length;
      const same = peers.filter(v => v === latest[id].value).length;
      rank[id] = peers.length > 1 ? (below + (same - 1) / 2) / (peers.length - 1) * 100 : 50;
    }
    const data = {type: "choropleth", geojson: geo, featureidkey: "id", locations: have,
                  z: have.map(id => within ? rank[id] : latest[id].value),
                  colorscale: "Viridis", reversescale: true, marker: {line: {color: "#ffffff", width: 0.6}},
                  name: deptSelect.selectedOptions[0].textContent,
                  colorbar: colourBar(within ? t("rank in country") : shortUnit(unit)),
                  text: have.map(id => `${names[id]}: ${fmtValue(latest[id].value)} ${latest[id].unit} (${latest[id].period}, ${latest[id].measure})` +
                    (within ? t("; rank %(rank)s of 100 in its country", {rank: Math.round(rank[id])}) : "")),
                  hoverinfo: "text"};
    const credit = geo.attribution.replace("; ", "<br>");
    describeChart("departments", {title: deptSelect.selectedOptions[0].textContent,
                                  subtitle: t("Latest value up to %(year)s, by department", {year}) +
                                    (within ? `, ${t("percentile rank within each country")}` : ""),
                                  source: `${[...new Set(rows.map(r => sourceTitle(r.source)))].join("; ")}; ` +
                                    t("boundaries %(attribution)s", {attribution: geo.attribution})});
    document.getElementById("dept-source").textContent = [...new Set(rows.map(r => sourceTitle(r.source)))].join("; ");
    document.getElementById("dept-attribution").textContent = t("Department boundaries: %(attribution)s.", {attribution: geo.attribution});
    document.getElementById("dept-about").textContent = rows.length
      ? t("%(values)s values for %(departments)s departments; unit: %(unit)s.",
          {values: formatNumber(rows.length), departments: formatNumber(new Set(rows.map(r => r.code)).size), unit})
      : t("No values.");
    await plot("departments", [base, data], {margin: {t: 0, r: 0, b: 0, l: 0}, showlegend: false,
      geo: {...GEO, fitbounds: "locations"},
      annotations: [{text: credit, xref: "paper", yref: "paper", x: 0, y: 0, xanchor: "left", yanchor: "bottom", showarrow: false,
                     align: "left", font: {size: 10, color: "#333"}, bgcolor: "rgba(255,255,255,0.85)"}]}, MAP_CONFIG);
    showError("dept-error", "");
  } catch (error) {
    showError("dept-error", t("Could not draw the department map: %(error)s", {error: error.message}));
  }
}

// ------------------------------------------------------------------ start
const initial = readState({indicator: select.value, country: [], start: "2000", end: "2024", view: "chart", log: "", relative: "",
                           year: "", dind: deptSelect?.value || "", dyear: "", dwithin: ""});
if ([...select.options].some(o => o.value === initial.indicator)) select.value = initial.indicator;
if (initial.country.length) form.querySelectorAll("input[name=country]").forEach(i => { i.checked = initial.country.includes(i.value); });
form.start.value = initial.start; form.end.value = initial.end;
form.log.checked = initial.log === "1"; form.relative.checked = initial.relative === "1";
if (initial.year) document.getElementById("map-year").value = initial.year;
if (deptSelect && [...deptSelect.options].some(o => o.value === initial.dind)) deptSelect.value = initial.dind;
if (deptSelect && initial.dyear) deptYear = initial.dyear;
if (deptSelect) document.getElementById("dept-within").checked = initial.dwithin === "1";
for (const tab of document.querySelectorAll("#controls ~ [role=tablist] [role=tab]")) tab.addEventListener("click", () => selectTab(tab.id.slice(4)));
form.querySelector("#indicator-search").addEventListener("input", filterIndicators);
form.addEventListener("change", event => { if (event.target.id !== "indicator-search") draw(); });
form.addEventListener("submit", event => event.preventDefault());
document.getElementById("map-year").addEventListener("input", event => {
  document.getElementById("map-year-out").textContent = event.target.value; draw(); });
if (deptSelect) {
  const deptForm = document.getElementById("dept-controls");
  deptForm.addEventListener("submit", event => event.preventDefault());
  deptSelect.addEventListener("change", () => { deptYear = null; drawDepartments(); });
  document.getElementById("dept-within").addEventListener("change", drawDepartments);
  document.getElementById("dept-year").addEventListener("input", event => {
    deptYear = event.target.value;
    document.getElementById("dept-year-out").textContent = event.target.value;
    drawDepartments();
  });
}
// An embedded department map draws only itself (selectTab would show the hidden tab panels).
if (document.body.dataset.embed !== "departments") selectTab(VIEWS.includes(initial.view) ? initial.view : "chart");
// The department map is below the fold: draw it when it comes near the viewport.
if (deptSelect) {
  const section = document.getElementById("departments-section");
  const wanted = document.body.dataset.embed === "departments" || window.location.hash === "#departments-section";
  if (wanted || !("IntersectionObserver" in window)) drawDepartments();
  else new IntersectionObserver((entries, observer) => {
    if (entries.some(e => e.isIntersecting)) { observer.disconnect(); drawDepartments(); }
  }, {rootMargin: "400px"}).observe(section);
}
