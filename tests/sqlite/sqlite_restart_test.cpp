// Restart: a process that reopens the file sees every committed action, and the deadline
// machinery goes on from the persisted due instants — what fell due while it was down
// fires in order, exactly once.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <fengqiao/replay.hpp>
#include <fengqiao/sqlite_storage.hpp>
#include <fengqiao/testing/storage_conformance.hpp>

#include "fixtures.hpp"

namespace {

using namespace fengqiao;
using fengqiao::testing::TempDir;
namespace fx = fengqiao::testing;

// Configuration lines a history expects to be refused (counted without the library).
std::size_t refused_config_lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);)
    if (line.find("\"config\"") != std::string::npos && line.find("\"expect_error\"") != std::string::npos) ++n;
  return n;
}

struct Node {
  std::shared_ptr<ManualClock> clock;
  std::unique_ptr<Engine> engine;
  std::vector<Event> fired;  // engine-generated events this engine stored

  Node(std::shared_ptr<Storage> storage, Instant now) : clock(std::make_shared<ManualClock>(now)) {
    EngineOptions o;
    o.storage = std::move(storage);
    o.clock = clock;
    o.calendar = fx::national_day_2025();
    engine = std::make_unique<Engine>(std::move(o));
    engine->subscribe([this](const Event& e, const Case&) {
      if (e.type != EventType::action) fired.push_back(e);
    });
  }
};

// Cases whose clocks fall due at different and at equal instants.
void open_cases(Engine& e, ManualClock& clock) {
  e.register_case("C-3", fx::intake, fx::registration("urgent"));
  e.register_case("C-1", fx::intake, fx::registration("urgent"));  // same instants as C-3
  e.register_case("C-2", fx::intake, fx::registration("emergency"));
  e.register_case("C-4", fx::intake, fx::registration("normal"));
  clock.advance(Seconds(600));
  e.act("C-4", Action::dispatch, fx::dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
  e.act("C-4", Action::accept, fx::lead_handler);
}

std::vector<nlohmann::json> as_json(const std::vector<Event>& events) {
  std::vector<nlohmann::json> out;
  for (const Event& e : events) out.push_back(nlohmann::json(e));
  return out;
}

}  // namespace

TEST_CASE("after a restart, what fell due while down fires in order, exactly once") {
  TempDir dir;
  const std::string path = dir.file("center.db");
  const Instant start = fx::at("2025-09-01T09:00:00+08:00");
  const Instant later = fx::at("2025-09-20T09:00:00+08:00");

  // The reference: the same story in one process that never stops.
  Node reference(std::make_shared<MemoryStorage>(), start);
  open_cases(*reference.engine, *reference.clock);
  reference.clock->set(later);
  reference.engine->poll();
  // What falls due by Sat 20 Sep 09:00, counted by hand: C-1 and C-3 (urgent dispatch, 4
  // hours from Mon 1 09:00): warning 12:00, overdue 13:00, levels 1-3 on 3, 4, 5 Sep 00:00;
  // C-2 (emergency, 30 minutes): 09:22:30, 09:30, then every 2 hours to level 3; C-4's
  // handling clock (15 working days from Mon 1): its warning, Fri 19 00:00 (W13 = Thu 18),
  // not yet its deadline (Tue 23). 5 + 5 + 5 + 1.
  REQUIRE(reference.fired.size() == 16);

  {
    Node first(SqliteStorage::open(path).value_or_throw(), start);
    open_cases(*first.engine, *first.clock);
    CHECK(first.fired.empty());
  }  // the process "stops": engine and storage are gone

  Node second(SqliteStorage::open(path).value_or_throw(), later);
  for (const char* id : {"C-1", "C-2", "C-3", "C-4"}) {
    INFO(id);
    CHECK(second.engine->history(id).size() == (std::string(id) == "C-4" ? 3u : 1u));
  }
  const AdvanceReport report = second.engine->poll();
  CHECK(report.fired == reference.fired.size());
  CHECK(as_json(second.fired) == as_json(reference.fired));
  for (std::size_t i = 1; i < second.fired.size(); ++i) {
    const Event& a = second.fired[i - 1];
    const Event& b = second.fired[i];
    CHECK((a.at < b.at || (a.at == b.at && a.case_id <= b.case_id)));
  }
  CHECK(second.engine->poll().fired == 0);
  second.engine.reset();

  // A third start finds nothing left to fire, and the same histories as the reference.
  Node third(SqliteStorage::open(path).value_or_throw(), later);
  CHECK(third.engine->poll().fired == 0);
  for (const char* id : {"C-1", "C-2", "C-3", "C-4"}) {
    INFO(id);
    CHECK(as_json(third.engine->history(id)) == as_json(reference.engine->history(id)));
    CHECK(nlohmann::json(third.engine->get(id)) == nlohmann::json(reference.engine->get(id)));
  }
  CHECK(third.engine->next_due() == reference.engine->next_due());
}

TEST_CASE("an engine batch is one transaction in the file") {
  TempDir dir;
  const std::string path = dir.file("center.db");
  {
    Node node(SqliteStorage::open(path).value_or_throw(), fx::at("2025-09-01T09:00:00+08:00"));
    {
      auto batch = node.engine->batch();
      for (int i = 0; i < 50; ++i) node.engine->register_case("X-" + std::to_string(i), fx::intake, fx::registration());
    }  // destroyed uncommitted: rolled back
    CHECK(node.engine->count(CaseQuery{}) == 0);
    auto batch = node.engine->batch();
    for (int i = 0; i < 50; ++i) node.engine->register_case("I-" + std::to_string(i), fx::intake, fx::registration());
    batch.commit();
  }
  auto reopened = SqliteStorage::open(path).value_or_throw();
  CHECK(reopened->count(CaseQuery{}).value() == 50);
  CHECK(reopened->check_integrity().ok());
}

TEST_CASE("the sample histories replay clean on SQLite, and the file keeps their cases") {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(FENGQIAO_HISTORIES))
    if (entry.path().extension() == ".jsonl") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 4);
  for (const auto& file : files) {
    INFO(file.string());
    TempDir dir;
    ReplayOptions o;
    o.storage = SqliteStorage::open(dir.file("replay.db")).value_or_throw();
    o.source = file.string();
    std::ifstream in(file);
    const ReplayResult result = replay(in, o);
    CHECK_MESSAGE(result.clean(), result.describe());
    o.storage.reset();
    auto reopened = SqliteStorage::open(dir.file("replay.db")).value_or_throw();
    CHECK(reopened->count(CaseQuery{}).value() == result.cases);
    CHECK(reopened->check_integrity().ok());
    // The file keeps the header's configuration and every accepted change after it.
    const auto kept = reopened->configuration().value();
    REQUIRE(kept);
    CHECK(kept->seq == 1 + result.config_changes - refused_config_lines(file));
  }
}
