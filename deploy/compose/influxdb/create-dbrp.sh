#!/bin/bash
# Runs once, at InfluxDB 2's automated setup: maps database "eco" (retention policy autogen) onto
# the bucket, so that Grafana and `audit verify-readings` can query with InfluxQL through the v1 API.
set -euo pipefail
influx v1 dbrp create \
  --org "${DOCKER_INFLUXDB_INIT_ORG}" \
  --bucket-id "${DOCKER_INFLUXDB_INIT_BUCKET_ID}" \
  --db "${DOCKER_INFLUXDB_INIT_BUCKET}" \
  --rp autogen \
  --default
