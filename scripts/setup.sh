#!/usr/bin/env bash
# Installs the Debian 12 packages Attune needs to build and test.
# Idempotent and quiet: prints nothing when everything is already installed.
set -euo pipefail

PACKAGES=(
  cmake ninja-build python3 python3-pip
  clang-19 lld-19 llvm-19-dev llvm-19-tools libmlir-19-dev mlir-19-tools
  libclang-rt-19-dev            # sanitizers (ASan/UBSan) and libFuzzer
  nlohmann-json3-dev libgtest-dev
  libutf8proc-dev               # Unicode normalization and classes for the tokenizers
  libonnx-dev libonnx-testdata  # ONNX importer (ONNX 1.12 C++) and its node-test conformance suite
  libprotobuf-dev protobuf-compiler  # CMake's FindProtobuf, which ONNXConfig.cmake needs (libonnx-dev does not pull it in)
)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
