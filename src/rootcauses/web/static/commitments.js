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
    annotations: [{x: today, y: 1, xref: "x", yref: "paper", text: "today", showarrow: false,
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
      customdata: mine.map(p => p.id), hovertemplate: "%{text}<br>deadline %{x}<extra></extra>",
      marker: {color: data.colours[status], symbol: data.symbols[status], size: 12,
               line: {color: "#333333", width: 1}},
    };
  });
  const labels = data.points.map(p => p.label);
  element.style.height = `${Math.max(260, 90 + 24 * labels.length)}px`;
  const layout = {
    margin: {t: 24, r: 10}, legend: {orientation: "h", y: -0.12},
    xaxis: {type: "date", title: {text: "deadline"}},
    yaxis: {type: "category", categoryorder: "array", categoryarray: [...labels].reverse(), automargin: true},
    ...todayLine(data.today),
  };
  Plotly.react(element, traces, layout, {...PLOT_CONFIG, toImageButtonOptions: {format: "png", filename: "rootcauses-deadlines"}});
  element.on("plotly_click", event => {
    const id = event.points && event.points[0] && event.points[0].customdata;
    if (id) window.location.href = `/commitments/${encodeURIComponent(id)}`;
  });
}

function drawProgress() {
  const data = readData("progress-data");
  if (!data) return;
  for (const chart of data.charts) {
    const traces = [{
      type: "scatter", mode: "lines+markers", name: "reported",
      x: chart.readings.map(r => r.date), y: chart.readings.map(r => r.value),
      line: {color: OKABE_ITO[0], width: 2}, marker: {size: 8},
    }];
    if (chart.path.length) {
      traces.push({type: "scatter", mode: "lines", name: "trajectory to the target",
                   x: chart.path.map(p => p.date), y: chart.path.map(p => p.value),
                   line: {color: OKABE_ITO[1], width: 2, dash: "dash"}});
    }
    const dates = [...chart.readings.map(r => r.date), ...chart.path.map(p => p.date)].sort();
    traces.push({type: "scatter", mode: "lines", name: "target",
                 x: [dates[0], dates[dates.length - 1]], y: [chart.target, chart.target],
                 line: {color: OKABE_ITO[2], width: 1.5, dash: "dot"}});
    const layout = {margin: {t: 10, r: 10}, legend: {orientation: "h"},
                    xaxis: {type: "date"}, yaxis: {title: {text: chart.unit}, rangemode: "tozero"},
                    ...todayLine(data.today)};
    Plotly.react(chart.id, traces, layout,
                 {...PLOT_CONFIG, toImageButtonOptions: {format: "png", filename: `rootcauses-${chart.commitment}`}});
  }
}

setupFilters();
drawTimeline();
drawProgress();
