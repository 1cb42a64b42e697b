#!/usr/bin/env bash
# Installs the Debian packages twindup builds, tests and runs against. Idempotent; run as root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
packages=$(grep -v '^#' "$here/apt-packages.txt" | xargs)
missing=$(dpkg-query -W -f='${Package} ${Status}\n' $packages 2>/dev/null | awk '$4 != "installed" {print $1}' || true)
# dpkg-query prints nothing for packages it has never heard of, so count too.
installed=$(dpkg-query -W -f='${Package} ${Status}\n' $packages 2>/dev/null | awk '$4 == "installed"' | wc -l || true)
if [ "$installed" -ne "$(echo $packages | wc -w)" ] || [ -n "$missing" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends $packages
fi
