#!/usr/bin/env bash
# Downloads the Debian packages listed in Scripts/benchmark-photo-packages.txt and extracts the
# camera photographs they ship, as JPEG or PNG files of 1 to 12 megapixels, into a cache folder
# outside the repository. The scan-throughput benchmark reads these files; the pHash baseline it is
# compared with decodes every file at full size, so the pixel range keeps both sides comparable.
# The packages are unpacked with dpkg-deb -x, never installed.
#
# Each line of the package list names a package and the paths (find -path globs, relative to the
# package root) whose files are photographs; a glob starting with ! excludes. Which files are photos
# is decided there, by package and folder; this script only checks the format and the pixel count.
# Pixel counts come from the image headers as printed by file(1) (no decoding); megapixels are
# decimal: 1,000,000 <= width * height <= 12,000,000.
#
# Writes $CACHE/photos.txt: the absolute paths of the selected files, one a line, sorted bytewise.
#
# Debian holds only about 500 such photos, so each one also gets a re-saved copy under $CACHE/resaved
# (decoded, then encoded again as a progressive JPEG at quality 85 with libjpeg's cjpeg, as photo
# tools and upload pipelines re-save pictures), listed in $CACHE/resaved.txt: the two folders
# together give the benchmark over 1,000 files of real photos, half of them near-duplicates of the
# other half, as a file server's photo share holds them. Needs djpeg/cjpeg (libjpeg-turbo-progs)
# and pngtopnm (netpbm).
#
#   Scripts/prepare-benchmark-photos.sh [CACHE_DIR]    (default: ${XDG_CACHE_HOME:-~/.cache}/twindup/benchmark-photos)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/twindup/benchmark-photos}
list="$here/benchmark-photo-packages.txt"
min_pixels=1000000
max_pixels=12000000
export LC_ALL=C

for tool in file djpeg cjpeg pngtopnm; do
    if ! command -v "$tool" >/dev/null; then
        echo "$tool is needed: apt-get install file libjpeg-turbo-progs netpbm" >&2
        exit 1
    fi
done
mkdir -p "$cache/debs" "$cache/photos"
cache=$(cd "$cache" && pwd)
if [ "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' | wc -l)" -eq 0 ]; then
    apt-get update
fi

# Prints "path<TAB>width<TAB>height" for each JPEG or PNG file named on stdin (NUL-separated),
# reading only the headers. The type comes from the content, not the file name.
image_sizes() {
    xargs -0 -r file -N -F $'\t' -- | sed -nE \
        -e 's/^([^\t]*)\t ?PNG image data, ([0-9]+) x ([0-9]+),.*/\1\t\2\t\3/p' \
        -e 's/^([^\t]*)\t ?JPEG image data.*, precision [0-9]+, ([0-9]+)x([0-9]+),.*/\1\t\2\t\3/p'
}

selected_packages=()
while read -r package patterns; do
    selected_packages+=("$package")
    if ! ls "$cache/debs/${package}"_*.deb >/dev/null 2>&1; then
        echo "downloading $package" >&2
        (cd "$cache/debs" && apt-get download -q "$package" </dev/null)
    fi
    deb=$(ls "$cache/debs/${package}"_*.deb | sort -V | tail -n 1)
    target="$cache/photos/$package"
    # The stamp records what the folder was extracted from, so that a new package version or a
    # changed line in the list extracts again instead of keeping a stale selection.
    stamp="$(basename "$deb") $patterns"
    if [ -f "$target/.selection" ] && [ "$(cat "$target/.selection")" = "$stamp" ]; then
        continue
    fi
    rm -rf "$target" "$cache/unpack"
    mkdir -p "$target" "$cache/unpack"
    dpkg-deb -x "$deb" "$cache/unpack"

    include=()
    exclude=()
    set -f
    for pattern in $patterns; do
        case $pattern in
            '!'*) exclude+=(! -path "./${pattern#!}") ;;
            *) include+=(${include[@]:+-o} -path "./$pattern") ;;
        esac
    done
    set +f
    if [ ${#include[@]} -eq 0 ]; then
        echo "$list: $package names no folder of photos" >&2
        exit 1
    fi
    (cd "$cache/unpack" && find . -type f \( "${include[@]}" \) ${exclude[@]+"${exclude[@]}"} -print0 |
        image_sizes |
        while IFS=$'\t' read -r file width height; do
            pixels=$((width * height))
            if [ "$pixels" -ge "$min_pixels" ] && [ "$pixels" -le "$max_pixels" ]; then
                mkdir -p "$target/$(dirname "$file")"
                mv "$file" "$target/$file"
            fi
        done)
    rm -rf "$cache/unpack"
    echo "$stamp" >"$target/.selection"
    echo "$package: $(find "$target" -type f ! -name .selection | wc -l) photos" >&2
done < <(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$list")

for package in "${selected_packages[@]}"; do
    find "$cache/photos/$package" -type f ! -name .selection
done | sort >"$cache/photos.txt"
echo "$(wc -l <"$cache/photos.txt") photos listed in $cache/photos.txt" >&2

while IFS= read -r photo; do
    copy="$cache/resaved/${photo#"$cache/photos/"}.jpg"
    [ -s "$copy" ] && continue
    mkdir -p "$(dirname "$copy")"
    case $(file -b --mime-type "$photo") in
        image/png) pngtopnm -mix "$photo" ;;
        *) djpeg "$photo" ;;
    esac | cjpeg -quality 85 -progressive -optimize >"$copy.partial"
    mv "$copy.partial" "$copy"
done <"$cache/photos.txt"
find "$cache/resaved" -type f -name '*.jpg' | sort >"$cache/resaved.txt"
echo "$(wc -l <"$cache/resaved.txt") re-saved copies listed in $cache/resaved.txt" >&2
echo "$cache/photos.txt"
