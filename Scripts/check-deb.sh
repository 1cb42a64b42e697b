#!/usr/bin/env bash
# The documented server path, end to end, in a fresh Debian bookworm made by debootstrap: `apt install` of the
# package (which pulls its libraries from Debian), then the installed program at work as the service user.
# Needs root, debootstrap and a Debian mirror; takes a few minutes. Not part of the test suite (which installs the
# package with dpkg --root, offline); run it before a release:
#
#   Scripts/check-deb.sh dist/twindup_*.deb [--mirror URL] [--keep DIR]
set -euo pipefail

program=$(basename "$0")
fail() {
    echo "$program: $*" >&2
    exit 1
}

deb=""
mirror=http://deb.debian.org/debian
keep=""
while [ $# -gt 0 ]; do
    case "$1" in
    --mirror) mirror=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h | --help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) [ -z "$deb" ] || fail "one package at a time"; deb=$1; shift ;;
    esac
done
[ -f "$deb" ] || fail "name the .deb to check (see --help)"
[ "$(id -u)" -eq 0 ] || fail "debootstrap and chroot need root"
command -v debootstrap >/dev/null || fail "debootstrap not found (apt-get install debootstrap)"
package=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
testdata=$package/../shared/testdata

root=${keep:-$(mktemp -d "${TMPDIR:-/tmp}/twindup-bookworm.XXXXXX")}
cleanup() {
    for mounted in proc dev/pts dev; do umount "$root/$mounted" 2>/dev/null || true; done
    [ -n "$keep" ] || rm -rf "$root"
}
trap cleanup EXIT

if [ ! -x "$root/usr/bin/apt-get" ]; then
    echo "debootstrap bookworm (minbase) into $root..."
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 ||
        fail "debootstrap failed (log: $root.debootstrap.log)"
fi
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

mkdir -p "$root/tmp/check/pictures"
cp "$deb" "$root/tmp/check/"
cp "$testdata/jpeg/testorig.jpg" "$root/tmp/check/pictures/photo.jpg"
cp "$testdata/jpeg/testorig.jpg" "$root/tmp/check/pictures/copy.jpg"
cp "$testdata/jpeg/testimgint.jpg" "$root/tmp/check/pictures/other.jpg"

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }

echo "apt install ./$(basename "$deb") in the fresh root..."
in_root apt-get update -qq
# A kept root from an earlier check: start from no twindup at all.
in_root apt-get purge -y -qq twindup >/dev/null 2>&1 || true
in_root apt-get install -y -qq "/tmp/check/$(basename "$deb")" >"$root/tmp/check/apt.log" 2>&1 ||
    { cat "$root/tmp/check/apt.log" >&2; fail "apt install failed"; }

echo "checks:"
in_root twindup --version
in_root getent passwd twindup
in_root test -f /usr/lib/systemd/system/twindup.service
in_root test -f /usr/share/man/man1/twindup.1.gz
in_root sh -c '! ldd /usr/bin/twindup | grep -q "not found"' || fail "the installed program misses libraries"
in_root sh -c 'ldd /usr/bin/twindup | grep -q libswift' && fail "the installed program needs Swift's libraries"
if in_root sh -c 'command -v systemd-analyze' >/dev/null; then
    in_root systemd-analyze verify /usr/lib/systemd/system/twindup.service
fi
# The shipped configuration watches /srv/photos; the administrator makes it.
in_root mkdir -p /srv/photos
in_root twindup watch --config /etc/twindup/twindup.toml --check-config
# The service user scans with the installed model; the copy is an exact duplicate of the photo.
in_root chown -R twindup:twindup /tmp/check/pictures
in_root setpriv --reuid=twindup --regid=twindup --clear-groups twindup scan /tmp/check/pictures \
    --index /tmp/check/pictures/.index.sqlite --report /tmp/check/pictures/report.jsonl
in_root grep -q '"exact_duplicate"' /tmp/check/pictures/report.jsonl || fail "the scan reported no exact duplicate"
in_root apt-get purge -y -qq twindup >/dev/null
in_root test ! -e /usr/bin/twindup || fail "purge left /usr/bin/twindup"
echo "$program: $(basename "$deb") installs, runs and purges in a fresh Debian bookworm"
