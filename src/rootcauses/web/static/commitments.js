// Commitments pages: the filter form submits itself on change (the query string is the
// permalink and the server filters), the timeline of deadlines and the progress charts.

function submitFilters(form) {
  // leave empty fields out of the query string, so permalinks stay short
  for (const field of form.elements) if (field.name && !field.value) field.disabled = true;
  form.submit();
}

function setupFilters() {
  const form = document.getElementById("filters");
  if (!form) return;
  form.addEventListener("change", event => { if (event.target.tagName === "SELECT") submitFilters(form); });
  form.addEventListener("submit", event => { event.preventDefault(); submitFilters(form); });
  // coming back from the history cache, the fields left out of the last query are usable again
  window.addEventListener("pageshow", () => { for (const field of form.elements) field.disabled = false; });
}

function readData(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
}

function todayLine(today) {
  return {
    shapes: [{type: "line", xref: "x", yref: "paper", x0: today, x1: today, y0: 0, y1: 1,
              line: {color: "#000000", width: 1.5, dash: "dot"}}],
    annotations: [{x: today, y: 1, xref: "x", yref: "paper", text: t("today"), showarrow: false,
                   yanchor: "bottom", font: {size: 11}}],
  };
}

function drawTimeline() {
  const data = readData("timeline-data");
  const element = document.getElementById("timeline");
  if (!data || !element || !data.points.length) return;
  const statuses = data.order.filter(s => data.points.some(p => p.status === s));
  const traces = statuses.map(status => {
    const mine = data.points.filter(p => p.status === status);
    return {
      type: "scatter", mode: "markers", name: data.labels[status],
      x: mine.map(p => p.deadline), y: mine.map(p => p.label), text: mine.map(p => p.text),
      customdata: mine.map(p => p.id), hovertemplate: `%{text}<br>${t("deadline")} %{x}<extra></extra>`,
      marker: {color: data.colours[status], symbol: data.symbols[status], size: 12,
               line: {color: "#333333", width: 1}},
    };
  });
  const labels = data.points.map(p => p.label);
  element.style.height = `${Math.max(260, 90 + 24 * labels.length)}px`;
  const layout = {
    margin: {t: 24, r: 10}, legend: {orientation: "h", y: -0.12},
    xaxis: {type: "date", title: {text: t("deadline")}},
    yaxis: {type: "category", categoryorder: "array", categoryarray: [...labels].reverse(), automargin: true},
    ...todayLine(data.today),
  };
  plot(element, traces, layout, {...PLOT_CONFIG, toImageButtonOptions: {format: "png", filename: "rootcauses-deadlines"}}).then(() => {
    element.on("plotly_click", event => {
      const id = event.points && event.points[0] && event.points[0].customdata;
      if (id) window.location.href = `/commitments/${encodeURIComponent(id)}${LANG !== "en" ? `?lang=${LANG}` : ""}`;
    });
  }).catch(error => console.warn(error));
}

function drawProgress() {
  const data = readData("progress-data");
  if (!data) return;
  for (const chart of data.charts) {
    const traces = [];
    if (chart.readings.length) {
      traces.push({
        type: "scatter", mode: "lines+markers", name: t("reported"),
        x: chart.readings.map(r => r.date), y: chart.readings.map(r => r.value),
        line: {color: OKABE_ITO[0], width: 2}, marker: {size: 8},
      });
    }
    if (chart.derived.length) {
      traces.push({
        type: "scatter", mode: "lines+markers", name: t("derived (official series)"),
        x: chart.derived.map(r => r.date), y: chart.derived.map(r => r.value),
        text: chart.derived.map(() => chart.derived_label),
        hovertemplate: `${t("%(value)s on %(date)s", {value: "%{y:,.0f}", date: "%{x}"})}<br>${t("derived: %(how)s", {how: "%{text}"})}<extra></extra>`,
        line: {color: OKABE_ITO[5], width: 2, dash: "dashdot"}, marker: {size: 9, symbol: "diamond"},
      });
    }
    if (chart.path.length) {
      traces.push({type: "scatter", mode: "lines", name: t("trajectory to the target"),
                   x: chart.path.map(p => p.date), y: chart.path.map(p => p.value),
                   line: {color: OKABE_ITO[1], width: 2, dash: "dash"}});
    }
    const dates = [...chart.readings, ...chart.derived, ...chart.path].map(p => p.date).sort();
    traces.push({type: "scatter", mode: "lines", name: t("target"),
                 x: [dates[0], dates[dates.length - 1]], y: [chart.target, chart.target],
                 line: {color: OKABE_ITO[2], width: 1.5, dash: "dot"}});
    const layout = {margin: {t: 10, r: 10}, legend: {orientation: "h"},
                    xaxis: {type: "date"}, yaxis: {title: {text: chart.unit}, rangemode: "tozero"},
                    ...todayLine(data.today)};
    plot(chart.id, traces, layout, {...PLOT_CONFIG, toImageButtonOptions: {format: "png", filename: `rootcauses-${chart.commitment}`}})
      .catch(error => console.warn(error));
  }
}

// Money over time: the API's rows by fiscal year and stage, for one country or the three together.
const MONEY_STAGES = ["requested", "appropriated", "obligated", "disbursed"];
const MONEY_LABELS = {promised: t("promised"), requested: t("requested"), appropriated: t("appropriated and planned"),
                      obligated: t("obligated"), disbursed: t("disbursed")};
const FY = t("FY");  // a US fiscal year, before its number: FY2022

function moneyTraces(rows, country) {
  // Bilateral country rows: one bar per fiscal year and stage; for the three countries together,
  // the sum of the years all three report (never a partial sum).
  const bilateral = rows.filter(r => r.scope.startsWith("bilateral") && (country === "NT" || r.country === country));
  const traces = [];
  MONEY_STAGES.forEach((stage, i) => {
    const byYear = new Map();
    for (const r of bilateral.filter(r => r.stage === stage)) {
      const entry = byYear.get(r.fiscal_year) || {sum: 0, countries: new Set()};
      entry.sum += r.amount_usd;
      entry.countries.add(r.country);
      byYear.set(r.fiscal_year, entry);
    }
    const years = [...byYear.keys()].filter(y => country !== "NT" || byYear.get(y).countries.size === 3).sort();
    if (!years.length) return;
    traces.push({type: "bar", name: t("%(stage)s (bilateral)", {stage: MONEY_LABELS[stage]}), x: years, y: years.map(y => byYear.get(y).sum),
                 marker: {color: OKABE_ITO[i + 1]}, hovertemplate: `${MONEY_LABELS[stage]} ${FY}%{x}: $%{y:,.0f}<extra></extra>`});
  });
  if (country === "NT") {
    const promised = rows.filter(r => r.stage === "promised");
    if (promised.length) {
      traces.unshift({type: "bar", name: t("promised (spread evenly)"), x: promised.map(r => r.fiscal_year),
                      y: promised.map(r => r.amount_usd), text: promised.map(r => r.note), textposition: "none",
                      marker: {color: "#FFFFFF", line: {color: OKABE_ITO[0], width: 2}, pattern: {shape: "/", fgcolor: OKABE_ITO[0]}},
                      hovertemplate: `${MONEY_LABELS.promised} ${FY}%{x}: $%{y:,.0f}<br>%{text}<extra></extra>`});
    }
    const headlines = rows.filter(r => r.scope.startsWith("headline"));
    for (const stage of ["requested", "appropriated"]) {
      const mine = headlines.filter(r => r.stage === stage);
      if (!mine.length) continue;
      traces.push({type: "scatter", mode: "markers", name: t("%(stage)s (regional headline)", {stage: MONEY_LABELS[stage]}),
                   x: mine.map(r => r.fiscal_year), y: mine.map(r => r.amount_usd), text: mine.map(r => r.scope),
                   marker: {symbol: "diamond", size: 12, color: stage === "requested" ? OKABE_ITO[1] : OKABE_ITO[2],
                            line: {color: "#000000", width: 1}},
                   hovertemplate: `${MONEY_LABELS[stage]} ${FY}%{x}: $%{y:,.0f}<br>%{text}<extra></extra>`});
    }
  }
  return traces;
}

async function drawMoney() {
  const element = document.getElementById("money-chart");
  const select = document.getElementById("money-country");
  if (!element || !select) return;
  let rows;
  try {
    rows = (await getJSON(element.dataset.api)).data;
  } catch (error) {
    showError("money-error", t("The money data could not be read: %(error)s", {error: error.message}));
    return;
  }
  const draw = () => {
    const traces = moneyTraces(rows, select.value);
    const layout = {margin: {t: 10, r: 10}, barmode: "group", legend: {orientation: "h", y: -0.18},
                    xaxis: {title: {text: t("US fiscal year")}, dtick: 1},
                    yaxis: {title: {text: t("US$ (current)")}, rangemode: "tozero"}};
    const country = select.value;
    plot(element, traces, layout, {...PLOT_CONFIG, toImageButtonOptions: {format: "png", filename: "rootcauses-money"}})
      .then(() => { element.dataset.country = country; })  // the country drawn
      .catch(error => console.warn(error));
  };
  select.addEventListener("change", draw);
  draw();
}

setupFilters();
drawTimeline();
drawProgress();
drawMoney();
