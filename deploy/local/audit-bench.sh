#!/usr/bin/env bash
# The cost of the tamper-evident log (docs/audit.md#cost): the same backlog drained by EcoMonitor
# with auditing off and on, alternately, in one run. It starts mosquitto and VictoriaMetrics on
# free loopback ports with data in a temporary folder; per round it lets a service make its
# persistent session, stops it, has the load generator queue the backlog at the broker, then starts
# the service again and samples its acknowledgements and its CPU (/proc/PID/stat) until it has
# acknowledged everything. The generator is not running while the service drains, so the figures
# are the service's own. It prints, per round and per mode, messages and readings per second and
# CPU µs per message and per reading over the middle of the drain (10 % to 90 %), then the ratio
# on/off; it asserts nothing. Its last line is machine-readable.
#
#   deploy/local/audit-bench.sh [--messages 300000] [--readings-per-message 1] [--rounds 3] [--keep]
#
# Rounds alternate the order (off then on, on then off) so that neither mode always runs first.
set -euo pipefail
cd "$(dirname "$0")/../.."
. deploy/local/lib.sh

messages=300000 readings=1 rounds=3 keep=0
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

mqtt_port=$(free_port)
mkdir -p "$work/mosquitto" && chmod 777 "$work/mosquitto"
# As load.sh: no persistence, no per-client in-flight limit, no Nagle; room for the whole backlog.
cat > "$work/mosquitto/mosquitto.conf" <<CONF
listener $mqtt_port 127.0.0.1
allow_anonymous true
persistence false
log_dest file $work/mosquitto/mosquitto.log
max_queued_messages 10000000
max_queued_bytes 0
max_inflight_messages 0
set_tcp_nodelay true
CONF
"$(mosquitto_bin)" -c "$work/mosquitto/mosquitto.conf" &
pids+=($!)
wait_until 15 "mosquitto" bash -c "exec 3<>/dev/tcp/127.0.0.1/$mqtt_port"

vm_port=$(free_port)
victoria-metrics -storageDataPath="$work/vm" -httpListenAddr="127.0.0.1:$vm_port" \
  -dedup.minScrapeInterval=1ms -retentionPeriod=100y -search.latencyOffset=0s -loggerLevel=WARN \
  >"$work/victoria-metrics.log" 2>&1 &
pids+=($!)
wait_until 30 "victoria-metrics" curl -sf "http://127.0.0.1:$vm_port/health"

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

field() { grep -o "$1=[^ ]*" <<<"$2" | head -1 | cut -d= -f2; }
mean() { local mode=$1 name=$2; for r in "${results[@]}"; do [ "${r%% *}" = "$mode" ] && field "$name" "$r"; done | awk '{ s += $1; n++ } END { printf "%.2f", s / n }'; }

# Per round, on against the off run next to it: the machine's drift between rounds cancels out.
pair_ratios() {
  local name=$1 round
  for round in $(seq 1 "$rounds"); do
    local on off
    on=$(for r in "${results[@]}"; do [ "${r%% *}" = on ] && [ "$(cut -d' ' -f2 <<<"$r")" = "$round" ] && field "$name" "$r"; done)
    off=$(for r in "${results[@]}"; do [ "${r%% *}" = off ] && [ "$(cut -d' ' -f2 <<<"$r")" = "$round" ] && field "$name" "$r"; done)
    awk -v a="$on" -v b="$off" 'BEGIN { printf "%.3f\n", a / b }'
  done
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
rate_pairs=$(pair_ratios rate | tr '\n' ' ')
cpu_pairs=$(pair_ratios cpu_us_per_msg | tr '\n' ' ')
rate_median=$(tr ' ' '\n' <<<"$rate_pairs" | grep . | median)
cpu_median=$(tr ' ' '\n' <<<"$cpu_pairs" | grep . | median)

off_rate=$(mean off rate) on_rate=$(mean on rate)
off_cpu=$(mean off cpu_us_per_msg) on_cpu=$(mean on cpu_us_per_msg)
off_rcpu=$(mean off cpu_us_per_reading) on_rcpu=$(mean on cpu_us_per_reading)
cat <<REPORT

EcoMonitor with the audit log off and on: $rounds round(s) of $messages messages, $readings reading(s) each, drained from the broker
($(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg))
  mode  messages/s  readings/s  CPU µs/message  CPU µs/reading
  off   $(printf '%10.0f' "$off_rate")  $(printf '%10.0f' "$(awk -v a="$off_rate" -v r="$readings" 'BEGIN { print a * r }')")  $(printf '%14.1f' "$off_cpu")  $(printf '%14.2f' "$off_rcpu")
  on    $(printf '%10.0f' "$on_rate")  $(printf '%10.0f' "$(awk -v a="$on_rate" -v r="$readings" 'BEGIN { print a * r }')")  $(printf '%14.1f' "$on_cpu")  $(printf '%14.2f' "$on_rcpu")
  on/off of the means: rate $(awk -v a="$on_rate" -v b="$off_rate" 'BEGIN { printf "%.3f", a / b }'), CPU per message $(awk -v a="$on_cpu" -v b="$off_cpu" 'BEGIN { printf "%.3f", a / b }')
  on/off per round:     rate $rate_pairs(median $rate_median), CPU per message $cpu_pairs(median $cpu_median)
REPORT
printf 'rate_ratio=%s cpu_ratio=%s off_msgs_per_s=%s on_msgs_per_s=%s off_cpu_us_per_msg=%s on_cpu_us_per_msg=%s readings_per_msg=%s\n' \
  "$rate_median" "$cpu_median" "$off_rate" "$on_rate" "$off_cpu" "$on_cpu" "$readings"
