#!/usr/bin/env bash
# Runs the decoding, hashing and index tests under a sanitizer, in release mode like CI, in their own build folder
# (.build-asan or .build-ubsan) so that the normal .build is untouched.
#
#   Scripts/sanitize.sh address      AddressSanitizer and LeakSanitizer
#   Scripts/sanitize.sh undefined    UndefinedBehaviorSanitizer on the C shim
#
# Exits non-zero on a failing test or on any sanitizer report.
set -euo pipefail

package=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
program=$(basename "$0")
filter='ImageIOTests|ImageHashingTests|DuplicateIndexTests'

case "${1:-}" in
address)
    scratch=.build-asan
    sanitizer_flags=(--sanitize=address)
    # Leaks inside the toolchain's Foundation and XCTest are listed, with reasons, in the suppressions file.
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
    export LSAN_OPTIONS="suppressions=$package/Scripts/lsan-suppressions.txt:print_suppressions=1"
    ;;
undefined)
    scratch=.build-ubsan
    # swiftc has no -sanitize=undefined on Linux (SwiftPM's --sanitize=undefined stops with "unsupported option"),
    # and Swift traps on overflow and out-of-bounds indexing itself. So UBSan instruments the C code (the shim)
    # and clang links its runtime.
    sanitizer_flags=(-Xcc -fsanitize=undefined -Xswiftc -Xclang-linker -Xswiftc -fsanitize=undefined)
    # Stop at the first report: by default UBSan prints and carries on, and the tests would still pass.
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    ;;
*)
    echo "usage: $program address|undefined" >&2
    exit 2
    ;;
esac

cd "$package"
log="$scratch/sanitize-$1.log"
mkdir -p "$scratch"
set +e
swift test -c release "${sanitizer_flags[@]}" --scratch-path "$scratch" --filter "$filter" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if grep -qE '^==[0-9]+==ERROR|runtime error:' "$log"; then
    echo "$program: the $1 sanitizer reported errors (see $log)" >&2
    exit 1
fi
exit "$status"
