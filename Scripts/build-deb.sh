#!/usr/bin/env bash
# Builds twindup's Debian package with dpkg-deb: the program (Swift's runtime linked in, so only Debian's own
# libraries are needed), the model, the systemd unit, the configuration, the logrotate, sysctl and sysusers
# snippets, the manual page made from --help, and maintainer scripts that create the service user.
#
#   Scripts/build-deb.sh                      build a static release and package it into dist/
#   Scripts/build-deb.sh --binary PATH        package an already built twindup (tests use the one they built)
#   Scripts/build-deb.sh --output DIR         where the .deb goes (default: dist/)
#   Scripts/build-deb.sh --fast               gzip -1 instead of xz -6 (tests: same files, a bigger .deb)
#
# Then, on a server:  apt install ./dist/twindup_*.deb && systemctl enable --now twindup
# Needs dpkg-deb; dpkg-shlibdeps (Debian's dpkg-dev) to compute the library dependencies.
set -euo pipefail

package=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
program=$(basename "$0")

fail() {
    echo "$program: $*" >&2
    exit 1
}

binary=""
output="$package/dist"
compression=(-Zxz -z6)
while [ $# -gt 0 ]; do
    case "$1" in
    --binary | --output)
        if [ $# -lt 2 ] || [ -z "$2" ]; then fail "$1 needs a value (see --help)"; fi
        case "$1" in
        --binary) binary=$2 ;;
        --output) output=$2 ;;
        esac
        shift 2
        ;;
    --fast)
        compression=(-Zgzip -z1)
        shift
        ;;
    -h | --help)
        sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *) fail "unknown argument '$1' (see --help)" ;;
    esac
done

for tool in dpkg-deb dpkg-shlibdeps gzip strip; do
    command -v "$tool" >/dev/null || fail "$tool not found (Debian: apt-get install dpkg-dev gzip binutils)"
done

if [ -z "$binary" ]; then
    command -v swift >/dev/null || fail "swift not found: install a Swift toolchain to build, or pass --binary PATH"
    echo "Building twindup (release, Swift runtime linked in)..."
    # A build folder of its own: the static runtime changes every object's link, and .build stays the test build.
    (cd "$package" && swift build -c release --product twindup --static-swift-stdlib --scratch-path .build-deb) ||
        fail "the release build failed (see above)"
    binary="$package/.build-deb/release/twindup"
fi
[ -x "$binary" ] || fail "--binary $binary is not an executable file"
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")

version=$("$binary" --version) || fail "$binary --version failed"
architecture=$(dpkg --print-architecture)
# The same source gives the same package: file dates and the manual's date come from the last commit.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH=$(git -C "$package" log -1 --format=%ct 2>/dev/null || date +%s)
fi
export SOURCE_DATE_EPOCH

work=$(mktemp -d "${TMPDIR:-/tmp}/twindup-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage=$work/root
mkdir -p "$stage"

# The files, where the unit and the program's defaults expect them (one list, shared with manual installs).
"$package/Scripts/install.sh" --root "$stage" --binary "$binary" >/dev/null
# Debug information off (less than half the size); the symbol table stays, so crash backtraces keep names.
strip --strip-debug "$stage/usr/bin/twindup"

man=$stage/usr/share/man/man1
mkdir -p "$man"
"$binary" manual >"$man/twindup.1" || fail "$binary manual failed"
gzip -9n "$man/twindup.1"

doc=$stage/usr/share/doc/twindup
install -m 0644 "$package/README.md" "$doc/README.md"
cat >"$doc/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: twindup

Files: *
Copyright: the twindup authors
Comment: The program, its model (trained by twindup from pictures in Debian's packages) and its documentation.
EOF

# Library dependencies as Debian computes them; Swift's own libraries (a --binary built against a toolchain)
# are not Debian's, so they are left out rather than failing.
mkdir -p "$work/shlibs/debian"
printf 'Source: twindup\n\nPackage: twindup\nArchitecture: any\n' >"$work/shlibs/debian/control"
depends=$(cd "$work/shlibs" && dpkg-shlibdeps -O --ignore-missing-info -e"$stage/usr/bin/twindup" 2>"$work/shlibdeps.err" |
    sed -n 's/^shlibs:Depends=//p') || {
    cat "$work/shlibdeps.err" >&2
    fail "dpkg-shlibdeps could not work out the libraries of $binary"
}
[ -n "$depends" ] || fail "dpkg-shlibdeps found no library dependencies for $binary"

mkdir -p "$stage/DEBIAN"
installed_size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<EOF
Package: twindup
Version: $version
Architecture: $architecture
Maintainer: twindup maintainers <twindup@localhost>
Installed-Size: $installed_size
Depends: $depends
Recommends: systemd, procps, logrotate
Section: utils
Priority: optional
Description: near-duplicate image finder for file servers
 twindup watches folders with inotify, decodes every new PNG or JPEG picture,
 embeds it with a twin (siamese) convolutional network and reports exact and
 near duplicates (crops, borders, text, rotation, re-encoding) to a JSON Lines
 report log for log-based alerting. It runs as the systemd service
 twindup.service; the same engine serves the scan, compare, review, train and
 eval commands.
EOF
cat >"$stage/DEBIAN/conffiles" <<EOF
/etc/twindup/twindup.toml
/etc/logrotate.d/twindup
EOF
for script in postinst prerm postrm; do
    install -m 0755 "$package/Scripts/debian/$script" "$stage/DEBIAN/$script"
done

find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
mkdir -p "$output"
deb="$output/twindup_${version}_${architecture}.deb"
dpkg-deb --root-owner-group "${compression[@]}" --build "$stage" "$deb" >/dev/null
echo "$deb"
