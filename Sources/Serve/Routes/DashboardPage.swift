/// `GET /dashboard`: one self-contained page (inline CSS, script and SVG; it
/// requests nothing but `/dashboard/data.json`, every 3 s). Any script error
/// is written into `#js-errors`, which the browser check reads.
enum DashboardPage {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>recsys-serve dashboard</title>
        <style>
        :root { --fg: #1d2330; --muted: #667085; --line: #e4e7ec; --bg: #f4f6f9; --pos: #2f6fdf; --neg: #d1495b; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
        header { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; padding: 16px 28px; background: #fff; border-bottom: 1px solid var(--line); }
        header h1 { margin: 0; font-size: 20px; }
        .muted { color: var(--muted); }
        a { color: var(--pos); }
        .dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; background: #98a2b3; margin-right: 6px; }
        .dot.ready { background: #1a7f37; } .dot.draining, .dot.starting { background: #bf8700; } .dot.down { background: #cf222e; }
        main { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 16px; padding: 16px 28px; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; min-width: 0; }
        .card.wide { grid-column: 1 / -1; }
        button { font: inherit; padding: 3px 12px; border: 1px solid #c9ced6; border-radius: 4px; background: #fff; cursor: pointer; }
        .card h2 { margin: 0 0 8px; font-size: 15px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { color: var(--muted); font-weight: 600; font-size: 12px; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        .kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 10px; margin-bottom: 10px; }
        .kpi { background: var(--bg); border-radius: 6px; padding: 8px 10px; }
        .kpi .v { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
        .kpi .l { font-size: 12px; color: var(--muted); }
        svg text { font: 11px system-ui, sans-serif; fill: var(--fg); }
        .bar.pos { fill: var(--pos); } .bar.neg { fill: var(--neg); }
        .status-succeeded { color: #1a7f37; } .status-failed { color: #cf222e; } .status-running, .status-queued { color: #bf8700; }
        #js-errors { background: #fee; color: #900; padding: 8px 28px; margin: 0; white-space: pre-wrap; }
        code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
        </style>
        </head>
        <body data-updates="0">
        <pre id="js-errors" hidden></pre>
        <header>
        <h1>recsys-serve dashboard</h1>
        <span><span id="status-dot" class="dot"></span><span id="status">connecting…</span></span>
        <span class="muted" id="updated"></span>
        <span class="muted">figures over the last <span id="window">–</span> s · refreshed every 3 s · <a href="/docs">API docs</a> · <a href="/metrics">/metrics</a></span>
        </header>
        <main>
        <section class="card wide">
        <h2>Live figures</h2>
        <div class="kpis" id="kpis"></div>
        <svg id="rps-chart" width="100%" height="90" viewBox="0 0 600 90" preserveAspectRatio="none" role="img" aria-label="requests per second">
        <polyline id="rps-line" fill="none" stroke="#2f6fdf" stroke-width="2" points=""></polyline>
        <polyline id="p99-line" fill="none" stroke="#d1495b" stroke-width="1.5" stroke-dasharray="4 3" points=""></polyline>
        </svg>
        <div class="muted">blue: requests/s (API routes) · red dashed: p99 latency (scaled to its own maximum) · this page's history</div>
        </section>
        <section class="card">
        <h2>Traffic</h2>
        <table id="metrics-table"><thead><tr><th>figure</th><th class="num">value</th></tr></thead><tbody></tbody></table>
        </section>
        <section class="card">
        <h2>Model</h2>
        <table id="model-table"><thead><tr><th>field</th><th>value</th></tr></thead><tbody></tbody></table>
        </section>
        <section class="card">
        <h2>Training</h2>
        <table id="training-table"><thead><tr><th>metric</th><th class="num">value</th></tr></thead><tbody></tbody></table>
        <h2 style="margin-top:12px">Label windows</h2>
        <table id="windows-table"><thead><tr><th>cutoff</th><th class="num">users</th><th class="num">pairs</th><th class="num">positives</th><th class="num">candidate recall</th></tr></thead><tbody></tbody></table>
        </section>
        <section class="card wide">
        <h2>Ranker feature weights</h2>
        <svg id="weights-chart" width="100%" height="40" role="img" aria-label="feature weights"></svg>
        <button id="weights-toggle" type="button" hidden>show all features</button>
        </section>
        <section class="card wide">
        <h2>Requests by route</h2>
        <table id="routes-table"><thead><tr><th>route</th><th class="num">requests</th><th class="num">req/s</th><th class="num">p50 ms</th><th class="num">p99 ms</th><th class="num">5xx</th></tr></thead><tbody></tbody></table>
        </section>
        <section class="card">
        <h2>Retrain tasks</h2>
        <table id="tasks-table"><thead><tr><th>task</th><th>status</th><th>created</th><th class="num">seconds</th><th>model</th><th class="num">AUC</th></tr></thead><tbody></tbody></table>
        <p class="muted" id="tasks-note"></p>
        <p class="muted">Read-only; starting a retrain and the full task record (command, error) need the admin token.</p>
        </section>
        <section class="card" id="evaluation">
        <h2>Offline evaluation</h2>
        <p id="evaluation-note" class="muted"></p>
        <table id="evaluation-table"><thead></thead><tbody></tbody></table>
        </section>
        </main>
        <script>
        "use strict";
        function reportError(text) {
          var box = document.getElementById("js-errors");
          box.hidden = false;
          box.textContent += text + "\n";
        }
        window.onerror = function (message, source, line, column) { reportError(String(message) + " (line " + line + ":" + column + ")"); };
        window.addEventListener("unhandledrejection", function (event) { reportError("unhandled rejection: " + String(event.reason)); });
        (function () {
          var history = [];
          var lastModel = null;
          var showAllWeights = false;
          function fmt(v, digits) {
            if (v === undefined || v === null) return "–";
            if (typeof v !== "number") return String(v);
            if (Number.isInteger(v) && Math.abs(v) >= 1000) return v.toLocaleString("en-US");
            return v.toFixed(digits === undefined ? 2 : digits);
          }
          function time(ms) {
            if (ms === undefined || ms === null) return "–";
            var d = new Date(ms);
            return isNaN(d.getTime()) ? String(ms) : d.toISOString().replace(".000Z", "Z");
          }
          function cell(text, cls) { var td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; return td; }
          function fill(id, rows) {
            var body = document.querySelector("#" + id + " tbody");
            body.textContent = "";
            rows.forEach(function (row) {
              var tr = document.createElement("tr");
              row.forEach(function (c) { tr.appendChild(typeof c === "object" && c !== null ? cell(c.text, c.cls) : cell(String(c))); });
              body.appendChild(tr);
            });
          }
          function num(v, digits) { return { text: fmt(v, digits), cls: "num" }; }
          function kpis(live) {
            var items = [
              ["requests/s", fmt(live.requests_per_second, 1)],
              ["p50 latency", fmt(live.p50_ms, 2) + " ms"],
              ["p99 latency", fmt(live.p99_ms, 2) + " ms"],
              ["fallbacks", fmt(live.fallbacks, 0) + (live.fallback_share !== undefined ? " (" + fmt(100 * live.fallback_share, 1) + "%)" : "")],
              ["candidates / request", fmt(live.candidates_per_request, 1)],
              ["live events/s", fmt(live.live_events_per_second, 1)]
            ];
            var box = document.getElementById("kpis");
            box.textContent = "";
            items.forEach(function (it) {
              var d = document.createElement("div");
              d.className = "kpi";
              d.innerHTML = '<div class="v"></div><div class="l"></div>';
              d.firstChild.textContent = it[1];
              d.lastChild.textContent = it[0];
              box.appendChild(d);
            });
          }
          function sparkline(id, values) {
            var max = Math.max.apply(null, values.concat([1e-9]));
            var n = Math.max(values.length - 1, 1);
            var points = values.map(function (v, i) { return (i * 600 / n).toFixed(1) + "," + (86 - 80 * v / max).toFixed(1); });
            if (points.length === 1) points.push("600," + points[0].split(",")[1]);
            document.getElementById(id).setAttribute("points", points.join(" "));
          }
          function weightsChart(model) {
            var svg = document.getElementById("weights-chart");
            var ns = "http://www.w3.org/2000/svg";
            var all = (model.feature_weights || []).slice().sort(function (a, b) { return Math.abs(b.weight) - Math.abs(a.weight); });
            var weights = showAllWeights ? all : all.slice(0, 25);
            var toggle = document.getElementById("weights-toggle");
            toggle.hidden = all.length <= 25;
            toggle.textContent = showAllWeights ? "show the 25 largest" : "show all " + all.length + " features";
            toggle.onclick = function () { showAllWeights = !showAllWeights; weightsChart(model); };
            var row = 18, label = 230, width = Math.max(svg.clientWidth || 900, 500), mid = label + (width - label - 70) / 2;
            var half = (width - label - 70) / 2;
            var max = Math.max.apply(null, weights.map(function (w) { return Math.abs(w.weight); }).concat([1e-9]));
            svg.textContent = "";
            svg.setAttribute("height", String(weights.length * row + 24));
            svg.setAttribute("viewBox", "0 0 " + width + " " + (weights.length * row + 24));
            function add(tag, attrs, text) {
              var node = document.createElementNS(ns, tag);
              Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
              if (text !== undefined) node.textContent = text;
              svg.appendChild(node);
              return node;
            }
            add("line", { x1: mid, x2: mid, y1: 0, y2: weights.length * row, stroke: "#98a2b3" });
            weights.forEach(function (w, i) {
              var len = half * Math.abs(w.weight) / max;
              var y = i * row + 3;
              add("text", { x: label - 8, y: y + 11, "text-anchor": "end" }, w.feature);
              var bar = add("rect", { "class": "bar " + (w.weight >= 0 ? "pos" : "neg"), x: w.weight >= 0 ? mid : mid - len, y: y, width: Math.max(len, 1), height: row - 6 });
              bar.appendChild(document.createElementNS(ns, "title")).textContent = w.feature + ": " + w.weight.toFixed(4);
              add("text", { x: w.weight >= 0 ? mid + len + 4 : mid - len - 4, y: y + 11, "text-anchor": w.weight >= 0 ? "start" : "end" }, w.weight.toFixed(3));
            });
            add("text", { x: label, y: weights.length * row + 16 }, "intercept " + fmt(model.intercept, 3) + " · " + weights.length + " of " + all.length + " features, largest |weight| first; blue raises the score, red lowers it");
          }
          function renderModel(model) {
            if (!model) { fill("model-table", [["model", "not loaded"]]); return; }
            var span = model.data_span;
            var c = model.counts || {};
            fill("model-table", [
              ["version", model.model_version],
              ["created", model.created_at],
              ["file", model.path],
              ["loaded", model.loaded_at + " (" + fmt(model.load_seconds, 3) + " s)"],
              ["reference time", time(model.reference_time)],
              ["data span", span ? time(span.first_event) + " → " + time(span.last_event) + " (" + fmt(span.days, 1) + " days)" : "–"],
              ["users", fmt(c.users, 0)],
              ["items", fmt(c.items, 0)],
              ["categories", fmt(c.categories, 0)],
              ["events", fmt(c.events, 0)],
              ["neighbour pairs", fmt(c.neighbour_pairs, 0)],
              ["generators", (model.generators || []).join(", ")],
              ["fingerprint", model.fingerprint]
            ]);
            var t = model.training;
            if (!t) {
              fill("training-table", [["training summary", "none in this model"]]);
              fill("windows-table", []);
            } else {
              fill("training-table", [
                ["validation AUC", num(t.validation_auc, 4)],
                ["validation log loss", num(t.validation_log_loss, 4)],
                ["pairs", num(t.pairs, 0)],
                ["positives", num(t.positives, 0)],
                ["negatives", num(t.negatives, 0)],
                ["train / validation pairs", { text: fmt(t.train_pairs, 0) + " / " + fmt(t.validation_pairs, 0), cls: "num" }],
                ["negative sampling", { text: t.negative_sampling, cls: "num" }],
                ["optimiser iterations", { text: t.iterations + (t.converged ? " (converged)" : " (not converged)"), cls: "num" }],
                ["fit seconds", num(t.fit_seconds, 3)]
              ]);
              fill("windows-table", (t.windows || []).map(function (w) {
                return [time(w.cutoff).slice(0, 10), num(w.users, 0), num(w.pairs, 0), num(w.positives, 0), num(w.candidate_recall, 3)];
              }));
            }
            weightsChart(model);
          }
          function renderEvaluation(data) {
            document.getElementById("evaluation-note").textContent = data.evaluation_note;
            var table = document.getElementById("evaluation-table");
            var report = data.evaluation;
            table.querySelector("thead").textContent = "";
            table.querySelector("tbody").textContent = "";
            if (!report) return;
            var ks = report.ks || [];
            var k = ks.indexOf(10) >= 0 ? 10 : ks[0];
            document.getElementById("evaluation-note").textContent = data.evaluation_note + ": " + fmt(report.test_users, 0) +
              " test users, " + fmt(report.test_days, 0) + "-day test window; metrics at K=" + k;
            var head = document.createElement("tr");
            ["method", "precision", "recall", "NDCG", "hit rate", "MAP"].forEach(function (h, i) {
              var th = document.createElement("th"); th.textContent = h; if (i) th.className = "num"; head.appendChild(th);
            });
            table.querySelector("thead").appendChild(head);
            fill("evaluation-table", report.methods.map(function (m) {
              var at = m.metrics.filter(function (x) { return x.k === k; })[0] || {};
              return [m.name, num(at.precision, 4), num(at.recall, 4), num(at.ndcg, 4), num(at.hit_rate, 4), num(at.map, 4)];
            }));
          }
          function render(data) {
            var live = data.live;
            document.getElementById("status").textContent = data.status + (data.model ? " · " + data.model.model_version : "") + " · up " + fmt(data.uptime_seconds, 0) + " s";
            document.getElementById("status-dot").className = "dot " + data.status;
            document.getElementById("updated").textContent = "updated " + data.generated_at;
            document.getElementById("window").textContent = fmt(live.window_seconds, 0);
            kpis(live);
            fill("metrics-table", [
              ["requests (API routes, window)", num(live.requests, 0)],
              ["requests per second", num(live.requests_per_second, 2)],
              ["latency p50 (ms)", num(live.p50_ms, 3)],
              ["latency p99 (ms)", num(live.p99_ms, 3)],
              ["server errors (5xx)", num(live.server_errors, 0)],
              ["recommendations", num(live.recommendations, 0)],
              ["fallback answers", num(live.fallbacks, 0)],
              ["fallback share", { text: live.fallback_share === undefined ? "–" : fmt(100 * live.fallback_share, 1) + "%", cls: "num" }],
              ["candidates per request", num(live.candidates_per_request, 1)],
              ["live events accepted", num(live.live_events_accepted, 0)],
              ["live events rejected", num(live.live_events_rejected, 0)],
              ["live events in memory", num(live.overlay_events, 0)],
              ["visitors with live events", num(live.overlay_visitors, 0)],
              ["event store", { text: live.store_up === undefined ? "–" : (live.store_up === 1 ? "up" : "DOWN"), cls: "" }],
              ["event store lag (records)", num(live.store_lag_records, 0)],
              ["live item updates (items)", num(live.live_items, 0)],
              ["requests since start", num(live.total_requests, 0)],
              ["fallbacks since start", num(live.total_fallbacks, 0)],
              ["live events since start", num(live.total_live_events, 0)]
            ]);
            fill("routes-table", live.routes.map(function (r) {
              return [{ text: r.route, cls: "" }, num(r.requests, 0), num(r.requests_per_second, 2), num(r.p50_ms, 3), num(r.p99_ms, 3), num(r.server_errors, 0)];
            }));
            history.push({ rps: live.requests_per_second, p99: live.p99_ms || 0 });
            if (history.length > 120) history.shift();
            sparkline("rps-line", history.map(function (h) { return h.rps; }));
            sparkline("p99-line", history.map(function (h) { return h.p99; }));
            var modelKey = data.model ? data.model.model_version + " " + data.model.loaded_at : "";
            if (modelKey !== lastModel) { renderModel(data.model); lastModel = modelKey; }
            fill("tasks-table", data.tasks.map(function (t) {
              return [{ text: t.task_id.slice(0, 8), cls: "" }, { text: t.status + (t.failed ? " (error: see the status route)" : ""), cls: "status-" + t.status },
                time(t.created_at), num(t.duration_seconds, 1), t.model_version || "–", num(t.validation_auc, 4)];
            }));
            document.getElementById("tasks-note").textContent = data.tasks_note || "";
            renderEvaluation(data);
            document.body.setAttribute("data-updates", String(Number(document.body.getAttribute("data-updates")) + 1));
          }
          function poll() {
            fetch("/dashboard/data.json", { cache: "no-store" }).then(function (response) {
              if (!response.ok) throw new Error("data.json answered " + response.status);
              return response.json();
            }).then(function (data) {
              try { render(data); } catch (error) { reportError("render failed: " + error.message + "\n" + error.stack); }
            }, function (error) {
              document.getElementById("status").textContent = "unreachable: " + error.message;
              document.getElementById("status-dot").className = "dot down";
            }).then(function () { setTimeout(poll, 3000); });
          }
          poll();
        })();
        </script>
        </body>
        </html>

        """#
}
