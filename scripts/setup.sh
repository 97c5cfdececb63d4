#!/usr/bin/env bash
# Installs what KeepWatch and its tests need on a Debian machine, then the npm dependencies.
# System packages: redis-server (the queue backbone, started by `keepwatch serve` itself),
# iproute2 + iptables (network-namespace tests), chromium (dashboard browser tests),
# prometheus (promtool checks /metrics), prometheus-blackbox-exporter (the probe benchmark's peer),
# openssl (test certificates), zstd (zstd-encoded test bodies), postgresql (the PostgreSQL store's tests start
# their own throw-away clusters from its binaries).
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=(redis-server postgresql iproute2 iptables chromium prometheus prometheus-blackbox-exporter openssl ca-certificates zstd)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The packaged redis-server service is not needed: KeepWatch starts its own.
# Nor the packaged PostgreSQL cluster: tests run private clusters, deployments point store.url at their own.
if command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now redis-server >/dev/null 2>&1 || true
  systemctl disable --now postgresql >/dev/null 2>&1 || true
fi
npm ci --no-audit --no-fund
npm run build
