#!/usr/bin/env bash
# The main job, end to end, on a fresh Debian machine with the .NET SDK: installs mosquitto and
# VictoriaMetrics if missing, starts them on free loopback ports with data in a temporary
# folder, starts EcoMonitor and a simulated fleet, then reports how many readings were
# published, stored (counted from the store) and dead-lettered, and the alerts raised by
# deploy/local/demo-rules.yaml and handed to the notification outbox. Servers are stopped at the end.
#
#   deploy/local/demo.sh [--duration 60s] [--sites 2] [--nodes-per-kind 5] [--invalid-every 40] [--store victoriametrics|influxdb1] [--keep]
set -euo pipefail
cd "$(dirname "$0")/../.."
. deploy/local/lib.sh

duration=60s sites=2 nodes_per_kind=5 invalid_every=40 keep=0 store=victoriametrics
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --sites) sites=$2; shift 2 ;;
    --nodes-per-kind) nodes_per_kind=$2; shift 2 ;;
    --invalid-every) invalid_every=$2; shift 2 ;;
    --store) store=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

case "$store" in
  victoriametrics) ensure_packages mosquitto mosquitto-clients victoria-metrics curl ;;
  influxdb1) ensure_packages mosquitto mosquitto-clients influxdb curl python3 ;;
  *) echo "--store is victoriametrics or influxdb1" >&2; exit 2 ;;
esac

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "==> build"
dotnet build EcoMonitor.sln -c Release -nologo -v quiet

work=$(mktemp -d -t ecomonitor-demo-XXXXXX)
chmod 777 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$keep" -eq 0 ]; then rm -rf "$work/vm" "$work/influxdb" "$work/mosquitto"; fi
}
trap cleanup EXIT

mqtt_port=$(free_port); vm_port=$(free_port); http_port=$(free_port)

echo "==> mosquitto on 127.0.0.1:$mqtt_port"
mkdir -p "$work/mosquitto" && chmod 777 "$work/mosquitto"
cat > "$work/mosquitto/mosquitto.conf" <<CONF
listener $mqtt_port 127.0.0.1
allow_anonymous true
persistence true
persistence_location $work/mosquitto/
log_dest file $work/mosquitto/mosquitto.log
max_queued_messages 1000000
CONF
"$(mosquitto_bin)" -c "$work/mosquitto/mosquitto.conf" &
pids+=($!)
wait_until 15 "mosquitto" bash -c "exec 3<>/dev/tcp/127.0.0.1/$mqtt_port"

store_args=(--Influx:Url="http://127.0.0.1:$vm_port")
if [ "$store" = influxdb1 ]; then
  echo "==> influxd (InfluxDB 1.x) on 127.0.0.1:$vm_port"
  mkdir -p "$work/influxdb"
  cat > "$work/influxdb/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$(free_port)"
[meta]
  dir = "$work/influxdb/meta"
[data]
  dir = "$work/influxdb/data"
  wal-dir = "$work/influxdb/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:$vm_port"
  log-enabled = false
[monitor]
  store-enabled = false
CONF
  influxd -config "$work/influxdb/influxdb.conf" >"$work/influxdb.log" 2>&1 &
  pids+=($!)
  wait_until 60 "influxd" curl -sf "http://127.0.0.1:$vm_port/ping"
  curl -sf "http://127.0.0.1:$vm_port/query" --data-urlencode 'q=CREATE DATABASE eco' >/dev/null
  store_args+=(--Influx:Version=1 --Influx:Bucket=eco)
else
  echo "==> victoria-metrics on 127.0.0.1:$vm_port"
  victoria-metrics -storageDataPath="$work/vm" -httpListenAddr="127.0.0.1:$vm_port" \
    -dedup.minScrapeInterval=1ms -retentionPeriod=100y -search.latencyOffset=0s -loggerLevel=WARN \
    >"$work/victoria-metrics.log" 2>&1 &
  pids+=($!)
  wait_until 30 "victoria-metrics" curl -sf "http://127.0.0.1:$vm_port/health"
fi

echo "==> EcoMonitor on http://127.0.0.1:$http_port (log: $work/service.log)"
dotnet src/EcoMonitor.Service/bin/Release/net10.0/EcoMonitor.Service.dll run \
  --Mqtt:Host=127.0.0.1 --Mqtt:Port="$mqtt_port" --Mqtt:ClientId="ecomonitor-demo" \
  "${store_args[@]}" --DataDirectory="$work/data" \
  --Urls="http://127.0.0.1:$http_port" --Alerts:RulesFile="$PWD/deploy/local/demo-rules.yaml" \
  --Alerts:TickInterval=00:00:01 >"$work/service.log" 2>&1 &
pids+=($!)
wait_until 60 "EcoMonitor to be ready" curl -sf "http://127.0.0.1:$http_port/health/ready"

nodes=$((sites * nodes_per_kind * 3))
echo "==> fleet: $nodes nodes ($sites sites x $nodes_per_kind per kind x air/water/soil) for $duration, every ${invalid_every}th message bad"
dotnet firmware-sim/EcoMonitor.FirmwareSim/bin/Release/net10.0/EcoMonitor.FirmwareSim.dll \
  --host 127.0.0.1 --port "$mqtt_port" --sites "$sites" --nodes-per-kind "$nodes_per_kind" \
  --interval 1s --duration "$duration" --invalid-every "$invalid_every" --summary-file "$work/fleet.json"

# A scripted PM2.5 episode on one extra node, so the demo shows an alert's whole life whatever
# the simulated air is like right now: under the limit, over it for a while, back below the
# clear value -> one firing and one resolved notification.
echo "==> scripted episode on site-01/air/episode-01: PM2.5 40 -> 95 -> 30"
episode_values=(40 60 80 95 110 90 70 50 30)
for i in "${!episode_values[@]}"; do
  ts=$(date -u -d "@$(( $(date +%s) - 90 + i * 10 ))" +%Y-%m-%dT%H:%M:%S.000Z)
  printf '{"ts":"%s","seq":%d,"readings":{"pm25":%s}}\n' "$ts" "$i" "${episode_values[$i]}"
done | mosquitto_pub -h 127.0.0.1 -p "$mqtt_port" -q 1 -t eco/site-01/air/episode-01 -l
episode_notifications() { grep -c '"device":"episode-01"' "$work/data/outbox/notifications.jsonl" 2>/dev/null || true; }
wait_until 30 "the episode's firing and resolved notifications" bash -c "[ \"\$(grep -c '\"device\":\"episode-01\"' '$work/data/outbox/notifications.jsonl' 2>/dev/null)\" -ge 2 ]"
episode=$(episode_notifications)

json_number() { grep -o "\"$1\": *[0-9]*" "$2" | head -1 | grep -o '[0-9]*$'; }
metric() { curl -sf "http://127.0.0.1:$http_port/metrics" | awk -v m="$1" '$1 == m { printf "%d", $2 }'; }

published=$(json_number messages "$work/fleet.json")
readings=$(json_number readings "$work/fleet.json")
valid=$(json_number validReadings "$work/fleet.json")
invalid=$(json_number invalidMessages "$work/fleet.json")
# The scripted episode's messages and readings count with the fleet's.
published=$((published + ${#episode_values[@]})); readings=$((readings + ${#episode_values[@]})); valid=$((valid + ${#episode_values[@]}))

echo "==> waiting for EcoMonitor to acknowledge all $published messages"
wait_until 120 "all messages acknowledged" bash -c "[ \"\$(curl -sf http://127.0.0.1:$http_port/metrics | awk '\$1 == \"ecomonitor_messages_acknowledged_total\" { printf \"%d\", \$2 }')\" -ge $published ]"

# Counted from the store itself. A point written a moment ago can take a flush interval to become
# searchable, so the count is read again until it reaches the valid readings or 15 s have passed.
count_stored() {
  if [ "$store" = influxdb1 ]; then
    # InfluxQL: one count per field and measurement; each field of a point is one reading.
    curl -sf "http://127.0.0.1:$vm_port/query" --data-urlencode db=eco \
      --data-urlencode 'q=SELECT COUNT(*) FROM "air", "water", "soil"' \
      | python3 -c 'import json,sys; r=json.load(sys.stdin)["results"][0]; print(sum(v for s in r.get("series", []) for row in s["values"] for v in row[1:] if isinstance(v, int)))'
    return
  fi
  curl -sf "http://127.0.0.1:$vm_port/internal/force_flush" >/dev/null
  curl -sf "http://127.0.0.1:$vm_port/api/v1/query" \
    --data-urlencode 'query=sum(count_over_time({__name__=~"(air|water|soil)_.+"}[3650d]))' \
    | grep -o '"value":\[[^]]*\]' | grep -o '"[0-9]*"' | tr -d '"'
}
stored=0
for _ in $(seq 1 75); do
  stored=$(count_stored); stored=${stored:-0}
  [ "$stored" -ge "$valid" ] && break
  sleep 0.2
done
dead_lettered=$(metric ecomonitor_dead_lettered_messages_total)
alerts_fired=$(metric 'ecomonitor_alert_transitions_total{state="firing"}')
alerts_resolved=$(metric 'ecomonitor_alert_transitions_total{state="resolved"}')
alerts_firing=$(metric ecomonitor_alerts_firing)
for _ in $(seq 1 75); do  # the log channel delivers what the engine queued
  [ "$(metric 'ecomonitor_notifications_pending{channel="log"}')" = 0 ] && break
  sleep 0.2
done
notifications=$(wc -l <"$work/data/outbox/notifications.jsonl" 2>/dev/null || echo 0)
dead_letter_lines=$(cat "$work"/data/deadletter/*.jsonl 2>/dev/null | wc -l)

cat <<REPORT

EcoMonitor demo
  nodes                         $nodes
  messages published            $published
  readings published            $readings
    valid                       $valid
    deliberately bad            $invalid (one reading each)
  readings stored (from store)  $stored
  messages dead-lettered        $dead_lettered ($dead_letter_lines records)
  alert transitions             ${alerts_fired:-0} firing, ${alerts_resolved:-0} resolved ($alerts_firing firing at the end)
  notifications (outbox)        $notifications (scripted episode: $episode, firing then resolved)

Where to look
  service log      $work/service.log
  dead letters     $work/data/deadletter/
  notifications    $work/data/outbox/notifications.jsonl (rules: deploy/local/demo-rules.yaml)
  metrics          (while running) http://127.0.0.1:$http_port/metrics
REPORT

if [ "$stored" -eq "$valid" ] && [ "$dead_lettered" -eq "$invalid" ] && [ "${alerts_fired:-0}" -gt 0 ] && [ "$episode" -eq 2 ]; then
  echo "OK: stored == published valid readings ($stored), every bad message dead-lettered, alerts raised and notified"
else
  echo "MISMATCH: stored $stored, valid published $valid; dead-lettered $dead_lettered, bad published $invalid; alerts fired ${alerts_fired:-0}, episode notifications $episode (expected 2)" >&2
  exit 1
fi
