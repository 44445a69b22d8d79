#!/usr/bin/env bash
# `make run`: start the gateway on the shipped configuration.
set -euo pipefail
build=${1:-build}
exec "$build/smsgw" run --config conf/gateway.yaml
