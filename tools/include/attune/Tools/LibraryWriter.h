//===- LibraryWriter.h - weights blob, generated C, header, link -*- C++ -*-===//
#ifndef ATTUNE_TOOLS_LIBRARYWRITER_H
#define ATTUNE_TOOLS_LIBRARYWRITER_H

#include "attune/Frontend/WeightTable.h"
#include "llvm/Support/Error.h"
#include <string>
#include <vector>

namespace attune {

/// One input or output of the compiled model, as the ABI describes it.
struct TensorSpec {
  std::string name;
  ElementType type = ElementType::F32;
  std::vector<int64_t> shape;
  int64_t maxValue = -1; // integer inputs: valid values are [0, maxValue)
};

/// A weight the kernels read, in kernel-argument order.
struct WeightSpec {
  std::string name;
  ElementType type = ElementType::F32;
  std::vector<int64_t> shape;
};

/// One compiled entry point: its signature, the weights its kernel takes (in
/// argument order) and the kernel's symbol in the objects.
struct EntrySpec {
  std::string name;
  std::vector<TensorSpec> inputs, outputs;
  std::vector<WeightSpec> weights;
  std::string kernelSymbol; // e.g. attune_kernel_main
  bool usesAMX = false;     // kernels with AMX tiles: the runtime requests AMX state
};

/// What the further entries are for (abi.h: ATTUNE_ABI_*).
enum class LibraryKind { Plain = 0, SeqBuckets = 1, Decoder = 2 };

struct LibrarySpec : EntrySpec {
  std::string modelName;
  LibraryKind kind = LibraryKind::Plain;
  /// Further entries (seq buckets: ascending, all shorter than the primary).
  std::vector<EntrySpec> entries;
  /// SeqBuckets: entries' lengths then the primary's; Decoder: {capacity}.
  std::vector<int64_t> seqLens;
  /// SeqBuckets: per primary input/output, the sequence dim or -1.
  std::vector<int32_t> inputSeqDims, outputSeqDims;
  /// The instruction-set extensions of the compile target (kIsaExtensions
  /// names); the library refuses to load on a CPU without one of them.
  std::vector<std::string> isa;
};

/// The extensions a library can require, by LLVM feature name (abi.h's
/// ATTUNE_ABI_ISA_NAMES: bit i = entry i).
extern const std::vector<std::string> kIsaExtensions;

/// The signature JSON stored in the library.
std::string signatureJson(const LibrarySpec &spec);

/// Writes `soPath` (+ .h, + .weights unless `embedWeights`, + attune/runtime.h
/// next to it) from the kernels' object bytes. Every file is written to a
/// temporary name first and renamed, so an interrupted compile never leaves
/// a half-written output. `generatedC` receives the generated C source.
/// `objects` hold the kernels of every entry.
llvm::Error writeLibrary(const LibrarySpec &spec, const WeightTable &weights,
                         const std::vector<std::string> &objects, const std::string &soPath,
                         bool embedWeights, std::string *generatedC);

} // namespace attune

#endif
