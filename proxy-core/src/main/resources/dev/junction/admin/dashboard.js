// Junction dashboard: reads /admin/routes and /admin/stats (the same JSON a script would use) and
// redraws every few seconds. No framework, no build step, nothing fetched from elsewhere.
"use strict";

const REFRESH_MS = Number(new URLSearchParams(location.search).get("refresh") || 2000);

function fmt(v, digits) {
  if (v === null || v === undefined || (typeof v === "number" && (v < 0 || !isFinite(v)))) {
    return "–";
  }
  return typeof v === "number" ? v.toFixed(digits === undefined ? 0 : digits) : String(v);
}

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) {
    td.className = cls;
  }
  tr.appendChild(td);
  return td;
}

function fill(tableId, rows) {
  const body = document.querySelector("#" + tableId + " tbody");
  body.replaceChildren(...rows);
}

function headroom(d) {
  // What the vendor has left (its rate-limit headers, or the configured rpm / tpm), when known.
  const h = d.headroom;
  if (!h) {
    return "not tracked";
  }
  const parts = [];
  if (h.remaining_requests >= 0) {
    parts.push(h.remaining_requests + " req");
  }
  if (h.remaining_tokens >= 0) {
    parts.push(h.remaining_tokens + " tok");
  }
  if (h.out_of_room_for_ms > 0) {
    parts.push("out of room " + Math.ceil(h.out_of_room_for_ms / 1000) + " s" + (h.reason ? " (" + h.reason + ")" : ""));
  }
  return parts.length ? parts.join(" / ") : "–";
}

function drawRoutes(routes) {
  const rows = [];
  for (const a of routes.aliases) {
    for (const d of a.deployments) {
      const s = d.stats;
      const tr = document.createElement("tr");
      tr.dataset.deployment = d.id;
      tr.dataset.alias = a.alias;
      cell(tr, a.alias);
      cell(tr, d.id, "text");
      cell(tr, d.model, "text");
      cell(tr, d.enabled ? d.circuit_state : "disabled", "circuit " + (d.enabled ? d.circuit_state : "disabled"));
      cell(tr, fmt(s.in_flight), "in-flight");
      cell(tr, fmt(s.ewma_ttft_ms, 1), "ttfb-ewma");
      cell(tr, fmt(s.p50_ttft_ms, 1), "ttfb-p50");
      cell(tr, fmt(s.p95_ttft_ms, 1), "ttfb-p95");
      cell(tr, fmt(s.error_rate * 100, 1) + " %", "error-rate");
      cell(tr, fmt(s.total_requests), "requests");
      cell(tr, fmt(s.total_errors), s.total_errors > 0 ? "errors error" : "errors");
      cell(tr, headroom(d), "headroom");
      rows.push(tr);
    }
  }
  fill("routes", rows);
}

function drawStats(stats) {
  const aliasRows = [];
  for (const [alias, f] of Object.entries(stats.aliases)) {
    const tr = document.createElement("tr");
    tr.dataset.alias = alias;
    cell(tr, alias);
    cell(tr, fmt(f.requests), "requests");
    cell(tr, fmt(f.errors), f.errors > 0 ? "errors error" : "errors");
    cell(tr, f.requests ? fmt(100 * f.errors / f.requests, 1) : "–", "error-pct");
    cell(tr, fmt(f.p50_ms, 1), "p50");
    cell(tr, fmt(f.p95_ms, 1), "p95");
    cell(tr, fmt(f.retries), "retries");
    cell(tr, fmt(f.hedges), "hedges");
    aliasRows.push(tr);
  }
  fill("aliases", aliasRows);

  const keyRows = [];
  for (const [key, k] of Object.entries(stats.keys)) {
    const tr = document.createElement("tr");
    tr.dataset.key = key;
    cell(tr, key);
    cell(tr, fmt(k.spend_usd_today, 6), "spend-today");
    const budget = k.budget_usd_per_day;
    cell(tr, budget === null || budget === undefined ? "none" : fmt(budget, 2), "budget");
    cell(tr, budget ? fmt(100 * k.spend_usd_today / budget, 1) + " %" : "–", "used");
    cell(tr, fmt(k.spend_usd_this_month, 6), "spend-month");
    const monthly = k.budget_usd_per_month;
    cell(tr, monthly === null || monthly === undefined ? "none" : fmt(monthly, 2), "budget-month");
    cell(tr, fmt(k.spend_usd_since_start, 6), "spend");
    keyRows.push(tr);
  }
  fill("keys", keyRows);

  const tasks = document.getElementById("tasks");
  if (stats.tasks === null || stats.tasks === undefined) {
    tasks.textContent = "Tasks are not enabled on this gateway.";
    tasks.className = "muted";
  } else {
    const parts = Object.entries(stats.tasks).map(([state, n]) => state + ": " + n);
    tasks.textContent = parts.length ? parts.join(" · ") : "no tasks";
    tasks.className = "";
  }
}

async function getJson(path) {
  const r = await fetch(path, { headers: { "Accept": "application/json" }, cache: "no-store" });
  if (!r.ok) {
    throw new Error(path + " answered " + r.status);
  }
  return r.json();
}

async function refresh() {
  const status = document.getElementById("status");
  try {
    const [routes, stats] = await Promise.all([getJson("routes"), getJson("stats")]);
    drawRoutes(routes);
    drawStats(stats);
    status.textContent = "updated " + new Date().toLocaleTimeString() + " · " + stats.in_flight + " in flight";
    status.className = "muted";
  } catch (e) {
    // Shown on the page (a gateway restarting is an expected state, not a script error).
    status.textContent = "cannot read the gateway: " + e.message;
    status.className = "error";
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
