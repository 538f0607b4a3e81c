#!/bin/sh
# Install Debian's prometheus package (for the `prometheus` server and `promtool`) non-interactively, WITHOUT
# starting or enabling its service: the monitoring tests start their own server on a loopback port, with their own
# configuration and data directory. Idempotent. Must run as root.
set -eu

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
    echo "install-prometheus: already installed ($(prometheus --version 2>&1 | head -1))"
else
    echo "install-prometheus: installing prometheus"
    sh "$(dirname "$0")/apt-install-quiet.sh" prometheus
fi

# If anything started the packaged service, stop it (it would hold port 9090 and /var/lib/prometheus).
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl stop prometheus 2>/dev/null || true
    systemctl disable prometheus 2>/dev/null || true
fi

for b in prometheus promtool; do
    command -v "$b" >/dev/null 2>&1 || { echo "install-prometheus: $b missing after install" >&2; exit 1; }
done
echo "install-prometheus: ok ($(promtool --version 2>&1 | head -1))"
