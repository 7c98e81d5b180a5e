// The storage conformance kit: doctest checks of every contract of fengqiao::Storage
// (storage.hpp), for adapter authors. Header-only; needs doctest and fengqiao::core.
//
// Instantiate it for an adapter in a doctest program:
//
//   #include <doctest/doctest.h>
//   #include <fengqiao/testing/storage_conformance.hpp>
//
//   struct MyStorageFactory {
//     fengqiao::testing::TempDir dir;  // a fresh directory per check, removed after it
//     std::shared_ptr<fengqiao::Storage> open() { return MyStorage::open(dir.file("cases.db")); }
//     static constexpr bool reopenable = true;  // optional, see below
//   };
//   TEST_CASE_TEMPLATE_INVOKE(fengqiao_storage_conformance, MyStorageFactory);
//
// The factory: a default-constructible type. The kit constructs one per check (so each
// check starts from an empty database) and destroys it when the check ends. Its open()
// returns a storage object on the factory's database; the first call sees it empty.
// Two optional flags enable more checks:
//   static constexpr bool reopenable = true;  // durable adapters: after the kit drops the
//       only reference to a storage object, open() again gives back everything committed.
//   static constexpr bool shared = true;      // several live objects from open() work on
//       one database (another process, another connection) and see each other's commits.
// And one optional value:
//   static constexpr std::chrono::milliseconds busy_timeout{500};  // the busy timeout of
//       the storages open() returns (default: 5000 ms, fengqiao's default). The kit waits
//       it out once per check of it, so open storages with a short one (a few hundred ms:
//       the kit holds batches open for up to 50 ms while other threads must be waiting).
// The factory must not keep references to the storage objects it returns.
//
// The thread checks run calls on threads of their own and wait for them with a limit
// (twice the busy timeout plus 20 s): an adapter that hangs fails them instead of
// blocking the suite. The random-interleaving check runs 2,000 rounds, with a random seed
// it prints on failure.
//
// It is one doctest test case, "storage conformance", with one subcase per contract;
// run a part with doctest's filters, e.g. `-sc="outbox*"`. TYPE_TO_STRING(MyStorageFactory)
// names the adapter in reports.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "fengqiao/chain.hpp"
#include "fengqiao/clock.hpp"
#include "fengqiao/engine.hpp"
#include "fengqiao/memory_storage.hpp"
#include "fengqiao/storage.hpp"
#include "fengqiao/visit.hpp"

namespace fengqiao::testing {

// A directory of its own under the system's temporary directory, removed with
// everything in it when the object is destroyed.
class TempDir {
 public:
  TempDir() {
    std::random_device seed;
    std::mt19937_64 random(seed());
    const auto base = std::filesystem::temp_directory_path();
    for (;;) {
      path_ = base / ("fengqiao-" + std::to_string(random()));
      if (std::filesystem::create_directory(path_)) return;
    }
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // The directory.
  const std::filesystem::path& path() const { return path_; }
  // path()/name, as a string for APIs that take one.
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

namespace conformance {

// --- Factory capabilities -------------------------------------------------------------

template <class F, class = void>
struct reopenable : std::false_type {};
template <class F>
struct reopenable<F, std::void_t<decltype(F::reopenable)>> : std::bool_constant<F::reopenable> {};
template <class F, class = void>
struct shared : std::false_type {};
template <class F>
struct shared<F, std::void_t<decltype(F::shared)>> : std::bool_constant<F::shared> {};
template <class F, class = void>
struct declares_busy_timeout : std::false_type {};
template <class F>
struct declares_busy_timeout<F, std::void_t<decltype(F::busy_timeout)>> : std::true_type {};

// The busy timeout of the storages the factory opens: Factory::busy_timeout, else the
// 5000 ms fengqiao's adapters default to.
template <class F>
std::chrono::milliseconds busy_timeout_of() {
  if constexpr (declares_busy_timeout<F>::value) return std::chrono::milliseconds(F::busy_timeout);
  else return std::chrono::milliseconds(5000);
}

// --- Running one check ----------------------------------------------------------------

// Thrown when a check cannot go on (its setup failed); the failure is already recorded,
// and the other checks still run.
struct Stop {};

template <class F>
void run(F&& check) {
  try {
    check();
  } catch (const Stop&) {
  } catch (const std::exception& e) {
    FAIL_CHECK("the adapter threw (Storage methods report errors, they do not throw): " << e.what());
  }
}

inline void need(bool ok, const std::string& what) {
  CHECK_MESSAGE(ok, what);
  if (!ok) throw Stop{};
}

inline void need(const Status& s, const std::string& what) {
  const std::string why = s.ok() ? std::string() : s.error().describe();
  CHECK_MESSAGE(s.ok(), what << ": " << why);
  if (!s.ok()) throw Stop{};
}

template <class T>
T need(Result<T> r, const std::string& what) {
  const std::string why = r.ok() ? std::string() : r.error().describe();
  CHECK_MESSAGE(r.ok(), what << ": " << why);
  if (!r.ok()) throw Stop{};
  return std::move(r).value();
}

template <class R>
std::string code_of(const R& r) {
  return r.ok() ? std::string("success") : std::string(to_string(r.error().code));
}

// --- Building commits by hand ---------------------------------------------------------

// 2025-09-01T09:00:00+08:00, and instants relative to it.
inline Instant t0() { return Instant(Seconds(1756688400)); }
inline Instant at(std::int64_t seconds_after_t0) { return t0() + Seconds(seconds_after_t0); }

inline Case make_case(const std::string& id, std::uint64_t version = 1) {
  Case c;
  c.id = id;
  c.channel = Channel::walk_in;
  c.category = "neighbour";
  c.urgency = Urgency::normal;
  c.jurisdiction = {"daxinganling", "mohe", "xilinji"};
  c.parties = {Party{"Wang Li", "", "13900000001", ""}, Party{"Zhao Gang", "", "", ""}};
  c.summary = "Dispute over a shared fence between two households.";
  c.first_responder = "u-intake-1";
  c.registered_at = t0();
  c.updated_at = t0();
  c.version = version;
  return c;
}

// Gives `c` a running stage clock whose next step (its warning) is at `due`, or no clock.
inline void set_due(Case& c, std::optional<Instant> due) {
  if (!due) {
    c.clock.reset();
    return;
  }
  StageClock k;
  k.stage = Stage::dispatch;
  k.rule.limit = Span::hours(4);
  k.rule.warn_before = Span::hours(1);
  k.rule.escalate_every = Span::hours(2);
  k.rule.max_level = 3;
  k.rule.max_extension = Span::hours(120);
  k.limit = k.rule.limit;
  k.started_at = *due - Seconds(3 * 3600);
  k.armed_after = k.started_at;
  k.schedule = {*due, *due + Seconds(3600), *due + Seconds(3 * 3600), *due + Seconds(5 * 3600), *due + Seconds(7 * 3600)};
  c.clock = k;
}

inline Event make_event(const Case& c, std::uint64_t seq) {
  Event e;
  e.case_id = c.id;
  e.seq = seq;
  e.at = t0() + Seconds(static_cast<std::int64_t>(seq));
  e.type = EventType::action;
  e.action = Action::supervise;
  e.actor = Actor{"u-su-1", Role::supervisor, "center"};
  e.data = {{"order", "step " + std::to_string(seq)}};
  e.state_after = c.state;
  e.supervision_after = c.supervision;  // optional: an adapter must keep it when set
  return e;
}

inline OutboxMessage make_message(const Case& c, std::uint64_t seq, const std::string& topic) {
  OutboxMessage m;
  m.topic = topic;
  m.case_id = c.id;
  m.event_seq = seq;
  m.payload = {{"case", c.id}, {"seq", seq}};
  return m;
}

// The commit that takes case `c` from version `from` to c.version, one event per step.
inline CaseCommit change(const Case& c, std::uint64_t from, std::vector<OutboxMessage> outbox = {}) {
  CaseCommit commit;
  commit.snapshot = c;
  commit.expected_version = from;
  for (std::uint64_t seq = from + 1; seq <= c.version; ++seq) commit.events.push_back(make_event(c, seq));
  commit.outbox = std::move(outbox);
  return commit;
}

// The seq of the storage's newest configuration record (0: none), as an engine reads it
// before computing a change.
inline std::uint64_t config_seq_of(const Storage& s) {
  auto newest = need(s.configuration(), "configuration");
  return newest ? newest->seq : 0;
}

// `commit` with its events chained as the engine chains them (fengqiao/chain.hpp), from
// `previous` (the stored head; the genesis value for a new case), and the snapshot's head
// set: for stores that are then verified (SqliteStorage::check_integrity checks chains).
inline CaseCommit chained(CaseCommit commit, std::string previous = std::string()) {
  std::string head = commit.expected_version == 0 ? chain::genesis(commit.snapshot.id) : std::move(previous);
  for (Event& e : commit.events) head = e.hash = chain::event_hash(e, head);
  commit.snapshot.chain_head = head;
  return commit;
}

// Stores `c` as a new case at c.version (c.version events), computed with the
// configuration in force.
inline void create(Storage& s, const Case& c, std::vector<OutboxMessage> outbox = {}) {
  CaseCommit commit = change(c, 0, std::move(outbox));
  commit.config_seq = config_seq_of(s);
  need(s.commit(commit), "creating case " + c.id);
}

// Moves the stored case `c` one version on, with `edit` applied to the snapshot, computed
// with the configuration in force.
template <class Edit>
Case bump(Storage& s, const std::string& id, Edit&& edit, std::vector<OutboxMessage> outbox = {}) {
  Case c = need(s.load(id), "loading " + id);
  const std::uint64_t from = c.version;
  c.version = from + 1;
  edit(c);
  CaseCommit commit = change(c, from, std::move(outbox));
  commit.config_seq = config_seq_of(s);
  need(s.commit(commit), "updating " + id);
  return c;
}

inline nlohmann::json json_of(const Case& c) { return nlohmann::json(c); }
inline nlohmann::json json_of(const Event& e) { return nlohmann::json(e); }
inline nlohmann::json json_of(const ConfigRecord& r) { return nlohmann::json(r); }

// The configuration records with seq >= from_seq, as read_configurations gives them.
inline std::vector<ConfigRecord> configurations(const Storage& s, std::uint64_t from_seq = 1) {
  std::vector<ConfigRecord> out;
  need(s.read_configurations(from_seq,
                             [&](const ConfigRecord& r) {
                               out.push_back(r);
                               return true;
                             }),
       "read_configurations");
  return out;
}

// Configuration record `seq` as an engine would commit it, in force from `when`: each seq
// adds a holiday and changes a rule, so that no two records are alike.
inline ConfigRecord make_config(std::uint64_t seq, Instant when = at(0)) {
  ConfigRecord r;
  r.seq = seq;
  r.at = when;
  for (std::uint64_t i = 1; i <= seq; ++i)
    need(r.calendar.add_holiday(Date{2026, 1 + static_cast<int>((i - 1) / 28 % 12), 1 + static_cast<int>((i - 1) % 28)}),
         "a holiday for configuration " + std::to_string(seq));
  const nlohmann::json limit = {{"working_days", 2 + seq}};
  r.rules = need(DeadlineRules::from_json({{"stages", {{"handling", {{"urgent", {{"limit", limit}}}}}}}}),
                 "rules for configuration " + std::to_string(seq));
  r.calendar_changed = true;
  r.rules_changed = seq == 1 || seq % 2 == 0;
  return r;
}

// A message sent with configuration record `seq` (case_id "", event_seq the record's seq).
inline OutboxMessage config_message(std::uint64_t seq, const std::string& topic) {
  OutboxMessage m;
  m.topic = topic;
  m.event_seq = seq;
  m.payload = {{"configuration", seq}};
  return m;
}

inline ConfigCommit config_commit(std::uint64_t seq, Instant when = at(0), std::vector<OutboxMessage> outbox = {}) {
  return ConfigCommit{make_config(seq, when), std::move(outbox)};
}

inline std::vector<std::uint64_t> config_seqs(const Storage& s, std::uint64_t from_seq) {
  std::vector<std::uint64_t> out;
  for (const ConfigRecord& r : configurations(s, from_seq)) out.push_back(r.seq);
  return out;
}

using Seqs = std::vector<std::uint64_t>;

inline std::vector<Event> history(const Storage& s, const std::string& id, std::uint64_t from_seq = 1) {
  std::vector<Event> out;
  need(s.read_events(id, from_seq,
                     [&](const Event& e) {
                       out.push_back(e);
                       return true;
                     }),
       "reading the events of " + id);
  return out;
}

inline std::vector<std::string> ids(const std::vector<Case>& cases) {
  std::vector<std::string> out;
  for (const Case& c : cases) out.push_back(c.id);
  return out;
}

inline std::vector<std::string> query_ids(const Storage& s, const CaseQuery& q) {
  return ids(need(s.query(q), "query"));
}

inline std::vector<OutboxMessage> whole_outbox(const Storage& s) { return need(s.outbox_fetch(1u << 30), "outbox_fetch"); }

// Everything a reader can observe, to compare a storage before and after something
// that must change nothing.
inline nlohmann::json observable(const Storage& s) {
  nlohmann::json out;
  for (const Case& c : need(s.query(CaseQuery{}), "query")) {
    nlohmann::json events = nlohmann::json::array();
    for (const Event& e : history(s, c.id)) events.push_back(json_of(e));
    out["cases"][c.id] = {{"snapshot", json_of(c)}, {"events", events}};
  }
  out["count"] = need(s.count(CaseQuery{}), "count");
  for (const OutboxMessage& m : whole_outbox(s))
    out["outbox"].push_back({{"id", m.id}, {"topic", m.topic}, {"case", m.case_id}, {"seq", m.event_seq}, {"payload", m.payload}});
  out["depth"] = need(s.outbox_depth(), "outbox_depth");
  if (auto due = need(s.first_due(Instant::max()), "first_due"))
    out["first_due"] = {due->case_id, due->at.time_since_epoch().count()};
  for (const Visit& v : need(s.visits(VisitQuery{}), "visits")) out["visits"].push_back(nlohmann::json(v));
  out["visit_count"] = need(s.count_visits(VisitQuery{}), "count_visits");
  for (const ConfigRecord& r : configurations(s)) out["configurations"].push_back(json_of(r));
  if (auto newest = need(s.configuration(), "configuration")) out["configuration"] = json_of(*newest);
  return out;
}

inline std::optional<std::pair<std::string, Instant>> due_of(const Storage& s, Instant up_to) {
  auto due = need(s.first_due(up_to), "first_due");
  if (!due) return std::nullopt;
  return std::make_pair(due->case_id, due->at);
}

inline std::pair<std::string, Instant> due_pair(const std::string& id, Instant t) { return {id, t}; }

// A visit as the engine would record it; the kit varies the fields its checks are about.
inline Visit make_visit(const std::string& id, Instant when, VisitKind kind = VisitKind::claim,
                        Channel channel = Channel::walk_in, std::optional<std::string> case_id = std::nullopt) {
  Visit v;
  v.id = id;
  v.at = when;
  v.actor = Actor{"u-intake-1", Role::intake, "center"};
  v.channel = channel;
  v.kind = kind;
  v.parties = {Party{"Wang Li", "230000199001010000", "13900000001", "citizen-wl"}};
  v.summary = "Asked how to settle a fence dispute.";
  v.case_id = std::move(case_id);
  return v;
}

inline std::vector<std::string> visit_ids(const Storage& s, const VisitQuery& q) {
  std::vector<std::string> out;
  for (const Visit& v : need(s.visits(q), "visits")) out.push_back(v.id);
  return out;
}

// --- Commit ---------------------------------------------------------------------------

inline void new_case_is_stored_whole(Storage& s) {
  Case c = make_case("C-1", 2);
  set_due(c, at(3600));
  const CaseCommit commit = change(c, 0, {make_message(c, 1, "registered")});
  need(s.commit(commit), "commit");

  CHECK(json_of(need(s.load("C-1"), "load")) == json_of(c));
  const auto events = history(s, "C-1");
  need(events.size() == 2, "events.size() == 2");
  CHECK(json_of(events[0]) == json_of(commit.events[0]));
  CHECK(json_of(events[1]) == json_of(commit.events[1]));
  CHECK(due_of(s, at(3600)) == due_pair("C-1", at(3600)));
  const auto outbox = whole_outbox(s);
  need(outbox.size() == 1, "outbox.size() == 1");
  CHECK(outbox[0].id > 0);
  CHECK(outbox[0].topic == "registered");
  CHECK(outbox[0].case_id == "C-1");
  CHECK(outbox[0].event_seq == 1);
  CHECK(outbox[0].payload == commit.outbox[0].payload);
  CHECK(need(s.count(CaseQuery{}), "count") == 1);
}

inline void versions_append_events_in_order(Storage& s) {
  create(s, make_case("C-1", 1));
  Case c = make_case("C-1", 2);
  c.summary = "after the second event";
  need(s.commit(change(c, 1)), "1 -> 2");
  c.version = 4;
  c.summary = "after the fourth event";
  const CaseCommit two = change(c, 2);
  need(s.commit(two), "2 -> 4 (two events in one commit)");

  const Case stored = need(s.load("C-1"), "load");
  CHECK(stored.version == 4);
  CHECK(stored.summary == "after the fourth event");
  const auto events = history(s, "C-1");
  need(events.size() == 4, "events.size() == 4");
  for (std::size_t i = 0; i < events.size(); ++i) CHECK(events[i].seq == i + 1);
  CHECK(json_of(events[3]) == json_of(two.events[1]));
}

// The hash chain (fengqiao/chain.hpp): the engine computes each event's hash and the
// snapshot's chain_head; an adapter must give back exactly what it was given, or every
// verification of its cases would fail (or, worse, pass on what it made up).
inline void chain_hashes_are_kept(Storage& s) {
  Case c = make_case("C-chain", 3);
  CaseCommit first = change(c, 0);
  std::string head = chain::genesis(c.id);
  for (Event& e : first.events) head = e.hash = chain::event_hash(e, head);
  first.snapshot.chain_head = head;
  first.config_seq = config_seq_of(s);
  need(s.commit(first), "commit of a chained case");
  c.version = 4;
  CaseCommit second = change(c, 3);
  second.events[0].hash = chain::event_hash(second.events[0], head);
  second.snapshot.chain_head = second.events[0].hash;
  second.config_seq = config_seq_of(s);
  need(s.commit(second), "commit continuing the chain");

  const auto events = history(s, c.id);
  need(events.size() == 4, "events.size() == 4");
  for (std::size_t i = 0; i < 3; ++i) CHECK_MESSAGE(events[i].hash == first.events[i].hash, "event " << i + 1 << "'s hash");
  CHECK_MESSAGE(events[3].hash == second.events[0].hash, "event 4's hash");
  CHECK_MESSAGE(need(s.load(c.id), "load").chain_head == second.snapshot.chain_head, "the snapshot's chain_head");
  const auto report = need(chain::verify_case(s, c.id), "verify_case");
  CHECK_MESSAGE(report.intact(), (report.broken ? report.broken->describe() : std::string()));

  // And what the engine writes through the adapter verifies too.
  EngineOptions o;
  o.storage = std::shared_ptr<Storage>(&s, [](Storage*) {});
  o.clock = std::make_shared<ManualClock>(t0());
  Engine engine(std::move(o));
  const Actor intake{"u-intake-1", Role::intake, "center"};
  const Actor dispatcher{"u-disp-1", Role::dispatcher, "center"};
  engine.register_case("C-engine", intake,
                       {{"channel", "walk_in"}, {"category", "neighbour"}, {"urgency", "normal"},
                        {"jurisdiction", {"daxinganling", "mohe"}}, {"parties", {{{"name", "Wang Li"}}}},
                        {"summary", "Fence."}});
  engine.act("C-engine", Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
  const auto whole = need(chain::verify_store(s), "verify_store");
  CHECK_MESSAGE(whole.intact(), (whole.broken ? whole.broken->describe() : std::string()));
  CHECK(whole.events == 6);
}

inline void malformed_commits_are_invalid_data(Storage& s) {
  create(s, make_case("C-1", 1));
  const nlohmann::json before = observable(s);

  auto refuse = [&](CaseCommit commit, const char* why) {
    INFO(why);
    CHECK(code_of(s.commit(commit)) == "invalid_data");
    CHECK(observable(s) == before);
  };
  CaseCommit none = change(make_case("C-2", 1), 0);
  none.events.clear();
  refuse(none, "no events");

  CaseCommit late_start = change(make_case("C-2", 2), 0);
  late_start.events.erase(late_start.events.begin());
  refuse(late_start, "a new case's events start at seq 2");

  CaseCommit gap = change(make_case("C-1", 3), 1);
  gap.events.erase(gap.events.begin());
  refuse(gap, "seq 3 after version 1");

  CaseCommit other = change(make_case("C-1", 2), 1);
  other.events[0].case_id = "C-9";
  refuse(other, "an event of another case");

  CaseCommit version = change(make_case("C-1", 3), 1);
  version.snapshot.version = 2;
  refuse(version, "snapshot version is not the last event's seq");

  Case unnamed = make_case("", 1);
  refuse(change(unnamed, 0), "the snapshot has no id");
}

inline void versions_are_checked(Storage& s) {
  create(s, make_case("C-1", 1));
  CHECK(code_of(s.commit(change(make_case("C-1", 1), 0))) == "duplicate_case");
  CHECK(code_of(s.commit(change(make_case("C-2", 2), 1))) == "unknown_case");
  CHECK(code_of(s.load("C-2")) == "unknown_case");
  CHECK(code_of(s.commit(change(make_case("C-1", 3), 2))) == "conflict");

  // Two writers computed version 2 from version 1: the second is refused.
  need(s.commit(change(make_case("C-1", 2), 1)), "first writer");
  Case second = make_case("C-1", 2);
  second.summary = "the second writer's change";
  CHECK(code_of(s.commit(change(second, 1))) == "conflict");
  CHECK(need(s.load("C-1"), "load").summary != second.summary);
  CHECK(history(s, "C-1").size() == 2);
}

inline void refused_commits_change_nothing(Storage& s) {
  Case a = make_case("C-1", 1);
  set_due(a, at(100));
  create(s, a, {make_message(a, 1, "registered")});
  Case b = make_case("C-2", 2);
  set_due(b, at(200));
  create(s, b, {make_message(b, 2, "registered")});
  const nlohmann::json before = observable(s);

  // Each carries events, a snapshot change, a due index change and outbox messages.
  Case stale = make_case("C-1", 3);
  set_due(stale, at(10));
  stale.state = State::handling;
  CHECK(code_of(s.commit(change(stale, 2, {make_message(stale, 3, "x")}))) == "conflict");
  Case dup = make_case("C-2", 1);
  set_due(dup, at(5));
  CHECK(code_of(s.commit(change(dup, 0, {make_message(dup, 1, "x")}))) == "duplicate_case");
  Case missing = make_case("C-3", 2);
  set_due(missing, at(1));
  CHECK(code_of(s.commit(change(missing, 1, {make_message(missing, 2, "x")}))) == "unknown_case");
  CaseCommit bad = change(make_case("C-1", 2), 1, {make_message(a, 2, "x")});
  bad.events[0].seq = 7;
  CHECK(code_of(s.commit(bad)) == "invalid_data");

  CHECK(observable(s) == before);
}

// --- Reading --------------------------------------------------------------------------

inline void unknown_cases_are_reported(Storage& s) {
  CHECK(code_of(s.load("nope")) == "unknown_case");
  bool visited = false;
  CHECK(code_of(s.read_events("nope", 1, [&](const Event&) { return visited = true; })) == "unknown_case");
  CHECK_FALSE(visited);
}

inline void read_events_from_seq_and_stop_early(Storage& s) {
  create(s, make_case("C-1", 5));
  auto seqs = [&](std::uint64_t from) {
    std::vector<std::uint64_t> out;
    for (const Event& e : history(s, "C-1", from)) out.push_back(e.seq);
    return out;
  };
  CHECK(seqs(0) == std::vector<std::uint64_t>{1, 2, 3, 4, 5});
  CHECK(seqs(1) == std::vector<std::uint64_t>{1, 2, 3, 4, 5});
  CHECK(seqs(3) == std::vector<std::uint64_t>{3, 4, 5});
  CHECK(seqs(6).empty());

  int calls = 0;
  need(s.read_events("C-1", 1, [&](const Event&) { return ++calls < 2; }), "read_events");
  CHECK(calls == 2);
}

inline void visitors_may_call_back(Storage& s) {
  create(s, make_case("C-1", 3));
  std::size_t seen = 0;
  Status inner = Status::success();
  need(s.read_events("C-1", 1,
                     [&](const Event& e) {
                       ++seen;
                       if (e.seq == 1) {
                         if (auto loaded = s.load("C-1"); !loaded) inner = loaded.error();
                         else if (Status st = s.commit(change(make_case("C-1", 4), 3)); !st) inner = st;
                       }
                       return true;
                     }),
       "read_events");
  CHECK_MESSAGE(inner.ok(), (inner.ok() ? std::string() : inner.error().describe()));
  CHECK(seen >= 3);  // the event committed meanwhile may or may not be seen
  CHECK(need(s.load("C-1"), "load").version == 4);
}

// --- Queries --------------------------------------------------------------------------

// Six cases that differ in each filtered field. C-06's path shares a text prefix (not a
// path prefix) with C-01's.
inline void store_query_fixture(Storage& s) {
  auto put = [&](const std::string& id, State state, Supervision sup, std::optional<std::string> lead,
                 std::vector<std::string> path, std::optional<Instant> due) {
    Case c = make_case(id, 1);
    c.state = state;
    c.supervision = sup;
    c.lead = std::move(lead);
    c.jurisdiction = std::move(path);
    set_due(c, due);
    create(s, c);
  };
  put("C-01", State::handling, Supervision::warning, "justice", {"dxal", "mohe", "xilinji"}, at(100));
  put("C-02", State::dispatched, Supervision::on_track, "police", {"dxal", "mohe", "xilinji"}, at(200));
  put("C-03", State::handling, Supervision::overdue, "justice", {"dxal", "mohe", "amuer"}, std::nullopt);
  put("C-04", State::registered, Supervision::on_track, std::nullopt, {"dxal", "huma"}, at(50));
  put("C-05", State::closed, Supervision::on_track, "justice", {"dxal", "mohe"}, std::nullopt);
  put("C-06", State::handling, Supervision::on_track, "justice", {"dxal", "mohe", "xilinjiang"}, at(300));
}

using Ids = std::vector<std::string>;

inline void query_filters(Storage& s) {
  store_query_fixture(s);
  auto check = [&](CaseQuery q, const Ids& want, const char* what) {
    INFO(what);
    CHECK(query_ids(s, q) == want);
    CHECK(need(s.count(q), "count") == want.size());
  };
  CaseQuery q;
  check(q, {"C-01", "C-02", "C-03", "C-04", "C-05", "C-06"}, "no filter");
  q = {};
  q.state = State::handling;
  check(q, {"C-01", "C-03", "C-06"}, "state");
  q = {};
  q.supervision = Supervision::on_track;
  check(q, {"C-02", "C-04", "C-05", "C-06"}, "supervision");
  q = {};
  q.lead = "justice";
  check(q, {"C-01", "C-03", "C-05", "C-06"}, "lead");
  q = {};
  q.jurisdiction = {"dxal", "mohe"};
  check(q, {"C-01", "C-02", "C-03", "C-05", "C-06"}, "jurisdiction prefix");
  q.jurisdiction = {"dxal", "mohe", "xilinji"};
  check(q, {"C-01", "C-02"}, "jurisdiction prefix is by element, not by text");
  q.jurisdiction = {"dxal"};
  check(q, {"C-01", "C-02", "C-03", "C-04", "C-05", "C-06"}, "jurisdiction region");
  q.jurisdiction = {"dxal", "mohe", "xilinji", "beiji"};
  check(q, {}, "jurisdiction longer than the cases' paths");
  q = {};
  q.due_before = at(100);
  check(q, {"C-01", "C-04"}, "due_before is inclusive");
  q.due_before = at(99);
  check(q, {"C-04"}, "due_before");
  q = {};
  q.state = State::handling;
  q.lead = "justice";
  q.jurisdiction = {"dxal", "mohe"};
  check(q, {"C-01", "C-03", "C-06"}, "filters are ANDed");
  q.due_before = at(300);
  check(q, {"C-01", "C-06"}, "filters are ANDed, with due_before");
  q.supervision = Supervision::overdue;
  check(q, {}, "nothing matches");
}

inline void query_pagination(Storage& s) {
  store_query_fixture(s);
  CaseQuery q;
  q.limit = 2;
  CHECK(query_ids(s, q) == Ids{"C-01", "C-02"});
  q.after_id = "C-02";
  CHECK(query_ids(s, q) == Ids{"C-03", "C-04"});
  q.after_id = "C-04";
  CHECK(query_ids(s, q) == Ids{"C-05", "C-06"});
  q.after_id = "C-06";
  CHECK(query_ids(s, q).empty());
  q.after_id = "C-025";  // need not be a stored id
  CHECK(query_ids(s, q) == Ids{"C-03", "C-04"});

  CaseQuery handling;
  handling.state = State::handling;
  handling.limit = 1;
  handling.after_id = "C-01";
  CHECK(query_ids(s, handling) == Ids{"C-03"});

  CaseQuery counted;
  counted.after_id = "C-03";
  counted.limit = 1;
  CHECK(need(s.count(counted), "count") == 3);  // after_id applies, limit does not
}

inline void ids_are_ordered_bytewise(Storage& s) {
  Ids stored = {"b", "B", "a-10", "a-9", "\xC3\xA9", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80", "Z", "a"};
  for (const std::string& id : stored) {
    Case c = make_case(id, 1);
    set_due(c, at(500));
    create(s, c);
  }
  Ids want = stored;
  std::sort(want.begin(), want.end());  // std::string compares bytes as unsigned char
  CHECK(query_ids(s, CaseQuery{}) == want);

  // Ties in the due index go to the smallest id, byte-wise.
  for (const std::string& id : want) {
    CHECK(due_of(s, at(500)) == due_pair(id, at(500)));
    bump(s, id, [](Case& c) { set_due(c, std::nullopt); });
  }
  CHECK(due_of(s, Instant::max()) == std::nullopt);
}

// --- Due index ------------------------------------------------------------------------

inline void due_index_order_and_bounds(Storage& s) {
  CHECK(due_of(s, Instant::max()) == std::nullopt);
  Case a = make_case("C-A", 1);
  set_due(a, at(100));
  create(s, a);
  Case b = make_case("C-B", 1);
  set_due(b, at(50));
  create(s, b);
  create(s, make_case("C-C", 1));  // no clock: not in the index

  CHECK(due_of(s, Instant::max()) == due_pair("C-B", at(50)));
  CHECK(due_of(s, at(49)) == std::nullopt);
  CHECK(due_of(s, at(50)) == due_pair("C-B", at(50)));  // inclusive
  CHECK(due_of(s, Instant::min()) == std::nullopt);

  // The entry's instant is the snapshot's next_due().
  const Case stored = need(s.load("C-B"), "load");
  need(stored.next_due().has_value(), "stored.next_due().has_value()");
  CHECK(stored.next_due()->at == at(50));
}

inline void due_index_follows_each_commit(Storage& s) {
  Case a = make_case("C-A", 1);
  set_due(a, at(100));
  create(s, a);
  Case b = make_case("C-B", 1);
  set_due(b, at(50));
  create(s, b);

  bump(s, "C-B", [](Case& c) { set_due(c, at(150)); });  // later
  CHECK(due_of(s, Instant::max()) == due_pair("C-A", at(100)));
  CHECK(due_of(s, at(120)) == due_pair("C-A", at(100)));
  bump(s, "C-A", [](Case& c) { set_due(c, at(10)); });  // earlier
  CHECK(due_of(s, Instant::max()) == due_pair("C-A", at(10)));
  bump(s, "C-A", [](Case& c) { c.clock->stopped_at = at(5); });  // a stopped clock fires nothing
  CHECK(due_of(s, Instant::max()) == due_pair("C-B", at(150)));
  bump(s, "C-A", [](Case& c) { set_due(c, at(150)); });  // same instant: id decides
  CHECK(due_of(s, Instant::max()) == due_pair("C-A", at(150)));
  bump(s, "C-A", [](Case& c) { set_due(c, std::nullopt); });  // closed
  bump(s, "C-B", [](Case& c) {
    c.clock->next_step = static_cast<std::uint8_t>(c.clock->schedule.size());  // every step fired
  });
  CHECK(due_of(s, Instant::max()) == std::nullopt);
}

// --- Batches --------------------------------------------------------------------------

inline void batch_commit_publishes(Storage& s) {
  need(s.begin_batch(), "begin_batch");
  Case a = make_case("C-1", 1);
  set_due(a, at(100));
  need(s.commit(change(a, 0, {make_message(a, 1, "registered")})), "commit in batch");
  const Case a2 = make_case("C-1", 2);
  need(s.commit(change(a2, 1)), "second commit of the case in the batch");
  create(s, make_case("C-2", 1));
  // The batch's own reads see its changes, whole (an adapter may serve them from a cache).
  CHECK(json_of(need(s.load("C-1"), "load")) == json_of(a2));
  CHECK(history(s, "C-1").size() == 2);
  CHECK(need(s.count(CaseQuery{}), "count") == 2);
  CHECK(need(s.outbox_depth(), "depth") == 1);
  need(s.end_batch(true), "end_batch(true)");

  CHECK(json_of(need(s.load("C-1"), "load")) == json_of(a2));
  CHECK(query_ids(s, CaseQuery{}) == Ids{"C-1", "C-2"});
  CHECK(need(s.outbox_depth(), "depth") == 1);
}

inline void batch_rollback_discards(Storage& s) {
  Case x = make_case("C-X", 1);
  set_due(x, at(100));
  create(s, x, {make_message(x, 1, "registered")});
  const nlohmann::json before = observable(s);

  need(s.begin_batch(), "begin_batch");
  bump(s, "C-X", [](Case& c) { set_due(c, at(10)); c.state = State::dispatched; },
       {make_message(x, 2, "dispatched")});
  Case y = make_case("C-Y", 3);
  set_due(y, at(1));
  create(s, y, {make_message(y, 1, "registered")});
  need(s.end_batch(false), "end_batch(false)");

  CHECK(observable(s) == before);
  // The storage goes on from where it was.
  CHECK(code_of(s.load("C-Y")) == "unknown_case");
  bump(s, "C-X", [](Case&) {});
  CHECK(need(s.load("C-X"), "load").version == 2);
  create(s, make_case("C-Y", 1));
}

inline void batch_commits_fail_alone(Storage& s) {
  create(s, make_case("C-X", 2));
  need(s.begin_batch(), "begin_batch");
  create(s, make_case("C-1", 1));
  CHECK(code_of(s.commit(change(make_case("C-X", 2), 1))) == "conflict");
  CHECK(code_of(s.commit(change(make_case("C-1", 1), 0))) == "duplicate_case");
  create(s, make_case("C-2", 1));
  need(s.end_batch(true), "end_batch(true)");
  CHECK(query_ids(s, CaseQuery{}) == Ids{"C-1", "C-2", "C-X"});
  CHECK(need(s.load("C-X"), "load").version == 2);
  CHECK(history(s, "C-X").size() == 2);
}

inline void batches_do_not_nest(Storage& s) {
  CHECK(code_of(s.end_batch(true)) == "storage_error");
  CHECK(code_of(s.end_batch(false)) == "storage_error");
  need(s.begin_batch(), "begin_batch");
  CHECK(code_of(s.begin_batch()) == "storage_error");
  create(s, make_case("C-1", 1));  // the open batch is still usable
  need(s.end_batch(true), "end_batch(true)");
  CHECK(need(s.load("C-1"), "load").version == 1);
  CHECK(code_of(s.end_batch(true)) == "storage_error");
  need(s.begin_batch(), "a new batch after the first ended");
  need(s.end_batch(false), "end_batch(false)");
}

// --- Outbox ---------------------------------------------------------------------------

inline void outbox_order_fetch_and_ack(Storage& s) {
  CHECK(whole_outbox(s).empty());
  CHECK(need(s.outbox_depth(), "depth") == 0);

  Case a = make_case("C-1", 1);
  create(s, a, {make_message(a, 1, "registered"), make_message(a, 1, "emergency_registered")});
  create(s, make_case("C-2", 1));
  Case c = make_case("C-3", 2);
  create(s, c, {make_message(c, 1, "registered"), make_message(c, 2, "escalated"), make_message(c, 2, "sms")});

  const auto all = whole_outbox(s);
  need(all.size() == 5, "all.size() == 5");
  CHECK(need(s.outbox_depth(), "depth") == 5);
  for (std::size_t i = 1; i < all.size(); ++i) CHECK(all[i - 1].id < all[i].id);
  CHECK(all[0].topic == "registered");
  CHECK(all[1].topic == "emergency_registered");
  CHECK(all[4].topic == "sms");
  CHECK(all[3].case_id == "C-3");
  CHECK(all[3].event_seq == 2);
  CHECK(all[3].payload == nlohmann::json({{"case", "C-3"}, {"seq", 2}}));

  // Fetching does not consume.
  const auto first_two = need(s.outbox_fetch(2), "fetch 2");
  need(first_two.size() == 2, "first_two.size() == 2");
  CHECK(first_two[0].id == all[0].id);
  CHECK(first_two[1].id == all[1].id);
  CHECK(need(s.outbox_fetch(0), "fetch 0").empty());
  CHECK(whole_outbox(s).size() == 5);

  need(s.outbox_ack({all[1].id, all[3].id, all[4].id + 1000}), "ack, with an unknown id");
  CHECK(need(s.outbox_depth(), "depth") == 3);
  need(s.outbox_ack({all[1].id}), "the same ack again");
  need(s.outbox_ack({}), "an empty ack");
  const auto left = whole_outbox(s);
  need(left.size() == 3, "left.size() == 3");
  CHECK(left[0].id == all[0].id);
  CHECK(left[1].id == all[2].id);
  CHECK(left[2].id == all[4].id);

  // Ids are never reused, even those acknowledged.
  need(s.outbox_ack({all[4].id}), "ack the newest");
  bump(s, "C-2", [](Case&) {}, {make_message(a, 2, "later")});
  const auto now = whole_outbox(s);
  need(now.size() == 3, "now.size() == 3");
  CHECK(now.back().topic == "later");
  CHECK(now.back().id > all[4].id);
}

// --- Size and text --------------------------------------------------------------------

inline void large_histories(Storage& s) {
  constexpr std::uint64_t kFirst = 5000, kStep = 100, kTotal = 10000;
  create(s, make_case("C-big", kFirst));
  for (std::uint64_t v = kFirst; v < kTotal; v += kStep) need(s.commit(change(make_case("C-big", v + kStep), v)), "commit");

  CHECK(need(s.load("C-big"), "load").version == kTotal);
  const auto events = history(s, "C-big");
  need(events.size() == kTotal, "events.size() == kTotal");
  bool numbered = true;
  for (std::size_t i = 0; i < events.size(); ++i) numbered = numbered && events[i].seq == i + 1;
  CHECK(numbered);
  const auto tail = history(s, "C-big", kTotal - 9);
  need(tail.size() == 10, "tail.size() == 10");
  CHECK(tail.front().seq == kTotal - 9);
  CHECK(json_of(tail.back()) == json_of(make_event(make_case("C-big", kTotal), kTotal)));
  int calls = 0;
  need(s.read_events("C-big", 1, [&](const Event&) { return ++calls < 3; }), "read_events");
  CHECK(calls == 3);
}

inline void unicode_text_round_trips(Storage& s) {
  const std::string id = "纠纷-2025-001-😀";
  Case c = make_case(id, 1);
  c.jurisdiction = {"大兴安岭地区", "漠河市", "西林吉镇"};
  c.parties = {Party{"王丽", "230000199001010000", "13900000001", ""}, Party{"Zoë Ñúñez", "", "", ""}};
  c.summary = "邻里纠纷：共用围墙 🧱 «quoted» \"and\" \\ back\tslash";
  c.lead = "漠河市司法局";
  set_due(c, at(77));
  CaseCommit commit = change(c, 0);
  commit.events[0].actor = Actor{"网格员-7", Role::grid_worker, "西林吉镇网格"};
  commit.events[0].data = {{"order", "请于三日内办结 ✅"}, {"note", "𝄞 outside the BMP"}};
  OutboxMessage m = make_message(c, 1, "短信");
  m.payload = {{"text", "您的纠纷已受理 📨"}};
  commit.outbox = {m};
  need(s.commit(commit), "commit");

  CHECK(json_of(need(s.load(id), "load")) == json_of(c));
  const auto events = history(s, id);
  need(events.size() == 1, "events.size() == 1");
  CHECK(json_of(events[0]) == json_of(commit.events[0]));
  const auto outbox = whole_outbox(s);
  need(outbox.size() == 1, "outbox.size() == 1");
  CHECK(outbox[0].topic == "短信");
  CHECK(outbox[0].case_id == id);
  CHECK(outbox[0].payload == m.payload);
  CHECK(due_of(s, at(77)) == due_pair(id, at(77)));

  CaseQuery q;
  q.jurisdiction = {"大兴安岭地区", "漠河市"};
  CHECK(query_ids(s, q) == Ids{id});
  q.jurisdiction = {"大兴安岭地区", "漠河"};
  CHECK(query_ids(s, q).empty());
  q = {};
  q.lead = "漠河市司法局";
  CHECK(query_ids(s, q) == Ids{id});
}

// Path elements may hold any text, also the characters an adapter might join them with.
inline void jurisdiction_elements_are_opaque(Storage& s) {
  Case one = make_case("C-1", 1);
  one.jurisdiction = {"a/b", "c"};
  create(s, one);
  Case two = make_case("C-2", 1);
  two.jurisdiction = {"a", "b/c"};
  create(s, two);
  Case three = make_case("C-3", 1);
  three.jurisdiction = {"a%", "_", "*"};
  create(s, three);
  CaseQuery q;
  q.jurisdiction = {"a"};
  CHECK(query_ids(s, q) == Ids{"C-2"});
  q.jurisdiction = {"a/b"};
  CHECK(query_ids(s, q) == Ids{"C-1"});
  q.jurisdiction = {"a", "b"};
  CHECK(query_ids(s, q).empty());
  q.jurisdiction = {"a%"};
  CHECK(query_ids(s, q) == Ids{"C-3"});
  q.jurisdiction = {"a%", "_"};
  CHECK(query_ids(s, q) == Ids{"C-3"});
}

// --- Threads --------------------------------------------------------------------------

// Each thread adds `per_thread` events to one case, reloading and retrying on conflict.
// Any lost update shows as a version short of the total.
inline void concurrent_increments_lose_nothing(Storage& s) {
  constexpr int kThreads = 4, kPerThread = 25;
  create(s, make_case("C-counter", 1));
  std::atomic<int> failures{0};
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int done = 0; done < kPerThread;) {
        auto loaded = s.load("C-counter");
        if (!loaded) {
          errors[t] = loaded.error().describe();
          ++failures;
          return;
        }
        Case c = std::move(loaded).value();
        const std::uint64_t from = c.version;
        c.version = from + 1;
        c.summary = "thread " + std::to_string(t);
        CaseCommit commit = change(c, from);
        commit.events[0].data = {{"thread", t}};
        Status st = s.commit(commit);
        if (st) ++done;
        else if (st.error().code != ErrorCode::conflict) {
          errors[t] = st.error().describe();
          ++failures;
          return;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const std::string& e : errors) CHECK_MESSAGE(e.empty(), e);
  need(failures == 0, "no thread failed");

  CHECK(need(s.load("C-counter"), "load").version == 1 + kThreads * kPerThread);
  const auto events = history(s, "C-counter");
  need(events.size() == 1 + kThreads * kPerThread, "events.size() == 1 + kThreads * kPerThread");
  std::map<int, int> per_thread;
  bool numbered = true;
  for (std::size_t i = 0; i < events.size(); ++i) {
    numbered = numbered && events[i].seq == i + 1;
    if (i > 0) ++per_thread[events[i].data.value("thread", -1)];
  }
  CHECK(numbered);
  for (int t = 0; t < kThreads; ++t) CHECK(per_thread[t] == kPerThread);
}

// A reader that sees a snapshot also sees the event that produced it, and never sees a
// case go back to an older version.
inline void readers_never_see_half_a_commit(Storage& s) {
  constexpr int kWrites = 60;
  create(s, make_case("C-1", 1));
  create(s, make_case("C-2", 1));
  std::atomic<bool> writing{true};
  std::atomic<int> torn{0}, backwards{0}, errors{0};
  std::vector<std::thread> threads;
  for (const char* id : {"C-1", "C-2"}) {
    threads.emplace_back([&, id] {
      for (int i = 0; i < kWrites; ++i) {
        auto c = s.load(id);
        if (!c) {
          ++errors;
          continue;
        }
        Case next = *c;
        next.version = c->version + 1;
        if (!s.commit(change(next, c->version))) ++errors;
      }
    });
  }
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      std::map<std::string, std::uint64_t> last;
      while (writing) {
        auto all = s.query(CaseQuery{});
        if (!all) {
          ++errors;
          continue;
        }
        for (const Case& c : *all) {
          if (c.version < last[c.id]) ++backwards;
          last[c.id] = c.version;
          std::uint64_t newest = 0;
          if (!s.read_events(c.id, c.version, [&](const Event& e) {
                newest = std::max(newest, e.seq);
                return false;
              }))
            ++errors;
          if (newest != c.version) ++torn;
        }
      }
    });
  }
  threads[0].join();
  threads[1].join();
  writing = false;
  threads[2].join();
  threads[3].join();
  CHECK(errors == 0);
  CHECK(torn == 0);
  CHECK(backwards == 0);
  CHECK(need(s.load("C-1"), "load").version == 1 + kWrites);
  CHECK(need(s.load("C-2"), "load").version == 1 + kWrites);
}

// --- A batch and the other threads ----------------------------------------------------

using Millis = std::chrono::milliseconds;

// Runs `work` on a thread of its own and hands back its result. The thread is detached, so
// a call that never returns fails the bounded wait for it instead of hanging the suite;
// `work` must own what it uses (capture shared_ptrs and values, not references). What it
// owns is released before the result is ready: the storage is not kept alive past that.
template <class F>
auto on_another_thread(F work) {
  using R = decltype(work());
  auto promise = std::make_shared<std::promise<R>>();
  std::future<R> result = promise->get_future();
  std::thread([promise, work = std::move(work)]() mutable {
    std::optional<F> owned(std::move(work));
    try {
      R value = (*owned)();
      owned.reset();
      promise->set_value(std::move(value));
    } catch (...) {
      owned.reset();
      promise->set_exception(std::current_exception());
    }
  }).detach();
  return result;
}

// Far beyond any busy timeout: a call still running then is a hang.
inline Millis hang_limit(Millis busy_timeout) { return busy_timeout * 2 + Millis(20000); }

template <class T>
bool returns_within(std::future<T>& f, Millis limit) {
  return f.wait_for(limit) == std::future_status::ready;
}

// How long the kit keeps a batch open while other threads must be waiting for it: long
// enough for a call that does not wait to have returned, well inside the busy timeout.
inline Millis hold_time(Millis busy_timeout) { return std::min(Millis(50), busy_timeout / 5); }

// Waits until `count` threads said they are about to call the storage.
inline void wait_for_callers(const std::atomic<int>& calling, int count, Millis busy_timeout) {
  const auto give_up = std::chrono::steady_clock::now() + hang_limit(busy_timeout);
  while (calling.load() < count) {
    need(std::chrono::steady_clock::now() < give_up, "the kit's threads started");
    std::this_thread::yield();
  }
}

// Calls made on other threads, each while this thread's batch is open: every one must wait
// for the batch to end, then return what `expected` says (what it saw, described).
class BatchWaiters {
 public:
  explicit BatchWaiters(std::shared_ptr<Storage> storage) : storage_(std::move(storage)) {}
  std::map<std::string, std::string> expected;

  void call(const char* name, std::function<std::string(Storage&)> body) {
    calls_.emplace_back(name, on_another_thread([storage = storage_, calling = calling_, body] {
                          ++*calling;
                          return body(*storage);
                        }));
  }
  // Checks that none returned while the batch was open, ends it, and checks each answer.
  void end_batch_and_check(bool keep, Millis busy_timeout) {
    wait_for_callers(*calling_, static_cast<int>(calls_.size()), busy_timeout);
    std::this_thread::sleep_for(hold_time(busy_timeout));
    // References, not structured bindings: doctest's messages are lambdas, and C++17 lets
    // no lambda capture a structured binding (Clang refuses it; GCC lets it pass).
    for (auto& entry : calls_) {
      const std::string& name = entry.first;
      CHECK_MESSAGE(entry.second.wait_for(Millis(0)) == std::future_status::timeout,
                    name << " on another thread returned while a batch was open (it must wait for the batch)");
    }
    need(storage_->end_batch(keep), "end_batch");
    for (auto& entry : calls_) {
      const std::string& name = entry.first;
      auto& result = entry.second;
      INFO("another thread's " << name << ", after the batch ended");
      need(returns_within(result, hang_limit(busy_timeout)), name + " returned (no hang)");
      CHECK(result.get() == expected[name]);
    }
  }

 private:
  std::shared_ptr<Storage> storage_;
  std::shared_ptr<std::atomic<int>> calling_ = std::make_shared<std::atomic<int>>(0);
  std::vector<std::pair<std::string, std::future<std::string>>> calls_;
};

// While one thread's batch is open, each call another thread makes on the same storage
// object waits for the batch to end and then runs outside it: it sees none of the
// batch's uncommitted changes, and a rollback undoes none of its writes.
inline void other_threads_wait_for_a_batch(const std::shared_ptr<Storage>& storage, Millis busy_timeout) {
  Storage& s = *storage;
  Case x = make_case("C-X", 1);
  set_due(x, at(100));
  create(s, x, {make_message(x, 1, "registered")});
  for (const bool keep : {false, true}) {
    CAPTURE(keep);
    const std::string batched = keep ? "C-kept" : "C-dropped";
    // The other thread's write, computed before the batch opens (from the version before it).
    Case next = need(s.load("C-X"), "load C-X");
    const std::uint64_t from = next.version;
    next.version = from + 1;
    next.summary = "written by another thread while a batch was open";
    const CaseCommit theirs = change(next, from, {make_message(next, next.version, "other thread")});
    const auto queued = whole_outbox(s);
    need(!queued.empty(), "a message is queued to acknowledge");
    const std::uint64_t acked = queued.front().id;

    need(s.begin_batch(), "begin_batch");
    Case b = make_case(batched, 1);
    set_due(b, at(10));  // due before C-X: first_due says whether the batch was seen
    create(s, b, {make_message(b, 1, "batched")});
    need(s.add_visit(make_visit("V-" + batched, at(10), VisitKind::claim, Channel::walk_in, batched)),
         "add_visit in the batch");

    // Each call on its own thread, describing what it saw; expected once `keep` is known.
    BatchWaiters waiters(storage);
    auto call = [&](const char* name, std::function<std::string(Storage&)> body) { waiters.call(name, std::move(body)); };
    std::map<std::string, std::string>& expected = waiters.expected;
    call("commit", [theirs](Storage& t) { return code_of(t.commit(theirs)); });
    expected["commit"] = "success";
    call("outbox_ack", [acked](Storage& t) { return code_of(t.outbox_ack({acked})); });
    expected["outbox_ack"] = "success";
    call("load", [batched](Storage& t) {
      auto r = t.load(batched);
      return r ? "version " + std::to_string(r->version) : code_of(r);
    });
    expected["load"] = keep ? "version 1" : "unknown_case";
    call("read_events", [batched](Storage& t) {
      std::size_t n = 0;
      Status st = t.read_events(batched, 1, [&](const Event&) { ++n;
        return true;
      });
      return st ? std::to_string(n) + " events" : code_of(st);
    });
    expected["read_events"] = keep ? "1 events" : "unknown_case";
    call("query", [](Storage& t) {
      auto r = t.query(CaseQuery{});
      if (!r) return code_of(r);
      std::string out;
      for (const Case& c : *r) out += c.id + " ";
      return out;
    });
    expected["query"] = keep ? "C-X C-kept " : "C-X ";
    call("count", [](Storage& t) {
      auto r = t.count(CaseQuery{});
      return r ? std::to_string(*r) : code_of(r);
    });
    expected["count"] = keep ? "2" : "1";
    call("first_due", [](Storage& t) {
      auto r = t.first_due(Instant::max());
      return !r ? code_of(r) : *r ? (*r)->case_id : std::string("none");
    });
    expected["first_due"] = keep ? batched : "C-X";
    call("outbox_fetch", [](Storage& t) {
      auto r = t.outbox_fetch(1000);
      if (!r) return code_of(r);
      int seen = 0;
      for (const OutboxMessage& m : *r) seen += m.topic == "batched";
      return std::to_string(seen) + " batched";
    });
    expected["outbox_fetch"] = keep ? "1 batched" : "0 batched";
    call("outbox_depth", [](Storage& t) { return code_of(t.outbox_depth()); });
    expected["outbox_depth"] = "success";
    const std::string their_visit = keep ? "V-theirs-kept" : "V-theirs-dropped";
    call("add_visit", [their_visit](Storage& t) { return code_of(t.add_visit(make_visit(their_visit, at(7)))); });
    expected["add_visit"] = "success";
    call("visits", [batched](Storage& t) {
      VisitQuery q;
      q.case_id = batched;
      auto r = t.visits(q);
      return r ? std::to_string(r->size()) + " batched" : code_of(r);
    });
    expected["visits"] = keep ? "1 batched" : "0 batched";
    call("count_visits", [batched](Storage& t) {
      VisitQuery q;
      q.case_id = batched;
      auto r = t.count_visits(q);
      return r ? std::to_string(*r) + " batched" : code_of(r);
    });
    expected["count_visits"] = keep ? "1 batched" : "0 batched";

    waiters.end_batch_and_check(keep, busy_timeout);
    // The write that waited is stored, whatever became of the batch.
    CHECK(json_of(need(s.load("C-X"), "load C-X")) == json_of(next));
    CHECK(history(s, "C-X").size() == next.version);
    int theirs_queued = 0, batched_queued = 0, acked_queued = 0;
    for (const OutboxMessage& m : whole_outbox(s)) {
      theirs_queued += m.topic == "other thread" && m.event_seq == next.version;
      batched_queued += m.topic == "batched";
      acked_queued += m.id == acked;
    }
    CHECK(theirs_queued == 1);
    CHECK(batched_queued == (keep ? 1 : 0));
    CHECK(acked_queued == 0);
    CHECK(code_of(s.load(batched)) == std::string(keep ? "success" : "unknown_case"));
    VisitQuery theirs_only;
    theirs_only.id = their_visit;
    CHECK(need(s.count_visits(theirs_only), "count_visits") == 1);  // the visit that waited survives
  }
}

// A call that waits longer than the busy timeout for another thread's batch fails with
// `busy` and has done nothing: no write, no acknowledgement, no batch of its own.
inline void waiting_past_the_busy_timeout_is_busy(const std::shared_ptr<Storage>& storage, Millis busy_timeout) {
  Storage& s = *storage;
  Case x = make_case("C-X", 1);
  create(s, x, {make_message(x, 1, "registered")});
  const auto queued = whole_outbox(s);
  need(queued.size() == 1, "one message queued");
  const std::uint64_t message = queued.front().id;
  const nlohmann::json before = observable(s);
  Case next = x;
  next.version = 2;
  next.summary = "must not be stored";
  const CaseCommit theirs = change(next, 1, {make_message(next, 2, "must not be queued")});

  need(s.begin_batch(), "begin_batch");
  create(s, make_case("C-B", 1));
  struct Timed {
    std::string code;
    Millis waited;
  };
  std::vector<std::pair<std::string, std::future<Timed>>> calls;
  auto call = [&](const char* name, std::function<std::string(Storage&)> body) {
    calls.emplace_back(name, on_another_thread([storage, body] {
                         const auto start = std::chrono::steady_clock::now();
                         std::string code = body(*storage);
                         const auto waited = std::chrono::steady_clock::now() - start;
                         return Timed{code, std::chrono::duration_cast<Millis>(waited)};
                       }));
  };
  call("commit", [theirs](Storage& t) { return code_of(t.commit(theirs)); });
  call("outbox_ack", [message](Storage& t) { return code_of(t.outbox_ack({message})); });
  call("begin_batch", [](Storage& t) { return code_of(t.begin_batch()); });
  call("load", [](Storage& t) { return code_of(t.load("C-X")); });
  call("commit_configuration", [](Storage& t) { return code_of(t.commit_configuration(config_commit(1))); });
  call("rewrite_snapshot", [x](Storage& t) {
    Case rewritten = x;
    rewritten.summary = "must not be stored";
    return code_of(t.rewrite_snapshot(rewritten));
  });
  call("configuration", [](Storage& t) { return code_of(t.configuration()); });
  for (auto& entry : calls) {  // not a structured binding: INFO's lambda captures `name`
    const std::string& name = entry.first;
    auto& result = entry.second;
    INFO("another thread's " << name << " while a batch stays open past the busy timeout (" << busy_timeout.count()
                             << " ms)");
    need(returns_within(result, hang_limit(busy_timeout)), name + " returned (no hang)");
    const Timed t = result.get();
    CHECK(t.code == "busy");
    CHECK_MESSAGE(t.waited.count() >= (busy_timeout / 2).count(),
                  "refused after " << t.waited.count() << " ms, without waiting");
  }
  need(s.end_batch(false), "end_batch(false)");
  CHECK_MESSAGE(code_of(s.end_batch(false)) == "storage_error", "the refused begin_batch left a batch open");
  CHECK(observable(s) == before);
}

// end_batch ends the open batch whichever thread calls it, and the thread that opened it
// goes on outside any batch. begin_batch on another thread waits for the open batch like
// any write, then opens its own.
inline void another_thread_may_end_a_batch(const std::shared_ptr<Storage>& storage, Millis busy_timeout) {
  Storage& s = *storage;
  for (const bool keep : {true, false}) {
    CAPTURE(keep);
    const std::string id = keep ? "C-kept" : "C-dropped";
    need(s.begin_batch(), "begin_batch");
    create(s, make_case(id, 1));
    auto ended = on_another_thread([storage, keep] { return code_of(storage->end_batch(keep)); });
    need(returns_within(ended, hang_limit(busy_timeout)), "end_batch on another thread returned (no hang)");
    CHECK(ended.get() == "success");
    CHECK(code_of(s.load(id)) == std::string(keep ? "success" : "unknown_case"));
    CHECK(code_of(s.end_batch(true)) == "storage_error");  // it is over
    // The opening thread's next commit stands alone: another thread sees it at once.
    const std::string after = id + "-after";
    create(s, make_case(after, 1));
    auto seen = on_another_thread([storage, after] { return code_of(storage->load(after)); });
    need(returns_within(seen, hang_limit(busy_timeout)), "load on another thread returned (no hang)");
    CHECK(seen.get() == "success");
  }

  need(s.begin_batch(), "begin_batch");
  auto calling = std::make_shared<std::atomic<int>>(0);
  auto theirs = on_another_thread([storage, calling] {
    ++*calling;
    Status begun = storage->begin_batch();
    if (!begun) return "begin_batch: " + code_of(begun);
    const Status created = storage->commit(change(make_case("C-theirs", 1), 0));
    const Status ended = storage->end_batch(true);
    return code_of(created) + " " + code_of(ended);
  });
  wait_for_callers(*calling, 1, busy_timeout);
  std::this_thread::sleep_for(hold_time(busy_timeout));
  CHECK_MESSAGE(theirs.wait_for(Millis(0)) == std::future_status::timeout,
                "begin_batch on another thread returned while a batch was open (it must wait)");
  create(s, make_case("C-mine", 1));
  need(s.end_batch(true), "end_batch(true)");
  need(returns_within(theirs, hang_limit(busy_timeout)), "the other thread's batch returned (no hang)");
  CHECK(theirs.get() == "success success");
  CHECK(query_ids(s, CaseQuery{}) == Ids{"C-dropped-after", "C-kept", "C-kept-after", "C-mine", "C-theirs"});
}

// --- The engine over the adapter ------------------------------------------------------

// The same actions on the adapter and on the reference MemoryStorage must give the same
// histories, snapshots and deadline events, in the same order.
inline void engine_behaves_as_on_the_reference(const std::shared_ptr<Storage>& adapter) {
  struct Run {
    std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(t0());
    std::unique_ptr<Engine> engine;
    std::vector<nlohmann::json> heard;
    explicit Run(std::shared_ptr<Storage> storage) {
      EngineOptions o;
      o.storage = std::move(storage);
      o.clock = clock;
      o.outbox = [](const Event& e, const Case&) {
        std::vector<OutboxMessage> out;
        if (e.type != EventType::action) out.push_back(OutboxMessage{0, std::string(to_string(e.type)), e.case_id, e.seq, nlohmann::json::object()});
        return out;
      };
      engine = std::make_unique<Engine>(std::move(o));
      engine->subscribe([this](const Event& e, const Case&) { heard.push_back(nlohmann::json(e)); });
    }
    void script() {
      const Actor intake{"u-intake-1", Role::intake, "center"};
      const Actor dispatcher{"u-disp-1", Role::dispatcher, "center"};
      const Actor handler{"u-hj-1", Role::handler, "justice_xilinji"};
      auto reg = [&](const std::string& id, const char* urgency) {
        engine->register_case(id, intake,
                              {{"channel", "walk_in"},
                               {"category", "neighbour"},
                               {"urgency", urgency},
                               {"jurisdiction", {"daxinganling", "mohe", "xilinji"}},
                               {"parties", {{{"name", "王丽"}}}},
                               {"summary", "fence"}});
      };
      reg("C-2", "normal");
      reg("C-1", "normal");  // same deadlines as C-2: fires first (byte-wise id)
      reg("C-3", "urgent");
      clock->advance(Seconds(600));
      engine->act("C-2", Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
      engine->act("C-2", Action::accept, handler);
      clock->advance(Seconds(30 * 86400));
      engine->poll();
    }
  };
  Run reference(std::make_shared<MemoryStorage>());
  reference.script();
  Run tested(adapter);
  tested.script();

  CHECK(tested.heard.size() == reference.heard.size());
  CHECK(tested.heard == reference.heard);
  for (const char* id : {"C-1", "C-2", "C-3"}) {
    INFO(id);
    CHECK(json_of(tested.engine->get(id)) == json_of(reference.engine->get(id)));
    std::vector<nlohmann::json> a, b;
    for (const Event& e : tested.engine->history(id)) a.push_back(json_of(e));
    for (const Event& e : reference.engine->history(id)) b.push_back(json_of(e));
    CHECK(a == b);
  }
  CHECK(need(adapter->outbox_depth(), "depth") == need(reference.engine->storage().outbox_depth(), "depth"));
  CHECK(tested.engine->next_due() == reference.engine->next_due());
}

// --- The engine, a batch and the other threads ----------------------------------------

inline nlohmann::json registration_data() {
  return {{"channel", "walk_in"},
          {"category", "neighbour"},
          {"urgency", "normal"},
          {"jurisdiction", {"daxinganling", "mohe", "xilinji"}},
          {"parties", {{{"name", "王丽"}}}},
          {"summary", "fence"}};
}

inline const Actor& kit_intake() {
  static const Actor a{"u-intake-1", Role::intake, "center"};
  return a;
}
inline const Actor& kit_dispatcher() {
  static const Actor a{"u-disp-1", Role::dispatcher, "center"};
  return a;
}
inline nlohmann::json dispatch_data() { return {{"route", "people_mediation"}, {"lead", "justice_xilinji"}}; }

// Listener calls, from whatever thread makes them.
struct HeardCalls {
  std::mutex mu;
  std::vector<std::string> calls;  // "case#seq"
  bool has(const std::string& id, std::uint64_t seq) {
    std::lock_guard lock(mu);
    return std::find(calls.begin(), calls.end(), id + "#" + std::to_string(seq)) != calls.end();
  }
};

inline std::shared_ptr<Engine> engine_on(const std::shared_ptr<Storage>& storage,
                                         const std::shared_ptr<HeardCalls>& heard) {
  EngineOptions o;
  o.storage = storage;
  o.clock = std::make_shared<ManualClock>(t0());  // stands still: no deadline falls due
  auto engine = std::make_shared<Engine>(std::move(o));
  if (heard)
    engine->subscribe([heard](const Event& e, const Case&) {
      std::lock_guard lock(heard->mu);
      heard->calls.push_back(e.case_id + "#" + std::to_string(e.seq));
    });
  return engine;
}

inline Engine::Batch open_batch(Engine& engine) {
  try {
    return engine.batch();
  } catch (const Exception& e) {
    need(false, "Engine::batch(): " + e.error().describe());
    throw;  // not reached: need() stops the check
  }
}

// An Engine::Batch committed or rolled back by another thread than the one that opened it
// ends: its actions are stored (and heard) exactly when it committed, and the engine goes
// on normally on the opening thread.
inline void engine_batch_ends_on_another_thread(const std::shared_ptr<Storage>& storage, Millis busy_timeout) {
  auto heard = std::make_shared<HeardCalls>();
  auto engine = engine_on(storage, heard);
  for (const bool keep : {true, false}) {
    CAPTURE(keep);
    const std::string id = keep ? "C-kept" : "C-dropped";
    auto batch = std::make_shared<Engine::Batch>(open_batch(*engine));
    engine->register_case(id, kit_intake(), registration_data());
    auto ended = on_another_thread([engine, batch, keep]() -> std::string {
      try {
        if (keep) batch->commit();
        else batch->rollback();
        return "success";
      } catch (const Exception& e) {
        return e.error().describe();
      }
    });
    need(returns_within(ended, hang_limit(busy_timeout)), "Batch commit/rollback on another thread returned (no hang)");
    CHECK(ended.get() == "success");
    CHECK(code_of(storage->load(id)) == std::string(keep ? "success" : "unknown_case"));
    CHECK(heard->has(id, 1) == keep);
    const std::string after = id + "-after";
    const auto stored = engine->try_register_case(after, kit_intake(), registration_data());
    CHECK(code_of(stored) == "success");
    CHECK(heard->has(after, 1));  // not held: no batch is open any more
  }
}

// Issue 10's lost action, as a property over random interleavings: one thread acts on
// case A while another opens a batch, acts on case B in it and commits or rolls it back.
// Every action reported done is stored (state and version), the batch's is stored exactly
// when the batch committed, nothing else changes, and the first thread never reads the
// batch's change before it commits.
inline void engine_actions_race_batches(const std::shared_ptr<Storage>& storage, Millis busy_timeout) {
  // Every adapter runs all the rounds (issue 10: thousands of interleavings on each); an
  // adapter with one fsync per commit needs a few seconds for them.
  constexpr int kRounds = 2000;
  const unsigned seed = std::random_device{}();
  INFO("random seed " << seed);
  std::mt19937 random(seed);
  auto engine = engine_on(storage, nullptr);

  // 0: go at once; 1: yield a few times; 2: sleep up to 0.1 ms; 3: sleep up to 0.3 ms.
  auto pause = [](unsigned how, unsigned amount) {
    if (how == 1)
      for (unsigned i = 0; i <= amount % 20; ++i) std::this_thread::yield();
    else if (how == 2)
      std::this_thread::sleep_for(std::chrono::microseconds(amount % 100));
    else if (how == 3)
      std::this_thread::sleep_for(std::chrono::microseconds(amount % 300));
  };
  struct Seen {
    std::string acted;                  // "success" or the refusal's code
    std::uint64_t acted_version = 0;
    std::string read;                   // "version N" of case B, or the refusal's code
  };
  std::map<std::string, std::uint64_t> settled;  // each case's version as its round left it
  std::vector<std::string> violations;
  auto violated = [&](int round, const std::string& what) {
    violations.push_back("round " + std::to_string(round) + ": " + what);
  };
  int rounds = 0;
  for (; rounds < kRounds && violations.size() < 10; ++rounds) {
    const std::string a = "R" + std::to_string(rounds) + "-a", b = "R" + std::to_string(rounds) + "-b";
    need(engine->try_register_case(a, kit_intake(), registration_data()), "register " + a);
    need(engine->try_register_case(b, kit_intake(), registration_data()), "register " + b);
    const bool keep = random() % 2 == 0;
    const bool read_first = random() % 2 == 0;
    const unsigned their_wait = random() % 4, my_wait = random() % 4, hold = random() % 4;
    const unsigned amount = random();

    auto theirs = on_another_thread([engine, a, b, their_wait, amount, read_first, pause] {
      Seen seen;
      auto read = [&] {
        auto r = engine->try_get(b);
        seen.read = r ? "version " + std::to_string(r->version) : code_of(r);
      };
      pause(their_wait, amount);
      if (read_first) read();
      auto r = engine->try_act(a, Action::dispatch, kit_dispatcher(), dispatch_data());
      seen.acted = code_of(r);
      if (r) seen.acted_version = r->version;
      if (!read_first) read();
      return seen;
    });
    pause(my_wait, amount >> 8);
    {
      Engine::Batch batch = open_batch(*engine);
      const auto mine = engine->try_act(b, Action::dispatch, kit_dispatcher(), dispatch_data());
      if (!mine) violated(rounds, "the batch's own action failed: " + mine.error().describe());
      pause(hold, amount >> 16);
      try {
        if (keep) batch.commit();
        else batch.rollback();
      } catch (const Exception& e) {
        violated(rounds, std::string(keep ? "commit" : "rollback") + " failed: " + e.error().describe());
      }
    }
    need(returns_within(theirs, hang_limit(busy_timeout)), "the other thread's action returned (no hang)");
    const Seen seen = theirs.get();

    const Case stored_a = need(storage->load(a), "load " + a);
    const Case stored_b = need(storage->load(b), "load " + b);
    if (seen.acted == "success") {
      if (seen.acted_version != 2 || stored_a.version != 2 || stored_a.state != State::dispatched)
        violated(rounds, "the other thread's dispatch of " + a + " returned success but the store has version " +
                             std::to_string(stored_a.version) + ", state " + std::string(to_string(stored_a.state)) +
                             (keep ? " (the batch committed)" : " (the batch rolled back)"));
    } else if (seen.acted != "busy") {
      violated(rounds, "the other thread's dispatch of " + a + " failed with " + seen.acted);
    } else if (stored_a.version != 1) {
      violated(rounds, "a busy dispatch of " + a + " changed it");
    }
    const std::uint64_t want_b = keep ? 2 : 1;
    if (stored_b.version != want_b || stored_b.state != (keep ? State::dispatched : State::registered))
      violated(rounds, b + " is at version " + std::to_string(stored_b.version) + " after the batch " +
                           (keep ? "committed" : "rolled back"));
    if (seen.read != "version 1" && seen.read != "version " + std::to_string(want_b) && seen.read != "busy")
      violated(rounds, "the other thread read " + b + " as " + seen.read + " (the batch " +
                           (keep ? "committed" : "rolled back") + ")");
    if (history(*storage, a).size() != stored_a.version || history(*storage, b).size() != stored_b.version)
      violated(rounds, "a history does not match its snapshot's version");
    settled[a] = stored_a.version;
    settled[b] = want_b;
  }
  // Later rounds changed nothing of the earlier ones.
  std::map<std::string, std::uint64_t> now;
  for (const Case& c : need(storage->query(CaseQuery{}), "query")) now[c.id] = c.version;
  CHECK(now == settled);
  std::string first;
  for (const std::string& v : violations) first += "\n  " + v;
  CHECK_MESSAGE(violations.empty(), violations.size() << " violation(s) in " << rounds << " rounds:" << first);
  CHECK(need(storage->count(CaseQuery{}), "count") == static_cast<std::uint64_t>(2 * rounds));
}

// --- Reopening (durable adapters) -----------------------------------------------------

template <class Factory>
void reopen(Factory& factory, std::shared_ptr<Storage>& storage) {
  need(storage.use_count() == 1, "the kit holds the only reference to the storage before reopening it");
  storage.reset();
  storage = factory.open();
  need(storage != nullptr, "Factory::open() returned a storage");
}

template <class Factory>
void reopen_keeps_everything(Factory& factory, std::shared_ptr<Storage>& storage) {
  Storage& s = *storage;
  Case a = make_case("C-1", 2);
  set_due(a, at(100));
  create(s, a, {make_message(a, 1, "registered"), make_message(a, 2, "sms")});
  Case b = make_case("C-2", 1);
  set_due(b, at(50));
  b.lead = "justice";
  create(s, b, {make_message(b, 1, "registered")});
  const auto outbox = whole_outbox(s);
  need(outbox.size() == 3, "three messages");
  need(s.outbox_ack({outbox[0].id}), "ack");
  need(s.begin_batch(), "begin_batch");
  bump(s, "C-1", [](Case& c) { set_due(c, at(20)); }, {make_message(a, 3, "batched")});
  need(s.end_batch(true), "end_batch(true)");
  need(s.add_visit(make_visit("V-1", at(5), VisitKind::lead, Channel::grid, "C-2")), "add_visit");
  need(s.commit_configuration(config_commit(1, at(7), {config_message(1, "calendar_changed")})),
       "commit_configuration");
  Case rewritten = need(s.load("C-2"), "load C-2");
  set_due(rewritten, at(15));  // before C-1's 20: first_due tells whether the rewrite's key survived
  need(s.rewrite_snapshot(rewritten), "rewrite_snapshot");
  need(s.begin_batch(), "begin_batch");
  need(s.commit_configuration(config_commit(2, at(8))), "commit_configuration in the batch");
  need(s.end_batch(true), "end_batch(true)");
  need(s.begin_batch(), "begin_batch");
  create(s, make_case("C-rolled-back", 1));
  need(s.add_visit(make_visit("V-rolled-back", at(6))), "add_visit in the batch");
  need(s.commit_configuration(config_commit(3, at(9))), "commit_configuration in the rolled-back batch");
  need(s.end_batch(false), "end_batch(false)");
  const nlohmann::json before = observable(s);

  reopen(factory, storage);
  CHECK(observable(*storage) == before);
  CHECK(config_seq_of(*storage) == 2);
  CHECK(due_of(*storage, Instant::max()) == due_pair("C-2", at(15)));
  // It goes on: versions continue, outbox ids keep increasing.
  bump(*storage, "C-1", [](Case&) {}, {make_message(a, 4, "after reopening")});
  need(storage->commit_configuration(config_commit(3, at(10))), "commit_configuration after reopening");
  const auto now = whole_outbox(*storage);
  need(now.size() == 5, "now.size() == 5");
  CHECK(now.back().id > outbox.back().id);
  CHECK(need(storage->load("C-1"), "load").version == 4);
}

template <class Factory>
void unfinished_batch_is_discarded_on_close(Factory& factory, std::shared_ptr<Storage>& storage) {
  create(*storage, make_case("C-1", 1));
  const nlohmann::json before = observable(*storage);
  need(storage->begin_batch(), "begin_batch");
  create(*storage, make_case("C-2", 1));
  bump(*storage, "C-1", [](Case&) {});
  need(storage->add_visit(make_visit("V-1", at(1))), "add_visit in the batch");
  need(storage->commit_configuration(config_commit(1)), "commit_configuration in the batch");
  Case rewritten = need(storage->load("C-1"), "load C-1");
  set_due(rewritten, at(3));
  need(storage->rewrite_snapshot(rewritten), "rewrite_snapshot in the batch");
  reopen(factory, storage);
  CHECK(observable(*storage) == before);
}

// --- Several live objects on one database ---------------------------------------------

template <class Factory>
void handles_see_each_other(Factory& factory, Storage& a) {
  std::shared_ptr<Storage> b = factory.open();
  need(b != nullptr, "second open()");
  Case c = make_case("C-1", 1);
  set_due(c, at(100));
  create(a, c, {make_message(c, 1, "registered")});
  CHECK(json_of(need(b->load("C-1"), "load on b")) == json_of(c));
  CHECK(history(*b, "C-1").size() == 1);
  CHECK(query_ids(*b, CaseQuery{}) == Ids{"C-1"});
  CHECK(due_of(*b, Instant::max()) == due_pair("C-1", at(100)));
  const auto outbox = whole_outbox(*b);
  need(outbox.size() == 1, "outbox.size() == 1");
  need(b->outbox_ack({outbox[0].id}), "ack on b");
  CHECK(need(a.outbox_depth(), "depth on a") == 0);
  need(a.add_visit(make_visit("V-1", at(1))), "add_visit on a");
  CHECK(visit_ids(*b, VisitQuery{}) == Ids{"V-1"});
  CHECK(code_of(b->add_visit(make_visit("V-1", at(2)))) == "duplicate_visit");
}

template <class Factory>
void stale_handle_gets_conflict(Factory& factory, Storage& a) {
  std::shared_ptr<Storage> b = factory.open();
  need(b != nullptr, "second open()");
  create(a, make_case("C-1", 1));
  Case on_a = need(a.load("C-1"), "load on a");
  Case on_b = need(b->load("C-1"), "load on b");
  on_a.version = 2;
  on_a.summary = "a's change";
  need(a.commit(change(on_a, 1)), "a commits first");
  on_b.version = 2;
  on_b.summary = "b's change";
  CHECK(code_of(b->commit(change(on_b, 1))) == "conflict");
  // The loser reloads and retries.
  Case again = need(b->load("C-1"), "reload on b");
  CHECK(again.summary == "a's change");
  again.version = 3;
  again.summary = "b's change, retried";
  need(b->commit(change(again, 2)), "retry on b");
  CHECK(need(a.load("C-1"), "load on a").summary == "b's change, retried");
  CHECK(history(a, "C-1").size() == 3);
}

template <class Factory>
void batches_are_invisible_to_other_handles(Factory& factory, Storage& a) {
  std::shared_ptr<Storage> b = factory.open();
  need(b != nullptr, "second open()");
  create(a, make_case("C-1", 1));
  need(a.begin_batch(), "begin_batch on a");
  create(a, make_case("C-2", 1));
  bump(a, "C-1", [](Case& c) { c.summary = "batched"; });
  CHECK(code_of(b->load("C-2")) == "unknown_case");
  CHECK(need(b->load("C-1"), "load on b").version == 1);
  CHECK(need(b->count(CaseQuery{}), "count on b") == 1);
  need(a.end_batch(true), "end_batch(true) on a");
  CHECK(need(b->load("C-1"), "load on b").summary == "batched");
  CHECK(need(b->count(CaseQuery{}), "count on b") == 2);
}


// --- Visits ---------------------------------------------------------------------------

inline void visits_are_stored_whole(Storage& s) {
  Visit linked = make_visit("V-2", at(60), VisitKind::lead, Channel::grid, "C-1");
  linked.actor = Actor{"u-grid-3", Role::grid_worker, "xilinji_grid"};
  linked.parties = {Party{"Wang Li", "230000199001010000", "13900000001", "citizen-wl"}, Party{"Zhao Gang", "", "", ""}};
  Visit plain = make_visit("V-1", at(30), VisitKind::inquiry, Channel::hotline);
  plain.parties = {Party{"Li Na", "", "13900000002", ""}};
  need(s.add_visit(linked), "add_visit V-2");
  need(s.add_visit(plain), "add_visit V-1");
  const auto all = need(s.visits(VisitQuery{}), "visits");
  need(all.size() == 2, "all.size() == 2");
  // Ordered by id, whatever the order of adding and of the instants.
  CHECK(nlohmann::json(all[0]) == nlohmann::json(plain));
  CHECK(nlohmann::json(all[1]) == nlohmann::json(linked));
  CHECK(all[1].case_id == std::optional<std::string>("C-1"));
  CHECK(!all[0].case_id);
  CHECK(need(s.count_visits(VisitQuery{}), "count_visits") == 2);
  // Visits are no cases: the case tables are untouched.
  CHECK(need(s.count(CaseQuery{}), "count") == 0);
  CHECK(need(s.outbox_depth(), "outbox_depth") == 0);
}

inline void duplicate_visit_changes_nothing(Storage& s) {
  create(s, make_case("V-1", 1));  // a case may have a visit's id: two namespaces
  need(s.add_visit(make_visit("V-1", at(10))), "add_visit V-1 beside case V-1");
  const nlohmann::json before = observable(s);
  Visit again = make_visit("V-1", at(20), VisitKind::lead, Channel::online);
  again.summary = "a second visit under the same id";
  CHECK(code_of(s.add_visit(again)) == "duplicate_visit");
  CHECK(observable(s) == before);
  need(s.begin_batch(), "begin_batch");
  CHECK(code_of(s.add_visit(again)) == "duplicate_visit");
  need(s.add_visit(make_visit("V-2", at(30))), "the batch goes on after a refused visit");
  need(s.end_batch(true), "end_batch(true)");
  CHECK(visit_ids(s, VisitQuery{}) == Ids{"V-1", "V-2"});
  CHECK(need(s.visits(VisitQuery{}), "visits")[0].summary == make_visit("V-1", at(10)).summary);
}

// Random visits and random queries, each adapter's answer against VisitQuery::matches.
inline void visit_filters_match_the_reference(Storage& s) {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 random(seed);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(random() % n); };
  const std::vector<std::string> id_numbers = {"", "230000199001010000", "230000198505050000", "身份证-3"};
  const std::vector<std::string> phones = {"", "13900000001", "13900000002", "+86 139 0000 0003"};
  const std::vector<std::optional<std::string>> cases = {std::nullopt, "C-1", "C-2", "案件-3"};
  std::vector<Visit> stored;
  for (int i = 0; i < 60; ++i) {
    Visit v = make_visit("V-" + std::to_string(1000 + pick(9000)), at(static_cast<std::int64_t>(pick(20)) * 3600),
                         all_of<VisitKind>()[pick(enum_count<VisitKind>)], all_of<Channel>()[pick(enum_count<Channel>)],
                         cases[pick(cases.size())]);
    v.parties.clear();
    for (std::size_t n = 1 + pick(3); n > 0; --n)
      v.parties.push_back(Party{"party " + std::to_string(n), id_numbers[pick(id_numbers.size())],
                                phones[pick(phones.size())], ""});
    Status added = s.add_visit(v);
    if (!added && added.error().code == ErrorCode::duplicate_visit) continue;  // a random id came twice
    need(added, "add_visit");
    stored.push_back(v);
  }
  std::sort(stored.begin(), stored.end(), [](const Visit& a, const Visit& b) { return a.id < b.id; });
  for (int round = 0; round < 300; ++round) {
    VisitQuery q;
    if (pick(3) == 0) q.from = at(static_cast<std::int64_t>(pick(22)) * 3600 - 1800 * static_cast<std::int64_t>(pick(2)));
    if (pick(3) == 0) q.to = at(static_cast<std::int64_t>(pick(22)) * 3600);
    if (pick(3) == 0) q.kind = all_of<VisitKind>()[pick(enum_count<VisitKind>)];
    if (pick(3) == 0) q.channel = all_of<Channel>()[pick(enum_count<Channel>)];
    if (pick(4) == 0) q.case_id = cases[1 + pick(cases.size() - 1)];
    if (pick(4) == 0) q.id_number = id_numbers[pick(id_numbers.size())];
    if (pick(4) == 0) q.phone = phones[pick(phones.size())];
    if (pick(6) == 0 && !stored.empty()) q.id = stored[pick(stored.size())].id;
    if (pick(4) == 0 && !stored.empty()) q.after_id = stored[pick(stored.size())].id + (pick(2) ? "" : "0");
    if (pick(3) == 0) q.limit = 1 + pick(5);
    Ids want;
    std::uint64_t matching = 0;
    for (const Visit& v : stored) {
      if (!q.matches(v)) continue;
      ++matching;
      if (!q.limit || want.size() < q.limit) want.push_back(v.id);
    }
    INFO("round " << round);
    CHECK(visit_ids(s, q) == want);
    CHECK(need(s.count_visits(q), "count_visits") == matching);
  }
}

inline void visit_pagination(Storage& s) {
  for (const char* id : {"V-5", "V-1", "V-3", "V-2", "V-4"}) need(s.add_visit(make_visit(id, at(100))), "add_visit");
  VisitQuery q;
  q.limit = 2;
  CHECK(visit_ids(s, q) == Ids{"V-1", "V-2"});
  q.after_id = "V-2";
  CHECK(visit_ids(s, q) == Ids{"V-3", "V-4"});
  q.after_id = "V-4";
  CHECK(visit_ids(s, q) == Ids{"V-5"});
  q.after_id = "V-5";
  CHECK(visit_ids(s, q).empty());
  q.after_id = "V-25";  // need not be a stored id
  CHECK(visit_ids(s, q) == Ids{"V-3", "V-4"});
  CHECK(need(s.count_visits(q), "count_visits") == 3);  // after_id applies, limit does not
}

inline void batch_rollback_drops_visits(Storage& s) {
  need(s.add_visit(make_visit("V-1", at(10))), "add_visit V-1");
  const nlohmann::json before = observable(s);
  need(s.begin_batch(), "begin_batch");
  need(s.add_visit(make_visit("V-2", at(20))), "add_visit V-2 in the batch");
  create(s, make_case("C-1", 1));
  CHECK(visit_ids(s, VisitQuery{}) == Ids{"V-1", "V-2"});  // the batch sees its own visit
  need(s.end_batch(false), "end_batch(false)");
  CHECK(observable(s) == before);
  need(s.add_visit(make_visit("V-2", at(30))), "V-2's id is free again");

  need(s.begin_batch(), "begin_batch");
  need(s.add_visit(make_visit("V-3", at(40))), "add_visit V-3 in the batch");
  need(s.end_batch(true), "end_batch(true)");
  CHECK(visit_ids(s, VisitQuery{}) == Ids{"V-1", "V-2", "V-3"});
}

inline void visits_unicode(Storage& s) {
  const std::string id = "接待-2025-001-😀";
  Visit v = make_visit(id, at(5), VisitKind::claim, Channel::walk_in, "纠纷-2025-001-😀");
  v.actor = Actor{"网格员-7", Role::grid_worker, "西林吉镇网格"};
  v.parties = {Party{"王丽", "23000019900101000X", "139 0000 0001", "账户-王丽"}, Party{"Zoë Ñúñez", "", "", ""}};
  v.summary = "邻里纠纷：共用围墙 🧱 «quoted» \"and\" \\ back\tslash 𝄞";
  need(s.add_visit(v), "add_visit");
  const auto all = need(s.visits(VisitQuery{}), "visits");
  need(all.size() == 1, "all.size() == 1");
  CHECK(nlohmann::json(all[0]) == nlohmann::json(v));
  VisitQuery q;
  q.case_id = "纠纷-2025-001-😀";
  CHECK(visit_ids(s, q) == Ids{id});
  q = {};
  q.id_number = "23000019900101000X";
  CHECK(visit_ids(s, q) == Ids{id});
  q = {};
  q.phone = "139 0000 0001";
  CHECK(visit_ids(s, q) == Ids{id});
  q.phone = "139 0000 000";
  CHECK(visit_ids(s, q).empty());  // exact, not a prefix
}


// --- Configuration --------------------------------------------------------------------

inline void configuration_starts_empty(Storage& s) {
  CHECK(need(s.configuration(), "configuration") == std::nullopt);
  CHECK(configurations(s, 0).empty());
  CHECK(configurations(s, 1).empty());
  // A new store's changes are computed with no record: config_seq 0.
  need(s.commit(change(make_case("C-1", 1), 0)), "a commit with config_seq 0 on a new store");
  CHECK(need(s.configuration(), "configuration") == std::nullopt);
}

inline void configuration_records_in_order(Storage& s) {
  const ConfigCommit first = config_commit(1, at(0));
  need(s.commit_configuration(first), "commit_configuration seq 1");
  auto newest = need(s.configuration(), "configuration");
  need(newest.has_value(), "a record after the first commit_configuration");
  CHECK(json_of(*newest) == json_of(first.record));

  ConfigCommit second = config_commit(2, at(86400));
  second.record.calendar_changed = false;  // a rules-only change
  need(s.commit_configuration(second), "commit_configuration seq 2");
  newest = need(s.configuration(), "configuration");
  need(newest.has_value(), "a record after the second commit_configuration");
  CHECK(json_of(*newest) == json_of(second.record));
  CHECK(newest->calendar_changed == false);
  CHECK(newest->rules_changed == true);

  // Another engine changed the configuration first, or skipped one: refused, nothing stored.
  const nlohmann::json before = observable(s);
  for (const std::uint64_t wrong : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{4}}) {
    INFO("seq " << wrong << " when the newest is 2");
    CHECK(code_of(s.commit_configuration(config_commit(wrong, at(99), {config_message(wrong, "refused")}))) ==
          "conflict");
    CHECK(observable(s) == before);
  }

  need(s.commit_configuration(config_commit(3, at(2 * 86400))), "commit_configuration seq 3");
  CHECK(config_seqs(s, 0) == Seqs{1, 2, 3});
  CHECK(config_seqs(s, 1) == Seqs{1, 2, 3});
  CHECK(config_seqs(s, 2) == Seqs{2, 3});
  CHECK(config_seqs(s, 3) == Seqs{3});
  CHECK(config_seqs(s, 4).empty());
  const auto all = configurations(s);
  need(all.size() == 3, "all.size() == 3");
  CHECK(json_of(all[0]) == json_of(first.record));
  CHECK(json_of(all[1]) == json_of(second.record));
  CHECK(all[1].at == at(86400));
  int calls = 0;
  need(s.read_configurations(1, [&](const ConfigRecord&) { return ++calls < 2; }), "read_configurations");
  CHECK(calls == 2);
}

// A visitor of read_configurations may call back into the storage, writes included.
inline void configuration_visitors_may_call_back(Storage& s) {
  need(s.commit_configuration(config_commit(1)), "commit_configuration seq 1");
  std::size_t seen = 0;
  Status inner = Status::success();
  need(s.read_configurations(1,
                             [&](const ConfigRecord& r) {
                               ++seen;
                               if (r.seq == 1) {
                                 if (auto newest = s.configuration(); !newest) inner = newest.error();
                                 else if (Status st = s.commit_configuration(config_commit(2)); !st) inner = st;
                               }
                               return true;
                             }),
       "read_configurations");
  CHECK_MESSAGE(inner.ok(), (inner.ok() ? std::string() : inner.error().describe()));
  CHECK(seen >= 1);  // the record committed meanwhile may or may not be seen
  CHECK(config_seq_of(s) == 2);
}

inline void configuration_outbox(Storage& s) {
  Case c = make_case("C-1", 1);
  create(s, c, {make_message(c, 1, "registered")});
  need(s.commit_configuration(config_commit(1, at(0), {config_message(1, "calendar_changed"),
                                                        config_message(1, "rules_changed")})),
       "commit_configuration with two messages");
  const auto all = whole_outbox(s);
  need(all.size() == 3, "all.size() == 3");
  CHECK(all[0].topic == "registered");
  CHECK(all[1].id > all[0].id);
  CHECK(all[2].id > all[1].id);
  CHECK(all[1].topic == "calendar_changed");
  CHECK(all[2].topic == "rules_changed");
  CHECK(all[1].case_id.empty());
  CHECK(all[1].event_seq == 1);
  CHECK(all[1].payload == nlohmann::json({{"configuration", 1}}));
  CHECK(need(s.outbox_depth(), "depth") == 3);
  need(s.outbox_ack({all[1].id}), "ack a configuration message");
  CHECK(need(s.outbox_depth(), "depth") == 2);
  // A refused configuration enqueues nothing.
  CHECK(code_of(s.commit_configuration(config_commit(1, at(5), {config_message(1, "refused")}))) == "conflict");
  CHECK(need(s.outbox_depth(), "depth") == 2);
}

// A change computed with another configuration than the newest is refused, whole.
inline void stale_config_seq_is_conflict(Storage& s) {
  Case a = make_case("C-1", 1);
  set_due(a, at(100));
  need(s.commit(change(a, 0)), "a commit with config_seq 0 on a new store");
  need(s.commit_configuration(config_commit(1)), "commit_configuration seq 1");
  const nlohmann::json before = observable(s);

  Case next = make_case("C-1", 2);
  set_due(next, at(10));
  CaseCommit stale = change(next, 1, {make_message(next, 2, "x")});
  stale.config_seq = 0;
  CHECK(code_of(s.commit(stale)) == "conflict");
  CaseCommit created = change(make_case("C-2", 1), 0, {make_message(make_case("C-2", 1), 1, "x")});
  created.config_seq = 0;
  CHECK(code_of(s.commit(created)) == "conflict");
  CaseCommit ahead = stale;
  ahead.config_seq = 2;
  CHECK(code_of(s.commit(ahead)) == "conflict");
  CHECK(observable(s) == before);

  stale.config_seq = 1;
  need(s.commit(stale), "the same commit with config_seq 1");
  CHECK(need(s.load("C-1"), "load").version == 2);
  CHECK(due_of(s, Instant::max()) == due_pair("C-1", at(10)));

  // Inside a batch, the batch's own configuration record is the newest.
  need(s.begin_batch(), "begin_batch");
  need(s.commit_configuration(config_commit(2)), "commit_configuration seq 2 in the batch");
  Case in_batch = make_case("C-1", 3);
  CaseCommit old_config = change(in_batch, 2);
  old_config.config_seq = 1;
  CHECK(code_of(s.commit(old_config)) == "conflict");
  old_config.config_seq = 2;
  need(s.commit(old_config), "a commit with the batch's config_seq");
  need(s.end_batch(true), "end_batch(true)");
  CHECK(need(s.load("C-1"), "load").version == 3);
  CHECK(config_seq_of(s) == 2);
}

inline void rewrite_snapshot_contract(Storage& s) {
  Case a = make_case("C-1", 2);
  set_due(a, at(100));
  create(s, a, {make_message(a, 1, "registered")});
  Case b = make_case("C-2", 1);
  set_due(b, at(200));
  create(s, b);
  const auto events_before = history(s, "C-1");
  const nlohmann::json before = observable(s);

  Case unknown = make_case("C-9", 1);
  CHECK(code_of(s.rewrite_snapshot(unknown)) == "unknown_case");
  Case old = a;
  old.version = 1;
  set_due(old, at(1));
  CHECK(code_of(s.rewrite_snapshot(old)) == "conflict");
  Case ahead = a;
  ahead.version = 3;
  set_due(ahead, at(1));
  CHECK(code_of(s.rewrite_snapshot(ahead)) == "conflict");
  CHECK(observable(s) == before);

  // Later: C-2 now fires first. The snapshot is replaced whole; no event, no message.
  Case later = a;
  set_due(later, at(300));
  later.summary = "deadlines recomputed with the new calendar";
  later.reopen_until = at(30 * 86400);
  need(s.rewrite_snapshot(later), "rewrite_snapshot to a later instant");
  CHECK(json_of(need(s.load("C-1"), "load")) == json_of(later));
  const auto events_after = history(s, "C-1");
  need(events_after.size() == events_before.size(), "no event appended by a rewrite");
  CHECK(json_of(events_after.back()) == json_of(events_before.back()));
  CHECK(need(s.outbox_depth(), "depth") == 1);
  CHECK(due_of(s, Instant::max()) == due_pair("C-2", at(200)));
  CHECK(due_of(s, at(250)) == due_pair("C-2", at(200)));
  CHECK(due_of(s, at(199)) == std::nullopt);
  CaseQuery due_soon;
  due_soon.due_before = at(250);
  CHECK(query_ids(s, due_soon) == Ids{"C-2"});

  // Earlier: C-1 first again.
  Case earlier = later;
  set_due(earlier, at(50));
  need(s.rewrite_snapshot(earlier), "rewrite_snapshot to an earlier instant");
  CHECK(due_of(s, Instant::max()) == due_pair("C-1", at(50)));
  CHECK(due_of(s, at(49)) == std::nullopt);

  // A clock with no pending step leaves the index; a clock again puts the case back.
  Case stopped = earlier;
  stopped.clock->stopped_at = at(40);
  need(s.rewrite_snapshot(stopped), "rewrite_snapshot to a stopped clock");
  CHECK(due_of(s, Instant::max()) == due_pair("C-2", at(200)));
  Case none = earlier;
  set_due(none, std::nullopt);
  need(s.rewrite_snapshot(none), "rewrite_snapshot to no clock");
  CHECK(due_of(s, Instant::max()) == due_pair("C-2", at(200)));
  Case fired = b;
  fired.clock->next_step = static_cast<std::uint8_t>(fired.clock->schedule.size());
  need(s.rewrite_snapshot(fired), "rewrite_snapshot to a clock whose steps all fired");
  CHECK(due_of(s, Instant::max()) == std::nullopt);
  need(s.rewrite_snapshot(earlier), "rewrite_snapshot back to a running clock");
  CHECK(due_of(s, Instant::max()) == due_pair("C-1", at(50)));

  // The version stays: the next commit goes on from it.
  CHECK(need(s.load("C-1"), "load").version == 2);
  bump(s, "C-1", [](Case& c) { set_due(c, at(500)); });
  CHECK(history(s, "C-1").size() == 3);
  CHECK(due_of(s, Instant::max()) == due_pair("C-1", at(500)));
}

inline void batch_rollback_drops_configuration(Storage& s) {
  need(s.commit_configuration(config_commit(1, at(0), {config_message(1, "calendar_changed")})),
       "commit_configuration seq 1");
  Case a = make_case("C-1", 1);
  set_due(a, at(100));
  create(s, a);
  const nlohmann::json before = observable(s);

  need(s.begin_batch(), "begin_batch");
  need(s.commit_configuration(config_commit(2, at(10), {config_message(2, "calendar_changed")})),
       "commit_configuration seq 2 in the batch");
  Case rewritten = need(s.load("C-1"), "load");
  set_due(rewritten, at(10));
  rewritten.summary = "rewritten in the batch";
  need(s.rewrite_snapshot(rewritten), "rewrite_snapshot in the batch");
  // The batch's own reads see its changes.
  CHECK(config_seq_of(s) == 2);
  CHECK(config_seqs(s, 1) == Seqs{1, 2});
  CHECK(json_of(need(s.load("C-1"), "load")) == json_of(rewritten));
  CHECK(due_of(s, Instant::max()) == due_pair("C-1", at(10)));
  CHECK(need(s.outbox_depth(), "depth") == 2);
  need(s.end_batch(false), "end_batch(false)");

  CHECK(observable(s) == before);
  CHECK(config_seq_of(s) == 1);
  // Seq 2 is free again, and a batch that commits keeps what it did.
  need(s.begin_batch(), "begin_batch");
  need(s.commit_configuration(config_commit(2, at(20))), "commit_configuration seq 2 again");
  need(s.rewrite_snapshot(rewritten), "rewrite_snapshot in the batch");
  need(s.end_batch(true), "end_batch(true)");
  CHECK(config_seq_of(s) == 2);
  CHECK(need(s.configuration(), "configuration")->at == at(20));
  CHECK(json_of(need(s.load("C-1"), "load")) == json_of(rewritten));
  CHECK(due_of(s, Instant::max()) == due_pair("C-1", at(10)));
}

// While one thread's batch changes the configuration and rewrites a snapshot, the other
// threads' calls wait for it, then run outside it: their reads see what the batch left,
// their writes are checked against it and survive its rollback.
inline void configuration_calls_wait_for_a_batch(const std::shared_ptr<Storage>& storage, Millis busy_timeout) {
  Storage& s = *storage;
  need(s.commit_configuration(config_commit(1)), "commit_configuration seq 1");
  Case x = make_case("C-X", 1);
  set_due(x, at(100));
  create(s, x);
  Case y = make_case("C-Y", 1);
  set_due(y, at(300));
  create(s, y);
  create(s, make_case("C-Z", 1));

  // Reads, a rewrite and a case commit on other threads.
  for (const bool keep : {false, true}) {
    CAPTURE(keep);
    const std::uint64_t n = config_seq_of(s);
    Case theirs_rewrite = need(s.load("C-Y"), "load C-Y");
    set_due(theirs_rewrite, at(keep ? 400 : 350));
    theirs_rewrite.summary = keep ? "their rewrite, kept" : "their rewrite, dropped";
    Case z = need(s.load("C-Z"), "load C-Z");
    const std::uint64_t z_from = z.version;
    z.version = z_from + 1;
    CaseCommit theirs_commit = change(z, z_from);
    theirs_commit.config_seq = n;  // computed before the batch changes the configuration
    const std::string summary_before = need(s.load("C-X"), "load C-X").summary;

    need(s.begin_batch(), "begin_batch");
    need(s.commit_configuration(config_commit(n + 1, at(1000), {config_message(n + 1, "batched")})),
         "commit_configuration in the batch");
    Case mine = need(s.load("C-X"), "load C-X");
    set_due(mine, at(5));
    mine.summary = "rewritten in the batch";
    need(s.rewrite_snapshot(mine), "rewrite_snapshot in the batch");

    BatchWaiters waiters(storage);
    auto call = [&](const char* name, std::function<std::string(Storage&)> body) { waiters.call(name, std::move(body)); };
    std::map<std::string, std::string>& expected = waiters.expected;
    call("configuration", [](Storage& t) {
      auto r = t.configuration();
      return !r ? code_of(r) : *r ? "seq " + std::to_string((*r)->seq) : std::string("none");
    });
    expected["configuration"] = "seq " + std::to_string(keep ? n + 1 : n);
    call("read_configurations", [](Storage& t) {
      std::string out;
      Status st = t.read_configurations(1, [&](const ConfigRecord& r) {
        out += std::to_string(r.seq) + " ";
        return true;
      });
      return st ? out : code_of(st);
    });
    std::string all;
    for (std::uint64_t i = 1; i <= (keep ? n + 1 : n); ++i) all += std::to_string(i) + " ";
    expected["read_configurations"] = all;
    call("load", [](Storage& t) {
      auto r = t.load("C-X");
      return r ? r->summary : code_of(r);
    });
    expected["load"] = keep ? "rewritten in the batch" : summary_before;
    call("first_due", [](Storage& t) {
      auto r = t.first_due(Instant::max());
      if (!r) return code_of(r);
      return *r ? (*r)->case_id + " at +" + std::to_string(((*r)->at - t0()).count()) : std::string("none");
    });
    expected["first_due"] = keep ? "C-X at +5" : "C-X at +100";
    call("rewrite_snapshot", [theirs_rewrite](Storage& t) { return code_of(t.rewrite_snapshot(theirs_rewrite)); });
    expected["rewrite_snapshot"] = "success";
    call("commit", [theirs_commit](Storage& t) { return code_of(t.commit(theirs_commit)); });
    expected["commit"] = keep ? "conflict" : "success";

    waiters.end_batch_and_check(keep, busy_timeout);
    CHECK(config_seq_of(s) == (keep ? n + 1 : n));
    // The rewrite that waited is stored, whatever became of the batch.
    CHECK(json_of(need(s.load("C-Y"), "load C-Y")) == json_of(theirs_rewrite));
    CHECK(need(s.load("C-Z"), "load C-Z").version == (keep ? z_from : z_from + 1));
    int batched = 0;
    for (const OutboxMessage& m : whole_outbox(s)) batched += m.topic == "batched";
    CHECK(batched == (keep ? 1 : 0));
  }

  // A configuration change on another thread, computed before the batch: it waits, then
  // is checked against what the batch left.
  for (const bool keep : {false, true}) {
    CAPTURE(keep);
    const std::uint64_t n = config_seq_of(s);
    const ConfigCommit theirs = config_commit(n + 1, at(2000));
    need(s.begin_batch(), "begin_batch");
    need(s.commit_configuration(config_commit(n + 1, at(1000))), "commit_configuration in the batch");
    auto calling = std::make_shared<std::atomic<int>>(0);
    auto result = on_another_thread([storage, calling, theirs] {
      ++*calling;
      return code_of(storage->commit_configuration(theirs));
    });
    wait_for_callers(*calling, 1, busy_timeout);
    std::this_thread::sleep_for(hold_time(busy_timeout));
    CHECK_MESSAGE(result.wait_for(Millis(0)) == std::future_status::timeout,
                  "commit_configuration on another thread returned while a batch was open (it must wait)");
    need(s.end_batch(keep), "end_batch");
    need(returns_within(result, hang_limit(busy_timeout)), "commit_configuration returned (no hang)");
    CHECK(result.get() == (keep ? "conflict" : "success"));
    const auto newest = need(s.configuration(), "configuration");
    need(newest.has_value(), "a configuration");
    CHECK(newest->seq == n + 1);
    CHECK(newest->at == (keep ? at(1000) : at(2000)));  // the batch's, or theirs
  }
}

template <class Factory>
void stale_handle_gets_config_conflict(Factory& factory, Storage& a) {
  std::shared_ptr<Storage> b = factory.open();
  need(b != nullptr, "second open()");
  create(a, make_case("C-1", 1));
  need(a.commit_configuration(config_commit(1, at(0), {config_message(1, "calendar_changed")})),
       "commit_configuration on a");
  const auto seen = need(b->configuration(), "configuration on b");
  need(seen.has_value(), "b sees a's configuration");
  CHECK(json_of(*seen) == json_of(make_config(1, at(0))));
  CHECK(need(b->outbox_depth(), "depth on b") == 1);
  // b computed its change before a's configuration: refused.
  CaseCommit stale = change(make_case("C-1", 2), 1);
  stale.config_seq = 0;
  CHECK(code_of(b->commit(stale)) == "conflict");
  CHECK(code_of(b->commit_configuration(config_commit(1, at(5)))) == "conflict");
  stale.config_seq = 1;
  need(b->commit(stale), "b's commit with the new config_seq");
  Case rewritten = need(a.load("C-1"), "load on a");
  set_due(rewritten, at(60));
  need(b->rewrite_snapshot(rewritten), "rewrite_snapshot on b");
  CHECK(due_of(a, Instant::max()) == due_pair("C-1", at(60)));
}

}  // namespace conformance
}  // namespace fengqiao::testing

// The suite. One test case; each subcase starts from a new Factory and an empty database.
TEST_CASE_TEMPLATE_DEFINE("storage conformance", Factory, fengqiao_storage_conformance) {
  namespace k = ::fengqiao::testing::conformance;
  Factory factory;
  std::shared_ptr<::fengqiao::Storage> storage = factory.open();
  REQUIRE_MESSAGE(storage != nullptr, "Factory::open() returned no storage");
  ::fengqiao::Storage& s = *storage;

  SUBCASE("commit: a new case is stored whole") { k::run([&] { k::new_case_is_stored_whole(s); }); }
  SUBCASE("commit: versions append events in order") { k::run([&] { k::versions_append_events_in_order(s); }); }
  SUBCASE("commit: each event's hash and the chain head come back as given") {
    k::run([&] { k::chain_hashes_are_kept(s); });
  }
  SUBCASE("commit: malformed commits are invalid_data") { k::run([&] { k::malformed_commits_are_invalid_data(s); }); }
  SUBCASE("commit: duplicate_case, unknown_case, conflict") { k::run([&] { k::versions_are_checked(s); }); }
  SUBCASE("commit: a refused commit changes nothing") { k::run([&] { k::refused_commits_change_nothing(s); }); }
  SUBCASE("read: unknown cases") { k::run([&] { k::unknown_cases_are_reported(s); }); }
  SUBCASE("read: events from a seq, early stop") { k::run([&] { k::read_events_from_seq_and_stop_early(s); }); }
  SUBCASE("read: a visitor may call back into the storage") { k::run([&] { k::visitors_may_call_back(s); }); }
  SUBCASE("query: filters and count") { k::run([&] { k::query_filters(s); }); }
  SUBCASE("query: after_id and limit") { k::run([&] { k::query_pagination(s); }); }
  SUBCASE("query: ids in byte-wise order") { k::run([&] { k::ids_are_ordered_bytewise(s); }); }
  SUBCASE("due index: order and bounds") { k::run([&] { k::due_index_order_and_bounds(s); }); }
  SUBCASE("due index: re-keyed by each commit") { k::run([&] { k::due_index_follows_each_commit(s); }); }
  SUBCASE("batch: end_batch(true) publishes") { k::run([&] { k::batch_commit_publishes(s); }); }
  SUBCASE("batch: end_batch(false) discards") { k::run([&] { k::batch_rollback_discards(s); }); }
  SUBCASE("batch: commits fail alone") { k::run([&] { k::batch_commits_fail_alone(s); }); }
  SUBCASE("batch: no nesting") { k::run([&] { k::batches_do_not_nest(s); }); }
  SUBCASE("outbox: order, fetch, ack, depth") { k::run([&] { k::outbox_order_fetch_and_ack(s); }); }
  SUBCASE("size: a history of 10,000 events") { k::run([&] { k::large_histories(s); }); }
  SUBCASE("text: unicode round-trips") { k::run([&] { k::unicode_text_round_trips(s); }); }
  SUBCASE("text: jurisdiction elements are opaque") { k::run([&] { k::jurisdiction_elements_are_opaque(s); }); }
  SUBCASE("threads: concurrent increments lose nothing") { k::run([&] { k::concurrent_increments_lose_nothing(s); }); }
  SUBCASE("threads: readers never see half a commit") { k::run([&] { k::readers_never_see_half_a_commit(s); }); }
  SUBCASE("visits: stored whole, ordered by id") { k::run([&] { k::visits_are_stored_whole(s); }); }
  SUBCASE("visits: duplicate_visit changes nothing") { k::run([&] { k::duplicate_visit_changes_nothing(s); }); }
  SUBCASE("visits: every filter against VisitQuery::matches") {
    k::run([&] { k::visit_filters_match_the_reference(s); });
  }
  SUBCASE("visits: after_id and limit") { k::run([&] { k::visit_pagination(s); }); }
  SUBCASE("visits: a rolled-back batch drops its visits") { k::run([&] { k::batch_rollback_drops_visits(s); }); }
  SUBCASE("visits: unicode round-trips") { k::run([&] { k::visits_unicode(s); }); }
  SUBCASE("configuration: none on a new store") { k::run([&] { k::configuration_starts_empty(s); }); }
  SUBCASE("configuration: records numbered in order; a wrong seq is conflict") {
    k::run([&] { k::configuration_records_in_order(s); });
  }
  SUBCASE("configuration: a visitor may call back into the storage") {
    k::run([&] { k::configuration_visitors_may_call_back(s); });
  }
  SUBCASE("configuration: its outbox messages") { k::run([&] { k::configuration_outbox(s); }); }
  SUBCASE("configuration: a commit computed with another configuration is conflict") {
    k::run([&] { k::stale_config_seq_is_conflict(s); });
  }
  SUBCASE("configuration: rewrite_snapshot checks the version and re-keys the due index") {
    k::run([&] { k::rewrite_snapshot_contract(s); });
  }
  SUBCASE("configuration: a rolled-back batch drops its records and rewrites") {
    k::run([&] { k::batch_rollback_drops_configuration(s); });
  }
  SUBCASE("engine: same behaviour as on MemoryStorage") { k::run([&] { k::engine_behaves_as_on_the_reference(storage); }); }
  const std::chrono::milliseconds busy = k::busy_timeout_of<Factory>();
  SUBCASE("batch and threads: other threads wait, and a rollback undoes none of their work") {
    k::run([&] { k::other_threads_wait_for_a_batch(storage, busy); });
  }
  SUBCASE("batch and threads: waiting past the busy timeout is busy and does nothing") {
    k::run([&] { k::waiting_past_the_busy_timeout_is_busy(storage, busy); });
  }
  SUBCASE("batch and threads: another thread may end the batch; its begin_batch waits") {
    k::run([&] { k::another_thread_may_end_a_batch(storage, busy); });
  }
  SUBCASE("batch and threads: configuration calls wait for the batch") {
    k::run([&] { k::configuration_calls_wait_for_a_batch(storage, busy); });
  }
  SUBCASE("engine: a batch ends on another thread") {
    k::run([&] { k::engine_batch_ends_on_another_thread(storage, busy); });
  }
  SUBCASE("engine: actions on other threads survive batches (random interleavings)") {
    k::run([&] { k::engine_actions_race_batches(storage, busy); });
  }
  if constexpr (k::reopenable<Factory>::value) {
    SUBCASE("reopen: everything committed is there") { k::run([&] { k::reopen_keeps_everything(factory, storage); }); }
    SUBCASE("reopen: an unfinished batch is discarded") {
      k::run([&] { k::unfinished_batch_is_discarded_on_close(factory, storage); });
    }
  }
  if constexpr (k::shared<Factory>::value) {
    SUBCASE("shared: handles see each other's commits") { k::run([&] { k::handles_see_each_other(factory, s); }); }
    SUBCASE("shared: a stale handle gets conflict") { k::run([&] { k::stale_handle_gets_conflict(factory, s); }); }
    SUBCASE("shared: a handle that missed a configuration change gets conflict") {
      k::run([&] { k::stale_handle_gets_config_conflict(factory, s); });
    }
    SUBCASE("shared: a batch is invisible until it ends") {
      k::run([&] { k::batches_are_invisible_to_other_handles(factory, s); });
    }
  }
}
