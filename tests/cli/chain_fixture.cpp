// A helper of the `fengqiao verify` tests (verify.cmake), standing in for what the tool
// does not do: make a SQLite store from a history, and edit one from outside as an
// intruder would (the append-only triggers dropped first).
//   fengqiao_chain_fixture make HISTORY DB
//   fengqiao_chain_fixture sql DB STATEMENT
#include <fstream>
#include <iostream>

#include <SQLiteCpp/SQLiteCpp.h>

#include <fengqiao/replay.hpp>
#include <fengqiao/sqlite_storage.hpp>

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  try {
    if (mode == "make" && argc == 4) {
      std::ifstream in(argv[2]);
      fengqiao::ReplayOptions o;
      o.storage = fengqiao::SqliteStorage::open(argv[3]).value_or_throw();
      o.source = argv[2];
      const auto r = fengqiao::replay(in, o);
      std::cout << r.describe() << '\n';
      return r.clean() ? 0 : 1;
    }
    if (mode == "sql" && argc == 4) {
      SQLite::Database db(argv[2], SQLite::OPEN_READWRITE);
      db.exec("DROP TRIGGER IF EXISTS events_are_append_only_update");
      db.exec("DROP TRIGGER IF EXISTS events_are_append_only_delete");
      std::cout << db.exec(argv[3]) << " rows changed\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "fengqiao_chain_fixture: " << e.what() << '\n';
    return 2;
  }
  std::cerr << "usage: fengqiao_chain_fixture make HISTORY DB | sql DB STATEMENT\n";
  return 2;
}
