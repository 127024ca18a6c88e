#!/usr/bin/env bash
# Regenerates docs/dialect.md from the ODS definitions (or, with --check, fails
# when it is stale).
set -euo pipefail
cd "$(dirname "$0")/.."
TBLGEN=${MLIR_TBLGEN:-/usr/lib/llvm-19/bin/mlir-tblgen}
gen() {
  echo "# The \`attune\` dialect (reference)"
  echo
  echo "Generated from \`ir/include/attune/IR/AttuneOps.td\` with \`mlir-tblgen -gen-op-doc\` (the test \`dialect_doc_current\` fails when this file is stale; regenerate with \`scripts/gen-dialect-doc.sh\`)."
  echo
  "$TBLGEN" -gen-op-doc -I ir/include -I /usr/lib/llvm-19/include ir/include/attune/IR/AttuneOps.td
}
if [[ "${1:-}" == "--check" ]]; then
  if ! diff -q <(gen) docs/dialect.md >/dev/null; then
    echo "docs/dialect.md is stale: run scripts/gen-dialect-doc.sh"; exit 1
  fi
  echo "docs/dialect.md is current"
else
  gen > docs/dialect.md
fi
