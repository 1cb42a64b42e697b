#!/usr/bin/env bash
# Floods a folder watched by `twindup watch` with files written as fast as one process can (100,000 by default)
# and checks that every one is indexed: inotify's queue and the daemon's overflow, and the rescans that follow,
# must lose nothing. Prints the time until the last file was indexed and the report's lines by event.
#
#   Scripts/flood.sh [--files N] [--distinct N] [--keep]
#
# --distinct: how many different contents the files hold (the rest are exact copies, which are hashed but not
# decoded); each content is the same photograph with different trailing bytes, so every one is decoded, embedded
# and a near-duplicate of the others. --keep leaves the scratch folder for a look. Needs a release build
# (swift build -c release) and ../shared/testdata (or $TWINDUP_TESTDATA). Run by hand; not part of `swift test`.
set -euo pipefail

files=100000
distinct=1000
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --files) files=$2; shift 2 ;;
        --distinct) distinct=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "usage: $0 [--files N] [--distinct N] [--keep]" >&2; exit 64 ;;
    esac
done

here=$(cd "$(dirname "$0")/.." && pwd)
twindup=${TWINDUP:-$here/.build/release/twindup}
testdata=${TWINDUP_TESTDATA:-$here/../shared/testdata}
picture=$testdata/jpeg/testorig.jpg
[ -x "$twindup" ] || { echo "no $twindup: build it with swift build -c release" >&2; exit 1; }
[ -r "$picture" ] || { echo "no $picture: set TWINDUP_TESTDATA" >&2; exit 1; }

scratch=$(mktemp -d /tmp/twindup-flood.XXXXXX)
daemon=
cleanup() {
    if [ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null; then
        kill -TERM "$daemon"
        wait "$daemon" || true
    fi
    if [ "$keep" = 1 ]; then echo "kept $scratch"; else rm -rf "$scratch"; fi
}
trap cleanup EXIT

mkdir -p "$scratch/watched"
report=$scratch/report.jsonl
index=$scratch/index.sqlite
"$twindup" watch "$scratch/watched" --report "$report" --index "$index" --settle 0.5 2>"$scratch/stderr" &
daemon=$!

# The number of files in the index, read without disturbing the daemon.
indexed() {
    if command -v sqlite3 >/dev/null; then
        sqlite3 -readonly "$index" 'SELECT count(*) FROM file' 2>/dev/null || echo 0
    else
        "$twindup" stats --index "$index" 2>/dev/null | awk '$1 == "files" { print $2 }' || echo 0
    fi
}

for _ in $(seq 600); do
    grep -q '"reason":"startup"' "$report" 2>/dev/null && break
    kill -0 "$daemon" 2>/dev/null || { cat "$scratch/stderr" >&2; exit 1; }
    sleep 0.1
done

echo "writing $files files ($distinct different contents) into $scratch/watched"
start=$(date +%s.%N)
perl -e '
    my ($picture, $folder, $count, $distinct) = @ARGV;
    open(my $in, "<:raw", $picture) or die "$picture: $!";
    local $/; my $bytes = <$in>;
    for my $i (0 .. $count - 1) {
        open(my $out, ">:raw", "$folder/f$i.jpg") or die "$folder/f$i.jpg: $!";
        print $out $bytes, "flood ", $i % $distinct;
        close($out) or die "$folder/f$i.jpg: $!";
    }' "$picture" "$scratch/watched" "$files" "$distinct"
written=$(date +%s.%N)
echo "written in $(awk -v a="$start" -v b="$written" 'BEGIN { printf "%.1f", b - a }') s"

last=-1
stalled=0
while :; do
    now=$(indexed)
    [ "$now" -ge "$files" ] && break
    kill -0 "$daemon" 2>/dev/null || { echo "the daemon died:" >&2; cat "$scratch/stderr" >&2; exit 1; }
    if [ "$now" = "$last" ]; then stalled=$((stalled + 1)); else stalled=0; fi
    # Five minutes without progress: something is stuck.
    [ "$stalled" -ge 300 ] && { echo "stuck at $now of $files indexed" >&2; exit 1; }
    last=$now
    sleep 1
done
done_at=$(date +%s.%N)

echo
echo "indexed:         $(indexed) of $files files"
seconds=$(awk -v a="$start" -v b="$done_at" 'BEGIN { printf "%.1f", b - a }')
echo "time:            $seconds s from the first write to the last file indexed"
echo "rate:            $(awk -v n="$files" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }') files/s"
echo "report lines:"
grep -o '"event":"[a-z_]*"' "$report" | sort | uniq -c | sed 's/"event"://; s/"//g; s/^/  /'
echo "rescan reasons:"
grep -o '"reason":"[a-z_]*"' "$report" | sort | uniq -c | sed 's/"reason"://; s/"//g; s/^/  /'
echo "peak memory:     $(awk '/VmHWM/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$daemon/status")"
stopping=$(date +%s.%N)
kill -TERM "$daemon"
wait "$daemon" && status=0 || status=$?
daemon=
echo "exit status:     $status, $(awk -v a="$stopping" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s after SIGTERM"
