#!/usr/bin/env bash
# The end-to-end benchmark (docs/performance.md): mosquitto and VictoriaMetrics on free loopback
# ports with data in a temporary folder, the simulator's load generator (firmware-sim `load`,
# several connections, QoS 1) and EcoMonitor. Per case it first measures the baseline, the
# broker's own delivery rate here: `mosquitto_sub -q 1` draining the same load; then the service
# draining it. It prints, per case, messages and readings stored per second, the ratio to the
# baseline, publish→stored latency p50/p99 (the device timestamp against the batch being
# stored: ecomonitor_publish_to_stored_seconds), the service's peak RSS, and its CPU µs per message
# and per reading from /proc/PID/stat, over 10–90 % of the drain. It checks that the generator
# outran the service (else the figure is the generator's, and it says so) and asserts nothing.
#
#   bench/run.sh [--quick] [--keep] [--only one|fifty] [-- service options, e.g. --Mqtt:ReceiveMaximum=500]
#
# Cases: 1 reading per message and 50 readings per message, QoS 1, 10,000 devices, 4 connections.
# --quick runs them for 15 s each (under 5 minutes in all); without it, 30 s. Not measured here
# yet: publish→notification latency, a 60 s store outage at full rate, and 1,000 active rules.
# The last line is machine-readable:
#   ratio=R batched_readings_per_s=N p99_stored_ms=L rss_mb=M cpu_us_per_msg=C
# (ratio, p99, RSS and CPU of the 1-reading case; readings per second of the 50-reading case).
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/local/lib.sh

quick=0 keep=0 only=""
service_extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --keep) keep=1; shift ;;
    --only) only=$2; shift 2 ;;
    --) shift; service_extra=("$@"); break ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
duration=30 warmup=8
[ "$quick" -eq 1 ] && duration=15 warmup=5

ensure_packages mosquitto mosquitto-clients victoria-metrics curl
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "==> build (Release)"
dotnet build EcoMonitor.sln -c Release -nologo -v quiet >/dev/null
service_dll=src/EcoMonitor.Service/bin/Release/net10.0/EcoMonitor.Service.dll
generator=firmware-sim/EcoMonitor.FirmwareSim/bin/Release/net10.0/EcoMonitor.FirmwareSim.dll

work=$(mktemp -d -t ecomonitor-bench-XXXXXX)
chmod 777 "$work"
pids=()
service_pid="" sub_pid=""
cleanup() {
  for pid in $service_pid $sub_pid "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$keep" -eq 0 ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

start_bench_servers "$work"

hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
field() { grep -o "$1=[^ ]*" <<<"$2" | head -1 | cut -d= -f2; }
metric() { curl -sf "http://127.0.0.1:$http_port/metrics" | awk -v m="$1" '$1 == m { printf "%d", $2; f = 1 } END { if (!f) printf "0" }'; }

# load NAME RATE READINGS [SECONDS]: the generator at RATE msg/s for SECONDS (the case's duration); prints its summary line.
load() {
  dotnet "$generator" load --host 127.0.0.1 --port "$mqtt_port" --qos 1 --connections 4 --devices 10000 \
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
    {
      n++; bound[n] = ($1 == "+Inf") ? -1 : $1 + 0; count[n] = $2 - base[$1]
    }
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

# acked: the service's acknowledged messages so far.
acked() { metric ecomonitor_messages_acknowledged_total; }

report=()
run_case() {
  local name=$1 rate=$2 readings=$3
  echo "==> case $name: $rate msg/s requested for ${duration}s, $readings reading(s) per message, QoS 1"

  # Baseline: mosquitto_sub draining the same load; one line per message, its arrival time.
  mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -q 1 -t 'eco/#' -i "bench-sub-$name" -F '%U' >"$work/sub-$name.txt" 2>/dev/null &
  sub_pid=$!
  wait_until 15 "mosquitto_sub to subscribe" grep -q "bench-sub-$name 1 eco/#" "$work/mosquitto/mosquitto.log"
  local line
  line=$(load "sub-$name" "$rate" "$readings")
  local sent
  sent=$(field messages "$line")
  wait_until 120 "mosquitto_sub to receive $sent messages" bash -c "[ \$(wc -l <'$work/sub-$name.txt') -ge $sent ]" || true
  kill "$sub_pid" 2>/dev/null || true; wait "$sub_pid" 2>/dev/null || true; sub_pid=""
  local baseline
  baseline=$(awk -v total="$sent" '{ t[NR] = $1 } END { a = int(0.1 * total); b = int(0.9 * total); if (b > NR) b = NR; if (b <= a) { print 0; exit } printf "%.0f", (b - a) / (t[b] - t[a]) }' "$work/sub-$name.txt")
  echo "    baseline: mosquitto_sub drained $baseline msg/s (generator: $(field achieved_rate "$line") msg/s achieved)"

  # The service: a fresh data folder and session; sampled while it drains.
  http_port=$(free_port)
  dotnet "$service_dll" run --Mqtt:Host=127.0.0.1 --Mqtt:Port="$mqtt_port" --Mqtt:ClientId="bench-service-$name" \
    --Influx:Url="http://127.0.0.1:$vm_port" --DataDirectory="$work/data-$name" --Urls="http://127.0.0.1:$http_port" \
    --Logging:LogLevel:Default=Warning "${service_extra[@]}" >"$work/service-$name.log" 2>&1 &
  service_pid=$!
  wait_until 60 "EcoMonitor to be ready" curl -sf "http://127.0.0.1:$http_port/health/ready"

  # Warm-up: a quarter of the rate for a few seconds, drained, so that the figures are of the
  # steady state (the JIT's tiering done, pools and sessions made), as a running service is.
  line=$(load "warm-$name" "$((rate / 4))" "$readings" "$warmup")
  local warm_sent
  warm_sent=$(field messages "$line")
  wait_until 120 "EcoMonitor to drain the warm-up" bash -c "[ \"\$(curl -sf http://127.0.0.1:$http_port/metrics | awk '\$1 == \"ecomonitor_messages_acknowledged_total\" { printf \"%d\", \$2 }')\" -ge $warm_sent ]" || true
  local base
  base=$(acked)
  buckets >"$work/buckets-$name"

  local samples="$work/samples-$name"
  : >"$samples"
  ( while kill -0 "$service_pid" 2>/dev/null; do
      echo "$(date +%s.%N) $(( $(acked) - base )) $(cpu_ticks "$service_pid") $(rss_kb "$service_pid")" >>"$samples"
      sleep 0.25
    done ) &
  local sampler=$!
  line=$(load "svc-$name" "$rate" "$readings")
  sent=$(field messages "$line")
  local achieved
  achieved=$(field achieved_rate "$line")
  wait_until 180 "EcoMonitor to acknowledge $sent messages" bash -c "[ \"\$(curl -sf http://127.0.0.1:$http_port/metrics | awk '\$1 == \"ecomonitor_messages_acknowledged_total\" { printf \"%d\", \$2 }')\" -ge $((sent + base)) ]" || true
  local p50 p99
  p50=$(quantile 0.5 "$work/buckets-$name") p99=$(quantile 0.99 "$work/buckets-$name")
  kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
  kill -TERM "$service_pid"; wait "$service_pid" 2>/dev/null || true; service_pid=""

  local rate_out cpu rss
  read -r rate_out cpu rss < <(window "$samples" "$sent")
  local ratio
  ratio=$(awk -v a="$rate_out" -v b="$baseline" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  local outran="yes"
  awk -v g="$achieved" -v s="$rate_out" 'BEGIN { exit !(g + 0 < s + 0) }' && outran="no: the generator was slower than the service, the rate is the generator's"
  echo "    service: $rate_out msg/s stored ($(awk -v a="$rate_out" -v r="$readings" 'BEGIN { printf "%.0f", a * r }') readings/s), ratio $ratio, p50 ${p50} ms, p99 ${p99} ms, RSS $rss MB, CPU $cpu µs/msg; generator outran it: $outran"
  report+=("$name $readings $baseline $rate_out $ratio $p50 $p99 $rss $cpu")
}

rate1=20000 rate50=3000
[ -z "$only" ] || [ "$only" = one ] && run_case one "$rate1" 1
[ -z "$only" ] || [ "$only" = fifty ] && run_case fifty "$rate50" 50
[ ${#report[@]} -eq 2 ] || { printf '%s\n' "${report[@]}"; exit 0; }

echo
echo "EcoMonitor end to end ($(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); ${duration}s per case, QoS 1, 10,000 devices)"
printf '  %-6s %9s %12s %12s %14s %6s %8s %8s %7s %9s %11s\n' case readings broker_msg/s stored_msg/s stored_read/s ratio p50_ms p99_ms rss_MB µs/msg µs/reading
for r in "${report[@]}"; do
  read -r name readings baseline stored ratio p50 p99 rss cpu <<<"$r"
  printf '  %-6s %9s %12s %12s %14s %6s %8s %8s %7s %9s %11s\n' "$name" "$readings" "$baseline" "$stored" "$((stored * readings))" "$ratio" "$p50" "$p99" "$rss" "$cpu" "$(awk -v c="$cpu" -v r="$readings" 'BEGIN { printf "%.2f", (r > 0 ? c / r : 0) }')"
done
read -r _ _ _ _ ratio1 _ p99_1 rss1 cpu1 <<<"${report[0]}"
read -r _ readings50 _ stored50 _ _ _ rss50 _ <<<"${report[1]}"
rss_max=$(( rss1 > rss50 ? rss1 : rss50 ))
echo "ratio=$ratio1 batched_readings_per_s=$((stored50 * readings50)) p99_stored_ms=$p99_1 rss_mb=$rss_max cpu_us_per_msg=$cpu1"
