#!/usr/bin/env bash
# The main job: set up, build, compile the bundled 2-layer encoder into a
# native library, run it, and check it against the reference interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
A=build/bin/attune
OUT=${OUT:-out}
mkdir -p "$OUT"
echo "== compile examples/encoder_fused.json"
$A compile examples/encoder_fused.json -o "$OUT/encoder.so" --timings
echo "== run (token ids and attention mask from examples/*.npy)"
$A run "$OUT/encoder.so" \
  --input input_ids=examples/encoder_input_ids.npy \
  --input attention_mask=examples/encoder_attention_mask.npy \
  --output-dir "$OUT/outputs" \
  --compare-reference examples/encoder_fused.json
