#!/usr/bin/env bash
# Installs the promqt build tree into a temporary prefix, then configures, builds and runs the
# consumer project against it — proving `find_package(promqt)` + `promqt::promqt` work.
set -euo pipefail
src=$1; build=$2; work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$src/tests/consumer/project" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
LD_LIBRARY_PATH="$work/prefix/lib:$work/prefix/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$work/build/consumer"
