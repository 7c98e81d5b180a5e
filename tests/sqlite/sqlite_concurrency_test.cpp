// Two engines on one file, in two threads and then in two processes: no lost update. The
// engine that acted on an outdated snapshot gets `conflict`, and its retry succeeds.
#include <doctest/doctest.h>

#include <future>
#include <mutex>
#include <thread>

#include <fengqiao/sqlite_storage.hpp>
#include <fengqiao/testing/storage_conformance.hpp>

#include "child_process.hpp"
#include "fixtures.hpp"
#include "gated_storage.hpp"

namespace {

using namespace fengqiao;
namespace fx = fengqiao::testing;
using fx::ChildProcess;

const char* const kStart = "2025-09-01T09:00:00+08:00";

std::unique_ptr<Engine> engine_on(std::shared_ptr<Storage> storage) {
  EngineOptions o;
  o.storage = std::move(storage);
  o.clock = std::make_shared<ManualClock>(fx::at(kStart));  // fixed: no deadline fires meanwhile
  o.calendar = fx::national_day_2025();
  return std::make_unique<Engine>(std::move(o));
}

std::shared_ptr<SqliteStorage> open_file(const std::string& path) {
  SqliteOptions o;
  o.busy_timeout = std::chrono::milliseconds(10000);
  return SqliteStorage::open(path, o).value_or_throw();
}

// A case in `handling`, at version 3.
void case_in_handling(const std::string& path, const std::string& id) {
  auto e = engine_on(open_file(path));
  e->register_case(id, fx::intake, fx::registration());
  e->act(id, Action::dispatch, fx::dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
  e->act(id, Action::accept, fx::lead_handler);
}

// The history alternates suspend/resume after the setup, with no gap: nothing was lost
// or applied twice.
void check_toggle_history(Engine& e, const std::string& id, std::size_t actions) {
  const auto history = e.history(id);
  REQUIRE(history.size() == 3 + actions);
  for (std::size_t i = 3; i < history.size(); ++i) {
    CHECK(history[i].seq == i + 1);
    CHECK(history[i].action == ((i - 3) % 2 == 0 ? Action::suspend : Action::resume));
  }
}

std::string now_seconds() { return std::to_string(fx::at(kStart).time_since_epoch().count()); }

}  // namespace

TEST_CASE("two engines in two threads: the stale one gets conflict, its retry succeeds") {
  fx::TempDir dir;
  const std::string path = dir.file("center.db");
  case_in_handling(path, "C-1");

  std::promise<void> b_has_loaded, a_has_committed;
  auto a_done = a_has_committed.get_future().share();
  auto b = engine_on(std::make_shared<fx::GatedStorage>(open_file(path), [&] {
    b_has_loaded.set_value();
    a_done.wait();
  }));
  auto a = engine_on(open_file(path));

  auto b_first = std::async(std::launch::async, [&] {
    return b->try_act("C-1", Action::supervise, fx::supervisor, {{"order", "from B"}});
  });
  b_has_loaded.get_future().wait();  // B computed its change from version 3
  const Case after_a = a->act("C-1", Action::supervise, fx::supervisor, {{"order", "from A"}});
  CHECK(after_a.level == 1);
  a_has_committed.set_value();

  const Result<Case> first = b_first.get();
  REQUIRE_FALSE(first.ok());
  CHECK(first.error().code == ErrorCode::conflict);
  const Case retried = b->act("C-1", Action::supervise, fx::supervisor, {{"order", "from B, retried"}});
  CHECK(retried.level == 2);  // built on A's change, not over it
  CHECK(retried.version == 5);
  const auto history = a->history("C-1");
  REQUIRE(history.size() == 5);
  CHECK(history[3].data["order"] == "from A");
  CHECK(history[4].data["order"] == "from B, retried");
}

TEST_CASE("two engines in two threads toggling one case lose no update") {
  fx::TempDir dir;
  const std::string path = dir.file("center.db");
  case_in_handling(path, "C-1");
  constexpr int kEach = 60;
  std::atomic<int> conflicts{0};
  std::mutex mu;
  std::vector<std::string> errors;
  auto toggler = [&] {
    auto e = engine_on(open_file(path));
    for (int done = 0; done < kEach;) {
      const Case c = e->get("C-1");
      auto r = c.state == State::handling ? e->try_act("C-1", Action::suspend, fx::lead_handler, {{"reason", "t"}})
                                          : e->try_act("C-1", Action::resume, fx::lead_handler);
      // invalid_transition: the other engine moved the case after get() (see the worker).
      if (r) ++done;
      else if (r.error().code == ErrorCode::conflict) ++conflicts;
      else if (r.error().code == ErrorCode::invalid_transition) continue;
      else {
        std::lock_guard lock(mu);
        errors.push_back(r.error().describe());
        return;
      }
    }
  };
  std::thread one(toggler), two(toggler);
  one.join();
  two.join();
  for (const std::string& e : errors) FAIL_CHECK(e);
  MESSAGE(conflicts.load() << " conflicts retried");
  auto e = engine_on(open_file(path));
  CHECK(e->get("C-1").version == 3 + 2 * kEach);
  check_toggle_history(*e, "C-1", 2 * kEach);
}

TEST_CASE("two processes: the stale one gets conflict, its retry succeeds") {
  fx::TempDir dir;
  const std::string path = dir.file("center.db");
  case_in_handling(path, "C-1");

  ChildProcess other({FENGQIAO_SQLITE_WORKER, "stale", path, "C-1", now_seconds()});
  REQUIRE(other.read_line() == "ready");  // it loaded version 3 and waits before committing
  auto a = engine_on(open_file(path));
  CHECK(a->act("C-1", Action::supervise, fx::supervisor, {{"order", "from this process"}}).level == 1);
  other.write_line("go");
  CHECK(other.read_line() == "first conflict");
  CHECK(other.read_line() == "retry ok 2");
  const int status = other.wait();
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  CHECK(a->get("C-1").version == 5);
  CHECK(a->get("C-1").level == 2);
}

TEST_CASE("two processes toggling one case lose no update") {
  fx::TempDir dir;
  const std::string path = dir.file("center.db");
  case_in_handling(path, "C-1");
  constexpr int kEach = 80;
  ChildProcess one({FENGQIAO_SQLITE_WORKER, "toggle", path, "C-1", std::to_string(kEach), now_seconds()});
  ChildProcess two({FENGQIAO_SQLITE_WORKER, "toggle", path, "C-1", std::to_string(kEach), now_seconds()});
  REQUIRE(one.read_line() == "ready");
  REQUIRE(two.read_line() == "ready");
  one.write_line("go");
  two.write_line("go");
  const std::string done_one = one.read_line(), done_two = two.read_line();
  CHECK(done_one.rfind("done ", 0) == 0);
  CHECK(done_two.rfind("done ", 0) == 0);
  MESSAGE("conflicts retried: " << done_one << ", " << done_two);
  for (ChildProcess* p : {&one, &two}) {
    const int status = p->wait();
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  }
  auto e = engine_on(open_file(path));
  CHECK(e->get("C-1").version == 3 + 2 * kEach);
  check_toggle_history(*e, "C-1", 2 * kEach);
  CHECK(open_file(path)->check_integrity().ok());
}
