#!/usr/bin/env bash
# Writes a manifest for `twindup eval` over the benchmark photos (Scripts/prepare-benchmark-photos.sh) that
# come from packages the training data never drew on: real photographs the model has never seen, grouped like
# the training manifest (`twindup data manifest`), every picture in the test split.
#
#   Scripts/unseen-photo-manifest.sh PHOTOS_DIR OUT.tsv [TRAINING_MANIFEST]
#   twindup eval --data PHOTOS_DIR --manifest OUT.tsv --cache DIR
#
# Also writes same-source.tsv beside OUT.tsv (replacing one there): the reviewed links of
# Models/benchmark-photos-same-source.tsv between photos of OUT.tsv, which `twindup eval` reads by default so
# that one photo shipped by two packages (a Hubble picture in a screensaver and, with a landscape pasted
# below, in a game's backgrounds) is not scored as a distinct pair.
#
# PHOTOS_DIR is the photos/ folder of the benchmark-photo cache (one subfolder per package).
# TRAINING_MANIFEST defaults to Models/training-manifest.tsv. Needs twindup on PATH or TWINDUP set.
set -euo pipefail
fail() { echo "unseen-photo-manifest.sh: $*" >&2; exit 1; }
[[ $# -ge 2 ]] || fail "usage: $0 PHOTOS_DIR OUT.tsv [TRAINING_MANIFEST]"
photos=$1
out=$2
training=${3:-$(cd "$(dirname "$0")/.." && pwd)/Models/training-manifest.tsv}
twindup=${TWINDUP:-twindup}
[[ -d $photos ]] || fail "$photos is not a folder (run Scripts/prepare-benchmark-photos.sh first)"
[[ -r $training ]] || fail "cannot read the training manifest $training"
all=$(mktemp)
trap 'rm -f "$all"' EXIT
"$twindup" data manifest --images "$photos" --out "$all"
# Column 5 is the package, column 7 the split.
awk -F'\t' 'BEGIN { OFS = "\t" }
    NR == FNR { if (FNR > 1) trained[$5] = 1; next }
    FNR == 1 { print; next }
    !($5 in trained) { $7 = "test"; print; kept++ }
    END { if (kept == 0) exit 1 }' "$training" "$all" > "$out" || fail "no photo comes from an unseen package"
links=$(cd "$(dirname "$0")/.." && pwd)/Models/benchmark-photos-same-source.tsv
beside=$(dirname "$out")/same-source.tsv
# Keep the header and the links whose two photos are both in the manifest (a package may be missing).
awk -F'\t' 'NR == FNR { if (FNR > 1) listed[$1] = 1; next }
    FNR == 1 || ($1 in listed && $2 in listed)' "$out" "$links" > "$beside"
echo "wrote $out: $(($(wc -l < "$out") - 1)) photos from $(cut -f5 "$out" | tail -n +2 | sort -u | wc -l) packages the training data does not use, and $(($(wc -l < "$beside") - 1)) same-source links to $beside"
