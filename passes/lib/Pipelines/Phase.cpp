//===- Phase.cpp - Names of the compilation phases ------------------------===//
#include "attune/Pipelines/Pipelines.h"

#include "llvm/ADT/StringExtras.h"

namespace mlir::attune {

static const Phase kPhases[] = {Phase::Import, Phase::Graph,  Phase::Fused,
                                Phase::Tiled,  Phase::Buffers, Phase::Vector,
                                Phase::LLVM,   Phase::Object, Phase::Library};

llvm::ArrayRef<Phase> allPhases() { return kPhases; }

llvm::StringRef phaseName(Phase phase) {
  switch (phase) {
  case Phase::Import: return "import";
  case Phase::Graph: return "graph";
  case Phase::Fused: return "fused";
  case Phase::Tiled: return "tiled";
  case Phase::Buffers: return "buffers";
  case Phase::Vector: return "vector";
  case Phase::LLVM: return "llvm";
  case Phase::Object: return "object";
  case Phase::Library: return "library";
  }
  return "unknown";
}

std::optional<Phase> parsePhase(llvm::StringRef name) {
  for (Phase p : kPhases)
    if (phaseName(p) == name)
      return p;
  return std::nullopt;
}

std::string phaseList() {
  std::string s;
  for (Phase p : kPhases) {
    if (!s.empty())
      s += ", ";
    s += phaseName(p).str();
  }
  return s;
}

} // namespace mlir::attune
