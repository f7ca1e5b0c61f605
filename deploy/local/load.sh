#!/usr/bin/env bash
# The load benchmark: starts mosquitto (and with --with-service VictoriaMetrics and EcoMonitor) on
# free loopback ports with data in a temporary folder, runs the simulator's load generator
# (firmware-sim: `load`) at a steady rate, prints the requested and achieved rate, publish latency
# percentiles and CPU used, and stops everything. It reports figures and asserts none of them;
# its exit code is the generator's (1 when the broker did not accept every message).
#
#   deploy/local/load.sh [--rate 10000] [--duration 30s] [--devices 10000] [--qos 1|0|1,0]
#                        [--connections 4] [--readings-per-message K] [--with-service] [--keep]
#                        [-- more generator options, e.g. --max-inflight 200 --burst-window 10ms]
#
# With --with-service, EcoMonitor subscribes to the data and the script also waits (up to 120 s)
# until it has acknowledged every message, and reports how long that took.
set -euo pipefail
cd "$(dirname "$0")/../.."
. deploy/local/lib.sh

rate=10000 duration=30s devices=10000 qos_list=1 connections=4 readings="" with_service=0 keep=0
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) rate=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --devices) devices=$2; shift 2 ;;
    --qos) qos_list=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --readings-per-message) readings=$2; shift 2 ;;
    --with-service) with_service=1; shift ;;
    --keep) keep=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (generator options go after --)" >&2; exit 2 ;;
  esac
done

packages=(mosquitto)
[ "$with_service" -eq 1 ] && packages+=(victoria-metrics curl)
ensure_packages "${packages[@]}"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "==> build (Release)"
if [ "$with_service" -eq 1 ]; then
  dotnet build EcoMonitor.sln -c Release -nologo -v quiet
else
  dotnet build firmware-sim/EcoMonitor.FirmwareSim/EcoMonitor.FirmwareSim.csproj -c Release -nologo -v quiet
fi
generator=firmware-sim/EcoMonitor.FirmwareSim/bin/Release/net10.0/EcoMonitor.FirmwareSim.dll

work=$(mktemp -d -t ecomonitor-load-XXXXXX)
chmod 777 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$keep" -eq 0 ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

mqtt_port=$(free_port)
echo "==> mosquitto on 127.0.0.1:$mqtt_port"
mkdir -p "$work/mosquitto" && chmod 777 "$work/mosquitto"
# No persistence: the benchmark measures the broker's message path, not its disk. max_inflight_messages
# 0 lifts the per-client limit of 20 QoS 1 messages in flight towards a subscriber (the service);
# the generator's own publishes are bounded by --max-inflight per connection. set_tcp_nodelay: a
# PUBACK is 4 bytes, and with Nagle's algorithm mosquitto holds it back (about 1.5 ms at p50 here).
cat > "$work/mosquitto/mosquitto.conf" <<CONF
listener $mqtt_port 127.0.0.1
allow_anonymous true
persistence false
log_dest file $work/mosquitto/mosquitto.log
max_queued_messages 1000000
max_inflight_messages 0
set_tcp_nodelay true
CONF
"$(mosquitto_bin)" -c "$work/mosquitto/mosquitto.conf" &
mosquitto_pid=$!
pids+=("$mosquitto_pid")
wait_until 15 "mosquitto" bash -c "exec 3<>/dev/tcp/127.0.0.1/$mqtt_port"

if [ "$with_service" -eq 1 ]; then
  vm_port=$(free_port); http_port=$(free_port)
  echo "==> victoria-metrics on 127.0.0.1:$vm_port"
  victoria-metrics -storageDataPath="$work/vm" -httpListenAddr="127.0.0.1:$vm_port" \
    -dedup.minScrapeInterval=1ms -retentionPeriod=100y -search.latencyOffset=0s -loggerLevel=WARN \
    >"$work/victoria-metrics.log" 2>&1 &
  pids+=($!)
  wait_until 30 "victoria-metrics" curl -sf "http://127.0.0.1:$vm_port/health"
  echo "==> EcoMonitor on http://127.0.0.1:$http_port (log: $work/service.log)"
  dotnet src/EcoMonitor.Service/bin/Release/net10.0/EcoMonitor.Service.dll run \
    --Mqtt:Host=127.0.0.1 --Mqtt:Port="$mqtt_port" --Mqtt:ClientId="ecomonitor-load" \
    --Influx:Url="http://127.0.0.1:$vm_port" --DataDirectory="$work/data" \
    --Urls="http://127.0.0.1:$http_port" >"$work/service.log" 2>&1 &
  pids+=($!)
  wait_until 60 "EcoMonitor to be ready" curl -sf "http://127.0.0.1:$http_port/health/ready"
fi

acknowledged() { curl -sf "http://127.0.0.1:$http_port/metrics" | awk '$1 == "ecomonitor_messages_acknowledged_total" { printf "%d", $2 }'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
field() { grep -o "$1=[^ ]*" <<<"$2" | head -1 | cut -d= -f2; }
json_number() { grep -o "\"$1\": *[0-9.]*" "$2" | head -1 | grep -o '[0-9.]*$'; }

status=0
service_total=0
IFS=, read -ra qos_values <<<"$qos_list"
for qos in "${qos_values[@]}"; do
  args=(load --host 127.0.0.1 --port "$mqtt_port" --rate "$rate" --duration "$duration" --devices "$devices"
        --qos "$qos" --connections "$connections" --client-id-prefix "load-qos$qos" --summary-file "$work/load-qos$qos.json")
  [ -n "$readings" ] && args+=(--readings-per-message "$readings")
  echo "==> load: $rate msg/s for $duration over $devices devices, QoS $qos, $connections connections"
  broker_before=$(cpu_ticks "$mosquitto_pid")
  TIMEFORMAT='%U %S %R'
  set +e
  # stdout (the summary line) to a file, stderr (progress: live on a terminal) where it was, time's figures apart.
  { time dotnet "$generator" "${args[@]}" "${extra[@]}" >"$work/load-qos$qos.out" 2>&3; } 3>&2 2>"$work/load-qos$qos.time"
  run_status=$?
  set -e
  [ "$run_status" -ne 0 ] && status=$run_status
  broker_after=$(cpu_ticks "$mosquitto_pid")
  line=$(cat "$work/load-qos$qos.out")
  if [ -z "$line" ]; then
    echo "the generator printed no summary (exit $run_status)" >&2
    continue
  fi
  read -r gen_user gen_sys gen_wall < <(tail -1 "$work/load-qos$qos.time")
  summary="$work/load-qos$qos.json"
  achieved=$(field achieved_rate "$line")

  service_note=""
  if [ "$with_service" -eq 1 ]; then
    service_total=$((service_total + $(field messages "$line")))
    waited_from=$SECONDS
    if wait_until 120 "EcoMonitor to acknowledge $service_total messages" bash -c "[ \"\$(curl -sf http://127.0.0.1:$http_port/metrics | awk '\$1 == \"ecomonitor_messages_acknowledged_total\" { printf \"%d\", \$2 }')\" -ge $service_total ]"; then
      service_note="all $(acknowledged) acknowledged by EcoMonitor $((SECONDS - waited_from)) s after the load ended"
    else
      service_note="EcoMonitor acknowledged $(acknowledged) of $service_total within 120 s after the load ended"
    fi
  fi

  cat <<REPORT

EcoMonitor load generator, QoS $qos ($(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg))
  requested rate        $rate msg/s
  achieved rate         $achieved msg/s ($(awk -v a="$achieved" -v r="$rate" 'BEGIN { printf "%.1f", 100 * a / r }') %)
  per second (min, max) $(json_number perSecondMin "$summary"), $(json_number perSecondMax "$summary")
  messages              $(field messages "$line") complete of $(json_number planned "$summary") planned; failed $(field failed "$line"), unsent $(field unsent "$line")
  latency (ms)          p50 $(field p50_ms "$line")  p95 $(field p95_ms "$line")  p99 $(field p99_ms "$line")  max $(field max_ms "$line")   (scheduled send to $([ "$qos" = 1 ] && echo PUBACK || echo socket write))
  generator CPU         user ${gen_user}s + sys ${gen_sys}s over ${gen_wall}s wall (startup and connect included)
  mosquitto CPU         $(awk -v t=$((broker_after - broker_before)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }')s
  summary               $summary${service_note:+
  service               $service_note}
REPORT
  sed -n 's/^/  | /p' <<<"$line"
done
[ "$keep" -eq 1 ] || echo "(summaries are removed with the temporary folder; --keep keeps $work)"
exit "$status"
