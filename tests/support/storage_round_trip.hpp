// Random cases and events through a Storage and back: what load() and read_events() return
// must equal, field by field (fields.hpp), what was committed. Used for every adapter.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <fengqiao/chain.hpp>
#include <fengqiao/engine.hpp>
#include <fengqiao/storage.hpp>

#include "fields.hpp"
#include "random_values.hpp"

namespace fengqiao::testing {

struct StoredCase {
  Case snapshot;              // the last committed snapshot
  std::vector<Event> events;  // every committed event, seq 1..n
};

// A random snapshot and `count` random events that continue `history` (seq and case id
// set as Storage::commit requires, the snapshot's version the last seq, its state the last
// event's state_after).
inline CaseCommit random_commit(RandomValues& gen, const std::string& id, const StoredCase* history,
                                std::size_t count) {
  CaseCommit c;
  c.expected_version = history ? history->snapshot.version : 0;
  c.snapshot = gen.make<Case>();
  c.snapshot.id = id;
  for (std::size_t i = 0; i < count; ++i) {
    Event e = gen.make<Event>();
    e.case_id = id;
    e.seq = c.expected_version + 1 + i;
    c.events.push_back(std::move(e));
  }
  c.snapshot.version = c.events.back().seq;
  // The last event left the case in the snapshot's state (SqliteStorage::check_integrity
  // holds a store to that).
  c.events.back().state_after = c.snapshot.state;
  // Chained as the engine chains them (SqliteStorage::check_integrity verifies chains): the
  // hashes are real, the rest of each event random.
  std::string head = history ? history->snapshot.chain_head : chain::genesis(id);
  for (Event& e : c.events) head = e.hash = chain::event_hash(e, head);
  c.snapshot.chain_head = head;
  return c;
}

inline std::vector<Event> read_all(const Storage& s, const std::string& id, std::uint64_t from_seq) {
  std::vector<Event> out;
  Status st = s.read_events(id, from_seq, [&](const Event& e) {
    out.push_back(e);
    return true;
  });
  REQUIRE_MESSAGE(st.ok(), st.error().message);
  return out;
}

// The stored case equals what was committed: snapshot and events, every field, and also
// (when `json_too`) their to_json forms.
inline void check_stored(const Storage& s, RandomValues& gen, const std::string& id, const StoredCase& expected,
                         bool json_too) {
  auto loaded = s.load(id);
  REQUIRE_MESSAGE(loaded.ok(), loaded.error().message);
  const std::string diff = fields::differences(expected.snapshot, *loaded);
  CHECK_MESSAGE(diff.empty(), "case " << fields::describe(id) << " loads differently:\n" << diff);
  if (json_too) CHECK(nlohmann::json(*loaded) == nlohmann::json(expected.snapshot));

  const std::uint64_t from = static_cast<std::uint64_t>(gen.between(0, static_cast<long long>(expected.events.size()) + 1));
  const std::vector<Event> read = read_all(s, id, from);
  const std::size_t skip = from > 1 ? static_cast<std::size_t>(from - 1) : 0;
  const std::vector<Event> tail(expected.events.begin() + static_cast<std::ptrdiff_t>(std::min(skip, expected.events.size())),
                                expected.events.end());
  const std::string events_diff = fields::differences(tail, read);
  CHECK_MESSAGE(events_diff.empty(), "events of " << fields::describe(id) << " from seq " << from
                                                   << " read differently:\n" << events_diff);
  if (json_too)
    for (std::size_t i = 0; i < tail.size() && i < read.size(); ++i) CHECK(nlohmann::json(read[i]) == nlohmann::json(tail[i]));
}

// `cases` random cases, each committed one to four times with one to five events, checked
// after each commit and all of them again at the end. Returns what was stored.
inline std::map<std::string, StoredCase> round_trip_cases(Storage& s, RandomValues& gen, int cases, bool json_too,
                                                          bool move_commits = false) {
  std::map<std::string, StoredCase> stored;
  for (int i = 0; i < cases; ++i) {
    std::string id = gen.nonempty_text(6);
    while (stored.count(id)) id += "\xE6\xA1\x88";
    StoredCase& mine = stored[id];
    for (long long commits = gen.between(1, 4); commits > 0; --commits) {
      CaseCommit c = random_commit(gen, id, mine.events.empty() ? nullptr : &mine,
                                   static_cast<std::size_t>(gen.between(1, 5)));
      const Case snapshot = c.snapshot;
      const std::vector<Event> events = c.events;
      Status st = move_commits && gen.chance(0.5) ? s.commit(std::move(c)) : s.commit(c);
      REQUIRE_MESSAGE(st.ok(), st.error().message);
      mine.snapshot = snapshot;
      mine.events.insert(mine.events.end(), events.begin(), events.end());
      check_stored(s, gen, id, mine, json_too);
    }
  }
  for (const auto& [id, mine] : stored) check_stored(s, gen, id, mine, json_too);
  return stored;
}

// The scenario of the Span bug (codecs and SQLite round-trip tests): a case whose 48-hour
// handling clock is suspended for a day and seven seconds, so that its grown limit is not
// whole minutes. Returns the engine, on `storage` (a MemoryStorage when null), with the
// case "C-1" suspended and the clock already moved past the stop; resume it to see.
struct ElapsedStop {
  std::shared_ptr<ManualClock> clock;
  std::unique_ptr<Engine> engine;
  Actor handler{"u-hj-1", Role::handler, "justice_xilinji"};
};
inline ElapsedStop suspend_elapsed_clock_a_day_and_seven_seconds(std::shared_ptr<Storage> storage = nullptr) {
  ElapsedStop s;
  s.clock = std::make_shared<ManualClock>(parse_instant("2025-09-01T09:00:00+08:00").value());
  EngineOptions o;
  o.clock = s.clock;
  o.storage = std::move(storage);
  o.rules = DeadlineRules::from_json(nlohmann::json::parse(R"({"stages":{"handling":{"all":{"limit":{"hours":48}}}}})"))
                .value();
  s.engine = std::make_unique<Engine>(std::move(o));
  const Actor intake{"u-intake-1", Role::intake, "center"};
  const Actor dispatcher{"u-disp-1", Role::dispatcher, "center"};
  s.engine->register_case("C-1", intake,
                          {{"channel", "walk_in"}, {"category", "neighbour"}, {"urgency", "normal"},
                           {"jurisdiction", {"daxinganling", "mohe"}}, {"parties", {{{"name", "Wang Li"}}}},
                           {"summary", "s"}});
  s.engine->act("C-1", Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
  s.engine->act("C-1", Action::accept, s.handler);
  s.engine->act("C-1", Action::suspend, s.handler, {{"reason", "r"}});
  s.clock->advance(Seconds(86400 + 7));
  return s;
}

}  // namespace fengqiao::testing
