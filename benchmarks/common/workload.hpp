// The workload every scenario shares: one dispute through the six-step closed loop
// (register, dispatch, accept, resolve, give_feedback, follow_up -> closed), with the
// data sizes of the README's quick start, and the measuring helpers the scenarios use.
#pragma once

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <fengqiao/engine.hpp>

namespace fqbench {

using fengqiao::Action;
using fengqiao::Actor;
using fengqiao::Role;
using Json = nlohmann::json;

// Monday 2025-09-01 09:00:00 +08:00: a working day far from any holiday.
inline const fengqiao::Instant kMonday9am{fengqiao::Seconds(1756688400)};

struct Flow {
  Actor intake{"u-intake-1", Role::intake, "center"};
  Actor dispatcher{"u-disp-1", Role::dispatcher, "center"};
  Actor handler{"u-hj-1", Role::handler, "justice_xilinji"};
  Json registration = {{"channel", "walk_in"},
                       {"category", "neighbour"},
                       {"urgency", "normal"},
                       {"jurisdiction", {"daxinganling", "mohe", "xilinji"}},
                       {"parties", {{{"name", "Wang Li"}}, {{"name", "Zhao Gang"}}}},
                       {"summary", "Dispute over a shared fence."}};
  Json dispatch = {{"route", "people_mediation"}, {"lead", "justice_xilinji"}, {"co", {"police_xilinji"}}};
  Json empty = Json::object();
  Json resolve = {{"method", "people_mediation"}, {"agreement", "Fence moved 0.5 m east."}};
  Json feedback = {{"medium", "phone"}, {"content", "Agreement sent."}};
  Json follow_up = {{"satisfaction", "satisfied"}};
  Json withdraw = {{"reason", "the parties settled"}};

  // Step s (0..5) of the loop on case `id`.
  void step(fengqiao::Engine& e, const std::string& id, int s) const {
    switch (s) {
      case 0: e.register_case(id, intake, registration); break;
      case 1: e.act(id, Action::dispatch, dispatcher, dispatch); break;
      case 2: e.act(id, Action::accept, handler, empty); break;
      case 3: e.act(id, Action::resolve, handler, resolve); break;
      case 4: e.act(id, Action::give_feedback, dispatcher, feedback); break;
      default: e.act(id, Action::follow_up, dispatcher, follow_up); break;
    }
  }
  void lifecycle(fengqiao::Engine& e, const std::string& id) const {
    for (int s = 0; s < 6; ++s) step(e, id, s);
  }
  // The same step on the fast path (Engine::apply, no snapshot returned). A caller builds
  // each action's data afresh (from a request, a form): that is modelled by a copy of the
  // template, made here and timed with the action, then moved into the engine.
  void apply_step(fengqiao::Engine& e, const std::string& id, int s) const {
    fengqiao::Result<fengqiao::Applied> r = [&] {
      switch (s) {
        case 0: return e.apply(id, Action::register_case, intake, Json(registration));
        case 1: return e.apply(id, Action::dispatch, dispatcher, Json(dispatch));
        case 2: return e.apply(id, Action::accept, handler, Json(empty));
        case 3: return e.apply(id, Action::resolve, handler, Json(resolve));
        case 4: return e.apply(id, Action::give_feedback, dispatcher, Json(feedback));
        default: return e.apply(id, Action::follow_up, dispatcher, Json(follow_up));
      }
    }();
    if (!r) throw fengqiao::Exception(r.error());
  }
  void apply_lifecycle(fengqiao::Engine& e, const std::string& id) const {
    for (int s = 0; s < 6; ++s) apply_step(e, id, s);
  }
};

inline const Flow& flow() {
  static const Flow f;
  return f;
}

// "C-00000042": fixed width, so ids sort like their numbers (the due index's tie order).
inline std::string case_id(std::uint64_t i, const char* prefix = "C-") {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%08llu", prefix, static_cast<unsigned long long>(i));
  return buf;
}

// Round r of a sweep: Monday 2025-09-01 plus r weeks, 09:00, when k new cases are
// registered (ids W-<r*1000000+i>); their dispatch clocks' warnings fall due at 24:00.
struct SweepRound {
  fengqiao::Instant monday;
  fengqiao::Instant midnight;
  std::vector<std::string> ids;
};
inline SweepRound register_due_round(fengqiao::Engine& engine, fengqiao::ManualClock& clock, std::size_t round,
                                     std::size_t k);

using SteadyClock = std::chrono::steady_clock;
inline double seconds_since(SteadyClock::time_point t0) {
  return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

inline SweepRound register_due_round(fengqiao::Engine& engine, fengqiao::ManualClock& clock, std::size_t round,
                                     std::size_t k) {
  SweepRound r;
  r.monday = kMonday9am + fengqiao::Seconds(7 * 86400 * static_cast<long long>(round));
  r.midnight = r.monday + fengqiao::Seconds(15 * 3600);
  clock.set(r.monday);
  r.ids.reserve(k);
  for (std::size_t i = 0; i < k; ++i) {
    r.ids.push_back(case_id(round * 1000000 + i, "W-"));
    engine.register_case(r.ids.back(), flow().intake, flow().registration);
  }
  return r;
}

// Rates over wall time. (Google Benchmark's kIsRate divides by CPU time, which is not
// the time a caller waits for an fsync.) Start it just before the benchmark loop.
struct WallRate {
  SteadyClock::time_point t0 = SteadyClock::now();
  double per_s(double n) const { return n / seconds_since(t0); }
};

// Bytes the allocator has handed out and not taken back (glibc's own count, exact and
// independent of page granularity, unlike RSS).
inline std::uint64_t heap_in_use() {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

// Resident set and its peak, from /proc/self/status (kB there).
inline std::uint64_t proc_status_kb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string k;
  while (in >> k) {
    if (k == key) {
      std::uint64_t v = 0;
      in >> v;
      return v;
    }
    std::string rest;
    std::getline(in, rest);
  }
  return 0;
}
inline std::uint64_t rss_bytes() { return proc_status_kb("VmRSS:") * 1024; }
inline std::uint64_t peak_rss_bytes() { return proc_status_kb("VmHWM:") * 1024; }
// Resets VmHWM to the current RSS (Linux >= 4.0), so a later peak belongs to what follows.
inline void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

// The q-quantile (0..1) of samples (nearest rank); sorts them.
inline double quantile(std::vector<double>& samples, double q) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  std::size_t i = static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1) + 0.5);
  return samples[std::min(i, samples.size() - 1)];
}

// Sizes from the environment, so run_all.sh can choose them (FQ_BENCH_FULL etc.).
inline bool env_flag(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::string(v) != "0";
}

}  // namespace fqbench
