#!/usr/bin/env bash
# The end-to-end benchmark (docs/performance.md): mosquitto and VictoriaMetrics on free loopback
# ports with data in a temporary folder, the simulator's load generator (firmware-sim `load`,
# 4 connections, 10,000 devices on 20 sites, QoS 1) and EcoMonitor, each case from a fresh data
# folder and session, warmed up with a short load first so that the figures are the steady state's.
# It samples the service's acknowledgements, CPU (/proc/PID/stat) and RSS, takes the figures over
# 10–90 % of the drain, checks that the generator outran the service (else the rate is the
# generator's, and it says so) and asserts nothing.
#
#   bench/run.sh [--quick] [--keep] [--only CASE[,CASE…]] [-- service options, e.g. --Mqtt:ReceiveMaximum=500]
#
# Cases:
#   one     1 reading per message; first the baseline, `mosquitto_sub -q 1` draining the same load
#           (the broker's own delivery rate here), then the service; the ratio service/broker.
#   fifty   50 readings per message, the same way.
#   rules   as one, with 1,000 alert rules active (thresholds, windows, rates, stuck, deadman).
#   half    1 reading per message at half the rate the service stored in `one`, with a threshold
#           rule on probe devices and a webhook: publish→stored and publish→notification p99.
#   outage  1 reading per message at three quarters of that rate; the store is stopped for 60 s
#           (12 s with --quick) and started again; RSS and the spool sampled every second, and
#           the time the spool takes to drain while live traffic goes on.
# BENCH_SERVICE_ENV="NAME=VALUE …" is set for the service only (runtime knobs such as
# DOTNET_gcServer=1), not for the generator or the broker's tools.
# --quick runs each load for 8 s (under 5 minutes in all, with the build); without it, 30 s.
# The last line is machine-readable:
#   ratio=R batched_readings_per_s=N p99_stored_ms=L rss_mb=M cpu_us_per_msg=C
# (ratio, RSS and CPU of the 1-reading case; readings per second of the 50-reading case; p99 of
# the half-rate case, or of the 1-reading case when half is not run).
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/local/lib.sh

quick=0 keep=0 only="one,fifty,rules,half,outage"
service_extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --keep) keep=1; shift ;;
    --only) only=$2; shift 2 ;;
    --) shift; service_extra=("$@"); break ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
duration=30 warmup=8 outage=60
[ "$quick" -eq 1 ] && duration=8 warmup=3 outage=12
wants() { [[ ",$only," == *",$1,"* ]]; }

ensure_packages mosquitto mosquitto-clients victoria-metrics curl python3
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "==> build (Release)"
dotnet build EcoMonitor.sln -c Release -nologo -v quiet >/dev/null
service_dll=src/EcoMonitor.Service/bin/Release/net10.0/EcoMonitor.Service.dll
generator=firmware-sim/EcoMonitor.FirmwareSim/bin/Release/net10.0/EcoMonitor.FirmwareSim.dll

work=$(mktemp -d -t ecomonitor-bench-XXXXXX)
chmod 777 "$work"
pids=()
service_pid="" sub_pid="" hook_pid="" probe_pid=""
cleanup() {
  for pid in $service_pid $sub_pid $hook_pid $probe_pid "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$keep" -eq 0 ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

start_bench_servers "$work"

hz=$(getconf CLK_TCK)
sites=20
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
field() { grep -o "$1=[^ ]*" <<<"$2" | head -1 | cut -d= -f2; }
metric() { curl -sf "http://127.0.0.1:$http_port/metrics" | awk -v m="$1" '$1 == m { printf "%d", $2; f = 1 } END { if (!f) printf "0" }'; }
acked() { metric ecomonitor_messages_acknowledged_total; }

# load NAME RATE READINGS [SECONDS]: the generator at RATE msg/s for SECONDS (the case's duration); prints its summary line.
load() {
  dotnet "$generator" load --host 127.0.0.1 --port "$mqtt_port" --qos 1 --connections 4 --devices 10000 --sites "$sites" \
    --rate "$2" --duration "${4:-$duration}s" --readings-per-message "$3" --client-id-prefix "bench-$1" 2>/dev/null
}

# window FILE TOTAL: from samples "time count cpu rss", the rate, CPU per message and peak RSS over 10-90 % of TOTAL.
window() {
  awk -v total="$2" -v hz="$hz" '
    { t[NR] = $1; n[NR] = $2; c[NR] = $3; if ($4 > rss) rss = $4 }
    END {
      for (i = 1; i <= NR; i++) { if (!a && n[i] >= 0.1 * total) a = i; if (!b && n[i] >= 0.9 * total) b = i }
      if (!a || !b || b == a) { print "0 0 0"; exit }
      dn = n[b] - n[a]; dt = t[b] - t[a]
      printf "%.0f %.2f %.0f\n", dn / dt, (c[b] - c[a]) / hz * 1e6 / dn, rss / 1024
    }' "$1"
}

# buckets: the publish_to_stored histogram's cumulative bucket counts, one "le count" per line.
buckets() {
  curl -sf "http://127.0.0.1:$http_port/metrics" | awk '/^ecomonitor_publish_to_stored_seconds_bucket/ {
    match($0, /le="[^"]*"/); print substr($0, RSTART + 4, RLENGTH - 5), $NF + 0 }'
}

# quantile Q BEFORE: from the histogram's growth since the snapshot BEFORE (a file of buckets), in
# milliseconds (linear within a bucket): the measured load only, not the warm-up.
quantile() {
  buckets | awk -v q="$1" -v before="$2" '
    BEGIN { while ((getline line < before) > 0) { split(line, f, " "); base[f[1]] = f[2] } }
    { n++; bound[n] = ($1 == "+Inf") ? -1 : $1 + 0; count[n] = $2 - base[$1] }
    END {
      total = count[n]; if (total <= 0) { print "0"; exit }
      prev_b = 0; prev_c = 0
      for (i = 1; i <= n; i++) {
        if (count[i] >= q * total) {
          if (bound[i] < 0) { printf "%.0f", prev_b * 1000; exit }
          frac = (count[i] == prev_c) ? 1 : (q * total - prev_c) / (count[i] - prev_c)
          printf "%.0f", (prev_b + (bound[i] - prev_b) * frac) * 1000; exit
        }
        prev_b = bound[i]; prev_c = count[i]
      }
    }'
}

# wait_acked COUNT SECONDS: until the service has acknowledged COUNT messages.
wait_acked() {
  wait_until "$2" "EcoMonitor to acknowledge $1 messages" bash -c \
    "[ \"\$(curl -sf http://127.0.0.1:$http_port/metrics | awk '\$1 == \"ecomonitor_messages_acknowledged_total\" { printf \"%d\", \$2 }')\" -ge $1 ]" || true
}

# rules_1000 FILE: 1,000 rules over the generator's fleet, the mix of a large deployment (as the
# alert engine's own benchmark has it): 800 thresholds (fleet-wide, per site, on device globs,
# with hysteresis and pending times), 60 rolling windows, 60 rates, 60 stuck, 20 deadman. Limits
# sit above what the simulated signals reach: every rule is evaluated, few fire.
rules_1000() {
  awk -v sites="$sites" 'BEGIN {
    # metric and the top of its plausible range (docs/schema.md#catalog): limits at 90 % of it.
    na = split("pm25:1000 pm10:1000 pm1:1000 so2:5000 no2:5000 o3:5000 co:200 temperature:85 humidity:100", air, " ")
    nw = split("ph:14 do:20 conductivity:200000 turbidity:4000 temperature:50 orp:2000 nh3n:1000 codmn:1000", water, " ")
    ns = split("moisture:100 temperature:80 ec:20000 ph:14", soil, " ")
    for (i = 1; i <= na; i++) { k[++m] = "air"; split(air[i], f, ":"); x[m] = f[1]; top[m] = f[2] }
    for (i = 1; i <= nw; i++) { k[++m] = "water"; split(water[i], f, ":"); x[m] = f[1]; top[m] = f[2] }
    for (i = 1; i <= ns; i++) { k[++m] = "soil"; split(soil[i], f, ":"); x[m] = f[1]; top[m] = f[2] }
    print "rules:"
    n = 0
    for (i = 1; i <= m; i++) rule("threshold", i, "*", "")
    while (n < 800) {
      i = n % m + 1; s = sprintf("site-%02d", int(n / m) % sites + 1)
      rule("threshold", i, s, (n % 7 == 0) ? "*-1*" : "")
    }
    for (j = 0; j < 60; j++) rule("window", j % m + 1, sprintf("site-%02d", j % sites + 1), "")
    for (j = 0; j < 60; j++) rule("rate", j % m + 1, sprintf("site-%02d", j % sites + 1), "")
    for (j = 0; j < 60; j++) rule("stuck", j % m + 1, sprintf("site-%02d", j % sites + 1), "")
    for (j = 0; j < 20; j++) { printf "  - name: r%04d\n    kind: \"*\"\n    site: \"site-%02d\"\n    deadman: 1h\n    severity: warning\n", ++n, j % sites + 1 }
  }
  function rule(type, i, site, device) {
    printf "  - name: r%04d\n    kind: %s\n    metric: %s\n    site: \"%s\"\n", ++n, k[i], x[i], site
    if (device != "") printf "    device: \"%s\"\n", device
    if (type == "threshold") { printf "    above: %g\n    clear_below: %g\n", 0.9 * top[i], 0.8 * top[i]; if (n % 5) printf "    for: %dm\n", n % 5 }
    if (type == "window") printf "    window: { function: mean, over: 1h, bucket: 1m, min_count: 1 }\n    above: %g\n", 0.9 * top[i]
    if (type == "rate") printf "    rate: { per: 1m, above: %g }\n", 0.5 * top[i]
    if (type == "stuck") printf "    stuck: { readings: 1000, tolerance: 0.0001 }\n"
    printf "    severity: warning\n"
  }' >"$1"
}

# A webhook receiver for the probe's notifications: per alert, the time from its reading (startsAt
# of a firing, endsAt of a resolved one) to the notification's arrival, in ms, one line each.
hook_receiver() {
  exec python3 -u - "$1" "$2" <<'PY'
import http.server, json, sys, time
from datetime import datetime
port, out = int(sys.argv[1]), sys.argv[2]
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        now = time.time()
        with open(out, "a") as f:
            for a in body.get("alerts", []):
                at = a["endsAt"] if a["state"] == "resolved" else a["startsAt"]
                f.write("%.1f\n" % ((now - datetime.fromisoformat(at).timestamp()) * 1000))
        self.send_response(204); self.end_headers()
    def log_message(self, *args): pass
http.server.HTTPServer(("127.0.0.1", port), Hook).serve_forever()
PY
}

# The probe: devices of a site of their own, a reading every 250 ms, each stamped as it is sent;
# each device crosses the threshold once up and once down (one episode: more in an hour would be
# held back as flapping).
probe() {
  local i=0
  while true; do
    local value=900
    [ $((i % 2)) -eq 1 ] && value=10
    mosquitto_pub -h 127.0.0.1 -p "$mqtt_port" -q 1 -t "eco/bench-probe/air/probe-$((i / 2))" \
      -m "{\"ts\": $(date +%s%3N), \"readings\": {\"pm25\": $value}}"
    i=$((i + 1))
    sleep 0.25
  done
}

# start_service NAME [options]: a fresh service, ready and warmed up at RATE/4 (warm_rate,
# warm_readings); sets http_port, service_pid, base (its acknowledgements after the warm-up).
start_service() {
  local name=$1
  shift
  http_port=$(free_port)
  # shellcheck disable=SC2086 # BENCH_SERVICE_ENV is a list of NAME=VALUE words
  env ${BENCH_SERVICE_ENV:-} dotnet "$service_dll" run --Mqtt:Host=127.0.0.1 --Mqtt:Port="$mqtt_port" --Mqtt:ClientId="bench-service-$name" \
    --Influx:Url="http://127.0.0.1:$vm_port" --DataDirectory="$work/data-$name" --Urls="http://127.0.0.1:$http_port" \
    --Logging:LogLevel:Default=Warning "$@" "${service_extra[@]}" >"$work/service-$name.log" 2>&1 &
  service_pid=$!
  wait_until 60 "EcoMonitor to be ready" curl -sf "http://127.0.0.1:$http_port/health/ready"

  # Warm-up: a quarter of the rate for a few seconds, drained (the JIT's tiering done, pools and
  # sessions made), as a running service is.
  local line
  line=$(load "warm-$name" "$((warm_rate / 4))" "$warm_readings" "$warmup")
  wait_acked "$(field messages "$line")" 120
  base=$(acked)
  buckets >"$work/buckets-$name"
}

stop_service() {
  kill -TERM "$service_pid"; wait "$service_pid" 2>/dev/null || true; service_pid=""
}

# baseline NAME RATE READINGS: mosquitto_sub draining the load; prints its msg/s over 10-90 %.
baseline() {
  local name=$1
  mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -q 1 -t 'eco/#' -i "bench-sub-$name" -F '%U' >"$work/sub-$name.txt" 2>/dev/null &
  sub_pid=$!
  wait_until 15 "mosquitto_sub to subscribe" grep -q "bench-sub-$name 1 eco/#" "$work/mosquitto/mosquitto.log"
  local line sent
  line=$(load "sub-$name" "$2" "$3")
  sent=$(field messages "$line")
  wait_until 120 "mosquitto_sub to receive $sent messages" bash -c "[ \$(wc -l <'$work/sub-$name.txt') -ge $sent ]" || true
  kill "$sub_pid" 2>/dev/null || true; wait "$sub_pid" 2>/dev/null || true; sub_pid=""
  local drained
  drained=$(awk -v total="$sent" '{ t[NR] = $1 } END { a = int(0.1 * total); b = int(0.9 * total); if (b > NR) b = NR; if (b <= a) { print 0; exit } printf "%.0f", (b - a) / (t[b] - t[a]) }' "$work/sub-$name.txt")
  echo "    baseline: mosquitto_sub drained $drained msg/s (generator: $(field achieved_rate "$line") msg/s achieved)" >&2
  echo "$drained"
}

# measure NAME RATE READINGS: the load against the running service, sampled every 0.25 s; sets
# stored, cpu, rss, p50, p99, outran.
measure() {
  local name=$1 rate=$2 readings=$3
  local samples="$work/samples-$name"
  : >"$samples"
  ( while kill -0 "$service_pid" 2>/dev/null; do
      echo "$(date +%s.%N) $(( $(acked) - base )) $(cpu_ticks "$service_pid") $(rss_kb "$service_pid")" >>"$samples"
      sleep 0.25
    done ) &
  local sampler=$!
  local line sent achieved
  line=$(load "svc-$name" "$rate" "$readings")
  sent=$(field messages "$line")
  achieved=$(field achieved_rate "$line")
  wait_acked $((sent + base)) 180
  p50=$(quantile 0.5 "$work/buckets-$name") p99=$(quantile 0.99 "$work/buckets-$name")
  kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
  read -r stored cpu rss < <(window "$samples" "$sent")
  outran="yes"
  if awk -v g="$achieved" -v s="$stored" 'BEGIN { exit !(g + 0 < s + 0) }'; then
    outran="no: the generator was slower than the service, the rate is the generator's"
  fi
}

report=()
broker1="" stored1="${BENCH_RATE1:-}"

# with_baseline NAME RATE READINGS: the broker's baseline, then the service on the same load;
# reports the case and sets broker_rate.
with_baseline() {
  local name=$1 rate=$2 readings=$3
  echo "==> case $name: $rate msg/s requested for ${duration}s, $readings reading(s) per message, QoS 1"
  broker_rate=$(baseline "$name" "$rate" "$readings")
  warm_rate=$rate warm_readings=$readings
  start_service "$name"
  measure "$name" "$rate" "$readings"
  stop_service
  local ratio
  ratio=$(awk -v a="$stored" -v b="$broker_rate" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  echo "    service: $stored msg/s stored ($((stored * readings)) readings/s), ratio $ratio, p50 ${p50} ms, p99 ${p99} ms, RSS $rss MB, CPU $cpu µs/msg; generator outran it: $outran"
  report+=("$name $readings $broker_rate $stored $ratio $p50 $p99 - $rss $cpu")
}

if wants one || { [ -z "${BENCH_RATE1:-}" ] && { wants half || wants outage; }; }; then
  with_baseline one 20000 1
  broker1=$broker_rate stored1=$stored
fi

if wants fifty; then with_baseline fifty 5000 50; fi

if wants rules; then
  echo "==> case rules: 20000 msg/s requested for ${duration}s, 1 reading per message, 1,000 alert rules"
  rules_1000 "$work/rules-1000.yaml"
  warm_rate=20000 warm_readings=1
  start_service rules --Alerts:RulesFile="$work/rules-1000.yaml"
  measure rules 20000 1
  stop_service
  ratio=$(awk -v a="$stored" -v b="${broker1:-0}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  echo "    service: $stored msg/s stored, ratio to case one's broker $ratio, p99 ${p99} ms, RSS $rss MB, CPU $cpu µs/msg; generator outran it: $outran"
  report+=("rules 1 ${broker1:--} $stored $ratio $p50 $p99 - $rss $cpu")
fi

half_p99=""
if wants half; then
  rate=$(( ${stored1:-10000} / 2 ))
  echo "==> case half: $rate msg/s (half of what case one stored) for ${duration}s, 1 reading per message, a threshold rule on probe devices"
  cat >"$work/rules-probe.yaml" <<'YAML'
rules:
  - name: bench-probe
    kind: air
    metric: pm25
    site: bench-probe
    above: 500
    clear_below: 400
    severity: warning
YAML
  hook_port=$(free_port)
  : >"$work/notified-ms.txt"
  hook_receiver "$hook_port" "$work/notified-ms.txt" &
  hook_pid=$!
  wait_until 15 "the webhook receiver" bash -c "exec 3<>/dev/tcp/127.0.0.1/$hook_port"
  warm_rate=$((rate * 2)) warm_readings=1
  start_service half --Alerts:RulesFile="$work/rules-probe.yaml" --Notifications:GroupWindow=00:00:00 \
    --Notifications:Channels:0:Name=bench --Notifications:Channels:0:Type=webhook \
    --Notifications:Channels:0:Url="http://127.0.0.1:$hook_port/"
  probe &
  probe_pid=$!
  : >"$work/notified-ms.txt"
  measure half "$rate" 1
  kill "$probe_pid" 2>/dev/null || true; wait "$probe_pid" 2>/dev/null || true; probe_pid=""
  # The probe's last notifications out of the outbox before the service stops.
  wait_until 15 "the outbox to empty" bash -c "[ \"\$(curl -sf http://127.0.0.1:$http_port/metrics | awk '/^ecomonitor_notifications_pending/ { n += \$NF } END { printf \"%d\", n }')\" = 0 ]" || true
  stop_service
  kill "$hook_pid" 2>/dev/null || true; wait "$hook_pid" 2>/dev/null || true; hook_pid=""
  read -r notified notify_p50 notify_p99 < <(sort -n "$work/notified-ms.txt" | awk '{ v[NR] = $1 } END { if (!NR) { print "0 0 0"; exit } printf "%d %.0f %.0f\n", NR, v[int(0.5 * (NR - 1)) + 1], v[int(0.99 * (NR - 1)) + 1] }')
  half_p99=$p99
  echo "    service: $stored msg/s stored, p50 ${p50} ms, p99 ${p99} ms stored; $notified probe notifications, publish→notification p50 ${notify_p50} ms, p99 ${notify_p99} ms; RSS $rss MB, CPU $cpu µs/msg"
  report+=("half 1 - $stored - $p50 $p99 $notify_p99 $rss $cpu")
fi

if wants outage; then
  rate=$(( ${stored1:-10000} * 3 / 4 ))
  total=$((outage + 2 * duration))
  echo "==> case outage: $rate msg/s (three quarters of what case one stored) for ${total}s, 1 reading per message; the store down for ${outage}s from ${duration}s in"
  warm_rate=$((rate * 4 / 3)) warm_readings=1
  start_service outage
  samples="$work/outage-seconds"
  : >"$samples"
  ( while kill -0 "$service_pid" 2>/dev/null; do
      echo "$(date +%s) $(rss_kb "$service_pid") $(metric ecomonitor_spool_bytes) $(( $(acked) - base ))" >>"$samples"
      sleep 1
    done ) &
  sampler=$!
  load "svc-outage" "$rate" 1 "$total" >"$work/outage-load.txt" &
  loader=$!
  sleep "$duration"
  down_at=$(date +%s)
  kill "$vm_pid"; wait "$vm_pid" 2>/dev/null || true
  sleep "$outage"
  up_at=$(date +%s)
  start_bench_store "$work"
  wait "$loader" || true
  sent=$(field messages "$(cat "$work/outage-load.txt")")
  wait_acked $((sent + base)) 300
  wait_until 300 "the spool to drain" bash -c "[ \"\$(curl -sf http://127.0.0.1:$http_port/metrics | awk '\$1 == \"ecomonitor_spool_bytes\" { printf \"%d\", \$2 }')\" = 0 ]" || true
  drained_at=$(date +%s)
  kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
  stop_service
  read -r rss_before rss_outage_max rss_after spool_max < <(awk -v d="$down_at" -v u="$up_at" '
    $1 < d { before = $2 } $1 >= d && $1 <= u { if ($2 > m) m = $2; if ($3 > s) s = $3 } $1 > u { after = $2 }
    END { printf "%.0f %.0f %.0f %.1f\n", before / 1024, m / 1024, after / 1024, s / 1048576 }' "$samples")
  # The drain: from the store's return to the first second the spool was empty again (the load
  # goes on for another case length, so the wait above ends no sooner than that).
  drain=$(awk -v u="$up_at" '$1 >= u && $3 == 0 { print $1 - u; found = 1; exit } END { if (!found) print "-" }' "$samples")
  [ "$drain" = "-" ] && drain=$((drained_at - up_at))
  echo "    RSS ${rss_before} MB before, at most ${rss_outage_max} MB during the outage while the spool grew to ${spool_max} MB, ${rss_after} MB after; the spool drained ${drain} s after the store came back, live traffic flowing"
  echo "    per second (time, RSS kB, spool bytes, acknowledged):"
  awk -v d="$down_at" -v u="$up_at" '{ tag = ($1 >= d && $1 < u) ? " outage" : ""; printf "      %+4d s  %7d kB  %10d B  %8d%s\n", $1 - d, $2, $3, $4, tag }' "$samples"
  report+=("outage 1 - - - - - - $rss_outage_max -")
fi

echo
echo "EcoMonitor end to end ($(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); ${duration}s per case, QoS 1, 10,000 devices on $sites sites)"
printf '  %-6s %9s %12s %12s %14s %6s %8s %8s %10s %7s %9s %11s\n' case readings broker_msg/s stored_msg/s stored_read/s ratio p50_ms p99_ms notify_p99 rss_MB µs/msg µs/reading
for r in "${report[@]}"; do
  read -r name readings broker stored ratio p50 p99 notify rss cpu <<<"$r"
  per_reading=$(awk -v c="$cpu" -v r="$readings" 'BEGIN { if (c == "-") print "-"; else printf "%.2f", c / r }')
  readings_s=$(awk -v s="$stored" -v r="$readings" 'BEGIN { if (s == "-") print "-"; else printf "%d", s * r }')
  printf '  %-6s %9s %12s %12s %14s %6s %8s %8s %10s %7s %9s %11s\n' "$name" "$readings" "$broker" "$stored" "$readings_s" "$ratio" "$p50" "$p99" "$notify" "$rss" "$cpu" "$per_reading"
done
[ -n "${drain:-}" ] && echo "  outage: ${outage}s; RSS ${rss_before:-?} → max ${rss_outage_max:-?} → ${rss_after:-?} MB while the spool grew to ${spool_max:-?} MB; drained in ${drain}s with live traffic"

line_of() { for r in "${report[@]}"; do [[ "$r" == "$1 "* ]] && { echo "$r"; return; }; done; echo "$1 - - - - - - - - -"; }
read -r _ _ _ _ ratio1 _ p99_1 _ rss1 cpu1 <<<"$(line_of one)"
read -r _ readings50 _ stored50 _ _ _ _ rss50 _ <<<"$(line_of fifty)"
batched=$(awk -v s="$stored50" -v r="$readings50" 'BEGIN { if (s == "-") print "-"; else printf "%d", s * r }')
rss_max=$(printf '%s\n' "${rss1:-0}" "${rss50:-0}" | awk '$1 != "-" && $1 > m { m = $1 } END { print m + 0 }')
echo "ratio=$ratio1 batched_readings_per_s=$batched p99_stored_ms=${half_p99:-$p99_1} rss_mb=$rss_max cpu_us_per_msg=$cpu1"
