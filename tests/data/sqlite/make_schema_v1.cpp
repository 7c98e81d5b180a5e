// How tests/data/sqlite/schema-v1.db was made: with the library as it was at schema
// version 1 (commit c707de8), before visits existed. Kept so that the file's contents can be
// read off here; rebuilding it with a later fengqiao would not give a version-1 file.
//
//   c++ -std=c++17 -I include make_schema_v1.cpp build/src/sqlite/libfengqiao_sqlite.a \
//       build/src/libfengqiao_core.a -lSQLiteCpp -lsqlite3 -lpthread && ./a.out schema-v1.db
#include <cstdio>
#include <memory>

#include <fengqiao/engine.hpp>
#include <fengqiao/sqlite_storage.hpp>

using namespace fengqiao;

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  std::remove(argv[1]);
  auto storage = SqliteStorage::open(argv[1]).value_or_throw();
  auto clock = std::make_shared<ManualClock>(parse_instant("2025-09-01T09:00:00+08:00").value());
  EngineOptions o;
  o.storage = storage;
  o.clock = clock;
  // Every escalation goes to the outbox: the file then holds an unacknowledged message.
  o.outbox = [](const Event& e, const Case&) {
    std::vector<OutboxMessage> out;
    if (e.type == EventType::deadline_overdue) out.push_back(OutboxMessage{0, "overdue", "", 0, {{"note", "v1"}}});
    return out;
  };
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
  // C-1 stays registered and goes overdue (outbox message), C-2 is in handling with a
  // running clock, C-3 was resolved on the spot (concluded).
  engine.register_case("C-1", intake, data("围栏纠纷"));
  engine.register_case("C-2", intake, data("Wages owed for the autumn harvest."));
  engine.act("C-2", Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
  engine.act("C-2", Action::accept, handler);
  engine.register_case("C-3", intake, data("A lost-and-found question settled at once."));
  engine.act("C-3", Action::resolve_on_spot, intake, {{"agreement", "returned"}});
  clock->set(parse_instant("2025-09-03T12:00:00+08:00").value());
  engine.poll();
  std::printf("cases: %llu, outbox: %llu\n", static_cast<unsigned long long>(engine.count({})),
              static_cast<unsigned long long>(storage->outbox_depth().value()));
  storage->check_integrity().throw_if_error();
}
