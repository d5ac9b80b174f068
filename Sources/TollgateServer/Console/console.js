// The Tollgate console: reads /admin/stats, /admin/timeseries and /admin/review with the admin key
// (kept in sessionStorage only) and draws them with plots.js. No network beyond this gateway.
"use strict";

const KEY = "tollgate-admin-key";
const $ = (id) => document.getElementById(id);
const COLORS = { exact: "#2b7bb9", semantic: "#8e44ad", miss: "#d9822b", saved: "#1e9e5a", p50: "#2b7bb9", p95: "#c0392b" };
let renders = 0;
let timer = null;
let note = "";

function status(text, error) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}

async function api(path, init = {}) {
  const key = sessionStorage.getItem(KEY) || "";
  const headers = Object.assign({}, init.headers || {});
  if (key) headers["Authorization"] = "Bearer " + key;
  const r = await fetch(path, Object.assign({}, init, { headers }));
  if (r.status === 401 || r.status === 403) {
    const body = await r.json().catch(() => ({}));
    throw new Error(`${r.status}: ${(body.error && body.error.message) || "the admin key was refused"}`);
  }
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r;
}

const usd = (v) => "$" + Number(v).toFixed(Number(v) !== 0 && Math.abs(v) < 0.01 ? 6 : 2);
const pct = (v) => (Number(v) * 100).toFixed(1) + "%";
const bytes = (n) => n >= 1 << 30 ? +(n / (1 << 30)).toFixed(1) + " GiB" : n >= 1 << 20 ? +(n / (1 << 20)).toFixed(1) + " MiB"
  : n >= 1024 ? +(n / 1024).toFixed(1) + " KiB" : n + " B";

function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}

function fillTable(id, rows) {
  const body = $(id).querySelector("tbody");
  body.textContent = "";
  if (rows.length === 0) {
    const tr = document.createElement("tr");
    const td = cell(tr, "nothing yet", "empty");
    td.colSpan = $(id).querySelectorAll("th").length;
    body.appendChild(tr);
  }
  for (const r of rows) body.appendChild(r);
}

function renderStats(stats) {
  const t = stats.total;
  $("stat-requests").textContent = t.requests;
  $("stat-hit-ratio").textContent = pct(t.hit_ratio);
  $("stat-hits").textContent = t.hits;
  $("stat-semantic-hits").textContent = t.semantic_hits;
  $("stat-misses").textContent = t.misses;
  $("stat-saved").textContent = usd(t.saved_usd);
  $("stat-spent").textContent = usd(t.spent_usd);
  $("stat-entries").textContent = `${t.entries} entries`;
  $("stat-bytes").textContent = `${bytes(t.bytes)} · ${stats.semantic_vectors} vectors` + (stats.offline_fixtures ? ` · ${stats.offline_fixtures} fixtures` : "");
  $("stat-store").textContent = stats.store_capacity_bytes ? `LMDB ${bytes(stats.store_bytes)} / ${bytes(stats.store_capacity_bytes)}` : "";
  $("stat-bytes").title = "answers' bytes · semantic vectors · LMDB file in use of its map size (cache.max_bytes)";
  fillTable("table-tenants", Object.entries(stats.tenants).map(([name, c]) => {
    const tr = document.createElement("tr");
    tr.dataset.tenant = name;
    cell(tr, name);
    for (const v of [c.requests, c.hits, c.semantic_hits, c.misses]) cell(tr, v, "num");
    cell(tr, pct(c.hit_ratio), "num");
    cell(tr, Number(c.saved_usd).toFixed(6), "num");
    cell(tr, Number(c.spent_usd).toFixed(6), "num");
    cell(tr, c.entries, "num");
    return tr;
  }));
  fillTable("table-providers", Object.entries(stats.providers || {}).map(([name, c]) => {
    const tr = document.createElement("tr");
    tr.dataset.provider = name;
    cell(tr, name);
    for (const v of [c.hits, c.semantic_hits, c.misses]) cell(tr, v, "num");
    cell(tr, Number(c.saved_usd).toFixed(6), "num");
    cell(tr, Number(c.spent_usd).toFixed(6), "num");
    const breaker = c.breaker === undefined ? "–" : c.breaker + (c.consecutive_failures ? ` (${c.consecutive_failures} failed)` : "") + (c.cooling_down ? " · 429 cool-down" : "");
    cell(tr, breaker, "breaker breaker-" + (c.breaker || "none"));
    cell(tr, c.upstream_calls === undefined ? "–" : `${c.upstream_calls} · ${c.upstream_failures}` + (c.upstream_rate_limited ? ` (+${c.upstream_rate_limited} × 429)` : ""), "num calls");
    const ms = (v) => v === null || v === undefined ? "–" : v === "inf" ? "> 60 s" : `≤ ${v} ms`;
    cell(tr, c.upstream_p50_ms === undefined ? "–" : `${ms(c.upstream_p50_ms)} / ${ms(c.upstream_p95_ms)}`, "num latency");
    return tr;
  }));
  fillTable("table-models", Object.entries(stats.models || {}).map(([name, c]) => {
    const tr = document.createElement("tr");
    tr.dataset.model = name;
    cell(tr, name);
    cell(tr, c.entries, "num");
    cell(tr, bytes(c.bytes), "num");
    return tr;
  }));
}

function renderSeries(ts) {
  // The last hour, one slot a minute (minutes without traffic are zeros), ending now.
  const byMinute = new Map(ts.series.map(m => [m.minute, m]));
  const now = Math.floor(Date.now() / 60000);
  const last = ts.series.length ? Math.max(now, ts.series[ts.series.length - 1].minute) : now;
  const zeros = (n) => new Array(n).fill(0);
  const buckets = ts.similarity_bounds.length;
  const rows = [];
  for (let minute = last - 59; minute <= last; minute++) {
    rows.push(byMinute.get(minute) || { minute, exact_hits: 0, semantic_hits: 0, misses: 0, saved_usd: 0, latency_ms: { p50: null, p95: null },
                                        similarity_hits: zeros(buckets), similarity_misses: zeros(buckets) });
  }
  const labels = rows.map(m => new Date(m.minute * 60000).toTimeString().slice(0, 5));
  let cumulative = 0;
  Plots.stackedBars($("chart-timeline"), labels, [
    { name: "exact", color: COLORS.exact, values: rows.map(m => m.exact_hits) },
    { name: "semantic", color: COLORS.semantic, values: rows.map(m => m.semantic_hits) },
    { name: "miss", color: COLORS.miss, values: rows.map(m => m.misses) },
  ], { line: { name: "saved $ (cumulative)", color: COLORS.saved, prefix: "$", values: rows.map(m => (cumulative += Number(m.saved_usd))) },
       empty: "no requests in the window yet", height: 150 });
  const num = (v) => v === null || v === "inf" ? null : Number(v);
  Plots.lines($("chart-latency"), labels, [
    { name: "p50", color: COLORS.p50, values: rows.map(m => num(m.latency_ms.p50)) },
    { name: "p95", color: COLORS.p95, values: rows.map(m => num(m.latency_ms.p95)) },
  ], { width: 600, height: 150 });
  // Similarity over the whole window: bucket 0 is below 0.5, then 0.05 wide up to 1.0.
  const bounds = ts.similarity_bounds.map(Number);
  const sLabels = ["<0.50"].concat(bounds.slice(0, -1).map(b => b.toFixed(2)));
  const sum = (key) => sLabels.map((_, i) => rows.reduce((a, m) => a + m[key][i], 0));
  const svg = Plots.stackedBars($("chart-similarity"), sLabels, [
    { name: "served (hit)", color: COLORS.semantic, values: sum("similarity_hits") },
    { name: "not served", color: COLORS.miss, values: sum("similarity_misses") },
  ], { width: 600, height: 150, empty: "no semantic lookups yet",
       // Slot 0 is below 0.5; slot i ≥ 1 starts at 0.5 + 0.05 (i − 1).
       marker: ts.semantic_threshold >= 0.5 ? { at: 1 + (Number(ts.semantic_threshold) - 0.5) / 0.05, label: `threshold ${Number(ts.semantic_threshold).toFixed(2)}` } : null });
  svg.setAttribute("id", "similarity-svg");
}

function renderReview(review) {
  fillTable("table-review", review.items.map(item => {
    const tr = document.createElement("tr");
    tr.id = "review-" + item.id;
    tr.dataset.id = item.id;
    if (item.mark) tr.className = "marked-" + item.mark;
    cell(tr, item.id, "num");
    cell(tr, new Date(item.time_ms).toLocaleTimeString());
    cell(tr, item.tenant);
    cell(tr, item.model);
    cell(tr, Number(item.similarity).toFixed(3), "num similarity");
    cell(tr, item.verdict);
    cell(tr, item.query === null ? "(prompt not kept)" : item.query, "prompt query");
    cell(tr, item.cached === null ? "(prompt not kept)" : item.cached, "prompt cached");
    const td = cell(tr, "", "mark");
    if (item.mark) {
      td.textContent = item.mark + (item.purged ? " · purged" : "");
    } else {
      const wrong = document.createElement("button");
      wrong.textContent = "Mark wrong";
      wrong.className = "mark-wrong";
      wrong.addEventListener("click", () => mark(item.id, "wrong", $("purge-on-mark").checked));
      const right = document.createElement("button");
      right.textContent = "Right";
      right.className = "mark-right";
      right.addEventListener("click", () => mark(item.id, "right", false));
      td.append(wrong, " ", right);
    }
    return tr;
  }));
}

async function mark(id, verdict, purge) {
  try {
    const r = await api(`/admin/review/${id}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ mark: verdict, purge }) });
    const out = await r.json();
    note = `Review #${id} marked ${verdict}` + (purge ? `; purged ${out.purged} entr${out.purged === 1 ? "y" : "ies"}` : "");
    await refresh();
  } catch (e) {
    status(String(e.message || e), true);
  }
}

async function refresh() {
  try {
    const [stats, ts, review] = await Promise.all([
      api("/admin/stats").then(r => r.json()),
      api("/admin/timeseries?minutes=60").then(r => r.json()),
      api("/admin/review?limit=50").then(r => r.json()),
    ]);
    $("main").hidden = false;
    renderStats(stats);
    renderSeries(ts);
    renderReview(review);
    renders += 1;
    document.body.dataset.renders = String(renders);
    status((note ? note + " · " : "") + `Updated ${new Date().toLocaleTimeString()} · refreshes every 10 s`);
    note = "";
  } catch (e) {
    status(String(e.message || e), true);
  }
}

async function exportWorkload(ev) {
  ev.preventDefault();
  try {
    const text = await (await api("/admin/review/export")).text();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: "application/x-ndjson" }));
    a.download = "tollgate-review-workload.jsonl";
    a.click();
  } catch (e) {
    status(String(e.message || e), true);
  }
}

function start() {
  status("Loading…");
  refresh();
  if (timer) clearInterval(timer);
  timer = setInterval(refresh, 10000);
}

$("key-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  sessionStorage.setItem(KEY, $("admin-key").value);
  $("admin-key").value = "";
  start();
});
$("refresh").addEventListener("click", refresh);
$("forget").addEventListener("click", () => {
  sessionStorage.removeItem(KEY);
  if (timer) clearInterval(timer);
  $("main").hidden = true;
  status("Key forgotten. Enter the admin key to continue.");
});
$("export-link").addEventListener("click", exportWorkload);
if (sessionStorage.getItem(KEY) !== null) start();
