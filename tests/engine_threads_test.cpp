// The engine's thread rules (engine.hpp): an action on one thread is never undone by a
// batch another thread rolls back, a batch can be ended from any thread, listener calls
// held for a batch are only the batch thread's own, and an action takes one instant.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "scenarios.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;
using namespace std::chrono_literals;

namespace {

// Bounds every wait on another thread: a hang fails the test instead of blocking ctest.
constexpr auto kPatience = 20s;

// A thread that hangs still uses this test's objects, and a std::async future waits for
// it when destroyed: ending the process is the only way out that reports instead of hanging.
template <class T>
T within_patience(std::future<T>& f, const char* what) {
  if (f.wait_for(kPatience) != std::future_status::ready) {
    std::fprintf(stderr, "FAILED: %s did not finish within %lld s (a hang)\n", what,
                 static_cast<long long>(kPatience.count()));
    std::abort();
  }
  return f.get();
}

struct Call {
  std::string case_id;
  std::uint64_t seq;
  std::thread::id thread;
};

// An engine on a manual clock over `storage`, whose listener records each call (from any
// thread) with the thread it ran on.
struct ThreadRig {
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(at("2025-09-01T09:00:00+08:00"));
  std::shared_ptr<Storage> storage;
  std::unique_ptr<Engine> engine;
  std::mutex mu;
  std::vector<Call> calls;

  explicit ThreadRig(std::shared_ptr<Storage> s = std::make_shared<MemoryStorage>()) : storage(std::move(s)) {
    EngineOptions o;
    o.clock = clock;
    o.storage = storage;
    o.calendar = national_day_2025();
    engine = std::make_unique<Engine>(std::move(o));
    engine->subscribe([this](const Event& e, const Case&) {
      std::lock_guard lock(mu);
      calls.push_back({e.case_id, e.seq, std::this_thread::get_id()});
    });
  }
  Engine* operator->() { return engine.get(); }

  Result<Case> try_act(const std::string& id, Action a) {
    const Step s = canonical(a);
    return engine->try_act(id, a, s.actor, s.data);
  }
  Case act(const std::string& id, Action a) { return try_act(id, a).value_or_throw(); }

  std::vector<Call> heard() {
    std::lock_guard lock(mu);
    return calls;
  }
  std::optional<Call> heard_of(const std::string& id, std::uint64_t seq) {
    for (const Call& c : heard())
      if (c.case_id == id && c.seq == seq) return c;
    return std::nullopt;
  }
};

// Forwards to a MemoryStorage; end_batch runs `after_end` once the inner batch is over,
// before returning to the engine: the moment when another thread's write already goes
// through on its own while the engine is still ending its batch.
class EndHook final : public Storage {
 public:
  std::function<void()> after_end;

  Status commit(const CaseCommit& c) override { return inner_.commit(c); }
  Result<Case> load(std::string_view id) const override { return inner_.load(id); }
  Status read_events(std::string_view id, std::uint64_t from, const std::function<bool(const Event&)>& v) const override {
    return inner_.read_events(id, from, v);
  }
  Result<std::vector<Case>> query(const CaseQuery& q) const override { return inner_.query(q); }
  Result<std::uint64_t> count(const CaseQuery& q) const override { return inner_.count(q); }
  Result<std::optional<DueEntry>> first_due(Instant t) const override { return inner_.first_due(t); }
  Status begin_batch() override { return inner_.begin_batch(); }
  Status end_batch(bool commit) override {
    Status s = inner_.end_batch(commit);
    if (after_end) std::exchange(after_end, nullptr)();
    return s;
  }
  Result<std::vector<OutboxMessage>> outbox_fetch(std::size_t max) const override { return inner_.outbox_fetch(max); }
  Status outbox_ack(const std::vector<std::uint64_t>& ids) override { return inner_.outbox_ack(ids); }
  Result<std::uint64_t> outbox_depth() const override { return inner_.outbox_depth(); }
  Status add_visit(const Visit& v) override { return inner_.add_visit(v); }
  Result<std::vector<Visit>> visits(const VisitQuery& q) const override { return inner_.visits(q); }
  Result<std::uint64_t> count_visits(const VisitQuery& q) const override { return inner_.count_visits(q); }
  Result<std::optional<ConfigRecord>> configuration() const override { return inner_.configuration(); }
  Status read_configurations(std::uint64_t from, const std::function<bool(const ConfigRecord&)>& v) const override {
    return inner_.read_configurations(from, v);
  }
  Status commit_configuration(const ConfigCommit& c) override { return inner_.commit_configuration(c); }
  Status rewrite_snapshot(const Case& c) override { return inner_.rewrite_snapshot(c); }

 private:
  MemoryStorage inner_;
};

// Returns the queued instants one per call, then `rest` for ever: makes "the clock moved
// between two reads" happen on purpose.
class ScriptedClock final : public Clock {
 public:
  explicit ScriptedClock(Instant rest) : rest_(rest) {}
  void queue(std::vector<Instant> next) {
    std::lock_guard lock(mu_);
    script_.assign(next.begin(), next.end());
  }
  Instant now() const override {
    std::lock_guard lock(mu_);
    if (script_.empty()) return rest_;
    const Instant t = script_.front();
    script_.pop_front();
    return t;
  }

 private:
  mutable std::mutex mu_;
  mutable std::deque<Instant> script_;
  Instant rest_;
};

}  // namespace

TEST_SUITE("engine threads") {

TEST_CASE("an action on another thread while a batch is open waits for it and survives its rollback") {
  ThreadRig rig;
  rig.act("C-A", Action::register_case);
  rig.act("C-B", Action::register_case);
  std::future<Result<Case>> other;
  {
    Engine::Batch batch = rig->batch();
    rig.act("C-B", Action::dispatch);
    std::promise<void> calling;
    other = std::async(std::launch::async, [&] {
      calling.set_value();
      return rig.try_act("C-A", Action::dispatch);
    });
    calling.get_future().wait();
    // Long enough for an action that joined the batch to have returned already.
    CHECK_MESSAGE(other.wait_for(100ms) == std::future_status::timeout,
                  "the other thread's action went through while the batch was open");
  }  // rolls back
  const Result<Case> r = within_patience(other, "the other thread's action");
  REQUIRE_MESSAGE(r.ok(), r.error().describe());
  CHECK(r->state == State::dispatched);
  // A returned success stays stored; the rolled-back batch left nothing.
  CHECK(rig->get("C-A").state == State::dispatched);
  CHECK(rig->get("C-A").version == 2);
  CHECK(rig->history("C-A").size() == 2);
  CHECK(rig->get("C-B").state == State::registered);
  CHECK(rig->get("C-B").version == 1);
  CHECK(rig.heard_of("C-A", 2).has_value());
  CHECK_FALSE(rig.heard_of("C-B", 2).has_value());
}

TEST_CASE("another thread's event is delivered to the listeners even when the batch then rolls back") {
  auto storage = std::make_shared<EndHook>();
  ThreadRig rig(storage);
  rig.act("C-A", Action::register_case);
  rig.act("C-B", Action::register_case);
  std::thread::id acted_on;
  for (const bool commit : {false, true}) {
    CAPTURE(commit);
    const std::string id = commit ? "C-A2" : "C-A";
    if (commit) rig.act(id, Action::register_case);
    Result<Case> r = make_error(ErrorCode::storage_error, "not run");
    // The storage's batch is over; the engine has not finished ending it yet.
    storage->after_end = [&] {
      auto f = std::async(std::launch::async, [&] {
        acted_on = std::this_thread::get_id();
        return rig.try_act(id, Action::dispatch);
      });
      r = within_patience(f, "the other thread's action");
    };
    {
      Engine::Batch batch = rig->batch();
      rig.act("C-B", commit ? Action::dispatch : Action::supervise);
      if (commit) batch.commit();
    }
    REQUIRE_MESSAGE(r.ok(), r.error().describe());
    CHECK(rig->get(id).state == State::dispatched);
    const auto call = rig.heard_of(id, 2);
    REQUIRE_MESSAGE(call.has_value(), "the listener never heard the other thread's stored event");
    CHECK(call->thread == acted_on);  // on the thread that made the change, not the batch's
  }
  // The batch's own events: none for the rolled-back one, the committed one's at commit.
  CHECK(rig.heard_of("C-B", 2).has_value());
  CHECK(rig->get("C-B").state == State::dispatched);
  CHECK(rig->get("C-B").version == 2);
}

TEST_CASE("a batch committed or rolled back on another thread ends; its events reach the listeners") {
  ThreadRig rig;
  rig.act("C-1", Action::register_case);  // outside every batch: stays
  for (const char* how : {"commit", "rollback", "destroy"}) {
    CAPTURE(how);
    const std::string mine = std::string("C-") + how;
    std::optional<Engine::Batch> batch;
    batch.emplace(rig->batch());
    rig.act(mine, Action::register_case);
    CHECK_FALSE(rig.heard_of(mine, 1).has_value());  // held for the batch
    std::thread::id ended_on;
    auto ended = std::async(std::launch::async, [&, moved = std::move(*batch)]() mutable {
      ended_on = std::this_thread::get_id();
      if (std::string(how) == "commit") moved.commit();
      else if (std::string(how) == "rollback") moved.rollback();
      else {
        Engine::Batch local = std::move(moved);  // its destructor rolls back, here
      }
    });
    batch.reset();  // the moved-from husk: does nothing
    within_patience(ended, "ending the batch on another thread");
    const bool kept = std::string(how) == "commit";
    CHECK(rig->try_get(mine).ok() == kept);
    const auto call = rig.heard_of(mine, 1);
    CHECK(call.has_value() == kept);
    if (call) CHECK(call->thread == ended_on);
    // The engine is usable from the opening thread again, batch or not.
    rig.act(mine + "-after", Action::register_case);
    CHECK(rig.heard_of(mine + "-after", 1).has_value());
    Engine::Batch again = rig->batch();
    rig.act(mine + "-again", Action::register_case);
    again.commit();
    CHECK(rig.heard_of(mine + "-again", 1).has_value());
  }
  CHECK(rig->count(CaseQuery{}) == 1 + 1 + 3 * 2);
}

TEST_CASE("a second batch on the thread that holds one is refused; on another thread it waits its turn") {
  ThreadRig rig;
  Engine::Batch first = rig->batch();
  CHECK_THROWS_AS(rig->batch(), Exception);
  rig.act("C-1", Action::register_case);
  std::promise<void> calling;
  auto second = std::async(std::launch::async, [&] {
    calling.set_value();
    Engine::Batch b = rig->batch();
    rig.act("C-2", Action::register_case);
    b.commit();
  });
  calling.get_future().wait();
  CHECK(second.wait_for(100ms) == std::future_status::timeout);
  first.commit();
  within_patience(second, "the second batch");
  CHECK(rig->count(CaseQuery{}) == 2);
}

TEST_CASE("an action reads the clock once: a deadline due between two reads cannot overtake it") {
  const Instant start = at("2025-09-01T09:00:00+08:00");
  auto clock = std::make_shared<ScriptedClock>(start);
  EngineOptions o;
  o.clock = clock;
  o.calendar = national_day_2025();
  Engine engine(std::move(o));
  engine.register_case("C-1", intake, registration());  // dispatch warning due 2025-09-02T00:00

  // The warning falls due between the clock's first and second reading.
  const Instant before_due = at("2025-09-01T23:59:59+08:00");
  clock->queue({before_due, at("2025-09-02T00:00:01+08:00")});
  const Step s = canonical(Action::supervise);
  const Case c = engine.act("C-1", s.action, s.actor, s.data);
  engine.advance_to(at("2025-09-02T00:00:01+08:00"));

  const auto history = engine.history("C-1");
  REQUIRE(history.size() == 3);
  CHECK(history[1].action == Action::supervise);
  CHECK(history[1].at == before_due);  // the instant the engine fired everything due by
  CHECK(history[2].type == EventType::deadline_warning);
  for (std::size_t i = 1; i < history.size(); ++i) {
    CAPTURE(i);
    CHECK(history[i - 1].at <= history[i].at);
  }
  CHECK(c.updated_at == before_due);
}

}  // TEST_SUITE
