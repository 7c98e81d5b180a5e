// Crash safety: a writer process applies actions in a loop and is killed with SIGKILL at
// random moments; after each kill the file is reopened and checked. Every action the
// writer reported committed must be there, no case may be half-written, SQLite's
// integrity check must pass, batches must be all-or-nothing, and the outbox must still
// hold every message not acknowledged.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <fengqiao/sqlite_storage.hpp>
#include <fengqiao/testing/storage_conformance.hpp>

#include "child_process.hpp"

namespace {

using namespace fengqiao;
using fengqiao::testing::ChildProcess;
using fengqiao::testing::TempDir;

struct Journal {
  std::map<std::string, std::uint64_t> committed;  // case -> highest version reported
  std::vector<std::vector<std::string>> batches;
  std::set<std::pair<std::string, std::uint64_t>> acking;  // (case, seq) of messages maybe acknowledged
  std::set<std::uint64_t> acked;                           // message ids surely acknowledged
  std::size_t lines = 0;
};

Journal read_journal(const std::string& path) {
  Journal j;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // the last line has no '\n': the writer died writing it
    std::istringstream words(line);
    std::string kind;
    words >> kind;
    ++j.lines;
    if (kind == "commit") {
      std::string id;
      std::uint64_t version = 0;
      words >> id >> version;
      j.committed[id] = std::max(j.committed[id], version);
    } else if (kind == "batch") {
      std::vector<std::string> ids;
      for (std::string id; words >> id;) ids.push_back(id);
      j.batches.push_back(ids);
    } else if (kind == "acking") {
      for (std::string item; words >> item;) {
        const auto a = item.find(':'), b = item.rfind(':');
        j.acking.emplace(item.substr(a + 1, b - a - 1), std::stoull(item.substr(b + 1)));
      }
    } else if (kind == "acked") {
      for (std::uint64_t id; words >> id;) j.acked.insert(id);
    }
  }
  return j;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Checks the file against the journal; returns what is wrong ("" if nothing).
std::string check_file(const std::string& db, const Journal& j) {
  auto opened = SqliteStorage::open(db);
  if (!opened) return "reopening: " + opened.error().describe();
  SqliteStorage& s = **opened;
  if (Status st = s.check_integrity(); !st) return st.error().describe();

  for (const auto& [id, version] : j.committed) {
    auto c = s.load(id);
    if (!c) return "reported committed, missing: " + id + " (" + c.error().describe() + ")";
    if (c->version < version)
      return "case " + id + " is at version " + std::to_string(c->version) + ", reported " + std::to_string(version);
  }
  for (const auto& batch : j.batches)
    for (const auto& id : batch)
      if (!s.load(id)) return "a reported batch lost " + id;

  // Batches are all or nothing, also those the writer never got to report.
  std::map<std::string, int> batch_sizes;
  std::set<std::pair<std::string, std::uint64_t>> events;
  const std::vector<Case> cases = s.query(CaseQuery{}).value();
  for (const Case& c : cases) {
    if (c.id[0] == 'B') ++batch_sizes[c.id.substr(0, c.id.rfind('-'))];
    Status st = s.read_events(c.id, 1, [&](const Event& e) {
      events.emplace(e.case_id, e.seq);
      return true;
    });
    if (!st) return st.error().describe();
  }
  for (const auto& [batch, size] : batch_sizes)
    if (size != 5) return "batch " + batch + " is partly stored (" + std::to_string(size) + " of 5 cases)";

  // Every event produced one message: it is still in the outbox, or its ack was at
  // least attempted. Every message in the outbox belongs to a stored event.
  std::set<std::pair<std::string, std::uint64_t>> queued;
  const std::vector<OutboxMessage> outbox = s.outbox_fetch(1u << 30).value();
  for (const OutboxMessage& m : outbox) {
    if (j.acked.count(m.id)) return "message " + std::to_string(m.id) + " was acknowledged but is still queued";
    if (!events.count({m.case_id, m.event_seq}))
      return "message " + std::to_string(m.id) + " names no stored event (" + m.case_id + ")";
    queued.emplace(m.case_id, m.event_seq);
  }
  for (const auto& e : events)
    if (!queued.count(e) && !j.acking.count(e))
      return "the message of event " + e.first + "#" + std::to_string(e.second) + " was lost";
  if (s.outbox_depth().value() != queued.size()) return "outbox_depth disagrees with outbox_fetch";
  return "";
}

}  // namespace

TEST_CASE("SIGKILL at random moments loses no committed action and damages nothing") {
  constexpr int kKills = 24;
  TempDir dir;
  const std::string db = dir.file("center.db");
  const std::string journal = dir.file("journal.txt");
  const std::string errors = dir.file("worker.stderr");
  const unsigned seed = std::random_device{}();
  INFO("seed " << seed << " (kill delays and the writer's choices)");
  std::mt19937 random(seed);

  std::size_t last_lines = 0;
  int runs_with_progress = 0;
  for (int run = 0; run < kKills; ++run) {
    {
      ChildProcess writer({FENGQIAO_SQLITE_WORKER, "crash-writer", db, journal, std::to_string(run),
                           std::to_string(random())},
                          errors);
      std::this_thread::sleep_for(std::chrono::milliseconds(40 + random() % 260));
      writer.kill_now();
      const int status = writer.wait();
      INFO("run " << run << "; worker stderr: " << slurp(errors));
      REQUIRE_MESSAGE((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL),
                      "the writer stopped before it was killed");
    }
    const Journal j = read_journal(journal);
    if (j.lines > last_lines) ++runs_with_progress;
    last_lines = j.lines;
    const std::string problem = check_file(db, j);
    INFO("after kill " << run + 1);
    REQUIRE_MESSAGE(problem.empty(), problem);
  }
  const Journal j = read_journal(journal);
  MESSAGE(j.committed.size() << " cases, " << j.lines << " journal lines, " << j.batches.size() << " batches, "
                             << j.acked.size() << " acks over " << kKills << " kills");
  // The kills must have interrupted real work, not idle processes.
  CHECK(runs_with_progress >= kKills / 2);
  CHECK(j.batches.size() > 0);
  CHECK(j.acked.size() > 0);
}
