// fengqiao_sqlite_worker: the other process in the crash and cross-process tests.
//
//   crash-writer <db> <journal> <run> <seed>
//       Applies actions (registrations, actions on them, engine batches, outbox acks) in a
//       loop until killed. After each one is stored it appends a line to <journal>:
//         commit <case> <version> | batch <case>... | acking <id>:<case>:<seq>... | acked <id>...
//       ("acking" is written before the ack is attempted, "acked" after it succeeded).
//   toggle <db> <case> <count> <now>
//       Prints "ready", waits for a line, then suspends/resumes <case> until <count>
//       actions succeeded, retrying each conflict. Prints "done <conflicts>".
//   stale <db> <case> <now>
//       Supervises <case>; its first commit prints "ready" and waits for a line first (so
//       another process can change the case meanwhile). Prints "first <code>", then
//       retries and prints "retry <code> <level>".
#include <fcntl.h>
#include <unistd.h>

#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <fengqiao/engine.hpp>
#include <fengqiao/sqlite_storage.hpp>

#include "gated_storage.hpp"

namespace {

using namespace fengqiao;

const Actor kIntake{"u-intake-1", Role::intake, "center"};
const Actor kDispatcher{"u-disp-1", Role::dispatcher, "center"};
const Actor kHandler{"u-hj-1", Role::handler, "justice_xilinji"};
const Actor kSupervisor{"u-su-1", Role::supervisor, "center"};

nlohmann::json registration(const std::string& urgency) {
  return {{"channel", "walk_in"},
          {"category", "neighbour"},
          {"urgency", urgency},
          {"jurisdiction", {"daxinganling", "mohe", "xilinji"}},
          {"parties", {{{"name", "王丽"}}}},
          {"summary", "围墙纠纷"}};
}

std::shared_ptr<SqliteStorage> open_or_die(const std::string& path) {
  SqliteOptions o;
  o.busy_timeout = std::chrono::milliseconds(10000);
  auto s = SqliteStorage::open(path, o);
  if (!s) {
    std::cerr << "worker: " << s.error().describe() << '\n';
    std::exit(3);
  }
  return *s;
}

void wait_for_line() {
  std::string line;
  std::getline(std::cin, line);
}

// One message per event: the crash test checks that every event's message is either
// still in the outbox or was acknowledged.
std::vector<OutboxMessage> one_per_event(const Event& e, const Case&) {
  return {OutboxMessage{0, "event", e.case_id, e.seq, {{"case", e.case_id}, {"seq", e.seq}}}};
}

class Journal {
 public:
  explicit Journal(const std::string& path) : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644)) {
    if (fd_ < 0) std::exit(4);
  }
  // One write() per line: a kill leaves whole lines, maybe minus the last one.
  void line(const std::string& text) {
    const std::string l = text + "\n";
    if (::write(fd_, l.data(), l.size()) != static_cast<ssize_t>(l.size())) std::exit(5);
  }

 private:
  int fd_;
};

int crash_writer(const std::string& db, const std::string& journal_path, int run, unsigned seed) {
  Journal journal(journal_path);
  EngineOptions o;
  o.storage = open_or_die(db);
  // Each run starts an hour later, so deadlines of earlier runs' cases fire too.
  auto clock = std::make_shared<ManualClock>(Instant(Seconds(1756688400 + 3600LL * run)));
  o.clock = clock;
  o.outbox = one_per_event;
  Engine engine(std::move(o));
  std::mt19937 random(seed);
  std::vector<std::string> mine;
  for (int i = 0;; ++i) {
    const int roll = static_cast<int>(random() % 100);
    if (roll < 35 || mine.empty()) {
      const std::string id = "R" + std::to_string(run) + "-" + std::to_string(i);
      const Case c = engine.register_case(id, kIntake, registration(i % 7 == 0 ? "emergency" : "normal"));
      mine.push_back(id);
      journal.line("commit " + id + " " + std::to_string(c.version));
    } else if (roll < 80) {
      const std::string& id = mine[random() % mine.size()];
      const Case now = engine.get(id);
      Case after;
      switch (now.state) {
        case State::registered:
          after = engine.act(id, Action::dispatch, kDispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
          break;
        case State::dispatched:
          after = engine.act(id, Action::accept, kHandler);
          break;
        case State::handling:
          after = engine.act(id, Action::suspend, kHandler, {{"reason", "等待鉴定"}});
          break;
        default:
          after = engine.act(id, Action::resume, kHandler);
          break;
      }
      journal.line("commit " + id + " " + std::to_string(after.version));
    } else if (roll < 90) {
      std::string ids;
      auto batch = engine.batch();
      for (int k = 0; k < 5; ++k) {
        const std::string id = "B" + std::to_string(run) + "-" + std::to_string(i) + "-" + std::to_string(k);
        engine.register_case(id, kIntake, registration("normal"));
        ids += " " + id;
      }
      batch.commit();
      journal.line("batch" + ids);
    } else {
      auto messages = engine.storage().outbox_fetch(1 + random() % 10).value_or_throw();
      if (messages.empty()) continue;
      std::string acking = "acking", acked = "acked";
      std::vector<std::uint64_t> ids;
      for (const OutboxMessage& m : messages) {
        ids.push_back(m.id);
        acking += " " + std::to_string(m.id) + ":" + m.case_id + ":" + std::to_string(m.event_seq);
        acked += " " + std::to_string(m.id);
      }
      journal.line(acking);
      engine.storage().outbox_ack(ids).throw_if_error();
      journal.line(acked);
    }
  }
}

int toggle(const std::string& db, const std::string& id, int count, long long now) {
  EngineOptions o;
  o.storage = open_or_die(db);
  o.clock = std::make_shared<ManualClock>(Instant(Seconds(now)));
  Engine engine(std::move(o));
  std::cout << "ready" << std::endl;
  wait_for_line();
  int conflicts = 0;
  for (int done = 0; done < count;) {
    auto c = engine.try_get(id);
    if (!c) {
      std::cerr << "worker: " << c.error().describe() << '\n';
      return 6;
    }
    const bool suspend = c->state == State::handling;
    auto r = suspend ? engine.try_act(id, Action::suspend, kHandler, {{"reason", "worker"}})
                     : engine.try_act(id, Action::resume, kHandler);
    // conflict: the other process committed between this engine's load and its commit.
    // invalid_transition: it did so before the load, so the state read above is gone
    // (e.g. resume of a case already resumed). Both mean: read again and retry.
    if (r) ++done;
    else if (r.error().code == ErrorCode::conflict) ++conflicts;
    else if (r.error().code == ErrorCode::invalid_transition) continue;
    else {
      std::cerr << "worker: " << r.error().describe() << '\n';
      return 7;
    }
  }
  std::cout << "done " << conflicts << std::endl;
  return 0;
}

int stale(const std::string& db, const std::string& id, long long now) {
  EngineOptions o;
  o.storage = std::make_shared<testing::GatedStorage>(open_or_die(db), [] {
    std::cout << "ready" << std::endl;
    wait_for_line();
  });
  o.clock = std::make_shared<ManualClock>(Instant(Seconds(now)));
  Engine engine(std::move(o));
  auto first = engine.try_act(id, Action::supervise, kSupervisor, {{"order", "from the worker"}});
  std::cout << "first " << (first ? "ok" : std::string(to_string(first.error().code))) << std::endl;
  auto retry = engine.try_act(id, Action::supervise, kSupervisor, {{"order", "from the worker, retried"}});
  std::cout << "retry " << (retry ? "ok" : std::string(to_string(retry.error().code))) << " "
            << (retry ? retry->level : -1) << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  try {
    if (a.size() == 5 && a[0] == "crash-writer") return crash_writer(a[1], a[2], std::stoi(a[3]), std::stoul(a[4]));
    if (a.size() == 5 && a[0] == "toggle") return toggle(a[1], a[2], std::stoi(a[3]), std::stoll(a[4]));
    if (a.size() == 4 && a[0] == "stale") return stale(a[1], a[2], std::stoll(a[3]));
  } catch (const std::exception& e) {
    std::cerr << "worker: " << e.what() << '\n';
    return 2;
  }
  std::cerr << "usage: see the comment at the top of sqlite_worker.cpp\n";
  return 1;
}
