# Shared helpers of the local scripts (sourced, not run).

# Installs Debian packages that are missing; refreshes the package lists only when needed.
ensure_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "==> installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y -qq "${missing[@]}" >/dev/null; then
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  # The Debian packages enable system-wide services; the scripts run their own on free ports.
  for pkg in mosquitto victoria-metrics prometheus-alertmanager prometheus influxdb; do
    if [[ " ${missing[*]} " == *" $pkg "* ]] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
      $sudo systemctl disable --now "$pkg" >/dev/null 2>&1 || true
    fi
  done
}

# Prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "no free port found" >&2
  return 1
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND until it succeeds or time runs out.
wait_until() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      echo "timed out after ${seconds}s waiting for $what" >&2
      return 1
    fi
    sleep 0.2
  done
}

mosquitto_bin() { command -v mosquitto || echo /usr/sbin/mosquitto; }

# start_bench_servers WORK: mosquitto and VictoriaMetrics for the benchmarks, on free loopback
# ports with their data in WORK; sets mqtt_port and vm_port and appends their pids to pids.
# mosquitto as deploy/local/load.sh has it: no persistence, no per-client in-flight limit, no
# Nagle, room for a whole backlog; subscriptions logged, so a script can wait for one.
start_bench_servers() {
  local work=$1
  mqtt_port=$(free_port)
  mkdir -p "$work/mosquitto" && chmod 777 "$work/mosquitto"
  cat > "$work/mosquitto/mosquitto.conf" <<CONF
listener $mqtt_port 127.0.0.1
allow_anonymous true
persistence false
log_dest file $work/mosquitto/mosquitto.log
log_type error
log_type warning
log_type notice
log_type information
log_type subscribe
max_queued_messages 10000000
max_queued_bytes 0
max_inflight_messages 0
set_tcp_nodelay true
CONF
  "$(mosquitto_bin)" -c "$work/mosquitto/mosquitto.conf" &
  pids+=($!)
  wait_until 15 "mosquitto" bash -c "exec 3<>/dev/tcp/127.0.0.1/$mqtt_port"

  vm_port=$(free_port)
  start_bench_store "$work"
}

# start_bench_store WORK: VictoriaMetrics on vm_port with its data in WORK/vm (again, after a
# benchmark stopped it); sets vm_pid and appends it to pids.
start_bench_store() {
  local work=$1
  victoria-metrics -storageDataPath="$work/vm" -httpListenAddr="127.0.0.1:$vm_port" \
    -dedup.minScrapeInterval=1ms -retentionPeriod=100y -search.latencyOffset=0s -loggerLevel=WARN \
    >>"$work/victoria-metrics.log" 2>&1 &
  vm_pid=$!
  pids+=($vm_pid)
  wait_until 30 "victoria-metrics" curl -sf "http://127.0.0.1:$vm_port/health"
}
