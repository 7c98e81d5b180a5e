// Three engine processes on one PostgreSQL database (fengqiao_postgres_worker), with
// actions and deadline sweeps interleaved round after round, one of them SIGKILLed in
// the middle of a large sweep and restarted. Afterwards: every action a process reported
// is stored once, at the version it reported; every due event fired exactly once (no
// two alike in a history, nothing left due, and the exported histories replay clean on a
// single engine, which regenerates each engine event); the outbox holds exactly one
// message per stored event.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include <fengqiao/engine.hpp>
#include <fengqiao/history.hpp>
#include <fengqiao/postgres_storage.hpp>
#include <fengqiao/replay.hpp>

#include "child_process.hpp"
#include "pg_server.hpp"

namespace {

using namespace fengqiao;
namespace fx = fengqiao::testing;

constexpr long long kStart = 1756688400;  // 2025-09-01T09:00:00+08:00
constexpr long long kHour = 3600;

struct Reported {
  std::vector<std::string> registered;
  struct Act {
    std::string case_id;
    std::uint64_t version;
    std::string what;  // the action, or the note's tag
    bool note;
  };
  std::vector<Act> acts;
  std::uint64_t fired = 0;
  std::uint64_t sweep_conflicts = 0;
};

class Worker {
 public:
  Worker(const std::string& conninfo, const std::string& name, unsigned seed, const std::string& log)
      : name_(name), child_(std::make_unique<fx::ChildProcess>(
                         std::vector<std::string>{FENGQIAO_PG_WORKER, conninfo, name, std::to_string(seed)}, log)) {
    const std::string first = child_->read_line();
    REQUIRE_MESSAGE(first == "ready", "worker " << name << " did not start: \"" << first << "\" (see " << log << ")");
  }
  void send(const std::string& line) { child_->write_line(line); }
  void kill() { child_->kill_now(); }
  // Reads the worker's lines up to "done <r>" (or to the end, for a killed worker).
  // The next line, which must be `expected`.
  void expect(const std::string& expected) {
    const std::string line = child_->read_line();
    REQUIRE_MESSAGE(line == expected, "worker " << name_ << " said \"" << line << "\", not \"" << expected << "\"");
  }
  // Reads the worker's lines up to "done <r>" (or to the end, for a killed worker);
  // `swept` tells whether its sweep ended (a "fired" line).
  bool collect(Reported& into, bool killed, bool* swept = nullptr) {
    for (;;) {
      const std::string line = child_->read_line();
      if (line.empty()) {
        REQUIRE_MESSAGE(killed, "worker " << name_ << " ended unexpectedly");
        return false;
      }
      std::istringstream in(line);
      std::string kind;
      in >> kind;
      if (kind == "done") return true;
      if (kind == "sweeping") continue;
      if (kind == "error") FAIL("worker " << name_ << ": " << line);
      if (kind == "reg") {
        std::string id;
        in >> id;
        into.registered.push_back(id);
      } else if (kind == "act" || kind == "note") {
        Reported::Act a;
        in >> a.case_id >> a.version >> a.what;
        a.note = kind == "note";
        into.acts.push_back(a);
      } else if (kind == "fired") {
        std::uint64_t n = 0, c = 0;
        in >> n >> c;
        into.fired += n;
        into.sweep_conflicts += c;
        if (swept) *swept = true;
      }
    }
  }

 private:
  std::string name_;
  std::unique_ptr<fx::ChildProcess> child_;
};

}  // namespace

TEST_CASE("three engine processes on one database: each action stored once, each due event fired once") {
  fx::TestDatabase db("fq_processes");
  const std::string conninfo = db.conninfo();
  const std::string log = std::string(FENGQIAO_PG_WORKER) + ".log";

  std::vector<std::unique_ptr<Worker>> workers;
  // One after the other: the first engine stores the configuration the others then use.
  for (int w = 0; w < 3; ++w)
    workers.push_back(std::make_unique<Worker>(conninfo, "w" + std::to_string(w), 7 + w, log));

  Reported reported;
  constexpr int kRounds = 40, kKillRound = 24, kOps = 12;
  long long now = kStart;
  for (int r = 1; r <= kRounds; ++r) {
    // Six hours a round, and four days before the kill round: its sweep is long (every
    // open case has warnings and overdue steps due), and the kill lands inside it.
    now += (r == kKillRound ? 96 : 6) * kHour;
    for (auto& w : workers) w->send("round " + std::to_string(r) + " " + std::to_string(now) + " " + std::to_string(kOps));
    bool killed_worker_swept = false;
    if (r == kKillRound) {
      workers[1]->expect("sweeping");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      workers[1]->kill();
    }
    for (std::size_t i = 0; i < workers.size(); ++i) {
      const bool killed = r == kKillRound && i == 1;
      workers[i]->collect(reported, killed, killed ? &killed_worker_swept : nullptr);
    }
    if (r == kKillRound)
      REQUIRE_MESSAGE(!killed_worker_swept, "the kill came after the worker's sweep ended: the test did not kill mid-sweep");
    if (r == kKillRound) {
      // Restarted under another name (its ids and tags stay unique); it finds the
      // configuration, the cases and what is due in the database.
      workers[1] = std::make_unique<Worker>(conninfo, "w1b", 99, log);
      workers[1]->send("round " + std::to_string(r) + " " + std::to_string(now) + " 0");
      workers[1]->collect(reported, false);
    }
  }
  for (auto& w : workers) w->send("quit");

  PostgresOptions po;
  auto storage = PostgresStorage::open(conninfo, po).value_or_throw();
  const std::vector<Case> cases = storage->query(CaseQuery{}).value_or_throw();
  std::map<std::string, std::vector<Event>> histories;
  std::size_t engine_events = 0, all_events = 0;
  for (const Case& c : cases) {
    auto& h = histories[c.id];
    storage->read_events(c.id, 1, [&](const Event& e) {
      h.push_back(e);
      return true;
    }).throw_if_error();
    REQUIRE(h.size() == c.version);
    all_events += h.size();
    for (const Event& e : h) engine_events += e.type != EventType::action;
  }
  MESSAGE(cases.size() << " cases, " << all_events << " events (" << engine_events << " fired by the engines; sweeps reported "
                       << reported.fired << " and retried " << reported.sweep_conflicts << " conflicts), "
                       << reported.acts.size() << " actions reported");
  CHECK(engine_events > 100);  // the scenario did exercise the sweeps

  {  // no reported action lost or stored twice
    for (const std::string& id : reported.registered) CHECK_MESSAGE(histories.count(id) == 1, id);
    std::map<std::string, int> tags;
    for (const auto& [id, h] : histories)
      for (const Event& e : h)
        if (e.type == EventType::action && e.action == Action::note) ++tags[e.data.value("text", std::string())];
    for (const Reported::Act& a : reported.acts) {
      REQUIRE_MESSAGE(histories.count(a.case_id) == 1, a.case_id);
      const auto& h = histories[a.case_id];
      REQUIRE(a.version >= 1);
      REQUIRE(a.version <= h.size());
      const Event& e = h[a.version - 1];
      CHECK(e.type == EventType::action);
      if (a.note) {
        CHECK(e.action == Action::note);
        CHECK(e.data.value("text", std::string()) == a.what);
        CHECK_MESSAGE(tags[a.what] == 1, a.what << " is stored " << tags[a.what] << " times");
      } else {
        CHECK((e.action ? std::string(to_string(*e.action)) : std::string()) == a.what);
      }
    }
    // Notes nobody reported: at most the one the killed process had in flight.
    std::set<std::string> reported_tags;
    for (const Reported::Act& a : reported.acts)
      if (a.note) reported_tags.insert(a.what);
    int unreported = 0;
    for (const auto& [tag, n] : tags) unreported += reported_tags.count(tag) ? 0 : n;
    CHECK(unreported <= 1);
  }

  {  // each due event fired exactly once
    for (const auto& [case_id, h] : histories) {
      const std::string& id = case_id;  // doctest's messages are lambdas: no structured binding (Clang)
      std::set<std::string> seen;
      for (const Event& e : h) {
        if (e.type == EventType::action) continue;
        const std::string key = std::string(to_string(e.type)) + "@" + std::to_string(e.at.time_since_epoch().count()) +
                                "/" + std::to_string(e.level) + "/" + (e.stage ? std::string(to_string(*e.stage)) : std::string("-"));
        CHECK_MESSAGE(seen.insert(key).second, "case " << id << " fired " << key << " twice");
      }
    }
    // Nothing left due at the last round's instant: no claim outlived the killed process.
    CHECK_FALSE(storage->first_due(Instant(Seconds(now))).value_or_throw().has_value());
    // A single engine replaying the exported histories regenerates every engine event,
    // at the same instant, in the same order: none missing, none extra.
    std::vector<std::string> ids;
    for (const Case& c : cases) ids.push_back(c.id);
    std::stringstream exported;
    history::export_cases(*storage, ids, exported).throw_if_error();
    const ReplayResult replayed = replay(exported);
    CHECK_MESSAGE(replayed.clean(), replayed.describe());
    CHECK(replayed.events_checked == engine_events);
    // The same export replayed into another PostgreSQL store: the migration path of a
    // store (README "Scaling out"), which gives back the same cases.
    fx::TestSchema target;
    ReplayOptions into;
    into.storage = PostgresStorage::open(target.conninfo()).value_or_throw();
    std::stringstream again(exported.str());
    const ReplayResult migrated = replay(again, into);
    CHECK_MESSAGE(migrated.clean(), migrated.describe());
    CHECK(into.storage->count(CaseQuery{}).value_or_throw() == cases.size());
    for (const Case& c : cases) CHECK(into.storage->load(c.id).value_or_throw().version == c.version);
  }

  {  // the outbox holds exactly one message per stored event
    std::map<std::pair<std::string, std::uint64_t>, int> messages;
    std::uint64_t last_id = 0;
    for (;;) {
      // Fetch and ack in pages, as a relay does; ids only increase.
      const auto page = storage->outbox_fetch(1000).value_or_throw();
      if (page.empty()) break;
      std::vector<std::uint64_t> ids;
      for (const OutboxMessage& m : page) {
        CHECK(m.id > last_id);
        last_id = m.id;
        ++messages[std::make_pair(m.case_id, m.event_seq)];
        ids.push_back(m.id);
      }
      storage->outbox_ack(ids).throw_if_error();
    }
    std::size_t expected = 0;
    for (const auto& [case_id, h] : histories)
      for (const Event& e : h) {
        const std::string& id = case_id;  // not captured as a structured binding (Clang)
        ++expected;
        const int copies = messages[std::make_pair(id, e.seq)];
        CHECK_MESSAGE(copies == 1, "case " << id << " event " << e.seq);
      }
    CHECK(messages.size() == expected);
  }
}
