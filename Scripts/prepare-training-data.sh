#!/usr/bin/env bash
# Downloads the Debian packages listed in Scripts/training-packages.txt and extracts the PNG and
# JPEG pictures they ship into a cache folder outside the repository. The packages are unpacked
# with dpkg -x, never installed. Run as a user that may call apt-get download (no root needed once
# the package lists are fresh). The manifest (content hash, split, group) is then built by
# `twindup data manifest`, which reads this folder.
#
#   Scripts/prepare-training-data.sh [CACHE_DIR]     (default: ${XDG_CACHE_HOME:-~/.cache}/twindup/training-data)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-${TWINDUP_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/twindup/training-data}}
mkdir -p "$cache/debs" "$cache/images"
packages=$(grep -v '^#' "$here/training-packages.txt" | xargs)

if [ "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' | wc -l)" -eq 0 ]; then
    apt-get update
fi
cd "$cache/debs"
for package in $packages; do
    if ! ls "${package}"_*.deb >/dev/null 2>&1; then
        echo "downloading $package" >&2
        apt-get download -q "$package"
    fi
done

for deb in "$cache"/debs/*.deb; do
    package=$(dpkg-deb -f "$deb" Package)
    target="$cache/images/$package"
    [ -f "$target/.complete" ] && continue
    rm -rf "$target" "$cache/unpack"
    mkdir -p "$target" "$cache/unpack"
    dpkg-deb -x "$deb" "$cache/unpack"
    # Keep only PNG and JPEG files of at least 4 KiB: icons and glyphs teach nothing about photos.
    (cd "$cache/unpack" && find . -type f \( -iname '*.png' -o -iname '*.jpg' -o -iname '*.jpeg' \) -size +4k -print0 |
        while IFS= read -r -d '' file; do
            mkdir -p "$target/$(dirname "$file")"
            mv "$file" "$target/$file"
        done)
    rm -rf "$cache/unpack"
    touch "$target/.complete"
    echo "$package: $(find "$target" -type f ! -name .complete | wc -l) pictures" >&2
done
echo "$cache/images"
