#!/usr/bin/env bash
# Runs `twindup watch` under a steady stream of files (200 per second for 10 minutes by default) and watches it
# for leaks: every 10 s it samples the daemon's resident memory and open descriptors from /proc, and it measures
# each reported file's latency from its close to its report line's timestamp. Prints a table per 10 s window
# ("no line": files closed in the window without a report line, which is right for the first copy of a content
# and for a picture like no other) and whether memory and descriptors stayed flat; exits 1 when they did not.
#
#   Scripts/soak.sh [--minutes N] [--rate FILES_PER_SECOND] [--keep]
#
# The stream: 9 files in 10 are exact copies of 20 pictures (exact_duplicate lines), 1 in 10 holds new bytes of
# the same photograph (decoded, embedded, near_duplicate lines). Each file is deleted 10 s after it was written,
# so the index stays at about 10 s worth of files and memory should not grow. Needs a release build and
# ../shared/testdata (or $TWINDUP_TESTDATA). Run by hand; not part of `swift test`.
set -euo pipefail

minutes=10
rate=200
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --minutes) minutes=$2; shift 2 ;;
        --rate) rate=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "usage: $0 [--minutes N] [--rate FILES_PER_SECOND] [--keep]" >&2; exit 64 ;;
    esac
done

here=$(cd "$(dirname "$0")/.." && pwd)
twindup=${TWINDUP:-$here/.build/release/twindup}
testdata=${TWINDUP_TESTDATA:-$here/../shared/testdata}
picture=$testdata/jpeg/testorig.jpg
[ -x "$twindup" ] || { echo "no $twindup: build it with swift build -c release" >&2; exit 1; }
[ -r "$picture" ] || { echo "no $picture: set TWINDUP_TESTDATA" >&2; exit 1; }

scratch=$(mktemp -d /tmp/twindup-soak.XXXXXX)
daemon=
writer=
cleanup() {
    [ -n "$writer" ] && kill "$writer" 2>/dev/null || true
    if [ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null; then
        kill -TERM "$daemon"
        wait "$daemon" || true
    fi
    if [ "$keep" = 1 ]; then echo "kept $scratch"; else rm -rf "$scratch"; fi
}
trap cleanup EXIT

mkdir -p "$scratch/watched"
report=$scratch/report.jsonl
"$twindup" watch "$scratch/watched" --report "$report" --index "$scratch/index.sqlite" --settle 0.5 \
    2>"$scratch/stderr" &
daemon=$!
for _ in $(seq 600); do
    grep -q '"reason":"startup"' "$report" 2>/dev/null && break
    kill -0 "$daemon" 2>/dev/null || { cat "$scratch/stderr" >&2; exit 1; }
    sleep 0.1
done

total=$((minutes * 60 * rate))
echo "soak: $rate files/s for $minutes min ($total files) into $scratch/watched; a row every 10 s"
# Writes the stream at a steady pace and logs "number close-time" for every file.
perl -MTime::HiRes=time,sleep -e '
    my ($picture, $folder, $total, $rate, $log) = @ARGV;
    open(my $in, "<:raw", $picture) or die "$picture: $!";
    my $bytes = do { local $/; <$in> };
    open(my $closes, ">", $log) or die "$log: $!";
    $closes->autoflush(1);
    my $start = time;
    for my $i (0 .. $total - 1) {
        my $wait = $start + $i / $rate - time;
        sleep($wait) if $wait > 0;
        my $tag = $i % 10 == 9 ? "new $i" : "copy " . ($i % 20);
        my $path = "$folder/f$i.jpg";
        open(my $out, ">:raw", $path) or die "$path: $!";
        print $out $bytes, $tag;
        close($out) or die "$path: $!";
        printf $closes "%d %.6f\n", $i, time;
        my $old = $i - 10 * $rate;
        unlink("$folder/f$old.jpg") if $old >= 0;
    }' "$picture" "$scratch/watched" "$total" "$rate" "$scratch/closes" &
writer=$!

samples=$scratch/samples
: >"$samples"
began=$(date +%s.%N)
while kill -0 "$writer" 2>/dev/null; do
    sleep 10
    kill -0 "$daemon" 2>/dev/null || { echo "the daemon died:" >&2; tail "$scratch/stderr" >&2; exit 1; }
    rss=$(awk '/VmRSS/ { print $2 }' "/proc/$daemon/status")
    fds=$(ls "/proc/$daemon/fd" | wc -l)
    echo "$(date +%s.%N) $rss $fds $(wc -l <"$scratch/closes") $(wc -l <"$report")" >>"$samples"
done
wait "$writer" || { echo "the writer failed" >&2; exit 1; }
writer=
sleep 5  # the last files' lines

# The table: one row per sample, with the latency of the files closed in the 10 s before it.
perl -MTime::Local=timegm -e '
    my ($began, $closesFile, $reportFile, $samplesFile) = @ARGV;
    my %closed;
    open(my $closes, "<", $closesFile) or die;
    while (<$closes>) { my ($i, $t) = split; $closed{$i} = $t; }
    my %reported;
    open(my $report, "<", $reportFile) or die;
    while (<$report>) {
        next unless /"ts":"(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)\.(\d+)Z".*"path":"[^"]*\/f(\d+)\.jpg"/;
        my $t = timegm($6, $5, $4, $3, $2 - 1, $1) + $7 / 1000;
        $reported{$8} = $t unless exists $reported{$8};
    }
    my @rows;
    open(my $samples, "<", $samplesFile) or die;
    while (<$samples>) { push @rows, [split] }
    printf "%7s %9s %5s %9s %9s %8s %8s %8s %8s\n", "time", "RSS MiB", "fds", "written", "lines",
        "p50 ms", "p99 ms", "max ms", "no line";
    my $previous = $began;
    my @latencies_all;
    for my $row (@rows) {
        my ($at, $rss, $fds, $written, $lines) = @$row;
        my @latencies = sort { $a <=> $b } map { ($reported{$_} - $closed{$_}) * 1000 }
            grep { exists $reported{$_} && $closed{$_} > $previous && $closed{$_} <= $at } keys %closed;
        my $unreported = grep { !exists $reported{$_} && $closed{$_} > $previous && $closed{$_} <= $at } keys %closed;
        push @latencies_all, @latencies;
        my $pick = sub { @latencies ? sprintf("%.0f", $latencies[int($_[0] * $#latencies)]) : "-" };
        printf "%6.0fs %9.1f %5d %9d %9d %8s %8s %8s %8d\n", $at - $began, $rss / 1024, $fds, $written, $lines,
            $pick->(0.5), $pick->(0.99), $pick->(1), $unreported;
        $previous = $at;
    }
    # Flat: after the first minute (model loaded, index at its steady size), memory grows by less than 10% and
    # 16 MiB from its first sample to the largest of the last third, and descriptors vary by at most 2.
    my @steady = @rows > 6 ? @rows[6 .. $#rows] : @rows;
    my $first = $steady[0][1];
    my @tail = @steady[int(2 * @steady / 3) .. $#steady];
    my ($maxTail) = sort { $b <=> $a } map { $_->[1] } @tail;
    my ($fdMin) = sort { $a <=> $b } map { $_->[2] } @steady;
    my ($fdMax) = sort { $b <=> $a } map { $_->[2] } @steady;
    my $grown = ($maxTail - $first) / 1024;
    my $rssFlat = $grown < 16 && $maxTail < $first * 1.10;
    my $fdsFlat = $fdMax - $fdMin <= 2;
    @latencies_all = sort { $a <=> $b } @latencies_all;
    printf "\nlatency over the run: p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d files reported)\n",
        map({ $latencies_all[int($_ * $#latencies_all)] } 0.5, 0.99, 1), scalar @latencies_all;
    printf "memory: %.1f MiB after the first minute, at most %.1f MiB in the last third: %s\n", $first / 1024,
        $maxTail / 1024, $rssFlat ? "flat" : "GROWING";
    printf "descriptors: %d to %d: %s\n", $fdMin, $fdMax, $fdsFlat ? "flat" : "CHANGING";
    exit($rssFlat && $fdsFlat ? 0 : 1);
' "$began" "$scratch/closes" "$report" "$samples" && verdict=0 || verdict=$?
grep -q '"event":"decode_error"' "$report" && echo "decode errors: $(grep -c '"event":"decode_error"' "$report")"
exit "$verdict"
