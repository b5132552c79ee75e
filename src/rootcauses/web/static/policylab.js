// Policy lab: the form <-> the query string (permalink), a run through /api/sim/runs polled for
// progress (and cancellable), then the scenario − baseline chart with bands and the totals table.
// Needs common.js (getJSON, writeState, showError, COLOURS, PLOT_CONFIG) and LAB from the page.
(function () {
  const form = document.getElementById("lab");
  const SIZE = ["households", "months", "members", "seed", "start"];
  const byName = Object.fromEntries(LAB.scenarios.map(s => [s.name, s]));
  const field = id => document.getElementById(id);
  const bar = field("progress");
  const csv = field("csv");
  const POLL_MS = 400;
  let current = null;  // the run on show (id)
  let timer = null;

  const leverInputs = name => [form.querySelector(`[data-lever="${name}"]`),
                               form.querySelector(`[data-lever-value="${name}"]`)];
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  const number = v => formatNumber(v, {maximumFractionDigits: 0});
  const signed = v => (v > 0 ? "+" : "") + number(v);

  function setLever(name, value) { for (const input of leverInputs(name)) input.value = value; }
  function leverValue(name) { return Number(leverInputs(name)[1].value); }

  function applyScenario(name) {
    const scenario = byName[name];
    field("description").textContent = scenario.description;
    for (const [key, value] of Object.entries(scenario.levers)) setLever(key, value);
  }

  // Only the levers moved away from the scenario's own values are sent as overrides.
  function overrides() {
    const scenario = byName[form.scenario.value];
    const out = {};
    for (const p of LAB.levers) {
      const value = leverValue(p.name);
      if (Math.abs(value - scenario.levers[p.name]) > 1e-12) out[p.name] = value;
    }
    return out;
  }

  function state() {
    const st = {scenario: form.scenario.value, baseline: form.baseline.value};
    for (const key of SIZE) st[key] = field(key).value;
    for (const [key, value] of Object.entries(overrides())) st[`p.${key}`] = value;
    if (current) st.run = current;
    return st;
  }

  function restore() {
    const params = new URLSearchParams(window.location.search);
    const pick = (select, value) => {
      if (value && [...select.options].some(o => o.value === value)) select.value = value;
    };
    pick(form.scenario, params.get("scenario"));
    pick(form.baseline, params.get("baseline"));
    applyScenario(form.scenario.value);
    for (const key of SIZE) if (params.get(key)) field(key).value = params.get(key);
    for (const p of LAB.levers) {
      const raw = params.get(`p.${p.name}`);
      if (raw !== null && raw !== "" && !Number.isNaN(Number(raw))) setLever(p.name, clamp(Number(raw), p.min, p.max));
    }
    return params.get("run");
  }

  function running(on) {
    field("run").disabled = on;
    field("cancel").disabled = !on;
  }

  function setStatus(text) { field("status").textContent = text; }

  function describe(detail, response) {
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) return detail.map(d => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
    return `${response.status} ${response.statusText}`;
  }

  function rgba(hex, alpha) {
    const n = parseInt(hex.slice(1), 16);
    return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
  }

  function draw(result) {
    const rows = result.differences;
    const countries = [...new Set(rows.map(r => r.citizenship))];
    const traces = [];
    for (const code of countries) {
      const mine = rows.filter(r => r.citizenship === code);
      const x = mine.map(r => r.month);
      const colour = COLOURS[code] || "#000000";
      const name = LAB.names[code] || code;
      traces.push({x, y: mine.map(r => r.hi), mode: "lines", line: {width: 0}, showlegend: false,
                   hoverinfo: "skip", legendgroup: code});
      traces.push({x, y: mine.map(r => r.lo), mode: "lines", line: {width: 0}, fill: "tonexty",
                   fillcolor: rgba(colour, 0.22), name: `${name}: ${t("5–95% band")}`, legendgroup: code, hoverinfo: "skip"});
      traces.push({x, y: mine.map(r => r.mean), mode: "lines+markers", line: {color: colour, width: 2},
                   marker: {size: 4}, name: `${name}: ${t("mean difference")}`, legendgroup: code});
    }
    plot("chart", traces, {
      margin: {t: 10, r: 10},
      yaxis: {title: {text: `${t("encounters per month")}, ${result.scenario} − ${result.baseline}`}, zeroline: true},
      legend: {orientation: "h"},
    }).catch(error => setStatus(error.message));
    const body = document.querySelector("#totals tbody");
    body.innerHTML = "";
    for (const [code, row] of Object.entries(result.totals)) {
      const tr = body.insertRow();
      const label = code === "ALL" ? t("All three") : (LAB.names[code] || code);
      [label, number(row.baseline.mean), number(row.scenario.mean), signed(row.difference.mean),
       signed(row.difference.lo), signed(row.difference.hi)].forEach((v, i) => {
        const td = tr.insertCell(); td.textContent = v; if (i) td.className = "num"; });
    }
  }

  async function poll() {
    const id = current;
    try {
      const job = await getJSON(`/api/sim/runs/${id}`);
      if (id !== current) return;
      const {done, total} = job.progress;
      bar.max = total || 1;
      bar.value = done;
      if (job.status === "queued" || job.status === "running") {
        const state = job.status === "queued" ? t("queued") : t("running");
        setStatus(t("%(state)s: %(done)s of %(total)s ensemble steps", {state: job.cancel_requested ? `${state} (${t("cancelling")})` : state,
                                                                       done: formatNumber(done), total: total ? formatNumber(total) : "?"}));
        timer = setTimeout(poll, POLL_MS);
        return;
      }
      running(false);
      if (job.status === "done") {
        draw(job.result);
        csv.href = `/api/sim/runs/${id}/differences?format=csv`;
        csv.removeAttribute("aria-disabled");
        // runs without an editor's API token are kept in the server's memory only, for a while
        const stored = job.stored_run_id ? t("stored as run %(run)s", {run: job.stored_run_id}) : t("not stored");
        setStatus(t("Done in %(seconds)s s (%(members)s members); %(stored)s.",
                    {seconds: formatNumber(job.result.wall_seconds, {minimumFractionDigits: 1, maximumFractionDigits: 1}),
                     members: formatNumber(job.result.members), stored}));
      } else if (job.status === "cancelled") {
        setStatus(t("Cancelled."));
      } else {
        setStatus(t("Failed."));
        showError("lab-error", `${t("The run failed")}: ${job.error}`);
      }
    } catch (error) {
      running(false);
      setStatus("");
      showError("lab-error", t("Run %(run)s: %(error)s", {run: id, error: error.message}));
    }
  }

  async function submit(event) {
    event.preventDefault();
    showError("lab-error", "");
    clearTimeout(timer);
    const body = {scenario: form.scenario.value, baseline: form.baseline.value, overrides: overrides(),
                  households: Number(field("households").value), months: Number(field("months").value),
                  members: Number(field("members").value), seed: Number(field("seed").value),
                  start: field("start").value};
    running(true);
    setStatus(t("Submitting…"));
    bar.value = 0;
    try {
      const response = await fetch("/api/sim/runs", {
        method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(describe(answer.detail, response));
      current = answer.id;
      writeState(state());
      poll();
    } catch (error) {
      running(false);
      setStatus("");
      showError("lab-error", `${t("Could not start the run")}: ${error.message}`);
    }
  }

  async function cancel() {
    if (!current) return;
    field("cancel").disabled = true;
    try {
      const response = await fetch(`/api/sim/runs/${current}`, {method: "DELETE"});
      if (!response.ok) {
        const answer = await response.json().catch(() => ({}));
        throw new Error(describe(answer.detail, response));
      }
      setStatus(t("Cancelling…"));
    } catch (error) {
      showError("lab-error", `${t("Could not cancel")}: ${error.message}`);
    }
  }

  for (const p of LAB.levers) {
    const [range, value] = leverInputs(p.name);
    range.addEventListener("input", () => { value.value = range.value; });
    value.addEventListener("input", () => {
      if (value.value !== "" && value.checkValidity()) range.value = value.value;
    });
  }
  form.scenario.addEventListener("change", () => applyScenario(form.scenario.value));
  form.addEventListener("change", () => writeState(state()));
  form.addEventListener("submit", submit);
  field("cancel").addEventListener("click", cancel);

  const run = restore();
  writeState(state());
  if (run && /^[0-9a-f]{12}$/.test(run)) {
    current = run;
    running(true);
    poll();
  }
})();

// The calibrated model against the record (server-rendered data): observed and simulated monthly
// encounters per citizenship, the validation window shaded.
(function () {
  const element = document.getElementById("validation-data");
  const chart = document.getElementById("validation-chart");
  if (!element || !chart) return;
  const series = JSON.parse(element.textContent);
  const traces = [];
  let start = null;
  let end = null;
  for (const [code, s] of Object.entries(series)) {
    const colour = COLOURS[code] || "#555";
    traces.push({type: "scatter", mode: "lines", name: `${s.name}, ${t("observed")}`, x: s.month, y: s.observed,
                 line: {color: colour, width: 2}});
    traces.push({type: "scatter", mode: "lines", name: `${s.name}, ${t("model")}`, x: s.month, y: s.simulated,
                 line: {color: colour, width: 2, dash: "dot"}});
    const first = s.window.indexOf("validate");
    if (first >= 0) { start = s.month[first]; end = s.month[s.month.length - 1]; }
  }
  const shapes = start ? [{type: "rect", xref: "x", yref: "paper", x0: start, x1: end, y0: 0, y1: 1,
                           fillcolor: "rgba(0,0,0,0.06)", line: {width: 0}}] : [];
  const annotations = start ? [{x: start, y: 1, xref: "x", yref: "paper", text: t("validation window"),
                                showarrow: false, xanchor: "left", yanchor: "top"}] : [];
  const layout = {margin: {t: 10, r: 10}, legend: {orientation: "h"}, xaxis: {type: "date"},
                  yaxis: {title: {text: t("encounters per month")}, rangemode: "tozero"}, shapes, annotations};
  describeChart("validation-chart", {title: t("Calibrated model vs observed encounters"),
                                     source: "CBP (USBP southwest encounters); rootcauses simulation"});
  plot(chart, traces, layout).catch(error => console.warn(error));
})();
