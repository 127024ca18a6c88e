//===- TuneSearch.h - attune tune's search space, stage by stage -*- C++ -*-===//
//
// The candidate configs of each search stage (TuneSearch.cpp), for Tuner.cpp.
// allTuningCandidates (Tuner.h) is their union, for the tests.
//
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_TOOLS_LIB_TUNESEARCH_H
#define ATTUNE_TOOLS_LIB_TUNESEARCH_H

#include "attune/Tools/Tuner.h"

namespace attune {

/// Stage 1: register tiles (and vector widths), kc and split as the heuristic.
std::vector<formats::IntFields> tileCandidates(const KernelSite &s,
                                               const formats::TuningTarget &t, int64_t chunks);
/// Stage 2: K blocks for `base`.
std::vector<formats::IntFields> kcCandidates(const KernelSite &s, const formats::IntFields &base);
/// Stage 3: parallel splits for `base`.
std::vector<formats::IntFields> splitCandidates(const KernelSite &s,
                                                const formats::IntFields &base, int threads,
                                                int64_t chunks);
/// Stage 4: column blocks for `base`.
std::vector<formats::IntFields> ncCandidates(const KernelSite &s, const formats::IntFields &base);
/// Attention: (query_tile, key_tile) pairs.
std::vector<formats::IntFields> attentionCandidates(const KernelSite &s);

} // namespace attune

#endif
