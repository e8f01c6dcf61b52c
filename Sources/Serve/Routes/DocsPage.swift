/// `GET /docs`: one self-contained page (inline CSS and script, no other
/// request but the "try it" calls) that renders the OpenAPI document: every
/// operation with its parameters, body, an example request and response,
/// and a form that sends GET requests to this server.
enum DocsPage {
    /// The section id of an operation: `op-get-recommend-user_id`.
    static func anchor(method: String, path: String) -> String {
        var out = ""
        var dash = false
        for c in ("op-" + method + path).lowercased().unicodeScalars {
            if (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c == "_" {
                out.unicodeScalars.append(c)
                dash = false
            } else if !dash {
                out += "-"
                dash = true
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out
    }

    static func html(specJSON: String) -> String {
        let operations = SpecOperations(json: specJSON).operations
        var index = ""
        for op in operations {
            index += """
                <li><a href="#\(op.anchor)" data-route="\(op.method) \(htmlEscaped(op.path))">\
                <span class="m \(op.method.lowercased())">\(op.method)</span> <code>\(htmlEscaped(op.path))</code></a> \
                <span class="sum">\(htmlEscaped(op.summary))</span></li>

                """
        }
        return
            head
                + """
                <nav id="index"><h2>Routes</h2><ul>
                \(index)</ul></nav>
                <main id="operations"><p class="muted">Rendering the specification…</p></main>
                <script id="spec" type="application/json">\(scriptSafeJSON(specJSON))</script>

                """ + script + "</body>\n</html>\n"
    }

    static let head = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>recsys-serve API</title>
        <style>
        :root { --fg: #1d2330; --muted: #667085; --line: #e4e7ec; --bg: #f7f8fa; --accent: #2f6fdf; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
        header { padding: 20px 32px; background: #fff; border-bottom: 1px solid var(--line); }
        header h1 { margin: 0 0 4px; font-size: 22px; }
        a { color: var(--accent); }
        nav, main { max-width: 1100px; margin: 0 auto; padding: 0 32px; }
        nav ul { list-style: none; padding: 0; margin: 0; }
        nav li { padding: 3px 0; }
        nav li a { text-decoration: none; }
        .sum, .muted { color: var(--muted); }
        code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
        pre { background: #0f172a; color: #e2e8f0; padding: 12px; border-radius: 6px; overflow: auto; margin: 6px 0 12px; }
        .m { display: inline-block; min-width: 52px; text-align: center; border-radius: 4px; padding: 0 6px; color: #fff; font-weight: 600; font-size: 12px; }
        .m.get { background: #1a7f37; } .m.post { background: #2f6fdf; } .m.head { background: #6e7781; }
        .m.put, .m.patch { background: #9a6700; } .m.delete { background: #cf222e; }
        section.op { background: #fff; border: 1px solid var(--line); border-radius: 8px; margin: 18px 0; padding: 14px 18px; }
        section.op h3 { margin: 0 0 6px; font-size: 17px; }
        section.op h4 { margin: 12px 0 4px; font-size: 14px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; border-bottom: 1px solid var(--line); padding: 4px 8px; vertical-align: top; }
        th { font-size: 13px; color: var(--muted); font-weight: 600; }
        .badge { font-size: 11px; border: 1px solid var(--line); border-radius: 10px; padding: 0 6px; color: var(--muted); }
        form.try { display: grid; grid-template-columns: max-content 1fr; gap: 6px 10px; align-items: center; background: var(--bg); padding: 10px; border-radius: 6px; }
        form.try input { font: inherit; padding: 3px 6px; border: 1px solid #c9ced6; border-radius: 4px; }
        form.try button { grid-column: 2; justify-self: start; font: inherit; padding: 4px 14px; background: var(--accent); color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
        #js-errors { background: #fee; color: #900; padding: 8px 32px; margin: 0; white-space: pre-wrap; }
        </style>
        </head>
        <body>
        <pre id="js-errors" hidden></pre>
        <header>
        <h1>recsys-serve API</h1>
        <div id="info" class="muted"></div>
        <div>The document: <a href="/openapi.yaml">openapi.yaml</a> · <a href="/openapi.json">openapi.json</a> · <a href="/dashboard">dashboard</a></div>
        </header>

        """#

    static let script = #"""
        <script>
        "use strict";
        window.onerror = function (message, source, line, column) {
          var box = document.getElementById("js-errors");
          box.hidden = false;
          box.textContent += String(message) + " (line " + line + ":" + column + ")\n";
        };
        window.addEventListener("unhandledrejection", function (event) {
          var box = document.getElementById("js-errors");
          box.hidden = false;
          box.textContent += "unhandled rejection: " + String(event.reason) + "\n";
        });
        (function () {
          var spec = JSON.parse(document.getElementById("spec").textContent);
          var METHODS = ["get", "head", "post", "put", "patch", "delete"];

          function el(tag, attrs, children) {
            var node = document.createElement(tag);
            Object.keys(attrs || {}).forEach(function (k) {
              if (k === "text") node.textContent = attrs[k];
              else node.setAttribute(k, attrs[k]);
            });
            (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
            return node;
          }
          function anchor(method, path) {
            return ("op-" + method + path).toLowerCase().replace(/[^a-z0-9_]+/g, "-").replace(/-+$/, "");
          }
          function resolve(ref) {
            var node = spec;
            ref.replace(/^#\//, "").split("/").forEach(function (part) {
              node = node ? node[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
            });
            return node || {};
          }
          function deref(schema) {
            var hops = 0;
            while (schema && schema.$ref && hops++ < 20) schema = resolve(schema.$ref);
            return schema || {};
          }
          function example(schema, depth) {
            schema = deref(schema);
            depth = depth || 0;
            if (depth > 8) return null;
            if ("example" in schema) return schema.example;
            if (schema.allOf) {
              var merged = {};
              schema.allOf.forEach(function (part) {
                var e = example(part, depth + 1);
                if (e && typeof e === "object" && !Array.isArray(e)) Object.assign(merged, e);
              });
              return merged;
            }
            if (schema.enum) return schema.enum[0];
            if ("default" in schema) return schema.default;
            switch (schema.type) {
              case "object":
                var out = {};
                var props = schema.properties || {};
                Object.keys(props).forEach(function (k) { if (!props[k].deprecated) out[k] = example(props[k], depth + 1); });
                return out;
              case "array": return [example(schema.items || {}, depth + 1)];
              case "integer": return schema.minimum > 0 ? schema.minimum : 1;
              case "number": return 0.5;
              case "boolean": return true;
              case "string": return schema.format === "uuid" ? "00000000-0000-0000-0000-000000000000" : "text";
            }
            return null;
          }
          // Beyond 2^53 a JavaScript number is not exact (999999999999999999 reads as 1e18).
          function bound(v) { return Math.abs(v) > Number.MAX_SAFE_INTEGER ? "about " + v.toExponential(0) : String(v); }
          function typeText(schema) {
            schema = deref(schema);
            var parts = [];
            if (schema.type === "array") parts.push("array of " + typeText(schema.items || {}));
            else parts.push(schema.type || "object");
            if (schema.format) parts.push(schema.format);
            if (schema.enum) parts.push("one of " + schema.enum.join(", "));
            if ("minimum" in schema && "maximum" in schema) parts.push(bound(schema.minimum) + "…" + bound(schema.maximum));
            else if ("minimum" in schema) parts.push("≥ " + bound(schema.minimum));
            else if ("maximum" in schema) parts.push("≤ " + bound(schema.maximum));
            if ("minItems" in schema || "maxItems" in schema) parts.push((schema.minItems || 0) + "…" + (schema.maxItems || "∞") + " items");
            if ("default" in schema) parts.push("default " + JSON.stringify(schema.default));
            if (schema.nullable) parts.push("nullable");
            return parts.join(", ");
          }
          function needsToken(op) {
            return (op.security || []).some(function (s) { return "bearer" in s; });
          }
          function tokenOptional(op) {
            return (op.security || []).some(function (s) { return Object.keys(s).length === 0; });
          }
          function paramExample(p) {
            if ("example" in p) return p.example;
            return example(p.schema || {});
          }
          function exampleURL(path, params) {
            var url = path.replace(/\{([^}]+)\}/g, function (_, name) {
              var p = params.filter(function (q) { return q.in === "path" && q.name === name; })[0];
              return encodeURIComponent(p ? String(paramExample(p)) : "1");
            });
            var query = params.filter(function (p) { return p.in === "query" && (p.required || "example" in p); })
              .map(function (p) { return encodeURIComponent(p.name) + "=" + encodeURIComponent(String(paramExample(p))); });
            return url + (query.length ? "?" + query.join("&") : "");
          }
          function exampleRequest(method, path, op, params) {
            var line = "curl -sS";
            if (method !== "get") line += method === "head" ? " -I" : " -X " + method.toUpperCase();
            if (needsToken(op)) line += " -H 'Authorization: Bearer $TOKEN'";
            var body = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
            if (body) {
              var value = "example" in body ? body.example : example(body.schema || {});
              line += " -H 'Content-Type: application/json' \\\n  -d '" + JSON.stringify(value) + "'";
            }
            return line + " \\\n  '" + location.origin + exampleURL(path, params) + "'";
          }
          function exampleResponse(op) {
            var codes = Object.keys(op.responses || {});
            var ok = codes.filter(function (c) { return c.charAt(0) === "2"; })[0] || codes[0];
            if (!ok) return "";
            var r = deref(op.responses[ok]);
            var content = r.content || {};
            var type = Object.keys(content)[0];
            var text = "HTTP " + ok + " (" + (r.description || "") + ")\n";
            if (!type) return text + "(no body)";
            text += "Content-Type: " + type + "\n\n";
            if (type === "application/json") {
              var c = content[type];
              return text + JSON.stringify("example" in c ? c.example : example(c.schema || {}), null, 2);
            }
            return text + "(" + typeText(content[type].schema || {}) + ")";
          }
          function paramTable(params) {
            var rows = params.map(function (p) {
              return el("tr", {}, [
                el("td", {}, [el("code", { text: p.name })]),
                el("td", { text: p.in }),
                el("td", { text: p.required ? "yes" : "no" }),
                el("td", { text: typeText(p.schema || {}) }),
                el("td", { text: p.description || "" })
              ]);
            });
            return el("table", { "class": "params" }, [
              el("tr", {}, ["name", "in", "required", "type", "description"].map(function (h) { return el("th", { text: h }); }))
            ].concat(rows));
          }
          function bodyTable(schema) {
            schema = deref(schema);
            var props = schema.properties || {};
            var required = schema.required || [];
            var rows = Object.keys(props).map(function (name) {
              var p = deref(props[name]);
              return el("tr", {}, [
                el("td", {}, [el("code", { text: name })]),
                el("td", { text: required.indexOf(name) >= 0 ? "yes" : "no" }),
                el("td", { text: typeText(p) + (p.deprecated ? " (deprecated)" : "") }),
                el("td", { text: p.description || "" })
              ]);
            });
            return el("table", { "class": "body" }, [
              el("tr", {}, ["field", "required", "type", "description"].map(function (h) { return el("th", { text: h }); }))
            ].concat(rows));
          }
          function tryForm(path, op, params) {
            var form = el("form", { "class": "try", "data-path": path });
            var inputs = [];
            params.forEach(function (p) {
              var id = anchor("try", path) + "-" + p.name;
              var input = el("input", { id: id, name: p.name, "data-in": p.in, placeholder: typeText(p.schema || {}) });
              if (p.in === "path") input.value = String(paramExample(p));
              inputs.push(input);
              form.appendChild(el("label", { "for": id }, [p.name + (p.required ? " *" : "")]));
              form.appendChild(input);
            });
            var token = null;
            if (needsToken(op)) {
              token = el("input", { name: "token", type: "password", placeholder: tokenOptional(op) ? "optional bearer token" : "bearer token" });
              form.appendChild(el("label", {}, ["token"]));
              form.appendChild(token);
            }
            form.appendChild(el("button", { type: "submit", text: "Send" }));
            var out = el("pre", { "class": "try-out", hidden: "" });
            form.addEventListener("submit", function (event) {
              event.preventDefault();
              var url = path;
              var query = [];
              inputs.forEach(function (input) {
                var v = input.value.trim();
                if (input.getAttribute("data-in") === "path") url = url.replace("{" + input.name + "}", encodeURIComponent(v));
                else if (v !== "") query.push(encodeURIComponent(input.name) + "=" + encodeURIComponent(v));
              });
              if (query.length) url += "?" + query.join("&");
              var headers = {};
              if (token && token.value) headers.Authorization = "Bearer " + token.value;
              out.hidden = false;
              out.textContent = "GET " + url + " …";
              fetch(url, { headers: headers }).then(function (response) {
                return response.text().then(function (text) {
                  var shown = text;
                  try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* not JSON */ }
                  out.textContent = "GET " + url + "\nHTTP " + response.status + " " + response.statusText + "\n\n" + shown;
                });
              }).catch(function (error) { out.textContent = "GET " + url + "\nfailed: " + error; });
            });
            return el("div", {}, [form, out]);
          }
          function render() {
            var info = spec.info || {};
            document.getElementById("info").textContent =
              (info.description || "") + " OpenAPI " + (spec.openapi || "") + ", document version " + (info.version || "") + ".";
            var main = document.getElementById("operations");
            main.textContent = "";
            Object.keys(spec.paths || {}).forEach(function (path) {
              var item = spec.paths[path];
              METHODS.forEach(function (method) {
                var op = item[method];
                if (!op) return;
                var params = (item.parameters || []).concat(op.parameters || []).map(deref);
                var section = el("section", { "class": "op", id: anchor(method, path), "data-route": method.toUpperCase() + " " + path });
                var title = el("h3", {}, [el("span", { "class": "m " + method, text: method.toUpperCase() }), " ", el("code", { text: path })]);
                if (needsToken(op)) title.appendChild(el("span", { "class": "badge", text: tokenOptional(op) ? "token when configured" : "admin token" }));
                section.appendChild(title);
                if (op.summary) section.appendChild(el("p", { text: op.summary }));
                if (op.description) section.appendChild(el("p", { "class": "muted", text: op.description }));
                if (params.length) {
                  section.appendChild(el("h4", { text: "Parameters" }));
                  section.appendChild(paramTable(params));
                }
                var body = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
                if (body) {
                  section.appendChild(el("h4", { text: "Request body (application/json)" }));
                  section.appendChild(bodyTable(body.schema || {}));
                }
                section.appendChild(el("h4", { text: "Example request" }));
                section.appendChild(el("pre", { "class": "example-request", text: exampleRequest(method, path, op, params) }));
                section.appendChild(el("h4", { text: "Example response" }));
                section.appendChild(el("pre", { "class": "example-response", text: exampleResponse(op) }));
                section.appendChild(el("h4", { text: "Responses" }));
                section.appendChild(el("table", { "class": "responses" }, Object.keys(op.responses || {}).map(function (code) {
                  return el("tr", {}, [el("td", {}, [el("code", { text: code })]), el("td", { text: deref(op.responses[code]).description || "" })]);
                })));
                if (method === "get") {
                  section.appendChild(el("h4", { text: "Try it" }));
                  section.appendChild(tryForm(path, op, params));
                }
                main.appendChild(section);
              });
            });
            document.body.setAttribute("data-rendered", String(main.querySelectorAll("section.op").length));
          }
          render();
        })();
        </script>

        """#
}
