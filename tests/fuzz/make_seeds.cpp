// Writes the seeds of the fuzz targets that need files made by the library itself:
//   sqlite_open/seeds/schema-N.db      a small store of the current schema N: cases in
//                                      several states with running, held and stopped
//                                      clocks, visits, outbox messages, a configuration
//                                      change; shrunk to 512-byte pages so that the fuzzer
//                                      mutates a few kilobytes, not megabytes
//   sqlite_open/seeds/schema-1.db, -2  tests/data/sqlite's older files, shrunk the same way
//                                      (opening them writable migrates them); the seeds of
//                                      earlier current schemas (schema-3.db, before the hash
//                                      chain; schema-4.db, JSON rows before the compact
//                                      schema 5) are kept as they were made: older files too
//                                      (schema-4.db is also tests/data/sqlite/schema-v4.db)
//   rules_calendar/seeds/*.json        a case snapshot, an event, a stage clock and a
//                                      configuration record as stored (JSON)
// Run by hand when the stored formats change (the target is not built by default):
//   cmake --build build --target fuzz_make_seeds && build/tests/fuzz/fuzz_make_seeds tests/fuzz
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <fengqiao/engine.hpp>
#include <fengqiao/outbox.hpp>
#include <fengqiao/sqlite_storage.hpp>

namespace fs = std::filesystem;
using namespace fengqiao;
using Json = nlohmann::json;

namespace {

Instant at(const char* iso) { return parse_instant(iso).value(); }

Json registration(const char* urgency, const char* summary) {
  return {{"channel", "walk_in"},
          {"category", "neighbour"},
          {"urgency", urgency},
          {"jurisdiction", {"daxinganling", "mohe", "xilinji"}},
          {"parties", {{{"name", "王丽"}, {"phone", "13900000001"}, {"id_number", "230000199001011234"}}}},
          {"summary", summary}};
}

// Smaller pages, no free pages, and the legacy journal (a seed must not need its -wal).
void shrink(const fs::path& file) {
  SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
  db.exec("PRAGMA journal_mode=DELETE");
  db.exec("PRAGMA page_size=512");
  db.exec("VACUUM");
}

void write_json(const fs::path& file, const Json& j) {
  std::ofstream(file) << j.dump() << "\n";
  std::cout << file.string() << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_seeds TESTS_FUZZ_DIR\n";
    return 2;
  }
  const fs::path out(argv[1]);
  const fs::path sqlite_seeds = out / "sqlite_open" / "seeds";
  const fs::path json_seeds = out / "rules_calendar" / "seeds";
  fs::create_directories(sqlite_seeds);
  fs::create_directories(json_seeds);

  const fs::path db = sqlite_seeds / ("schema-" + std::to_string(SqliteStorage::kSchemaVersion) + ".db");
  fs::remove(db);
  {
    auto storage = SqliteStorage::open(db.string()).value_or_throw();
    auto clock = std::make_shared<ManualClock>(at("2025-09-26T09:00:00+08:00"));
    EngineOptions o;
    o.storage = storage;
    o.clock = clock;
    o.outbox = notification_outbox_policy();
    o.calendar = BusinessCalendar::from_json(Json::parse(R"({"holidays":["2025-10-01","2025-10-02","2025-10-03"],
                                                             "workdays":["2025-09-28"]})"))
                     .value_or_throw();
    o.rules = DeadlineRules::from_json(Json::parse(
                                           R"({"categories":{"labour_wage":{"stages":{"handling":{"normal":{"limit":{"working_days":10}}}}}}})"))
                  .value_or_throw();
    Engine engine(std::move(o));
    const Actor intake{"u-intake-1", Role::intake, "center"};
    const Actor dispatcher{"u-disp-1", Role::dispatcher, "center"};
    const Actor handler{"u-hj-1", Role::handler, "justice_xilinji"};
    // C-1 handling (a day clock), C-2 consulting (held), C-3 an emergency overdue and
    // escalated (an elapsed clock), C-4 closed.
    engine.register_case("C-1", intake, registration("normal", "Wages owed."));
    engine.act("C-1", Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
    engine.act("C-1", Action::accept, handler);
    engine.act("C-1", Action::note, handler,
               {{"text", "Site visit."}, {"attachments", {{{"ref", "dms://1/photo.jpg"}, {"kind", "photo"}}}}});
    engine.register_case("C-2", intake, registration("urgent", "围栏纠纷"));
    engine.act("C-2", Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
    engine.act("C-2", Action::accept, handler);
    engine.act("C-2", Action::start_consultation, handler, {{"orgs", {"police_xilinji"}}});
    engine.register_case("C-3", intake, registration("emergency", "A fight over water."));
    engine.register_case("C-4", intake, registration("normal", "Settled at once."));
    engine.act("C-4", Action::resolve_on_spot, intake, {{"agreement", "returned"}});
    engine.record_visit("V-1", intake,
                        {{"channel", "walk_in"},
                         {"kind", "claim"},
                         {"parties", {{{"name", "王丽"}, {"phone", "13900000001"}}}},
                         {"summary", "Wages owed."},
                         {"case", "C-1"}});
    clock->set(at("2025-09-26T13:00:00+08:00"));
    engine.poll();
    BusinessCalendar next = engine.calendar();
    next.add_holiday(parse_date("2025-12-31").value()).throw_if_error();
    engine.update_calendar(next);
    storage->check_integrity().throw_if_error();

    for (const char* id : {"C-1", "C-2", "C-3"}) {
      const Case c = engine.get(id);
      write_json(json_seeds / (std::string("case-") + id + ".json"), Json(c));
      if (c.clock) write_json(json_seeds / (std::string("clock-") + id + ".json"), Json(*c.clock));
    }
    const auto events = engine.history("C-3");
    write_json(json_seeds / "event-escalated.json", Json(events.back()));
    write_json(json_seeds / "config-record.json", Json(engine.configuration_history().back()));
  }
  shrink(db);
  std::cout << db.string() << "\n";

  for (int version : {1, 2}) {
    const fs::path from = out / ".." / "data" / "sqlite" / ("schema-v" + std::to_string(version) + ".db");
    const fs::path to = sqlite_seeds / ("schema-" + std::to_string(version) + ".db");
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    shrink(to);
    std::cout << to.string() << "\n";
  }
  return 0;
}
