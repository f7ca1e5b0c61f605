#!/usr/bin/env bash
# The benchmarks (BenchmarkDotNet): builds Release with warnings as errors and runs them. They
# measure the alert engine (Observe, Tick, the state save), the notification outbox, the audit log
# and the ingest hot path stage by stage (receive, decode per format, validate, duplicate
# tracking, line protocol, store write; docs/performance.md#hot-path-benchmarks). They print
# figures — mean time and allocated bytes per operation (a reading, a message, a tick: each
# class's comment says which), and the ratio to the baseline of the same run — and assert
# nothing: speed is reported here, never checked by the test suite.
#
#   deploy/local/bench.sh                                 every benchmark, default job (~20 min)
#   deploy/local/bench.sh --filter '*' --job short        quicker, rougher (~6 min)
#   deploy/local/bench.sh --filter '*Observe*' --job dry  one pass, to see that it runs
#   deploy/local/bench.sh --describe                      the workload: rules, states, transitions
#
# Every argument goes to BenchmarkDotNet (--list flat, --join, --exporters csv, …); without any,
# --filter '*'. Result tables (markdown, CSV, HTML) go to artifacts/benchmarks/results/.
set -euo pipefail
cd "$(dirname "$0")/../.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "==> build (Release, warnings are errors)"
dotnet build tests/EcoMonitor.Benchmarks/EcoMonitor.Benchmarks.csproj -c Release -warnaserror -nologo -v quiet

[ $# -eq 0 ] && set -- --filter '*'
echo "==> benchmarks: $*"
exec dotnet tests/EcoMonitor.Benchmarks/bin/Release/net10.0/EcoMonitor.Benchmarks.dll --artifacts artifacts/benchmarks "$@"
