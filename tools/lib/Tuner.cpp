//===- Tuner.cpp - attune tune: search kernel configs, write records ------===//
//
//   model ─► fused graph ─► distinct kernels (Tuning.h) ─► per kernel
//   (the candidates of each stage: TuneSearch.cpp):
//     extract (TuneKernel.cpp) ─► baseline trial (untuned compile)
//       ─► stage 1: register tiles (mr x nr, vector width)      } each trial a
//       ─► stage 2: K block kc for the best tile so far         } child process
//       ─► stage 3: parallel split qm x qn for the best so far  } (fork/exec)
//       ─► stage 4: column block nc for the best so far         }
//   every candidate after the baseline is timed paired with it (both
//   libraries alternately in one process; the median per-pair time ratio)
//     ─► winner: the correct candidate with the lowest ratio if below 0.98,
//        confirmed in 2 of 3 more paired rounds (fresh processes, 4x the
//        timing window; else the heuristic stays), record rewritten after
//        each trial
//
// Kernels are tuned in order of their share of the model's FLOPs, and the
// budget left is shared out among the kernels still to tune in proportion
// to it (budgetWeights); the search stops at 70 % of a kernel's share, the
// confirmation at 100 %. A kernel whose share runs out keeps what it
// measured (complete = false) and a rerun continues it, reusing every trial
// already in the file.
//
//===----------------------------------------------------------------------===//
#include "attune/Tools/Tuner.h"
#include "TuneSearch.h"

#include "attune/Codegen/KernelConfig.h"

#include "attune/IR/AttuneOps.h"
#include "attune/Transforms/Passes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <csignal>
#include <fcntl.h>
#include <cstring>
#include <fstream>
#include <set>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char **environ;

using namespace mlir;
using namespace mlir::attune;
using ::attune::formats::IntFields;
using Clock = std::chrono::steady_clock;

namespace attune {

namespace {

llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string lastLine(const std::string &path) {
  std::ifstream f(path);
  std::string line, last;
  while (std::getline(f, line))
    if (!line.empty())
      last = line;
  return last.size() > 300 ? last.substr(0, 300) + "..." : last;
}

/// Runs `argv` (argv[0] = the executable) with stdout+stderr into `logPath`;
/// waits at most `timeout` seconds. Returns "" when it exited 0, else why not.
std::string runChild(const std::vector<std::string> &args, const std::string &logPath,
                     double timeout) {
  std::vector<char *> argv;
  for (const std::string &a : args)
    argv.push_back(const_cast<char *>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  // Its own process group, so a timeout also kills what it started (the
  // linker).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid;
  int rc = posix_spawn(&pid, args[0].c_str(), &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    return "cannot start " + args[0] + ": " + std::strerror(rc);
  auto start = Clock::now();
  int status = 0;
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid)
      break;
    if (w < 0)
      return std::string("waitpid failed: ") + std::strerror(errno);
    if (secondsSince(start) > timeout) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      return "timed out after " + std::to_string(int(timeout)) + " s (killed)";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char *abbrev = sigabbrev_np(sig);
    std::string why = "crashed: signal " + std::to_string(sig) + " (SIG" +
                      (abbrev ? abbrev : "?") + ")";
    std::string last = lastLine(logPath);
    return last.empty() ? why : why + ": " + last;
  }
  if (WEXITSTATUS(status) != 0) {
    std::string last = lastLine(logPath);
    return "exited with status " + std::to_string(WEXITSTATUS(status)) +
           (last.empty() ? "" : ": " + last);
  }
  return "";
}

} // namespace

//===----------------------------------------------------------------------===//
// Progress
//===----------------------------------------------------------------------===//

namespace {

class Progress {
public:
  Progress(llvm::raw_ostream &os, double budget) : os_(os), budget_(budget) {
    tty_ = isatty(2) && &os == &llvm::errs();
  }
  void setTotal(int total) { total_ = total; }
  void addToTotal(int n) { total_ += n; }
  /// `speedup`: the best config's over the heuristic (paired when it was
  /// timed paired), <= 0 when unknown.
  void trialDone(const std::string &kernel, const std::string &what, double bestMs,
                 double speedup) {
    ++done_;
    if (done_ > total_)
      total_ = done_;
    double elapsed = secondsSince(start_);
    double eta = std::min(std::max(0.0, budget_ - elapsed),
                          done_ ? elapsed / done_ * (total_ - done_) : budget_);
    char etaBuf[32];
    snprintf(etaBuf, sizeof(etaBuf), "%d:%02d", int(eta) / 60, int(eta) % 60);
    std::string best = bestMs > 0 ? llvm::formatv("best {0:F3} ms", bestMs).str() : "";
    if (bestMs > 0 && speedup > 0)
      best += llvm::formatv(" ({0:F2}x)", speedup).str();
    if (tty_) {
      int width = 24, fill = total_ ? int(double(done_) / total_ * width) : 0;
      os_ << "\r\033[K[" << std::string(fill, '#') << std::string(width - fill, '.') << "] "
          << done_ << "/" << total_ << "  " << kernel << "  " << best << "  ETA " << etaBuf;
    } else {
      os_ << "[" << done_ << "/" << total_ << "] " << kernel << ": " << what << "  (" << best
          << ", ETA " << etaBuf << ")\n";
    }
    os_.flush();
  }
  void line(const std::string &s) {
    if (tty_)
      os_ << "\r\033[K";
    os_ << s << "\n";
    os_.flush();
  }
  void finish() {
    if (tty_)
      os_ << "\r\033[K";
    os_.flush();
  }

private:
  llvm::raw_ostream &os_;
  double budget_;
  bool tty_ = false;
  int done_ = 0, total_ = 0;
  Clock::time_point start_ = Clock::now();
};

/// Runs one `attune __tune-trial` child and reads its result file: the
/// parsed result, or why the child or its trial failed.
std::pair<std::string, nlohmann::json> runTrialChild(const std::vector<std::string> &args,
                                                     const std::string &result,
                                                     const std::string &logPath, double timeout) {
  llvm::sys::fs::remove(result);
  std::string why = runChild(args, logPath, timeout);
  nlohmann::json j;
  if (why.empty()) {
    std::ifstream f(result);
    j = nlohmann::json::parse(f, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("ok"))
      why = "no result from the trial process";
    else if (!j["ok"].get<bool>())
      why = j.value("reason", std::string("failed"));
  }
  return {why, j};
}

std::string selfExecutable(const std::string &given) {
  if (!given.empty())
    return given;
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, n) : "attune";
}

} // namespace

std::vector<double> budgetWeights(const std::vector<double> &work, std::vector<size_t> &order) {
  size_t n = work.size();
  double total = 0;
  for (double w : work)
    total += std::max(0.0, w);
  std::vector<double> weights(n, 1.0);
  if (total > 0)
    for (size_t i = 0; i < n; ++i)
      weights[i] = std::max(std::max(0.0, work[i]), total / (8.0 * double(n)));
  order.resize(n);
  for (size_t i = 0; i < n; ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return weights[a] != weights[b] ? weights[a] > weights[b] : a < b;
  });
  return weights;
}

//===----------------------------------------------------------------------===//
// The search
//===----------------------------------------------------------------------===//

llvm::Error tune(const TuneOptions &o, llvm::raw_ostream &out, llvm::raw_ostream &progressOs) {
  auto start = Clock::now();
  auto target = resolveCPUTarget(o.target);
  if (!target)
    return target.takeError();
  formats::TuningTarget tt = tuningTargetOf(*target);

  // Resume: the records already in the output file.
  formats::TuningFile file;
  if (llvm::sys::fs::exists(o.output)) {
    std::string error;
    if (!formats::readTuningFile(o.output, file, error))
      return makeError(error + " (attune tune resumes from its -o file; move it away to "
                               "start over)");
  }
  auto save = [&]() -> llvm::Error {
    std::string error;
    if (!formats::writeTuningFile(o.output, file, error))
      return makeError(error);
    return llvm::Error::success();
  };

  // The fused graph and its kernels.
  auto ctx = createContext();
  auto model = loadModel(*ctx, o.model, o.weights, o.modelOptions);
  if (!model)
    return model.takeError();
  TargetOptions topts;
  topts.cpu = target->cpu;
  topts.features = target->features;
  topts.vectorWidth = target->vectorWidth;
  topts.parallelChunks = o.parallelChunks;
  if (auto err = lowerTo(*model->module, Phase::Import, Phase::Fused, topts))
    return err;
  auto fn = model->module->lookupSymbol<func::FuncOp>(kEntryFunctionName);
  if (!fn)
    return makeError(o.model + ": no @main function");
  std::vector<KernelSite> sites = collectKernels(fn, tt);
  std::vector<std::pair<KernelSite, int>> kernels;
  for (KernelSite &s : sites) {
    auto it = std::find_if(kernels.begin(), kernels.end(),
                           [&](auto &k) { return k.first.key == s.key; });
    if (it == kernels.end())
      kernels.push_back({s, 1});
    else
      ++it->second;
  }
  out << "attune tune: " << kernels.size() << " distinct kernels (" << sites.size()
      << " ops) in " << o.model << ", target " << target->description << ", "
      << o.threads << " thread(s), budget " << int(o.budgetSeconds) << " s\n";
  out.flush();

  std::string work = o.workDir;
  bool tempWork = work.empty();
  if (tempWork) {
    llvm::SmallString<128> dir;
    if (std::error_code ec = llvm::sys::fs::createUniqueDirectory("attune-tune", dir))
      return makeError("cannot create a work directory: " + ec.message());
    work = dir.str().str();
  }
  auto cleanup = llvm::make_scope_exit([&] {
    if (tempWork)
      llvm::sys::fs::remove_directories(work);
  });

  // The budget follows each kernel's share of the model's FLOPs: at BERT
  // batch 8, an even split spent it on attention and the pooler while the
  // two FFN kernels, two thirds of the work, got no trial.
  std::vector<double> flops;
  double totalFlops = 0;
  for (auto &[site, calls] : kernels) {
    flops.push_back(calls * kernelFlops(site.key));
    totalFlops += flops.back();
  }
  std::vector<size_t> order;
  std::vector<double> weight = budgetWeights(flops, order);
  std::vector<size_t> todo;
  double todoWeight = 0;
  for (size_t i : order) {
    const formats::TuningRecord *r = file.find(kernels[i].first.key);
    out << "  " << kernels[i].first.key.str() << ": " << kernels[i].second << " call(s)";
    if (totalFlops > 0)
      out << llvm::format(", %.1f %% of the FLOPs", 100 * flops[i] / totalFlops);
    if (r && r->complete) {
      out << "; already tuned in " << o.output << " (resumed)\n";
    } else {
      out << "\n";
      todo.push_back(i);
      todoWeight += weight[i];
    }
  }
  out.flush();

  Progress progress(progressOs, o.budgetSeconds);
  for (size_t i : todo) {
    const KernelSite &s = kernels[i].first;
    bool mm = s.key.kind != "attention";
    progress.addToTotal(11 + (mm ? int(tileCandidates(s, tt, o.parallelChunks).size()) + 15
                                : int(attentionCandidates(s).size())));
  }

  std::string self = selfExecutable(o.self);
  int trialId = 0;
  size_t left = todo.size();
  for (size_t idx : todo) {
    const KernelSite &site = kernels[idx].first;
    double remaining = o.budgetSeconds - secondsSince(start);
    if (remaining <= 0) {
      progress.line("budget exhausted: " + std::to_string(left) +
                    " kernel(s) not tuned; run again to continue");
      break;
    }
    auto kernelStart = Clock::now();
    // The kernel's share of the time left. The search stops at 70 % of it
    // so that the confirmation rounds fit in the rest; unused time goes on
    // to the kernels after it.
    double share = remaining * weight[idx] / todoWeight;
    double searchShare = 0.7 * share;
    todoWeight -= weight[idx];
    --left;
    std::string label = site.key.str();

    formats::TuningRecord *rec = file.find(site.key);
    if (!rec) {
      formats::TuningRecord fresh;
      fresh.key = site.key;
      file.records.push_back(fresh);
      rec = &file.records.back();
    }
    rec->threads = o.threads;
    rec->baselineConfig = heuristicConfig(site, topts.vectorWidth, o.parallelChunks);

    std::string dir = work + "/kernel" + std::to_string(idx);
    auto files = extractKernel(site, dir, 1234 + idx);
    if (!files) {
      rec->ok = false;
      rec->complete = true;
      rec->reason = llvm::toString(files.takeError());
      progress.line(label + ": cannot be extracted: " + rec->reason);
      if (auto err = save())
        return err;
      continue;
    }

    bool outOfTime = false;
    // One trial (reused from the file when this config was measured before).
    // Once the baseline has run, a candidate is timed paired with it: both
    // libraries in one child, alternately (TuneKernel.cpp), and the trial
    // keeps the median per-pair ratio candidate / heuristic. Trials timed
    // alone in separate processes, seconds apart, measured this VM's phases
    // as much as the code (a "1.27x" search winner that was 6 % slower
    // when paired).
    std::string baselineLib = dir + "/baseline.so";
    auto removeLibrary = [](const std::string &lib) {
      for (const std::string &p : {lib, lib.substr(0, lib.size() - 3) + ".weights",
                                   lib.substr(0, lib.size() - 3) + ".h"})
        llvm::sys::fs::remove(p);
    };
    auto trial = [&](const IntFields &config) -> llvm::Expected<const formats::TuningTrial *> {
      for (const formats::TuningTrial &t : rec->trials)
        if (t.config == config)
          return &t;
      // The baseline runs whenever the budget is not spent: without it a
      // kernel has nothing to compare with.
      bool baseline = config.empty();
      if ((!baseline && secondsSince(kernelStart) > searchShare) ||
          secondsSince(start) > o.budgetSeconds) {
        outOfTime = true;
        return nullptr;
      }
      bool paired = !baseline && rec->baselineMs > 0;
      std::string id = std::to_string(trialId++);
      std::string result = dir + "/trial" + id + ".json", lib = dir + "/trial" + id + ".so";
      std::vector<std::string> args = {self, "__tune-trial", "--kernel", dir, "--result", result,
                                       "--target", o.target, "--threads",
                                       std::to_string(o.threads), "--chunks",
                                       std::to_string(o.parallelChunks), "--min-seconds",
                                       std::to_string(o.minTrialSeconds)};
      if (paired)
        args.insert(args.end(), {"--library", baselineLib, "--reuse-library", "--versus-config",
                                 formats::formatFields(config), "--versus-library", lib});
      else
        args.insert(args.end(), {"--library", lib, "--config", formats::formatFields(config)});
      auto [why, j] = runTrialChild(args, result, dir + "/trial" + id + ".log",
                                    o.trialTimeoutSeconds);
      formats::TuningTrial t;
      t.config = config;
      if (!why.empty() && paired) {
        if (llvm::StringRef(why).starts_with("versus: "))
          why = why.substr(8); // the candidate's own failure
        else
          why = "the heuristic's library, timed with it: " + why;
      } else if (why.empty()) {
        t.ok = true;
        t.timeMs = j.value(paired ? "versus_time_ms" : "time_ms", 0.0);
        t.maxAbsError = j.value("max_abs_error", 0.0);
        if (paired)
          t.pairedRatio = j.value("median_ratio", 0.0);
      }
      t.reason = why;
      removeLibrary(lib);
      rec->trials.push_back(t);
      return &rec->trials.back();
    };
    // Best correct trial with an explicit config, and the winner rule (the
    // confirmation below has the last word).
    auto decide = [&]() {
      // Paired trials rank by their ratio to the heuristic; trials timed
      // alone (no baseline to pair with, or records of an older attune) by
      // their fastest time.
      const formats::TuningTrial *base = nullptr, *best = nullptr;
      bool pairedBest = false;
      for (const formats::TuningTrial &t : rec->trials) {
        if (!t.ok)
          continue;
        if (t.config.empty()) {
          if (!base || t.timeMs < base->timeMs)
            base = &t;
        } else if (t.pairedRatio > 0) {
          if (!pairedBest || t.pairedRatio < best->pairedRatio)
            best = &t;
          pairedBest = true;
        } else if (!pairedBest && (!best || t.timeMs < best->timeMs)) {
          best = &t;
        }
      }
      rec->baselineMs = base ? base->timeMs : 0;
      rec->ok = base || best;
      if (!rec->ok) {
        rec->reason = rec->trials.empty() ? "the time budget ran out before the first trial"
                                          : "no candidate ran correctly";
        for (const formats::TuningTrial &t : rec->trials)
          if (t.config.empty())
            rec->reason += " (baseline: " + t.reason + ")";
        return;
      }
      rec->reason.clear();
      bool wins = best && (pairedBest ? best->pairedRatio < 0.98
                                      : !base || best->timeMs < 0.98 * base->timeMs);
      if (wins) {
        rec->config = best->config;
        rec->timeMs = best->timeMs;
      } else {
        rec->config.clear(); // the heuristic stays
        rec->timeMs = base->timeMs;
      }
    };
    // The config the next stage varies: the best so far, else the heuristic's.
    auto bestExplicit = [&]() -> IntFields {
      IntFields cfg = rec->baselineConfig;
      double ratio = 1.0, ms = rec->baselineMs > 0 ? rec->baselineMs : 1e300;
      bool anyPaired = llvm::any_of(rec->trials, [](const formats::TuningTrial &t) {
        return t.ok && t.pairedRatio > 0;
      });
      for (const formats::TuningTrial &t : rec->trials) {
        if (!t.ok || t.config.empty())
          continue;
        if (anyPaired && t.pairedRatio > 0 && t.pairedRatio < ratio) {
          ratio = t.pairedRatio;
          cfg = t.config;
        } else if (!anyPaired && t.timeMs < ms) {
          ms = t.timeMs;
          cfg = t.config;
        }
      }
      return cfg;
    };
    // The current winner's speedup over the heuristic, for the progress line.
    auto speedup = [&]() -> double {
      if (!rec->ok)
        return 0;
      if (rec->config.empty())
        return 1;
      for (const formats::TuningTrial &t : rec->trials)
        if (t.ok && t.config == rec->config && t.timeMs == rec->timeMs)
          return t.pairedRatio > 0 ? 1 / t.pairedRatio
                                   : rec->baselineMs > 0 ? rec->baselineMs / t.timeMs : 0;
      return 0;
    };
    // Runs candidates in order; false when out of time.
    auto runAll = [&](const std::vector<IntFields> &cands) -> llvm::Expected<bool> {
      for (const IntFields &c : cands) {
        size_t before = rec->trials.size();
        auto t = trial(c);
        if (!t)
          return t.takeError();
        if (!*t)
          return false;
        decide();
        if (rec->trials.size() != before) {
          if (auto err = save())
            return std::move(err);
        }
        progress.trialDone(label,
                           (c.empty() ? std::string("heuristic") : formats::formatFields(c)) +
                               ": " +
                               ((*t)->ok ? llvm::formatv("{0:F3} ms", (*t)->timeMs).str() +
                                               ((*t)->pairedRatio > 0
                                                    ? llvm::formatv(", {0:F3}x the heuristic's "
                                                                    "time (paired)",
                                                                    (*t)->pairedRatio)
                                                          .str()
                                                    : "")
                                         : "failed: " + (*t)->reason),
                           rec->ok ? rec->timeMs : 0, speedup());
      }
      return true;
    };

    bool finished = true;
    auto stage = [&](const std::vector<IntFields> &cands) -> llvm::Error {
      if (!finished)
        return llvm::Error::success();
      auto r = runAll(cands);
      if (!r)
        return r.takeError();
      finished = *r;
      return llvm::Error::success();
    };
    if (auto err = stage({IntFields{}})) // the baseline: the untuned compile
      return err;
    if (site.key.kind == "attention") {
      std::vector<IntFields> tiles = attentionCandidates(site);
      // The heuristic's own tiles are the baseline itself.
      llvm::erase_if(tiles, [&](const IntFields &c) { return c == rec->baselineConfig; });
      if (auto err = stage(tiles))
        return err;
    } else {
      std::vector<IntFields> tiles = tileCandidates(site, tt, o.parallelChunks);
      // A candidate equal to the heuristic's config is the baseline itself.
      llvm::erase_if(tiles, [&](const IntFields &c) { return c == rec->baselineConfig; });
      if (auto err = stage(tiles))
        return err;
      IntFields base = bestExplicit();
      if (!base.empty()) {
        if (auto err = stage(kcCandidates(site, base)))
          return err;
        base = bestExplicit();
        if (auto err = stage(splitCandidates(site, base, o.threads, o.parallelChunks)))
          return err;
        base = bestExplicit();
        if (auto err = stage(ncCandidates(site, base)))
          return err;
      }
    }
    (void)outOfTime;
    decide();
    // Confirmation: the baseline and the winner timed alternately in one
    // process (TuneKernel.cpp's paired mode: the order flips every pair, 4x
    // the timing window), in kConfirmRounds processes. A round counts for
    // the winner when its median per-pair ratio (winner / baseline) is below
    // 0.98; the winner stays only if kConfirmWins rounds do. On a shared VM
    // whole seconds run 2x slower: trials in separate processes compare
    // different machines, a pair measured milliseconds apart does not. The
    // paired rounds decide, not the fastest times.
    constexpr int kConfirmRounds = 3, kConfirmWins = 2;
    std::string confirmNote;
    if (!rec->config.empty() && rec->baselineMs > 0) {
      formats::TuningConfirmation conf;
      conf.config = rec->config;
      int wins = 0;
      bool cut = false;
      for (int round = 0; round < kConfirmRounds; ++round) {
        if (secondsSince(kernelStart) > share || secondsSince(start) > o.budgetSeconds) {
          cut = true; // the kernel's share is used up
          break;
        }
        std::string id = std::to_string(trialId++);
        std::string result = dir + "/pair" + id + ".json";
        std::string libB = dir + "/pair" + id + ".so";
        std::vector<std::string> args = {
            self, "__tune-trial", "--kernel", dir, "--library", baselineLib, "--reuse-library",
            "--versus-library", libB, "--versus-config", formats::formatFields(conf.config),
            "--confirm", "--result", result, "--target", o.target, "--threads",
            std::to_string(o.threads), "--chunks", std::to_string(o.parallelChunks),
            "--min-seconds", std::to_string(4 * o.minTrialSeconds)};
        auto [why, j] = runTrialChild(args, result, dir + "/pair" + id + ".log",
                                      2 * o.trialTimeoutSeconds);
        formats::TuningTrial tA, tB;
        tB.config = conf.config;
        double ratio = 0;
        if (why.empty()) {
          tA.ok = tB.ok = true;
          tA.timeMs = j.value("time_ms", 0.0);
          tB.timeMs = j.value("versus_time_ms", 0.0);
          tA.maxAbsError = tB.maxAbsError = j.value("max_abs_error", 0.0);
          ratio = j.value("median_ratio", 0.0);
          tB.pairedRatio = ratio;
        }
        removeLibrary(libB);
        if (!why.empty()) { // a failure of either library is the winner's loss
          (llvm::StringRef(why).starts_with("versus: ") ? tB : tA).reason = why;
          rec->trials.push_back(llvm::StringRef(why).starts_with("versus: ") ? tB : tA);
        } else {
          rec->trials.push_back(tA);
          rec->trials.push_back(tB);
          conf.ratios.push_back(ratio);
          wins += ratio < 0.98;
        }
        progress.trialDone(label,
                           "confirm " + formats::formatFields(conf.config) + " vs heuristic: " +
                               (why.empty() ? llvm::formatv("median paired ratio {0:F3}", ratio)
                                                  .str()
                                            : "failed: " + why),
                           rec->timeMs, speedup());
        if (auto err = save())
          return err;
        if (wins >= kConfirmWins || round + 1 - wins > kConfirmRounds - kConfirmWins)
          break; // decided
      }
      conf.confirmed = wins >= kConfirmWins;
      std::string ratios;
      for (double x : conf.ratios)
        ratios += (ratios.empty() ? "" : ", ") + llvm::formatv("{0:F3}", x).str();
      decide(); // the fastest times, with the confirmation's trials
      if (conf.confirmed) {
        rec->config = conf.config;
        rec->timeMs = 0;
        for (const formats::TuningTrial &t : rec->trials)
          if (t.ok && t.config == conf.config && (rec->timeMs == 0 || t.timeMs < rec->timeMs))
            rec->timeMs = t.timeMs;
        confirmNote = " (confirmed: median paired time ratio " + ratios + ")";
      } else {
        confirmNote = llvm::formatv(" ({0} not confirmed: median paired time ratio {1}; "
                                    "below 0.98 in {2} of {3} needed rounds{4})",
                                    formats::formatFields(conf.config),
                                    ratios.empty() ? std::string("none") : ratios, wins,
                                    kConfirmWins, cut ? "; the kernel's budget share ran out" : "")
                          .str();
        if (cut)
          finished = false; // a rerun confirms again
        rec->config.clear(); // the heuristic stays
        rec->timeMs = rec->baselineMs;
      }
      rec->confirmation = std::move(conf);
    }
    removeLibrary(baselineLib);
    rec->complete = finished;
    if (auto err = save())
      return err;
    std::string summary = label + ": ";
    if (!rec->ok)
      summary += "failed: " + rec->reason;
    else {
      // A confirmed winner's speedup is the paired rounds' (the fastest
      // times come from separate processes, possibly seconds apart).
      std::string gain = llvm::formatv("{0:F2}x", rec->timeMs > 0 && rec->baselineMs > 0
                                                      ? rec->baselineMs / rec->timeMs
                                                      : 1.0);
      if (rec->confirmation && rec->confirmation->confirmed && !rec->config.empty()) {
        std::vector<double> r = rec->confirmation->ratios;
        std::sort(r.begin(), r.end());
        gain = llvm::formatv("{0:F2}x paired", 1.0 / r[r.size() / 2]);
      }
      summary += llvm::formatv("baseline {0:F3} ms, tuned {1:F3} ms ({2}) with {3}",
                               rec->baselineMs, rec->timeMs, gain,
                               rec->config.empty() ? std::string("the heuristic")
                                                   : formats::formatFields(rec->config))
                     .str();
    }
    summary += confirmNote;
    if (!finished)
      summary += " [budget share used up; rerun to continue]";
    progress.finish(); // clears the bar line: the summary goes to stdout
    out << summary << "\n";
    out.flush();
  }
  progress.finish();
  if (auto err = save())
    return err;
  out << "wrote " << o.output << " (" << file.records.size() << " records, "
      << llvm::formatv("{0:F1}", secondsSince(start)) << " s)\n";
  return llvm::Error::success();
}

} // namespace attune
