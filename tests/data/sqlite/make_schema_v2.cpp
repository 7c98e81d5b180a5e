// How tests/data/sqlite/schema-v2.db was made: with the library as it was at schema
// version 2 (commit b762cb4: visits, no configuration table), before the store kept its
// calendar and rules. Kept so that the file's contents can be read off here; rebuilding it
// with a later fengqiao would not give a version-2 file.
//
//   c++ -std=c++17 -I include make_schema_v2.cpp build/src/sqlite/libfengqiao_sqlite.a \
//       build/src/libfengqiao_core.a -lSQLiteCpp -lsqlite3 -lpthread && ./a.out schema-v2.db
//
// The center ran with the 2025 National Day calendar (holidays 10-01..10-08, make-up days
// 09-28 and 10-11); nothing in the file says so: an engine opened on it must be given it.
#include <cstdio>
#include <memory>

#include <fengqiao/engine.hpp>
#include <fengqiao/sqlite_storage.hpp>

using namespace fengqiao;

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  std::remove(argv[1]);
  auto storage = SqliteStorage::open(argv[1]).value_or_throw();
  auto clock = std::make_shared<ManualClock>(parse_instant("2025-09-26T09:00:00+08:00").value());
  EngineOptions o;
  o.storage = storage;
  o.clock = clock;
  o.calendar = BusinessCalendar::from_json(nlohmann::json::parse(
                                               R"({"holidays":["2025-10-01","2025-10-02","2025-10-03","2025-10-04",
                                                   "2025-10-05","2025-10-06","2025-10-07","2025-10-08"],
                                                   "workdays":["2025-09-28","2025-10-11"]})"))
                   .value_or_throw();
  Engine engine(std::move(o));
  const Actor intake{"u-intake-1", Role::intake, "center"};
  const Actor dispatcher{"u-disp-1", Role::dispatcher, "center"};
  const Actor handler{"u-hj-1", Role::handler, "justice_xilinji"};
  auto data = [](const char* summary) {
    return nlohmann::json{{"channel", "walk_in"},
                          {"category", "neighbour"},
                          {"urgency", "normal"},
                          {"jurisdiction", {"daxinganling", "mohe", "xilinji"}},
                          {"parties", {{{"name", "王丽"}, {"phone", "13900000001"}, {"account", "citizen-wl"}}}},
                          {"summary", summary}};
  };
  // C-1 in handling across the holiday (deadline after it), C-2 in consultation (the
  // handling clock held), C-3 suspended, C-4 closed. One visit linked to C-1, one lead.
  engine.register_case("C-1", intake, data("Wages owed for the autumn harvest."));
  engine.act("C-1", Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
  engine.act("C-1", Action::accept, handler);
  engine.act("C-1", Action::assign, handler, {{"assignee", "u-hj-1"}});
  engine.register_case("C-2", intake, data("围栏纠纷"));
  engine.act("C-2", Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
  engine.act("C-2", Action::accept, handler);
  engine.act("C-2", Action::start_consultation, handler, {{"orgs", {"police_xilinji"}}});
  engine.register_case("C-3", intake, data("A boundary stone moved."));
  engine.act("C-3", Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
  engine.act("C-3", Action::accept, handler);
  engine.act("C-3", Action::suspend, handler, {{"reason", "party in hospital"}});
  engine.register_case("C-4", intake, data("A lost-and-found question settled at once."));
  engine.act("C-4", Action::resolve_on_spot, intake, {{"agreement", "returned"}});
  engine.record_visit("V-1", intake,
                      {{"channel", "walk_in"},
                       {"kind", "claim"},
                       {"parties", {{{"name", "王丽"}, {"phone", "13900000001"}}}},
                       {"summary", "Wages owed."},
                       {"case", "C-1"}});
  engine.record_visit("V-2", Actor{"u-grid-1", Role::grid_worker, "grid_7"},
                      {{"channel", "grid"},
                       {"kind", "lead"},
                       {"parties", {{{"name", "李强"}}}},
                       {"summary", "Two families argue over a lane."}});
  clock->set(parse_instant("2025-09-29T12:00:00+08:00").value());
  engine.poll();
  for (const char* id : {"C-1", "C-2", "C-3", "C-4"}) {
    const Case c = engine.get(id);
    std::printf("%s %s deadline %s\n", id, std::string(to_string(c.state)).c_str(),
                c.deadline() ? format_instant(*c.deadline(), UtcOffset()).c_str() : "none");
  }
  storage->check_integrity().throw_if_error();
}
