#!/bin/sh
# usage: sh .ci/apt-install-quiet.sh PACKAGE...
# Installs Debian packages non-interactively WITHOUT starting their services (a policy-rc.d that says no, put back
# afterwards): the tests start their own servers on loopback ports, with their own data directories. Root only.
set -eu
export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
saved=""
if [ -e "$policy" ]; then saved=$(mktemp); cp -p "$policy" "$saved"; fi
restore_policy() {
    if [ -n "$saved" ]; then mv -f "$saved" "$policy"; else rm -f "$policy"; fi
}
trap restore_policy EXIT INT TERM
printf '#!/bin/sh\n# installed by .ci/apt-install-quiet.sh: do not start services\nexit 101\n' > "$policy"
chmod 755 "$policy"
apt-get update -q
apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
