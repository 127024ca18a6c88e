//===- Tuner.h - attune tune: search kernel configs, write records -*- C++ -*-===//
//
//   attune tune MODEL [--target host] [--budget 120s] [--threads N] -o tune.json
//
// Imports MODEL, runs the pipeline to the fused graph, collects the distinct
// tunable kernels (Tuning.h), and for each one extracts a single-kernel
// model (random weights and inputs, reference outputs from the interpreter)
// and measures candidates, each in a child process (`attune __tune-trial`):
// the child compiles the kernel with one config, checks its outputs against
// the reference and times it. A crash, timeout or wrong answer is a failed
// trial, never fatal. The records file is rewritten atomically after every
// trial, and a rerun resumes from it. See docs/tuning.md.
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_TOOLS_TUNER_H
#define ATTUNE_TOOLS_TUNER_H

#include "attune/Tools/CompileDriver.h"
#include "attune/Tools/Tuning.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include <string>

namespace attune {

struct TuneOptions {
  std::string model;
  std::string weights; // .mlir models
  ModelOptions modelOptions;
  std::string output = "tune.json";
  std::string target = "host";
  double budgetSeconds = 120;
  int threads = 1;             // threads the trials run with (attune bench --threads)
  int64_t parallelChunks = 16; // as attune compile --chunks
  double trialTimeoutSeconds = 120;
  double minTrialSeconds = 0.25; // timed runs per trial: at least this long (>= 5 runs)
  std::string workDir;           // kernels and trial libraries ("": a temporary directory)
  std::string self;              // the attune executable that runs `__tune-trial`
};

/// How attune tune shares its budget out. `work[i]` is kernel i's calls in
/// the model times kernelFlops. Returns the weights the shares follow: the
/// work, floored at 1/(8·N) of the total so that a kernel of negligible work
/// still gets its baseline and a few trials (all equal when no work is
/// known). `order` receives the kernels by descending weight, ties in the
/// given order: the kernels that matter most are tuned first, and time an
/// earlier kernel leaves unused goes to the later ones.
std::vector<double> budgetWeights(const std::vector<double> &work, std::vector<size_t> &order);

/// Runs the search; progress (bar with ETA on a terminal, plain lines
/// otherwise) goes to `progress`, the summary to `out`.
llvm::Error tune(const TuneOptions &options, llvm::raw_ostream &out, llvm::raw_ostream &progress);

/// One extracted kernel on disk: kernel.mlir + kernel.safetensors, inputs
/// input_<i>.npy and reference outputs expected_<i>.npy.
struct KernelFiles {
  std::string dir;
  size_t numInputs = 0, numOutputs = 0;
};

/// Writes the single-op model of `site` (its weights random, its other
/// operands inputs) and the reference outputs for random inputs to `dir`.
llvm::Expected<KernelFiles> extractKernel(const KernelSite &site, const std::string &dir,
                                          uint64_t seed);

/// `attune __tune-trial`: compile DIR/kernel.mlir with a config, check,
/// time; writes one JSON result object to --result. Exit 0 when the result
/// was written (ok or not).
int tuneTrialMain(int argc, char **argv);

/// Every config the search can try for `site` (stage 1's register tiles; K
/// blocks and splits on each of them), for tests: the search itself goes
/// stage by stage from the best config so far.
std::vector<formats::IntFields> allTuningCandidates(const KernelSite &site,
                                                    const formats::TuningTarget &target,
                                                    int threads, int64_t chunks);

/// The tolerance of a trial's check: |a - b| <= atol + rtol |b| with
/// atol = kTrialAtolScale * max|expected| (f32 sums over K in another order).
constexpr double kTrialAtolScale = 1e-4, kTrialRtol = 1e-4;

} // namespace attune

#endif
