#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine with the .NET SDK: installs the servers the
# integration tests start (mosquitto, VictoriaMetrics, Alertmanager, promtool (prometheus), aiosmtpd; chromium and CJK fonts
# for the page's browser test; systemd-analyze and openssl for the deployment tests), builds with
# warnings as errors, and runs every test project. The tests start their own servers on free
# loopback ports and stop them.
set -euo pipefail
cd "$(dirname "$0")/../.."
. deploy/local/lib.sh

ensure_packages mosquitto mosquitto-clients victoria-metrics influxdb prometheus-alertmanager prometheus python3-aiosmtpd chromium fonts-noto-cjk systemd openssl docker-compose

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "==> build (warnings are errors)"
dotnet build EcoMonitor.sln -c Release -warnaserror -nologo -v quiet

echo "==> test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test --solution EcoMonitor.sln -c Release --no-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line a CI reader understands, summed over the test projects.
awk '
  /^[[:space:]]*total:/     { total += $2 }
  /^[[:space:]]*failed:/    { failed += $2 }
  /^[[:space:]]*succeeded:/ { passed += $2 }
  /^[[:space:]]*skipped:/   { skipped += $2 }
  END { printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped }
' "$log"
exit "$status"
