#!/usr/bin/env bash
# Installs twindup as a systemd service on Debian: the program, its model, the unit, an example configuration,
# and the logrotate, sysctl and sysusers snippets. Safe to run again: files already in place are left as they
# are, and an existing /etc/twindup/twindup.toml is never replaced.
#
#   Scripts/install.sh                    build a release and install it on this machine (as root)
#   Scripts/install.sh --binary PATH      install an already built twindup instead of building
#   Scripts/install.sh --root DIR         install into a staging folder (packaging, tests); runs nothing else
#
# See systemd/README.md for what to do next.
set -euo pipefail

package=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
program=$(basename "$0")

fail() {
    echo "$program: $*" >&2
    exit 1
}

usage() {
    cat <<EOF
usage: $program [--root DIR] [--binary PATH] [--model PATH]

  --root DIR      install below DIR instead of /, and do not run systemd-sysusers, sysctl or systemctl
  --binary PATH   the twindup executable to install (default: build one with swift build -c release)
  --model PATH    the model to install (default: the one built beside the binary, else the package's own)
EOF
}

root=""
binary=""
model=""
while [ $# -gt 0 ]; do
    case "$1" in
    --root | --binary | --model)
        if [ $# -lt 2 ] || [ -z "$2" ]; then fail "$1 needs a value (see --help)"; fi
        case "$1" in
        --root) root=$2 ;;
        --binary) binary=$2 ;;
        --model) model=$2 ;;
        esac
        shift 2
        ;;
    --root=* | --binary=* | --model=*)
        value=${1#*=}
        [ -n "$value" ] || fail "${1%%=*} needs a value (see --help)"
        case "$1" in
        --root=*) root=$value ;;
        --binary=*) binary=$value ;;
        --model=*) model=$value ;;
        esac
        shift
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *) fail "unknown argument '$1' (see --help)" ;;
    esac
done

if [ -n "$root" ]; then
    [ -d "$root" ] || fail "--root $root is not a folder; create it first"
    root=$(cd "$root" && pwd)
    # A staging root is not the running system: "/" here would make --root a silent full install.
    [ "$root" != "/" ] || fail "--root / would install onto this system; leave --root out for that"
else
    [ "$(id -u)" -eq 0 ] || fail "installing onto this system needs root (or use --root DIR to stage the files)"
    # Checked before anything is written: without a running systemd the last steps would fail half-way.
    [ -d /run/systemd/system ] || fail "systemd is not running here; install on a systemd host, or stage with --root DIR"
    for tool in systemctl systemd-sysusers sysctl; do
        command -v "$tool" >/dev/null || fail "$tool not found: this script installs a systemd service (apt-get install systemd procps)"
    done
fi

for shipped in twindup.service twindup.toml twindup.logrotate twindup.sysusers 90-twindup-inotify.conf README.md; do
    [ -f "$package/systemd/$shipped" ] || fail "$package/systemd/$shipped is missing: run this script from a twindup checkout"
done

# The program: built here unless given.
if [ -z "$binary" ]; then
    command -v swift >/dev/null || fail "swift not found: install a Swift toolchain to build, or pass --binary PATH"
    echo "Building twindup (release)..."
    (cd "$package" && swift build -c release --product twindup) || fail "the release build failed (see above)"
    binary="$package/.build/release/twindup"
fi
[ -f "$binary" ] || fail "--binary $binary does not exist"
[ -x "$binary" ] || fail "--binary $binary is not executable"

# The model: given, else built beside the binary as a SwiftPM resource, else the package's own copy.
if [ -z "$model" ]; then
    for candidate in \
        "$(dirname "$binary")/twindup_TwinModel.resources/twindup.safetensors" \
        "$package/Sources/TwinModel/Resources/twindup.safetensors"; do
        if [ -f "$candidate" ]; then
            model=$candidate
            break
        fi
    done
    [ -n "$model" ] || fail "no model found beside $binary or in the package; pass --model PATH"
fi
[ -f "$model" ] || fail "--model $model does not exist"

# Where each piece goes: the unit and the daemon's defaults expect exactly these paths.
share=/usr/share/twindup
doc=/usr/share/doc/twindup

# Installs $1 as $2 with mode $3, replacing it only when different, through a rename so that a running daemon
# keeps its old executable (overwriting it in place fails with "Text file busy").
place() {
    local source=$1 target="$root$2" mode=$3
    mkdir -p "$(dirname "$target")"
    if [ -f "$target" ] && cmp -s "$source" "$target"; then
        chmod "$mode" "$target"
        return
    fi
    install -m "$mode" "$source" "$target.new-$$"
    mv -f "$target.new-$$" "$target"
    echo "installed $2"
    changed=yes
}
changed=no

# Installs an administrator's file in /etc only when it is missing. An edited copy is kept, and the shipped
# version lands beside it as .dpkg-dist (a suffix logrotate and the daemon both ignore) to compare with.
place_configuration() {
    local source=$1 target="$root$2" mode=$3
    mkdir -p "$(dirname "$target")"
    if [ ! -e "$target" ]; then
        install -m "$mode" "$source" "$target"
        echo "installed $2"
    elif ! cmp -s "$source" "$target"; then
        install -m "$mode" "$source" "$target.dpkg-dist"
        echo "kept your $2; the shipped version is beside it as $2.dpkg-dist"
    fi
}

place "$binary" /usr/bin/twindup 0755
place "$model" "$share/twindup.safetensors" 0644
place "$package/systemd/twindup.service" /usr/lib/systemd/system/twindup.service 0644
place "$package/systemd/twindup.sysusers" /usr/lib/sysusers.d/twindup.conf 0644
place "$package/systemd/90-twindup-inotify.conf" /usr/lib/sysctl.d/90-twindup-inotify.conf 0644
place "$package/systemd/README.md" "$doc/running-as-a-service.md" 0644
place "$package/systemd/twindup.toml" "$doc/examples/twindup.toml" 0644
place_configuration "$package/systemd/twindup.toml" /etc/twindup/twindup.toml 0644
place_configuration "$package/systemd/twindup.logrotate" /etc/logrotate.d/twindup 0644

if [ -n "$root" ]; then
    echo "Staged in $root; nothing was run on this system."
    exit 0
fi

# The libraries the program links must be installed here, or the service dies at start with a loader error.
if missing=$(ldd /usr/bin/twindup 2>/dev/null | awk '/not found/ {printf "%s ", $1}') && [ -n "$missing" ]; then
    fail "/usr/bin/twindup needs libraries that are not installed: $missing
(Debian: apt-get install libopenblas0 libpng16-16 libjpeg62-turbo libinotifytools0 libsqlite3-0; libswift*.so
come with the Swift toolchain the program was built with)"
fi

systemd-sysusers /usr/lib/sysusers.d/twindup.conf
sysctl --system >/dev/null || echo "$program: warning: sysctl --system failed; the inotify limits apply at the next boot" >&2
systemctl daemon-reload

cat <<EOF

twindup is installed. Next:
  1. List the folders to watch in /etc/twindup/twindup.toml (watch = [...]) and check it:
       twindup watch --config /etc/twindup/twindup.toml --check-config
  2. Give the twindup user read access to them (systemctl edit twindup.service, SupplementaryGroups=, or ACLs).
  3. Start it now and at every boot:   systemctl enable --now twindup.service
     Follow it:                        journalctl -u twindup.service -f
Details: $doc/running-as-a-service.md
EOF
if [ "$changed" = yes ] && systemctl is-active --quiet twindup.service; then
    echo "The service is running an older version: systemctl restart twindup.service"
fi
