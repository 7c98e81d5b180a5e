// Property: for thousands of random runs of the engine (random actions, actors, times,
// refusals, several cases interleaved), exporting what the engine did and replaying the
// export reproduces the same final states and the same events; and mutating one recorded
// engine event's time, stage or level is always reported as a divergence at that line.
#include <doctest/doctest.h>

#include <random>
#include <sstream>

#include <fengqiao/history.hpp>
#include <fengqiao/memory_storage.hpp>
#include <fengqiao/replay.hpp>
#include <fengqiao/testing/random_history.hpp>

#include "fields.hpp"

using namespace fengqiao;
namespace fields = fengqiao::testing::fields;

namespace {

constexpr std::uint64_t kRuns = 2000;

std::vector<Event> events_of(const Storage& s, const std::string& id) {
  std::vector<Event> out;
  REQUIRE(s.read_events(id, 1, [&](const Event& e) {
    out.push_back(e);
    return true;
  }));
  return out;
}

std::vector<Case> all_cases(const Storage& s) { return s.query(CaseQuery{}).value(); }

std::string exported(const testing::RandomHistoryRun& run) {
  std::ostringstream out;
  // Every field must survive the round trip, parties' id_number and phone included.
  REQUIRE(history::export_cases(*run.storage, {}, out, history::ExportOptions{PersonalData::included}));
  return out.str();
}

// Every field of the snapshot and of each event (tests/support/fields.hpp lists them all).
void same_case(const Case& a, const Case& b) {
  const std::string diff = fields::differences(a, b);
  CHECK_MESSAGE(diff.empty(), "case " << a.id << " replays differently:\n" << diff);
}

void same_event(const Event& a, const Event& b) {
  const std::string diff = fields::differences(a, b);
  CHECK_MESSAGE(diff.empty(), "event " << a.case_id << "#" << a.seq << " replays differently:\n" << diff);
}

}  // namespace

TEST_CASE("export then replay reproduces every random run") {
  std::size_t events = 0, refusals = 0;
  for (std::uint64_t seed = 1; seed <= kRuns; ++seed) {
    CAPTURE(seed);
    testing::RandomHistoryOptions o;
    o.seed = seed;
    o.cases = 1 + seed % 6;
    o.steps = 20 + seed % 80;
    auto run = testing::drive_random_history(o);
    refusals += run.refused;
    const std::string text = exported(run);

    auto replayed = std::make_shared<MemoryStorage>();
    ReplayOptions ro;
    ro.storage = replayed;
    std::istringstream in(text);
    auto result = replay(in, ro);
    REQUIRE_MESSAGE(result.clean(), result.describe());

    auto original_cases = all_cases(*run.storage);
    auto replayed_cases = all_cases(*replayed);
    REQUIRE(original_cases.size() == replayed_cases.size());
    for (std::size_t i = 0; i < original_cases.size(); ++i) {
      REQUIRE(original_cases[i].id == replayed_cases[i].id);
      same_case(original_cases[i], replayed_cases[i]);
      auto a = events_of(*run.storage, original_cases[i].id);
      auto b = events_of(*replayed, replayed_cases[i].id);
      REQUIRE(a.size() == b.size());
      for (std::size_t k = 0; k < a.size(); ++k) same_event(a[k], b[k]);
      events += a.size();
    }
  }
  // The runs did exercise the engine, refusals included.
  CHECK(events > 50 * kRuns);
  CHECK(refusals > 5 * kRuns);
}

TEST_CASE("a mutated engine event is a divergence at its line") {
  std::mt19937_64 rng(7);
  std::size_t mutated = 0;
  for (std::uint64_t seed = 1; seed <= kRuns / 4; ++seed) {
    CAPTURE(seed);
    testing::RandomHistoryOptions o;
    o.seed = seed;
    o.cases = 3;
    o.steps = 60;
    auto run = testing::drive_random_history(o);
    std::vector<std::string> lines;
    {
      std::istringstream in(exported(run));
      for (std::string l; std::getline(in, l);) lines.push_back(l);
    }
    std::vector<std::size_t> event_lines;
    for (std::size_t i = 1; i < lines.size(); ++i)
      if (lines[i].find("\"event\":") != std::string::npos) event_lines.push_back(i);
    if (event_lines.empty()) continue;
    const std::size_t i = event_lines[std::uniform_int_distribution<std::size_t>(0, event_lines.size() - 1)(rng)];
    auto j = nlohmann::json::parse(lines[i]);
    const Instant at = parse_instant(j["at"].get<std::string>()).value();
    const Instant prev = parse_instant(nlohmann::json::parse(lines[i - 1])["at"].get<std::string>()).value();
    const std::optional<Instant> next =
        i + 1 < lines.size() ? std::optional<Instant>(parse_instant(nlohmann::json::parse(lines[i + 1])["at"].get<std::string>()).value())
                             : std::nullopt;
    // Mutate the time (keeping the file in time order, so it stays a valid history), the
    // stage, or the escalation level.
    std::optional<Instant> moved;
    if (at > prev) moved = prev;                    // earlier, as early as the line before allows
    else if (!next) moved = at + Seconds(3600);     // later, nothing after it
    else if (*next > at) moved = *next;             // later, as late as the line after allows
    const int kind = static_cast<int>(rng() % 3);
    if (kind == 0 && moved) {
      j["at"] = format_instant(*moved);
    } else if (kind == 1 || j["event"] != "escalated") {
      j["stage"] = j["stage"] == "handling" ? "consulting" : "handling";
    } else {
      j["level"] = j["level"].get<int>() + 1;
    }
    lines[i] = j.dump();
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    std::istringstream in(text);
    auto result = replay(in);
    CAPTURE(lines[i]);
    REQUIRE_FALSE(result.clean());
    CHECK(result.failure->kind == ReplayFailure::Kind::divergence);
    CHECK(result.failure->line == i + 1);
    ++mutated;
  }
  CHECK(mutated > kRuns / 8);
}
