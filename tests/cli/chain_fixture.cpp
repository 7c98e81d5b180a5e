// A helper of the `fengqiao verify` tests (verify.cmake), standing in for what the tool
// does not do: make a SQLite store from a history, and edit one from outside as an
// intruder would (the append-only triggers dropped first).
//   fengqiao_chain_fixture make HISTORY DB
//   fengqiao_chain_fixture sql DB STATEMENT
//   fengqiao_chain_fixture shift DB SEQ SECONDS   every case's event SEQ moved by SECONDS
//                                                 (schema 5 keeps `at` inside the event's blob)
#include <fstream>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include <fengqiao/replay.hpp>
#include <fengqiao/sqlite_storage.hpp>

#include "storage/compact_codec.hpp"

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
    if (mode == "shift" && argc == 5) {
      SQLite::Database db(argv[2], SQLite::OPEN_READWRITE);
      db.exec("DROP TRIGGER IF EXISTS events_are_append_only_update");
      SQLite::Statement rows(db, "SELECT case_id, body FROM events WHERE seq = ?1");
      rows.bind(1, static_cast<std::int64_t>(std::stoll(argv[3])));
      std::vector<std::pair<std::string, std::string>> shifted;
      while (rows.executeStep()) {
        const std::string id = rows.getColumn(0).getString(), body = rows.getColumn(1).getString();
        fengqiao::Event e = fengqiao::storage_detail::decode_event(body.data(), body.size(), id, std::stoull(argv[3]));
        e.at += fengqiao::Seconds(std::stoll(argv[4]));
        fengqiao::storage_detail::Buf out;
        fengqiao::storage_detail::encode_event(e, out);
        shifted.emplace_back(id, std::string(out.data(), out.size()));
      }
      rows.reset();
      SQLite::Statement set(db, "UPDATE events SET body = ?3 WHERE case_id = ?1 AND seq = ?2");
      int changed = 0;
      for (const auto& [id, body] : shifted) {
        set.reset();
        set.bind(1, id);
        set.bind(2, static_cast<std::int64_t>(std::stoll(argv[3])));
        set.bind(3, body.data(), static_cast<int>(body.size()));
        changed += set.exec();
      }
      std::cout << changed << " rows changed\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "fengqiao_chain_fixture: " << e.what() << '\n';
    return 2;
  }
  std::cerr << "usage: fengqiao_chain_fixture make HISTORY DB | sql DB STATEMENT | shift DB SEQ SECONDS\n";
  return 2;
}
