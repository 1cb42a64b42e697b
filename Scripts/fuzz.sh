#!/usr/bin/env bash
# Coverage-guided fuzzing of the decoders with libFuzzer and AddressSanitizer (leaks included): PNG files, JPEG
# files and EXIF orientation payloads, each through ImageDecoder.decode(bytes:) and the C shim. Exits non-zero,
# naming the reproducer, on any crash, leak, timeout or out-of-memory.
#
#   Scripts/fuzz.sh                    build, then run each fuzzer for 60 s
#   Scripts/fuzz.sh --seconds N        run each fuzzer for N seconds
#   Scripts/fuzz.sh png exif           run only these fuzzers (png, jpeg, exif)
#   Scripts/fuzz.sh --build-only       build the fuzzers and seed corpora, run nothing
#   Scripts/fuzz.sh --scratch-path DIR build and keep corpora in DIR instead of .build-fuzz
#
# Everything lives in .build-fuzz/ (ignored by git): bin/ the fuzzers, corpus/NAME/ the inputs libFuzzer found
# interesting, kept between runs so that each run resumes where the last one stopped, seeds/ the extracted EXIF
# payloads and the made JPEGs, artifacts/ crashing inputs, logs/ each run's output. Rerun one input with
#   .build-fuzz/bin/NAME-fuzzer PATH
#
# Why the fuzzers are built here with swiftc and clang rather than as SwiftPM targets: SwiftPM builds every
# target of the package on `swift build` and `swift test`, and a harness, which has no main of its own, links only
# with -sanitize=fuzzer; a target added only when an environment variable is set would make Package.swift's
# meaning depend on the environment. Passing -sanitize=fuzzer to `swift build` instead applies to every target,
# and libFuzzer's main then clashes with twindup's. ImageIO depends on no package, so its Swift files, the
# shim's C files and the harness compile directly in about ten seconds with no package resolution, and the normal
# SwiftPM build is untouched.
set -euo pipefail

package=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
program=$(basename "$0")
scratch="$package/.build-fuzz"
testdata="${TWINDUP_TESTDATA:-$package/../shared/testdata}"
regressions="$package/Tests/ImageIOTests/Fixtures/fuzz-regressions"

fail() {
    echo "$program: $*" >&2
    exit 1
}

# Rebuilds `output` only when a file it is made from changed (this script included).
stale() {
    local output=$1
    shift
    [ ! -e "$output" ] || [ -n "$(find "$@" "$package/Scripts/fuzz.sh" -newer "$output" -print -quit)" ]
}

parse_arguments() {
    seconds=60
    build_only=0
    fuzzers=()
    while [ $# -gt 0 ]; do
        case "$1" in
        --seconds)
            [ $# -ge 2 ] || fail "--seconds needs a value"
            seconds=$2
            shift 2
            ;;
        --seconds=*)
            seconds=${1#*=}
            shift
            ;;
        --build-only)
            build_only=1
            shift
            ;;
        --scratch-path)
            [ $# -ge 2 ] || fail "--scratch-path needs a value"
            mkdir -p "$2"
            scratch=$(cd "$2" && pwd)
            shift 2
            ;;
        png | jpeg | exif)
            fuzzers+=("$1")
            shift
            ;;
        -h | --help)
            sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *) fail "unknown argument '$1' (see --help)" ;;
        esac
    done
    [[ "$seconds" =~ ^[1-9][0-9]*$ ]] || fail "--seconds must be a positive whole number, not '$seconds'"
    [ ${#fuzzers[@]} -gt 0 ] || fuzzers=(png jpeg exif)
    [ -d "$testdata/png" ] && [ -d "$testdata/jpeg" ] || fail "no test data at $testdata (set TWINDUP_TESTDATA)"
    command -v swiftc >/dev/null || fail "swiftc not found: install a Swift toolchain"
    command -v clang >/dev/null || fail "clang not found: it comes with the Swift toolchain"
    pkg-config --exists libpng16 libjpeg || fail "libpng or libjpeg headers missing: run Scripts/setup.sh"
}

build() {
    objects="$scratch/obj"
    bin="$scratch/bin"
    mkdir -p "$objects" "$bin" "$scratch/modules/CTwindupShims" "$scratch/logs" "$scratch/artifacts"
    started=$SECONDS
    # Runs of different fuzzers may go side by side; only one of them builds at a time.
    exec 9>"$scratch/.build-lock"
    flock 9

    # The shim is instrumented too (coverage, ASan, and UBSan, which stops at its first report), so that libFuzzer
    # sees its branches; libpng and libjpeg are Debian's, run but not instrumented.
    cflags=(-O2 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
        -fno-sanitize-recover=undefined -I"$package/Sources/CTwindupShims/include"
        $(pkg-config --cflags libpng16 libjpeg))
    shim_objects=()
    for source in "$package"/Sources/CTwindupShims/*.c; do
        object="$objects/$(basename "$source" .c).o"
        shim_objects+=("$object")
        if stale "$object" "$source" "$package"/Sources/CTwindupShims/*.h "$package"/Sources/CTwindupShims/include; then
            clang "${cflags[@]}" -c "$source" -o "$object"
        fi
    done
    printf 'module CTwindupShims {\n    header "%s"\n    export *\n}\n' \
        "$package/Sources/CTwindupShims/include/CTwindupShims.h" >"$scratch/modules/CTwindupShims/module.modulemap.new"
    cmp -s "$scratch/modules/CTwindupShims/module.modulemap.new" "$scratch/modules/CTwindupShims/module.modulemap" ||
        mv "$scratch/modules/CTwindupShims/module.modulemap.new" "$scratch/modules/CTwindupShims/module.modulemap"
    rm -f "$scratch/modules/CTwindupShims/module.modulemap.new"

    # ImageIO as one instrumented object and module, built as SwiftPM builds it in release (-O, whole module).
    swiftflags=(-O -g -swift-version 6 -enable-upcoming-feature ExistentialAny -sanitize=fuzzer,address
        -I "$scratch/modules" -I "$package/Sources/CPNG" -I "$package/Sources/CJPEG")
    if stale "$objects/ImageIO.o" "$package/Sources/ImageIO" "$package/Sources/CTwindupShims/include"; then
        swiftc "${swiftflags[@]}" -wmo -parse-as-library -module-name ImageIO -emit-module \
            -emit-module-path "$objects/ImageIO.swiftmodule" -c "$package"/Sources/ImageIO/*.swift \
            -o "$objects/ImageIO.o"
    fi

    # lld, because gold warns about every ASan register helper it cannot export; clang links the UBSan runtime
    # that the shim needs.
    for name in "${fuzzers[@]}"; do
        case "$name" in
        png) harness=(PNGFuzzer.swift) ;;
        jpeg) harness=(JPEGFuzzer.swift) ;;
        exif) harness=(ExifFuzzer.swift ExifCarriers.swift) ;;
        esac
        sources=("${harness[@]/#/$package/Fuzz/}" "$package/Fuzz/FuzzDecoding.swift")
        if stale "$bin/$name-fuzzer" "${sources[@]}" "$objects/ImageIO.o" "${shim_objects[@]}"; then
            swiftc "${swiftflags[@]}" -parse-as-library -use-ld=lld -Xclang-linker -fsanitize=undefined \
                -I "$objects" -module-name "${name}_fuzzer" \
                "${sources[@]}" "$objects/ImageIO.o" "${shim_objects[@]}" $(pkg-config --libs libpng16 libjpeg) \
                -o "$bin/$name-fuzzer"
        fi
    done
    build_seed_tool
    "$bin/seed-corpus" "$scratch/seeds" "$testdata/png" "$testdata/jpeg" "$regressions"
    # EXIF payloads that once broke the parser are kept as such (*.exif) beside the pictures.
    [ ! -d "$regressions" ] || find "$regressions" -name '*.exif' -exec cp {} "$scratch/seeds/exif/" \;
    flock -u 9
    echo "$program: built ${fuzzers[*]} in $((SECONDS - started)) s"
}

# The seed maker uses twindup's JPEG encoder, so it links a plain (uninstrumented) ImageIO and shim of its own.
build_seed_tool() {
    local plain="$scratch/plain"
    mkdir -p "$plain"
    local plain_objects=()
    for source in "$package"/Sources/CTwindupShims/*.c; do
        local object="$plain/$(basename "$source" .c).o"
        plain_objects+=("$object")
        if stale "$object" "$source" "$package"/Sources/CTwindupShims/*.h "$package"/Sources/CTwindupShims/include; then
            clang -O2 -I"$package/Sources/CTwindupShims/include" $(pkg-config --cflags libpng16 libjpeg) \
                -c "$source" -o "$object"
        fi
    done
    local flags=(-O -swift-version 6 -I "$scratch/modules" -I "$package/Sources/CPNG" -I "$package/Sources/CJPEG")
    if stale "$plain/ImageIO.o" "$package/Sources/ImageIO" "$package/Sources/CTwindupShims/include"; then
        swiftc "${flags[@]}" -enable-testing -wmo -parse-as-library -module-name ImageIO -emit-module \
            -emit-module-path "$plain/ImageIO.swiftmodule" -c "$package"/Sources/ImageIO/*.swift -o "$plain/ImageIO.o"
    fi
    local sources=("$package"/Fuzz/SeedCorpus.swift "$package"/Fuzz/ExifSeeds.swift "$package"/Fuzz/JPEGSeeds.swift)
    if stale "$bin/seed-corpus" "${sources[@]}" "$plain/ImageIO.o" "${plain_objects[@]}"; then
        swiftc "${flags[@]}" -parse-as-library -I "$plain" -module-name SeedCorpus "${sources[@]}" "$plain/ImageIO.o" \
            "${plain_objects[@]}" $(pkg-config --libs libpng16 libjpeg) -o "$bin/seed-corpus"
    fi
}

run_fuzzers() {
    # Seeds (read, never written): the shared test pictures, hostile ones included, and every input that once broke a
    # decoder. libFuzzer reads folders recursively and the harnesses reject other formats, so whole folders will do.
    # max_len: the largest seed pictures are about 32 KiB; an EXIF payload rarely needs more than a few hundred bytes.
    # -timeout: a megapixel decode takes well under a second here, even with ASan on a loaded machine.
    # -rss_limit_mb: ASan keeps up to 256 MiB of freed memory in quarantine; the decoder itself stays under 100 MiB.
    # -malloc_limit_mb: no single block may exceed what the limits allow (libjpeg's 72 MiB budget at one megapixel).
    status=0
    for name in "${fuzzers[@]}"; do
        case "$name" in
        png) seeds=("$testdata/png") max_len=65536 ;;
        jpeg) seeds=("$testdata/jpeg" "$scratch/seeds/jpeg") max_len=65536 ;;
        exif) seeds=("$scratch/seeds/exif") max_len=4096 ;;
        esac
        [ ! -d "$regressions" ] || [ "$name" = exif ] || seeds+=("$regressions")
        corpus="$scratch/corpus/$name"
        mkdir -p "$corpus"
        stamp="$scratch/artifacts/.$name-started"
        touch "$stamp"
        log="$scratch/logs/$name.log"
        echo "$program: fuzzing $name for $seconds s (corpus $corpus, log $log)"
        set +e
        # Swift's own crash backtracer copies memory that ASan has poisoned and reports itself; libFuzzer and ASan
        # print the stack instead.
        SWIFT_BACKTRACE=enable=no "$bin/$name-fuzzer" "$corpus" "${seeds[@]}" -max_total_time="$seconds" \
            -max_len="$max_len" -timeout=10 -rss_limit_mb=1024 -malloc_limit_mb=128 -dict="$package/Fuzz/$name.dict" \
            -print_final_stats=1 -artifact_prefix="$scratch/artifacts/$name-" >"$log" 2>&1
        result=$?
        set -e
        grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec)' "$log" |
            sed "s/^/    /"
        if [ "$result" -ne 0 ]; then
            status=1
            grep -E '^==[0-9]+==ERROR|^SUMMARY|runtime error|Fatal error|deadly signal|Test unit written' "$log" |
                sed "s/^/    /" || true
            for artifact in $(find "$scratch/artifacts" -name "$name-*" -newer "$stamp"); do
                echo "$program: $name fuzzer failed (exit $result); reproducer: $artifact"
                echo "    rerun: $bin/$name-fuzzer $artifact"
            done
            echo "$program: full output in $log" >&2
        fi
    done
    echo "$program: finished in $((SECONDS - started)) s"
    return "$status"
}

# Everything runs from functions and the last line exits, so that bash has read all of this file before it starts:
# editing the script while a long run is going cannot change what that run does.
main() {
    parse_arguments "$@"
    build
    [ "$build_only" -eq 0 ] || return 0
    run_fuzzers
}

main "$@"; exit
