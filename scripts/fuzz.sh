#!/usr/bin/env bash
# libFuzzer over every parser of outside bytes (fuzz/parsers): JSON, the three ingress dialects,
# ChatRequest, the SSE parser and the fixture line reader. Builds in .build-fuzz (its own build
# directory: the parser modules are instrumented, see Package.swift), runs FUZZ_SECONDS (default 60) from the seed corpus in
# fuzz/corpus (new inputs go to a temporary directory, not the repo) and prints libFuzzer's stats.
# A crash leaves its input in fuzz/crashes/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
TOLLGATE_FUZZ=1 swift build -c debug --build-path .build-fuzz --product tollgate-fuzz
work=$(mktemp -d)
mkdir -p "$work/corpus"
mkdir -p fuzz/crashes
trap 'rm -rf "$work"' EXIT
rc=0
.build-fuzz/debug/tollgate-fuzz "$work/corpus" fuzz/corpus -max_total_time="$seconds" -max_len=65536 \
  -print_final_stats=1 -artifact_prefix=fuzz/crashes/ > "$work/log" 2>&1 || rc=$?
grep -E '^(INFO: Seed|INFO: seed corpus|#[0-9]+[[:space:]]+(INITED|DONE)|stat::|==[0-9]+==|SUMMARY|Done )' "$work/log" | tail -20 || true
echo "fuzz: $(ls "$work/corpus" | wc -l) inputs in the final corpus; libFuzzer exit status $rc"
[ "$rc" = 0 ] || { tail -40 "$work/log"; exit "$rc"; }
