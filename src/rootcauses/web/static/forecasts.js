// The Forecasts page: the latest forecast with its intervals (log or linear scale), earlier
// forecasts with what was observed drawn over them, the track record and the leaderboard.
const DATA = JSON.parse(document.getElementById("forecasts-data").textContent);
const NAMES = DATA.names;
const form = document.getElementById("controls");
const PAST_RUNS = 12;  // earlier forecasts drawn on the chart (the table lists them all)
const whole = v => v === null || v === undefined ? "" : formatNumber(Math.round(Number(v)));
const fixed = v => v === null || v === undefined ? "" : formatNumber(v, {minimumFractionDigits: 2, maximumFractionDigits: 2});
const share = v => v === null || v === undefined ? "—" : `${Math.round(Number(v) * 100)}%`;

function cells(row, values, numeric) {
  values.forEach((v, i) => {
    const td = row.insertCell();
    td.textContent = v;
    if (numeric.includes(i)) td.className = "num";
  });
}

async function drawSummary() {
  const body = await getJSON("/api/forecasts/track-record/summary");
  const tbody = document.querySelector("#record-summary tbody");
  tbody.innerHTML = "";
  for (const r of body.data) {
    const origins = r.origins
      ? t("%(count)s (%(first)s to %(last)s)", {count: whole(r.origins), first: r.first_origin, last: r.last_origin}) : "";
    cells(tbody.insertRow(), [NAMES[r.series] || r.series, whole(r.forecasts), whole(r.scored), origins,
      r.mape === null ? "—" : `${Math.round(r.mape)}%`, share(r.coverage80), share(r.coverage95), share(r.beat_random_walk)],
      [1, 2, 4, 5, 6, 7]);
  }
  document.getElementById("record-empty").hidden = body.count > 0;
  document.getElementById("record-summary").hidden = body.count === 0;
}

function drawRecordTable(series, record) {
  const scored = record.filter(r => r.scored);
  const tbody = document.querySelector("#record tbody");
  tbody.innerHTML = "";
  for (const r of scored) {
    const error = r.actual ? `${r.error >= 0 ? "+" : "−"}${whole(Math.abs(r.error))} (${r.error >= 0 ? "+" : "−"}${Math.round(r.abs_pct_error)}%)` : "";
    const held = `${r.in80 ? t("yes") : t("no")} / ${r.in95 ? t("yes") : t("no")}`;
    const kind = r.retrospective === true ? t("retrospective") : r.retrospective === false ? t("real time") : t("not recorded");
    const row = tbody.insertRow();
    row.dataset.run = r.run_id;
    cells(row, [r.origin, r.made_at.slice(0, 10), r.month, r.h, whole(r.mean), `${whole(r.lo80)}–${whole(r.hi80)}`,
                whole(r.actual), error, held, kind], [3, 4, 5, 6, 7]);
  }
  document.getElementById("record-caption").textContent = scored.length
    ? t("Scored forecasts of %(series)s, newest first (%(scored)s; %(waiting)s not yet observed).",
        {series: NAMES[series] || series, scored: whole(scored.length), waiting: whole(record.length - scored.length)})
    : t("No forecast of %(series)s has been scored yet (%(waiting)s waiting for their month to be observed).",
        {series: NAMES[series] || series, waiting: whole(record.length)});
}

function scaleNote(log, cut) {
  document.getElementById("scale-note").textContent = log
    ? t("Logarithmic scale: equal steps are equal percentage changes, so a wide interval does not flatten the forecast.")
    : cut ? t("Linear scale, cut above the %(inner)s interval: the %(outer)s interval continues beyond the top of the chart.",
            {inner: "80%", outer: "95%"})
      : t("Linear scale.");
}

let drawing = 0;  // the latest draw: an older one whose data arrive late draws nothing

async function draw() {
  const ticket = ++drawing;
  const series = form.series.value;
  const log = form.log.checked;
  const past = form.past.checked;
  writeState({series, log: log ? "1" : "0", past: past ? "1" : "0"});
  document.getElementById("csv").href = `/api/forecasts?series=${series}&format=csv`;
  try {
    const [fc, board, record] = await Promise.all([getJSON(`/api/forecasts?series=${series}&model=best`),
      getJSON("/api/forecasts/leaderboard"), getJSON(`/api/forecasts/track-record?series=${series}`)]);
    const rows = fc.data;
    const current = rows.length ? rows[0].run_id : null;
    const sameBasis = record.data.filter(r => r.basis === DATA.basis);  // never mix CBP and Border Patrol
    const runs = [...new Set(sameBasis.map(r => r.run_id))].filter(id => id !== current).slice(0, PAST_RUNS);
    const earlier = sameBasis.filter(r => runs.includes(r.run_id));
    const months = [...rows.map(r => r.month), ...(past ? earlier.map(r => `${r.month}-01`) : [])].sort();
    const first = months.length ? months[0] : null;
    const start = first ? `${Number(first.slice(0, 4)) - 5}${first.slice(4, 7)}` : null;
    const hist = await getJSON(`/api/encounters?basis=${DATA.basis}&citizenship=${series}${start ? "&start=" + start : ""}`);
    if (ticket !== drawing) return;
    const x = rows.map(r => r.month);
    const observed = hist.data.length ? hist.data[hist.data.length - 1].month.slice(0, 7) : "";
    const basis = DATA.basis === "usbp" ? t("Border Patrol only") : t("all CBP encounters");
    describeChart("chart", {subtitle: t("%(series)s: forecast with 80%% and 95%% intervals (%(basis)s)",
                                        {series: form.series.selectedOptions[0].text, basis}) +
      `${past && runs.length ? `, ${t("%(runs)s earlier forecasts", {runs: runs.length})}` : ""}${log ? `, ${t("log scale")}` : ""}`,
      through: observed});
    const band = (lo, hi, name, colour) => [
      {x, y: rows.map(r => r[hi]), mode: "lines", line: {width: 0}, showlegend: false, hoverinfo: "skip"},
      {x, y: rows.map(r => r[lo]), mode: "lines", line: {width: 0}, fill: "tonexty", fillcolor: colour, name}];
    const pastTraces = past ? runs.map((run, i) => {
      const mine = earlier.filter(r => r.run_id === run).sort((a, b) => a.month.localeCompare(b.month));
      return {x: mine.map(r => `${r.month}-01`), y: mine.map(r => r.mean), mode: "lines+markers", type: "scatter",
              name: t("earlier forecasts"), legendgroup: "earlier", showlegend: i === 0,
              line: {color: "#CC79A7", width: 1.2, dash: "dot"}, marker: {size: 4, color: "#CC79A7"},
              hovertemplate: `${t("forecast made %(made)s from %(origin)s", {made: mine[0]?.made_at.slice(0, 10), origin: mine[0]?.origin})}` +
                ": %{y:,.0f}<extra></extra>"};
    }) : [];
    const traces = [
      ...band("lo95", "hi95", t("%(level)s interval", {level: "95%"}), "rgba(86,180,233,0.25)"),
      ...band("lo80", "hi80", t("%(level)s interval", {level: "80%"}), "rgba(0,114,178,0.35)"),
      {x, y: rows.map(r => r.mean), name: t("forecast (best model)"), mode: "lines", line: {color: "#0072B2", width: 2, dash: "dash"}},
      ...pastTraces,
      {x: hist.data.map(r => r.month), y: hist.data.map(r => r.count), name: t("observed"), mode: "lines", line: {color: "#000", width: 2}},
    ];
    const seen = [...hist.data.map(r => r.count), ...rows.map(r => r.hi80), ...pastTraces.flatMap(t => t.y)].filter(v => v > 0);
    const top = Math.max(...seen) * 1.1;
    const cut = rows.some(r => r.hi95 > top);
    const yaxis = log
      ? {title: {text: t("encounters per month (log scale)")}, type: "log", automargin: true}
      : {title: {text: t("encounters per month")}, type: "linear", range: [0, top], automargin: true};
    scaleNote(log, cut);
    plot("chart", traces, {margin: {t: 10, r: 10}, yaxis, xaxis: {automargin: true}, legend: {orientation: "h"}})
      .catch(error => showError("chart-error", t("Could not draw the forecast: %(error)s", {error: error.message})));
    const models = {};
    for (const r of board.data.filter(r => r.series === series)) {
      const m = (models[r.model] ||= {mase: [], rel: [], cov: []});
      m.mase.push(r.mase); m.rel.push(r.relative_mase); m.cov.push(r.cov80);
    }
    const mean = a => a.reduce((s, v) => s + v, 0) / a.length;
    const body = document.querySelector("#leaderboard tbody");
    body.innerHTML = "";
    Object.entries(models).sort((a, b) => mean(a[1].mase) - mean(b[1].mase)).forEach(([name, m]) => {
      cells(body.insertRow(), [DATA.models?.[name] || name, fixed(mean(m.mase)), fixed(mean(m.rel)), fixed(mean(m.cov))], [1, 2, 3]);
    });
    drawRecordTable(series, record.data);
    showError("chart-error", "");
  } catch (error) {
    showError("chart-error", t("Could not draw the forecast: %(error)s", {error: error.message}));
  }
}

drawSummary().catch(error => showError("record-error", t("Could not load the track record: %(error)s", {error: error.message})));
if (form) {
  const initial = readState({series: "GTM", log: "1", past: "1"});
  if ([...form.series.options].some(o => o.value === initial.series)) form.series.value = initial.series;
  form.log.checked = initial.log !== "0";
  form.past.checked = initial.past !== "0";
  form.addEventListener("change", draw);
  draw();
}
