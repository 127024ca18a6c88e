#!/usr/bin/env bash
# One command for the whole benchmark: installs what is missing, then runs
# bench/run.py (Attune vs ONNX Runtime vs PyTorch on BERT-base, GEMM kernels
# vs OpenBLAS/oneDNN, FMA peak) and writes bench/results/.
#   bench/run.sh [--quick] [--attune PATH] [--prepare-only] [--note TEXT] ...
# The attune binary: --attune PATH, else $ATTUNE, else build/bin/attune.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

# GEMM anchors (Debian): OpenBLAS and oneDNN, plus a C compiler.
need=()
for p in libopenblas-dev libdnnl-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
command -v cc >/dev/null 2>&1 || command -v clang-19 >/dev/null 2>&1 || need+=(gcc)
if [ ${#need[@]} -gt 0 ]; then
  echo "bench: apt-get install ${need[*]}"
  $SUDO apt-get install -y -q "${need[@]}" >/dev/null 2>&1 ||
    { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q "${need[@]}" >/dev/null; }
fi

# Python peers. (Debian's own python3 is "externally managed": retry with the
# flag that allows it, as scripts/test.sh does.)
pip_install() {
  python3 -m pip install -q "$@" 2>/dev/null ||
    python3 -m pip install -q --break-system-packages "$@"
}
python3 -c 'import torch, transformers, safetensors, numpy' 2>/dev/null ||
  pip_install "torch==2.15.*" "transformers==5.24.*" safetensors numpy
python3 -c 'import onnxruntime, onnx, onnxscript' 2>/dev/null ||
  pip_install "onnxruntime==1.31.*" onnx onnxscript

exec python3 bench/run.py "$@"
