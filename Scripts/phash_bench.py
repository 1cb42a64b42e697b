#!/usr/bin/env python3
"""pHash baseline for `twindup bench scan`: imagehash.phash over the files listed in LIST (one path a line),
on one core as imagehash runs. Prints one JSON object: files, seconds, images_per_second.

Needs `pip install imagehash` (Pillow, numpy, scipy, PyWavelets); bench only, never at run time.
"""
import json
import sys
import time

import imagehash
from PIL import Image


def main() -> None:
    paths = [line.rstrip("\n") for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
    start = time.perf_counter()
    for path in paths:
        with Image.open(path) as image:
            imagehash.phash(image)
    seconds = time.perf_counter() - start
    print(json.dumps({"files": len(paths), "seconds": seconds, "images_per_second": len(paths) / seconds}))


if __name__ == "__main__":
    main()
