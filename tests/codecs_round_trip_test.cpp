// Every codec of a Case and an Event gives back what it was given, field by field: the
// public JSON form (case.hpp, event.hpp: "complete, lossless") and MemoryStorage's compact
// binary form (through commit / load / read_events). The SQLite adapter's turn is in
// tests/sqlite/sqlite_round_trip_test.cpp.
//
// The values are random (random_values.hpp): every field listed in fields.hpp, so a field
// added to Case and to that list but forgotten by a codec fails here, by name.
#include <doctest/doctest.h>

#include <set>

#include <fengqiao/engine.hpp>
#include <fengqiao/memory_storage.hpp>

#include "fields.hpp"
#include "random_values.hpp"
#include "storage_round_trip.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;
using nlohmann::json;

namespace {

template <class T>
T through_json(const T& v, bool as_text) {
  const json j = v;
  return as_text ? json::parse(j.dump()).get<T>() : j.get<T>();
}

// Each top-level field of `T` set to its value in a default-constructed T, one at a time.
template <class T>
std::vector<T> each_field_defaulted(const T& v) {
  std::vector<T> out;
  const std::size_t n = fields::field_names(v).size();
  for (std::size_t i = 0; i < n; ++i) {
    T copy = v;
    const T blank{};
    auto target = fields::fields_of(copy);
    auto source = fields::fields_of(blank);
    std::size_t k = 0;
    std::apply([&](auto&... t) { std::apply([&](const auto&... s) { ((k++ == i ? (void)(t = s) : (void)0), ...); }, source); },
               target);
    out.push_back(copy);
  }
  return out;
}

}  // namespace

TEST_SUITE("codecs") {

TEST_CASE("the random values vary every field, and the comparison notices each one") {
  // The round trips below can only catch a forgotten field if the generator gives it
  // varying values and the comparison looks at it.
  RandomValues gen(11);
  std::map<std::string, std::set<std::string>> case_values, event_values;
  for (int i = 0; i < 400; ++i) {
    const Case c = gen.make<Case>();
    fields::for_each_field_pair(c, c, [&](const std::string& name, const auto& v, const auto&) {
      case_values[name].insert(fields::describe(v));
    });
    const Event e = gen.make<Event>();
    fields::for_each_field_pair(e, e, [&](const std::string& name, const auto& v, const auto&) {
      event_values[name].insert(fields::describe(v));
    });
    // Resetting any one field that differs from its default is a reported difference,
    // under that field's name.
    const auto names = fields::field_names(c);
    const auto blanked = each_field_defaulted(c);
    for (std::size_t f = 0; f < names.size(); ++f) {
      std::vector<std::string> lines;
      fields::field_diff(c, blanked[f], "", lines);
      const bool was_default = fields::describe(c) == fields::describe(blanked[f]);
      CHECK(lines.empty() == was_default);
      for (const std::string& l : lines) CHECK(l.rfind(names[f], 0) == 0);
    }
  }
  REQUIRE(case_values.size() == fields::field_names(Case{}).size());
  for (const auto& entry : case_values) {  // CAPTURE's lambda may not name a structured binding
    CAPTURE(entry.first);
    CHECK(entry.second.size() >= 2);
  }
  REQUIRE(event_values.size() == fields::field_names(Event{}).size());
  for (const auto& entry : event_values) {  // CAPTURE's lambda may not name a structured binding
    CAPTURE(entry.first);
    CHECK(entry.second.size() >= 2);
  }
}

TEST_CASE("Case to_json / from_json gives back every field") {
  RandomValues gen(1);
  for (int i = 0; i < 3000; ++i) {
    CAPTURE(i);
    const Case c = gen.make<Case>();
    const bool as_text = i % 2 == 1;
    const Case back = through_json(c, as_text);
    const std::string diff = fields::differences(c, back);
    REQUIRE_MESSAGE(diff.empty(), (as_text ? "through text" : "through json") << ":\n" << diff);
    // The derived key is the clock's deadline, written as an instant.
    const json j = c;
    if (c.clock) CHECK(j.at("deadline") == format_instant(c.clock->schedule.at(1), UtcOffset::from_seconds(0)));
    else CHECK(j.at("deadline").is_null());
  }
}

TEST_CASE("Event to_json / from_json gives back every field of each kind of event") {
  RandomValues gen(2);
  std::set<EventType> kinds;
  for (int i = 0; i < 3000; ++i) {
    CAPTURE(i);
    const Event e = gen.make<Event>();
    kinds.insert(e.type);
    const Event back = through_json(e, i % 2 == 1);
    const std::string diff = fields::differences(e, back);
    REQUIRE_MESSAGE(diff.empty(), diff);
  }
  CHECK(kinds.size() == 4);
}

TEST_CASE("Visit to_json / from_json gives back every field") {
  RandomValues gen(3);
  for (int i = 0; i < 3000; ++i) {
    CAPTURE(i);
    const Visit v = gen.make<Visit>();
    const Visit back = through_json(v, i % 2 == 1);
    const std::string diff = fields::differences(v, back);
    REQUIRE_MESSAGE(diff.empty(), diff);
  }
}

TEST_CASE("MemoryStorage gives back every field of random snapshots and events") {
  RandomValues gen(3);
  MemoryStorage storage;
  const auto stored = round_trip_cases(storage, gen, 400, /*json_too=*/true, /*move_commits=*/true);
  CHECK(storage.count(CaseQuery{}).value() == stored.size());
}

TEST_CASE("MemoryStorage's compact form keeps any 64-bit instant and span amount") {
  RandomValues gen(4);
  gen.any_instant = true;
  gen.any_span = true;
  MemoryStorage storage;
  round_trip_cases(storage, gen, 400, /*json_too=*/false, /*move_commits=*/true);
}

TEST_CASE("MemoryStorage keeps events of more than one arena chunk apart") {
  // Events with big data fill the 1 MiB chunks of the event log unevenly: reads must still
  // give back each event as committed.
  RandomValues gen(5);
  MemoryStorage storage;
  std::map<std::string, StoredCase> stored;
  for (int i = 0; i < 60; ++i) {
    const std::string id = "big-" + std::to_string(i % 7);
    StoredCase& mine = stored[id];
    CaseCommit c = random_commit(gen, id, mine.events.empty() ? nullptr : &mine, 3);
    for (Event& e : c.events)
      if (e.type == EventType::action) e.data["blob"] = std::string(static_cast<std::size_t>(gen.between(1, 300000)), 'x');
    REQUIRE(storage.commit(c));
    mine.snapshot = c.snapshot;
    mine.events.insert(mine.events.end(), c.events.begin(), c.events.end());
  }
  for (const auto& [id, mine] : stored) check_stored(storage, gen, id, mine, true);
}

// A Span's JSON form used to be read with the rules' plausibility bound (at most 100000
// in its unit), but a clock's limit grows by the time it was stopped: an elapsed limit
// grown by a stop that is not whole minutes is written as {"seconds": n}, and from
// n > 100000 (a stop of about 28 hours) the snapshot no longer read back.
TEST_CASE("a stop that is not whole minutes leaves an elapsed clock whose JSON form reads back") {
  ElapsedStop stop = suspend_elapsed_clock_a_day_and_seven_seconds();
  const Case c = stop.engine->act("C-1", Action::resume, stop.handler);
  REQUIRE(c.clock);
  CHECK(c.clock->limit == Span::seconds(48 * 3600 + 86400 + 7));
  Case back;
  CHECK_NOTHROW(back = json(c).get<Case>());
  CHECK(fields::differences(c, back).empty());
}

TEST_CASE("a stored clock's spans read back beyond the rules' bound; a rules document keeps it") {
  // The JSON of a snapshot whose clock holds amounts no rules document may write.
  Case c;
  c.id = "C-big";
  StageClock clock;
  clock.rule.limit = Span::hours(100001);
  clock.rule.warn_before = Span::seconds(100001 * 60 + 1);
  clock.rule.escalate_every = Span::minutes(100001);
  clock.rule.max_extension = Span::hours(100001);
  clock.rule.max_level = 0;
  clock.limit = Span::seconds(std::numeric_limits<std::int64_t>::max());
  clock.schedule = {Instant(Seconds(0)), Instant(Seconds(1))};
  c.clock = clock;
  const Case back = json(c).get<Case>();
  CHECK(fields::differences(c, back).empty());
  clock.limit = Span::working_days(std::numeric_limits<std::int64_t>::max());
  c.clock = clock;
  CHECK(fields::differences(c, json(c).get<Case>()).empty());

  // Only an amount whose seconds overflow is refused, naming the field.
  json j = c;
  j["clock"]["limit"] = {{"hours", std::numeric_limits<std::int64_t>::max() / 3600 + 1}};
  try {
    (void)j.get<Case>();
    FAIL("an overflowing limit was read");
  } catch (const Exception& e) {
    CHECK(e.error().code == ErrorCode::invalid_config);
    CHECK(e.error().message.find("limit.hours") != std::string::npos);
  }
  j["clock"]["limit"] = {{"hours", std::numeric_limits<std::int64_t>::max() / 3600}};
  CHECK(j.get<Case>().clock->limit == Span::hours(std::numeric_limits<std::int64_t>::max() / 3600));

  // What people write stays bounded: RULES.md's "implausibly large (> 100000)".
  auto rules = DeadlineRules::from_json(json::parse(R"({"stages":{"handling":{"all":{"limit":{"hours":100001}}}}})"));
  REQUIRE_FALSE(rules.ok());
  CHECK(rules.error().code == ErrorCode::invalid_config);
  CHECK(rules.error().message.find("stages.handling.all.limit.hours") != std::string::npos);
  CHECK(rules.error().message.find("implausibly large") != std::string::npos);
  CHECK(DeadlineRules::from_json(json::parse(R"({"stages":{"handling":{"all":{"limit":{"hours":100000}}}}})")).ok());
  const json past_bound = json::parse(R"({"seconds":100001})");
  CHECK_THROWS_AS((void)past_bound.get<Span>(), Exception);
  CHECK(json::parse(R"({"seconds":100000})").get<Span>() == Span::seconds(100000));
}

}  // TEST_SUITE
