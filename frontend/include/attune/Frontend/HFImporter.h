//===- HFImporter.h - Hugging Face model directories -> attune ---*- C++ -*-===//
//
// Reads a Hugging Face model directory (config.json + model.safetensors, or
// sharded safetensors with model.safetensors.index.json) and builds the
// model in fused form (embedding, attention, layer_norm, gelu) directly from
// the architecture named by config.json. Every op's location is its HF
// module name (e.g. "encoder.layer.3.attention.self").
//
// Supported model_type: bert, roberta, distilbert (encoders) and gpt2 (decoder:
// full-sequence forward with causal attention; logits at every position; no
// KV cache / incremental decoding yet). Outputs:
// last_hidden_state; pooler_output when the checkpoint has a pooler; logits
// (masked-LM head) when its weights are present; sentence_embedding with
// pooling "mean" or "cls" (L2-normalised, as sentence-transformers does).
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_FRONTEND_HFIMPORTER_H
#define ATTUNE_FRONTEND_HFIMPORTER_H

#include "attune/Frontend/JsonGraphImporter.h"

namespace attune {

struct HFImportOptions {
  int64_t batch = 1;
  int64_t seqLen = 128;
  /// "" = none unless the directory is a sentence-transformers model
  /// (1_Pooling/config.json), "mean", "cls".
  std::string pooling;
  /// Skip the masked-LM head even when its weights are present.
  bool noMlmHead = false;
  /// Causal decoders at batch 1: also return each layer's keys and values
  /// as present_keys / present_values [L, 1, S, E] (the prefill of a KV
  /// cache).
  bool kvOutputs = false;
  /// Build one incremental-decoding step instead of the model (gpt2, batch
  /// 1): inputs input_ids, position_ids [1, 1], past_keys, past_values
  /// [L, 1, C, E], past_mask [1, C + 1]; outputs logits [1, 1, V], keys and
  /// values [L, 1, 1, E] of the new token.
  bool decodeStep = false;
  /// The cache capacity C of the decode step (0: the model's n_positions).
  int64_t contextLen = 0;
};

/// Whether `dir` looks like a Hugging Face model directory (has config.json).
bool isHuggingFaceDirectory(const std::string &dir);

llvm::Expected<ImportedModel> importHuggingFace(mlir::MLIRContext &ctx, const std::string &dir,
                                                const HFImportOptions &options);

} // namespace attune

#endif
