#!/usr/bin/env bash
# The cost of the tamper-evident log (docs/audit.md#cost): the same backlog drained by EcoMonitor
# with auditing off and on, alternately, in one run. It starts mosquitto and VictoriaMetrics on
# free loopback ports with data in a temporary folder; per round it lets a service make its
# persistent session, stops it, has the load generator queue the backlog at the broker, then starts
# the service again and samples its acknowledgements and its CPU (/proc/PID/stat) until it has
# acknowledged everything. The generator is not running while the service drains, so the figures
# are the service's own. It prints, per round and per mode, messages and readings per second and
# CPU µs per message and per reading over the middle of the drain (10 % to 90 %), then the ratios
# on/off per round and their geometric mean with its standard error; it asserts nothing. Its last
# line is machine-readable.
#
#   deploy/local/audit-bench.sh [--messages 300000] [--readings-per-message 1] [--rounds 6] [--keep]
#
# Rounds alternate the order (off then on, on then off) so that neither mode always runs first.
set -euo pipefail
cd "$(dirname "$0")/../.."
. deploy/local/lib.sh

messages=300000 readings=1 rounds=6 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --messages) messages=$2; shift 2 ;;
    --readings-per-message) readings=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n "2,17p" "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

ensure_packages mosquitto victoria-metrics curl
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "==> build (Release)"
dotnet build EcoMonitor.sln -c Release -nologo -v quiet
service_dll=src/EcoMonitor.Service/bin/Release/net10.0/EcoMonitor.Service.dll
generator=firmware-sim/EcoMonitor.FirmwareSim/bin/Release/net10.0/EcoMonitor.FirmwareSim.dll

work=$(mktemp -d -t ecomonitor-audit-bench-XXXXXX)
chmod 777 "$work"
pids=()
service_pid=""
cleanup() {
  [ -n "$service_pid" ] && kill "$service_pid" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$keep" -eq 0 ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

start_bench_servers "$work"

key="$work/audit.key"
dotnet "$service_dll" audit keygen --name bench.example/audit --out "$key" >/dev/null

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# start_service MODE ROUND: EcoMonitor on its own data folder and client id, auditing per MODE.
start_service() {
  local mode=$1 round=$2
  http_port=$(free_port)
  local args=(run --Mqtt:Host=127.0.0.1 --Mqtt:Port="$mqtt_port" --Mqtt:ClientId="bench-$mode-$round"
    --Influx:Url="http://127.0.0.1:$vm_port" --DataDirectory="$work/data-$mode-$round"
    --Urls="http://127.0.0.1:$http_port" --Logging:LogLevel:Default=Warning)
  [ "$mode" = on ] && args+=(--Audit:SigningKeyFile="$key" --Audit:Origin=bench.example/audit)
  dotnet "$service_dll" "${args[@]}" >>"$work/service-$mode-$round.log" 2>&1 &
  service_pid=$!
  wait_until 60 "EcoMonitor ($mode) to be ready" curl -sf "http://127.0.0.1:$http_port/health/ready"
}

stop_service() {
  kill -TERM "$service_pid"
  wait "$service_pid" 2>/dev/null || true
  service_pid=""
}

acknowledged() { curl -sf "http://127.0.0.1:$http_port/metrics" | awk '$1 == "ecomonitor_messages_acknowledged_total" { printf "%d", $2; f=1 } END { if (!f) printf "0" }'; }

results=()
for round in $(seq 1 "$rounds"); do
  order="off on"
  [ $((round % 2)) -eq 0 ] && order="on off"
  for mode in $order; do
    echo "==> round $round, audit $mode: session, then $messages messages of $readings reading(s) queued at the broker"
    start_service "$mode" "$round"
    stop_service
    dotnet "$generator" load --host 127.0.0.1 --port "$mqtt_port" --qos 1 --connections 4 --devices 10000 \
      --rate 15000 --duration "$(( messages * 1000 / 15000 ))ms" \
      --readings-per-message "$readings" --client-id-prefix "bench-load-$mode-$round" >"$work/load-$mode-$round.out" 2>/dev/null
    queued=$(grep -o 'messages=[0-9]*' "$work/load-$mode-$round.out" | head -1 | cut -d= -f2)

    start_service "$mode" "$round"
    samples="$work/samples-$mode-$round"
    : >"$samples"
    deadline=$((SECONDS + 300))
    while :; do
      n=$(acknowledged)
      echo "$(date +%s.%N) $n $(cpu_ticks "$service_pid")" >>"$samples"
      [ "$n" -ge "$queued" ] && break
      if [ $SECONDS -ge $deadline ]; then echo "EcoMonitor acknowledged $n of $queued within 300 s" >&2; exit 1; fi
      sleep 0.2
    done
    audit_bytes=0
    [ "$mode" = on ] && audit_bytes=$(du -sb "$work/data-$mode-$round/audit" | cut -f1)
    stop_service
    if [ "$mode" = on ]; then
      echo "    audit verify: $(dotnet "$service_dll" audit verify --dir "$work/data-$mode-$round/audit" --Audit:SigningKeyFile="$key" 2>&1 | head -1)"
    fi
    # The window from 10 % to 90 % of the backlog: no start-up, no tail.
    line=$(awk -v total="$queued" -v r="$readings" -v hz="$hz" '
      { t[NR] = $1; n[NR] = $2; c[NR] = $3 }
      END {
        for (i = 1; i <= NR; i++) { if (!a && n[i] >= 0.1 * total) a = i; if (!b && n[i] >= 0.9 * total) b = i }
        dn = n[b] - n[a]; dt = t[b] - t[a]; dc = (c[b] - c[a]) / hz
        if (dn <= 0 || dt <= 0) { print "rate=0 cpu_us=0"; exit }
        printf "rate=%.0f readings_rate=%.0f cpu_us_per_msg=%.1f cpu_us_per_reading=%.2f", dn / dt, dn * r / dt, 1e6 * dc / dn, 1e6 * dc / (dn * r)
      }' "$samples")
    results+=("$mode $round $line audit_bytes=$audit_bytes")
    echo "    $line (queued $queued; audit folder $audit_bytes bytes)"
  done
done

# One line per run: mode round rate cpu_us_per_msg cpu_us_per_reading. Per round, the on run against
# the off run beside it: the machine's drift between rounds cancels out, and alternating the order
# cancels what the second run of a round pays for the first (the store still merging its data).
printf '%s\n' "${results[@]}" | awk '{ for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } print $1, $2, v["rate"], v["cpu_us_per_msg"], v["cpu_us_per_reading"] }' >"$work/results"
awk -v readings="$readings" -v rounds="$rounds" -v messages="$messages" -v cpus="$(nproc)" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" '
  { rate[$1, $2] = $3; cpu[$1, $2] = $4; rcpu[$1, $2] = $5; sum_rate[$1] += $3; sum_cpu[$1] += $4; sum_rcpu[$1] += $5; n[$1]++ }
  END {
    printf "\nEcoMonitor with the audit log off and on: %d round(s) of %d messages, %d reading(s) each, drained from the broker\n(%d CPUs, load average %s)\n", rounds, messages, readings, cpus, load
    printf "  mode  messages/s  readings/s  CPU µs/message  CPU µs/reading   (means)\n"
    for (m = 0; m < 2; m++) {
      mode = m ? "on" : "off"
      printf "  %-4s  %10.0f  %10.0f  %14.1f  %14.2f\n", mode, sum_rate[mode] / n[mode], readings * sum_rate[mode] / n[mode], sum_cpu[mode] / n[mode], sum_rcpu[mode] / n[mode]
    }
    printf "  on/off per round:   rate"
    for (r = 1; r <= rounds; r++) { x = rate["on", r] / rate["off", r]; lr += log(x); printf " %.3f", x }
    printf "; CPU per message"
    for (r = 1; r <= rounds; r++) { x = cpu["on", r] / cpu["off", r]; lc += log(x); lc2 += log(x) ^ 2; printf " %.3f", x }
    gr = exp(lr / rounds); gc = exp(lc / rounds)
    sd = rounds > 1 ? sqrt((lc2 - lc ^ 2 / rounds) / (rounds - 1)) : 0
    printf "\n  on/off, geometric mean of the rounds: rate %.3f, CPU per message %.3f (± %.3f, one standard error)\n", gr, gc, gc * sd / sqrt(rounds)
    printf "rate_ratio=%.3f cpu_ratio=%.3f cpu_ratio_se=%.3f off_msgs_per_s=%.0f on_msgs_per_s=%.0f off_cpu_us_per_msg=%.1f on_cpu_us_per_msg=%.1f readings_per_msg=%d\n", gr, gc, gc * sd / sqrt(rounds), sum_rate["off"] / n["off"], sum_rate["on"] / n["on"], sum_cpu["off"] / n["off"], sum_cpu["on"] / n["on"], readings
  }' "$work/results"
