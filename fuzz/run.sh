#!/usr/bin/env bash
# Runs every fuzz target built in BUILD_DIR for SECONDS each, one after the other.
#
#   fuzz/run.sh [SECONDS] [BUILD_DIR]      (defaults: 60, build-fuzz)
#
# Each target runs on a COPY of fuzz/corpus/<target>/ in a temporary
# directory (the committed corpus never grows), with its dictionary
# fuzz/<name>.dict when there is one, -timeout=10 -rss_limit_mb=2048 and a
# -max_len suited to the format. Prints per target: executions, time and the
# result. Exits 1 if any target found a crash / leak / timeout / OOM (the
# input is kept and its path printed), 2 on a usage error or if nothing ran.
#
# Environment: FUZZ_FLAGS adds libFuzzer flags to every run (e.g.
# FUZZ_FLAGS=-jobs=2); ASAN_OPTIONS / UBSAN_OPTIONS are passed through (with
# defaults that print stacks). Targets not built in BUILD_DIR are skipped with
# the reason (fuzz_json_graph, fuzz_hf_config and fuzz_onnx need MLIR: they are never
# built with -DATTUNE_RUNTIME_ONLY=ON).
set -uo pipefail

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[[ ${1:-} == -h || ${1:-} == --help ]] && usage

SECS=${1:-60}
[[ $SECS =~ ^[0-9]+$ && $SECS -gt 0 ]] || { echo "run.sh: SECONDS must be a positive integer, got '$SECS'" >&2; usage; }
FUZZ_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$FUZZ_DIR")
BUILD=${2:-$REPO/build-fuzz}
[[ -d $BUILD ]] || { echo "run.sh: build directory '$BUILD' does not exist (see fuzz/README.md)" >&2; exit 2; }
BUILD=$(cd "$BUILD" && pwd)

# target  max_len  dictionary
TARGETS=(
  "fuzz_safetensors 16384 $FUZZ_DIR/safetensors.dict"
  "fuzz_npy         4096  $FUZZ_DIR/npy.dict"
  "fuzz_tuning_records 8192 $FUZZ_DIR/tuning_records.dict"
  "fuzz_wordpiece   16384 $FUZZ_DIR/wordpiece.dict"
  "fuzz_bpe         16384 $FUZZ_DIR/bpe.dict"
  "fuzz_json_graph  16384 $FUZZ_DIR/json.dict"
  "fuzz_hf_config   8192  $FUZZ_DIR/hf_config.dict"
  "fuzz_onnx        16384 $FUZZ_DIR/onnx.dict"
)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

cache_value() { # cache_value VAR -> value from BUILD/CMakeCache.txt, or empty
  sed -n "s/^$1:[A-Z]*=//p" "$BUILD/CMakeCache.txt" 2>/dev/null | head -n1
}
is_on() { [[ ${1^^} =~ ^(ON|1|TRUE|YES|Y)$ ]]; }

find_binary() {
  local t=$1 p
  for p in "$BUILD/fuzz/$t" "$BUILD/bin/$t"; do
    [[ -x $p ]] && { echo "$p"; return 0; }
  done
  return 1
}

skip_reason() {
  local t=$1
  if ! is_on "$(cache_value ATTUNE_ENABLE_FUZZERS)"; then
    echo "not built: $BUILD was not configured with -DATTUNE_ENABLE_FUZZERS=ON"
  elif [[ $t == fuzz_json_graph || $t == fuzz_hf_config || $t == fuzz_onnx ]] && is_on "$(cache_value ATTUNE_RUNTIME_ONLY)"; then
    echo "skipped: $BUILD is an ATTUNE_RUNTIME_ONLY=ON build and $t needs MLIR (use a build without RUNTIME_ONLY)"
  else
    echo "not built yet: run 'cmake --build $BUILD --target $t'"
  fi
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/attune-fuzz-run.XXXXXX")
echo "run.sh: $SECS s per target, build $BUILD, work dir $WORK"

declare -a SUMMARY
found=0
ran=0
for entry in "${TARGETS[@]}"; do
  read -r t maxlen dict <<<"$entry"
  if ! bin=$(find_binary "$t"); then
    reason=$(skip_reason "$t")
    echo "=== $t: $reason"
    SUMMARY+=("$(printf '%-18s %12s %8s  %s' "$t" - - "$reason")")
    continue
  fi
  corpus=$WORK/corpus/$t
  artifacts=$WORK/artifacts/$t
  log=$WORK/$t.log
  mkdir -p "$corpus" "$artifacts"
  [[ -d $FUZZ_DIR/corpus/$t ]] && cp -r "$FUZZ_DIR/corpus/$t/." "$corpus/"
  args=(-max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len="$maxlen"
        -print_final_stats=1 -artifact_prefix="$artifacts/")
  [[ -f $dict ]] && args+=(-dict="$dict")
  # shellcheck disable=SC2206
  [[ -n ${FUZZ_FLAGS:-} ]] && args+=($FUZZ_FLAGS)
  echo "=== $t: $bin ${args[*]} $corpus"
  t0=$(date +%s)
  "$bin" "${args[@]}" "$corpus" >"$log" 2>&1
  rc=$?
  elapsed=$(( $(date +%s) - t0 ))
  ran=$((ran + 1))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  if [[ -z $execs ]]; then # killed before the final stats: last status line
    execs=$(grep -oE '^#[0-9]+' "$log" | tail -n1 | tr -d '#')
  fi
  execs=${execs:-0}
  mapfile -t found_files < <(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' \
                                  -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
  if [[ $rc -eq 0 && ${#found_files[@]} -eq 0 ]]; then
    result="ok (rc 0, no crash; corpus grew to $(find "$corpus" -type f | wc -l) files)"
  else
    found=1
    if [[ ${#found_files[@]} -gt 0 ]]; then
      result="FOUND ($(basename "${found_files[0]}" | cut -d- -f1)): ${found_files[*]}"
    else
      result="FAILED: exited with rc $rc without leaving an input (see $log)"
    fi
    echo "--- $t: the report in $log:"
    # From the first error line, without libFuzzer's progress lines and
    # ASan's shadow-byte dump; at most 80 lines.
    awk '/^#[0-9]+[ \t]/ && !/ in / { next }
         !on && /ERROR: |FUZZ_CHECK|runtime error:|deadly signal|out-of-memory|timeout after/ { on = 1 }
         /^Shadow bytes around/ { skip = 1 }
         skip && /^(==[0-9]+==ABORTING|MS: )/ { skip = 0 }
         on && !skip { print }' "$log" | head -n 80
    echo "--- reproduce: $bin ${found_files[0]:-<input>}"
  fi
  echo "=== $t: $execs executions in ${elapsed}s: $result"
  SUMMARY+=("$(printf '%-18s %12s %7ss  %s' "$t" "$execs" "$elapsed" "$result")")
  rm -rf "$corpus" # keep logs and artifacts until we know whether anything was found
done

echo
echo "=== summary ($SECS s per target)"
printf '%-18s %12s %8s  %s\n' target executions time result
printf '%s\n' "${SUMMARY[@]}"

if [[ $found -eq 0 ]]; then
  rm -rf "$WORK"
  [[ $ran -gt 0 ]] || { echo "run.sh: no fuzz target was run" >&2; exit 2; }
  exit 0
fi
rm -rf "$WORK/corpus"
echo "run.sh: findings kept in $WORK (inputs under artifacts/, full logs *.log)"
exit 1
