#!/usr/bin/env bash
# The test command: set up, build with ASan/UBSan, run every CTest test.
set -euo pipefail
cd "$(dirname "$0")/.."
./infra/setup.sh
cmake --preset asan >/dev/null
cmake --build --preset asan
ctest --preset asan "$@"
