// Panicwatch dashboard: reads the query API of the instance that served this page and draws uPlot charts.
// A token, when the API needs one, is given in the page's fragment: http://host:8080/#token=SECRET
// (the fragment never leaves the browser). The body's data-* attributes report what was drawn, for tests.
"use strict";

const TOP_VMS = 8;
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
const token = new URLSearchParams(location.hash.slice(1)).get("token");

let rateChart = null;
let loadChart = null;
let outcomeChart = null;

async function api(path, params) {
  const url = path + "?" + new URLSearchParams(params);
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = "Bearer " + token;
  const response = await fetch(url, { headers });
  const body = await response.json();
  if (!response.ok) {
    const error = new Error(body.error || response.status + " from " + path);
    error.status = response.status;
    throw error;
  }
  return body;
}

// ISO-8601 durations of the forms the API uses (PT1H, PT30M, P1D, P1DT12H) in seconds.
function durationSeconds(iso) {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(iso);
  if (!m) throw new Error("unexpected duration " + iso);
  return (+(m[1] || 0)) * 86400 + (+(m[2] || 0)) * 3600 + (+(m[3] || 0)) * 60 + (+(m[4] || 0));
}

const seconds = (isoTime) => Date.parse(isoTime) / 1000;

// "PT5M" -> "5 minutes", for the load chart's resolution line.
function durationText(iso) {
  const total = durationSeconds(iso);
  if (total % 3600 === 0) return total / 3600 === 1 ? "hour" : total / 3600 + " hours";
  if (total % 60 === 0) return total / 60 === 1 ? "minute" : total / 60 + " minutes";
  return total + " seconds";
}

function chartWidth(element) {
  return Math.max(400, element.clientWidth || 800);
}

// One x value per rate window from the answer's from to its to; y = panics per hour in that window.
function windowAxis(rate) {
  const step = durationSeconds(rate.windowSize);
  const xs = [];
  for (let t = seconds(rate.from); t < seconds(rate.to); t += step) xs.push(t);
  return { xs, step };
}

function perHourByWindow(rate, xs, step) {
  const counts = new Map(rate.series.map((w) => [seconds(w.start), w.panics]));
  return xs.map((x) => (counts.get(x) || 0) * 3600 / step);
}

function drawRates(rates) {
  const element = document.getElementById("rate-chart");
  if (rateChart) rateChart.destroy();
  element.textContent = "";
  if (rates.length === 0) {
    element.innerHTML = '<p class="empty">No panics in this span.</p>';
    document.body.dataset.rateSeries = "0";
    return;
  }
  const { xs, step } = windowAxis(rates[0]);
  const data = [xs, ...rates.map((r) => perHourByWindow(r, xs, step))];
  const series = [{}, ...rates.map((r, i) => ({
    label: r.vm, stroke: COLORS[i % COLORS.length], width: 2, points: { show: true },
  }))];
  rateChart = new uPlot({
    width: chartWidth(element), height: 300, series,
    axes: [{}, { label: "panics / hour" }],
    scales: { y: { range: (u, min, max) => [0, Math.max(1, max)] } },
  }, data, element);
  document.body.dataset.rateSeries = String(rates.length);
}

function drawLoad(vm, load, rate) {
  const element = document.getElementById("load-chart");
  if (loadChart) loadChart.destroy();
  element.textContent = "";
  // One time axis: the load points' times and the panic windows' starts, merged and sorted. A range that starts
  // within the raw window comes as samples; a longer one as summaries per interval, drawn at their middle with
  // their peaks (the answer's resolution says which).
  const loadAt = new Map();
  let samplesShown = 0;
  if (load.resolution === "raw") {
    for (const s of load.samples) {
      loadAt.set(seconds(s.sampleTime), {
        perCpu: s.load1 / s.hostCpus,
        wait: s.vcpuWaitRatioMax == null ? null : s.vcpuWaitRatioMax,
      });
    }
    samplesShown = load.samples.length;
  } else {
    for (const l of load.summaries) {
      loadAt.set((seconds(l.start) + seconds(l.end)) / 2, {
        perCpu: l.peakLoadPerCpu,
        wait: l.worstVcpuWait,
      });
      samplesShown += l.samples;
    }
  }
  document.getElementById("load-resolution").textContent = load.resolution === "raw"
    ? "Resolution: every sample."
    : "Resolution: peaks per " + durationText(load.resolution) + " (" + samplesShown + " samples in "
      + loadAt.size + " intervals); a span within the raw window is drawn sample by sample.";
  document.body.dataset.loadResolution = load.resolution;
  document.body.dataset.loadSamples = String(samplesShown);
  // A window's panics are drawn as a bar in the middle of the window they were counted in.
  const half = durationSeconds(rate.windowSize) / 2;
  const panicsAt = new Map(rate.series.map((w) => [seconds(w.start) + half, w.panics]));
  const xs = [...new Set([...loadAt.keys(), ...panicsAt.keys()])].sort((a, b) => a - b);
  if (xs.length === 0) {
    element.innerHTML = '<p class="empty">No load samples or panics of ' + escapeHtml(vm) + " in this span.</p>";
    document.body.dataset.loadPoints = "0";
    return;
  }
  const data = [
    xs,
    xs.map((x) => (loadAt.has(x) ? loadAt.get(x).perCpu : null)),
    xs.map((x) => (loadAt.has(x) ? loadAt.get(x).wait : null)),
    xs.map((x) => (panicsAt.has(x) ? panicsAt.get(x) : null)),
  ];
  loadChart = new uPlot({
    width: chartWidth(element), height: 300,
    series: [
      {},
      { label: "host load / CPU", stroke: "#1f77b4", width: 2, scale: "load", spanGaps: true },
      { label: "worst vCPU wait share", stroke: "#9467bd", width: 1, scale: "load", spanGaps: true },
      { label: "panics in window", stroke: "#d62728", fill: "rgba(214,39,40,0.3)", scale: "panics",
        paths: uPlot.paths.bars({ size: [0.6, 40] }), points: { show: false } },
    ],
    scales: { x: { time: true, range: [seconds(rate.from), seconds(rate.to)] },
      load: { range: (u, min, max) => [0, Math.max(1.2, max)] },
      panics: { range: (u, min, max) => [0, Math.max(1, max)] } },
    axes: [{}, { scale: "load", label: "load / CPU" }, { scale: "panics", side: 1, label: "panics", grid: { show: false } }],
  }, data, element);
  document.body.dataset.loadPoints = String(loadAt.size);
  document.body.dataset.loadPanics = String(rate.panics);
}

function escapeHtml(text) {
  const div = document.createElement("div");
  div.textContent = text == null ? "" : String(text);
  return div.innerHTML;
}

function adviceRow(vmRate, advice) {
  const classes = Object.entries(vmRate.byClass).map(([c, n]) => c + " × " + n).join(", ");
  const cells = [
    "<td>" + escapeHtml(vmRate.vm) + "</td>",
    '<td class="num">' + vmRate.panics + "</td>",
    '<td class="num">' + vmRate.perHour.toFixed(2) + "</td>",
    "<td>" + escapeHtml(classes) + "</td>",
  ];
  if (advice) {
    cells.push("<td>" + escapeHtml(advice.actions.join(", ")) + "</td>");
    cells.push("<td>" + (advice.suggestedBootArgs ? "<code>" + escapeHtml(advice.suggestedBootArgs) + "</code>" : "–")
      + "</td>");
    cells.push('<td class="why">' + escapeHtml(advice.rationale) + "</td>");
  } else {
    cells.push('<td class="empty" colspan="3">no advice yet</td>');
  }
  return "<tr data-vm=\"" + escapeHtml(vmRate.vm) + "\">" + cells.join("") + "</tr>";
}

// "2026-11-20 10:00 UTC": outcomes are decided on event times given to the second, read at a glance to the minute.
function shortTime(isoTime) {
  return isoTime ? isoTime.slice(0, 16).replace("T", " ") + " UTC" : "\u2013";
}

function perDay(period) {
  return period ? period.timeoutPanicsPerDay.toFixed(2) : "\u2013";
}

// The peers an advice warned (RAISE_VTI_PREVENTIVE) and named "unknown vti", from /api/v1/at-risk of its host.
function atRiskCell(entry) {
  if (!entry) return '<td class="empty">\u2013</td>';
  const parts = entry.warned.map((p) => p.vmId + " (vti " + p.vti + " \u2192 " + p.suggestedVti + ")");
  if (entry.unknownVti.length) parts.push("unknown vti: " + entry.unknownVti.join(", "));
  return parts.length ? "<td>" + escapeHtml(parts.join("; ")) + "</td>" : '<td class="empty">none</td>';
}

function outcomeRow(o, atRisk) {
  const cells = [
    "<td>" + escapeHtml(o.vmId) + "</td>",
    "<td>" + escapeHtml(shortTime(o.advisedTime) + ", vti " + o.suggestedVti + (o.tlbTimeoutDisabled
      ? " and tlbto_us=0" : "")) + "</td>",
    "<td>" + escapeHtml(shortTime(o.appliedTime)) + "</td>",
    '<td class="num">' + perDay(o.before) + " \u2192 " + perDay(o.after) + "</td>",
    '<td><span class="verdict ' + escapeHtml(o.status) + '" title="' + escapeHtml(o.reason) + '">'
      + escapeHtml(o.status) + "</span></td>",
    atRiskCell(atRisk),
  ];
  return "<tr data-vm=\"" + escapeHtml(o.vmId) + "\">" + cells.join("") + "</tr>";
}

// Vertical lines at the advice's and the APPLIED time, drawn on the chart's canvas after each redraw. Where each
// was drawn is reported on the body (time, and the canvas pixel in the middle of the line) for tests.
function drawMarkers(u, marks) {
  const ctx = u.ctx;
  const drawn = {};
  for (const m of marks) {
    const t = seconds(m.at);
    if (t < u.scales.x.min || t > u.scales.x.max) continue;
    const x = Math.round(u.valToPos(t, "x", true));
    ctx.save();
    ctx.strokeStyle = m.color;
    ctx.fillStyle = m.color;
    ctx.lineWidth = 3 * devicePixelRatio;
    ctx.setLineDash(m.dash.map((d) => d * devicePixelRatio));
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.font = 12 * devicePixelRatio + "px system-ui, sans-serif";
    // The advised label left of its line, the applied one right of its own: close together they stay readable.
    ctx.textAlign = m.side < 0 ? "right" : "left";
    ctx.fillText(m.label, x + m.side * 5 * devicePixelRatio, u.bbox.top + 14 * devicePixelRatio);
    ctx.restore();
    drawn[m.label] = { at: m.at, pixel: x + "," + Math.round(u.bbox.top + u.bbox.height / 2) };
  }
  for (const label of ["advised", "applied"]) {
    document.body.dataset[label + "Marker"] = drawn[label] ? drawn[label].at : "none";
    document.body.dataset[label + "MarkerPixel"] = drawn[label] ? drawn[label].pixel : "";
  }
}

function drawOutcome(outcome, rate) {
  const element = document.getElementById("outcome-chart");
  if (outcomeChart) outcomeChart.destroy();
  element.textContent = "";
  const { xs, step } = windowAxis(rate);
  const marks = [
    { at: outcome.advisedTime, label: "advised", color: "#ff7f0e", dash: [6, 4], side: -1 },
    { at: outcome.appliedTime, label: "applied", color: "#2ca02c", dash: [], side: 1 },
  ].filter((m) => m.at);
  outcomeChart = new uPlot({
    width: chartWidth(element), height: 300,
    series: [{}, { label: outcome.vmId, stroke: COLORS[0], width: 2, points: { show: true } }],
    axes: [{}, { label: "panics / hour" }],
    scales: { x: { time: true, range: [seconds(rate.from), seconds(rate.to)] },
      y: { range: (u, min, max) => [0, Math.max(1, max)] } },
    hooks: { draw: [(u) => drawMarkers(u, marks)] },
  }, [xs, perHourByWindow(rate, xs, step)], element);
  document.body.dataset.outcomeVm = outcome.vmId;
}

async function refreshOutcomes(span) {
  const outcomes = (await api("/api/v1/advice-outcomes", {})).outcomes;
  // One at-risk answer per host of an advised VM; an entry belongs to a row when it is the same advice.
  const hosts = [...new Set(outcomes.map((o) => o.hostId).filter((h) => h))];
  const byHost = new Map(await Promise.all(hosts.map(async (h) => [h, await api("/api/v1/at-risk", { host: h })])));
  const atRiskOf = (o) => o.hostId && byHost.get(o.hostId).advice
    .find((a) => a.vmId === o.vmId && a.remediationId === o.remediationId);
  document.querySelector("#outcomes tbody").innerHTML = outcomes.length
    ? outcomes.map((o) => outcomeRow(o, atRiskOf(o))).join("")
    : '<tr><td class="empty" colspan="6">No advice that changes boot-args yet.</td></tr>';
  document.body.dataset.outcomeRows = String(outcomes.length);

  const picker = document.getElementById("outcome-vm");
  const chosen = picker.value;
  picker.innerHTML = outcomes.map((o) => "<option>" + escapeHtml(o.vmId) + "</option>").join("");
  if (outcomes.some((o) => o.vmId === chosen)) {
    picker.value = chosen;
  } else {
    // First the VMs whose guests applied the advice: the marker is what this chart is for.
    const applied = outcomes.find((o) => o.appliedTime);
    if (applied) picker.value = applied.vmId;
  }
  const outcome = outcomes.find((o) => o.vmId === picker.value);
  const element = document.getElementById("outcome-chart");
  if (!outcome) {
    if (outcomeChart) outcomeChart.destroy();
    outcomeChart = null;
    element.innerHTML = '<p class="empty">No advice that changes boot-args yet.</p>';
    return;
  }
  drawOutcome(outcome, await api("/api/v1/panic-rate", { vm: outcome.vmId, span }));
}

async function refreshHealth() {
  const element = document.getElementById("health");
  try {
    const response = await fetch("/health");
    const health = await response.json();
    element.textContent = health.instance + ": " + health.streamsState;
    element.className = "health " + (response.ok ? "up" : "down");
  } catch (e) {
    element.textContent = "unreachable";
    element.className = "health down";
  }
}

async function refresh() {
  const span = document.getElementById("span").value;
  const errorBox = document.getElementById("error");
  try {
    await refreshHealth();
    const top = await api("/api/v1/panic-rates", { top: TOP_VMS, span });
    const rates = await Promise.all(top.vms.map((v) => api("/api/v1/panic-rate", { vm: v.vm, span })));
    drawRates(rates);

    // Each top-N row carries the VM's latest advice (null when its panics needed none).
    document.querySelector("#advice tbody").innerHTML = top.vms.length
      ? top.vms.map((v) => adviceRow(v, v.advice)).join("")
      : '<tr><td class="empty" colspan="7">No panics in this span.</td></tr>';
    document.body.dataset.adviceRows = String(top.vms.filter((v) => v.advice).length);

    const picker = document.getElementById("vm");
    const chosen = picker.value;
    picker.innerHTML = top.vms.map((v) => "<option>" + escapeHtml(v.vm) + "</option>").join("");
    if (top.vms.some((v) => v.vm === chosen)) picker.value = chosen;
    if (picker.value) {
      // Load samples are kept for a shorter time than panic counts (default 1 day).
      const loadSpan = durationSeconds(span) > 86400 ? "PT24H" : span;
      const [load, rate] = await Promise.all([
        api("/api/v1/load", { vm: picker.value, span: loadSpan }),
        api("/api/v1/panic-rate", { vm: picker.value, span: loadSpan }),
      ]);
      drawLoad(picker.value, load, rate);
    }
    await refreshOutcomes(span);
    errorBox.hidden = true;
    document.body.dataset.state = "ready";
  } catch (e) {
    errorBox.textContent = "Cannot load the data: " + e.message;
    errorBox.hidden = false;
    document.body.dataset.state = "error";
  }
}

document.getElementById("span").addEventListener("change", refresh);
document.getElementById("vm").addEventListener("change", refresh);
document.getElementById("outcome-vm").addEventListener("change", refresh);
refresh();
setInterval(refresh, 30000);
