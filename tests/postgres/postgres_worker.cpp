// fengqiao_postgres_worker: one engine process of the multi-process test
// (postgres_processes_test.cpp), on a PostgreSQL database shared with the others.
//
//   fengqiao_postgres_worker <conninfo> <name> <seed>
//
// Prints "ready" once its engine is open, then reads commands from stdin:
//   round <r> <seconds> <ops>   sets the clock to <seconds> (since the epoch), sweeps
//                               (advance_to), then applies <ops> random operations, each
//                               retried on conflict or busy; prints a line per stored
//                               operation, then "done <r>"
//   quit                        exits
// Lines printed (one write each, flushed, so a SIGKILL leaves whole lines):
//   reg <case>                        a registration was stored
//   act <case> <version> <action>     an action was stored as event <version>
//   note <case> <version> <tag>       a note with text <tag> was stored as event <version>
//   sweeping                          a round's sweep begins
//   fired <n> <conflicts>             the sweep fired n events, retrying `conflicts` times
//   error <description>               an unexpected failure (the process exits 2)
#include <iostream>
#include <random>
#include <sstream>
#include <string>

#include <fengqiao/engine.hpp>
#include <fengqiao/postgres_storage.hpp>

namespace {

using namespace fengqiao;

const Actor kIntake{"u-intake-1", Role::intake, "center"};
const Actor kDispatcher{"u-disp-1", Role::dispatcher, "center"};
const Actor kHandler{"u-hj-1", Role::handler, "justice_xilinji"};

nlohmann::json registration(bool emergency) {
  return {{"channel", "walk_in"},
          {"category", "neighbour"},
          {"urgency", emergency ? "emergency" : "normal"},
          {"jurisdiction", {"daxinganling", "mohe", "xilinji"}},
          {"parties", {{{"name", "王丽"}}}},
          {"summary", "围墙纠纷"}};
}

// One message per event, engine events included: the test checks that the outbox holds
// exactly one message per stored event.
std::vector<OutboxMessage> one_per_event(const Event& e, const Case&) {
  return {OutboxMessage{0, "event", e.case_id, e.seq, {{"case", e.case_id}, {"seq", e.seq}}}};
}

void say(const std::string& line) { std::cout << line << std::endl; }

[[noreturn]] void fail(const std::string& what) {
  say("error " + what);
  std::exit(2);
}

// Retries what another engine's commit (conflict) or lock (busy) got in the way of: the
// engine reloads the case on each try.
template <class F>
Result<Case> retried(F&& attempt) {
  for (int i = 0;; ++i) {
    Result<Case> r = attempt();
    if (r || i >= 50) return r;
    if (r.error().code != ErrorCode::conflict && r.error().code != ErrorCode::busy) return r;
  }
}

class Worker {
 public:
  Worker(const std::string& conninfo, std::string name, unsigned seed) : name_(std::move(name)), random_(seed) {
    PostgresOptions po;
    po.busy_timeout = std::chrono::seconds(10);
    po.application_name = "fengqiao_worker_" + name_;
    auto storage = PostgresStorage::open(conninfo, po);
    if (!storage) fail(storage.error().describe());
    EngineOptions o;
    o.storage = *storage;
    clock_ = std::make_shared<ManualClock>(Instant(Seconds(0)));
    o.clock = clock_;
    o.outbox = one_per_event;
    engine_ = std::make_unique<Engine>(std::move(o));
  }

  void round(int r, long long seconds, int ops) {
    clock_->set(Instant(Seconds(seconds)));
    say("sweeping");
    const AdvanceReport swept = engine_->advance_to(Instant(Seconds(seconds)));
    say("fired " + std::to_string(swept.fired) + " " + std::to_string(swept.conflicts_retried));
    for (int i = 0; i < ops; ++i) operation();
    say("done " + std::to_string(r));
  }

 private:
  // A random existing case: the first id after a random point, wrapping around.
  std::optional<Case> some_case() {
    CaseQuery q;
    q.after_id = "C" + std::to_string(10000 + random_() % 90000);
    q.limit = 1;
    auto found = engine_->find(q);
    if (found.empty()) {
      q.after_id.clear();
      found = engine_->find(q);
    }
    if (found.empty()) return std::nullopt;
    return found.front();
  }

  void operation() {
    const int roll = static_cast<int>(random_() % 100);
    if (roll < 25) {
      const std::string id = "C" + std::to_string(10000 + random_() % 90000) + "-" + name_ + "-" + std::to_string(++n_);
      auto r = retried([&] { return engine_->try_register_case(id, kIntake, registration(n_ % 5 == 0)); });
      if (!r) fail(r.error().describe());
      say("reg " + id);
      return;
    }
    const auto picked = some_case();
    if (!picked) return;
    const std::string id = picked->id;
    if (roll < 60) {
      const std::string tag = "note-" + name_ + "-" + std::to_string(++n_);
      auto r = retried([&] { return engine_->try_act(id, Action::note, kDispatcher, {{"text", tag}}); });
      if (!r) fail(r.error().describe());
      say("note " + id + " " + std::to_string(r->version) + " " + tag);
      return;
    }
    // The next step of the case's life, from the state it is in when the engine loads it.
    Action action = Action::note;
    auto r = retried([&]() -> Result<Case> {
      auto now = engine_->try_get(id);
      if (!now) return now.error();
      switch (now->state) {
        case State::registered:
          action = Action::dispatch;
          return engine_->try_act(id, action, kDispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
        case State::dispatched:
          action = Action::accept;
          return engine_->try_act(id, action, kHandler);
        case State::handling:
          action = Action::suspend;
          return engine_->try_act(id, action, kHandler, {{"reason", "等待鉴定"}});
        case State::suspended:
          action = Action::resume;
          return engine_->try_act(id, action, kHandler);
        default:
          return make_error(ErrorCode::invalid_transition, "nothing to do");
      }
    });
    if (!r) {
      // Another engine moved the case on between the read and the action, or the case is
      // past the steps this worker takes: nothing was stored.
      if (r.error().code == ErrorCode::invalid_transition || r.error().code == ErrorCode::not_permitted) return;
      fail(r.error().describe());
    }
    say("act " + id + " " + std::to_string(r->version) + " " + std::string(to_string(action)));
  }

  std::string name_;
  std::mt19937 random_;
  std::shared_ptr<ManualClock> clock_;
  std::unique_ptr<Engine> engine_;
  int n_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: fengqiao_postgres_worker <conninfo> <name> <seed>\n";
    return 1;
  }
  try {
    Worker worker(argv[1], argv[2], static_cast<unsigned>(std::stoul(argv[3])));
    say("ready");
    std::string line;
    while (std::getline(std::cin, line)) {
      std::istringstream in(line);
      std::string command;
      in >> command;
      if (command == "quit") return 0;
      if (command != "round") fail("unknown command: " + line);
      int r = 0, ops = 0;
      long long seconds = 0;
      in >> r >> seconds >> ops;
      worker.round(r, seconds, ops);
    }
  } catch (const std::exception& e) {
    fail(e.what());
  }
  return 0;
}
