// Every committed file of an earlier schema (tests/data/sqlite/schema-v<N>.db), migrated to
// the current one: its cases, events, hash chains, outbox, visits, configuration records and
// report read back as they did before. And a damaged file's migration is refused, naming
// the row, with nothing changed.
//
// The files: schema-v1.db and schema-v2.db (make_schema_v1.cpp, make_schema_v2.cpp),
// schema-v3.db (the sqlite_open fuzz seed made at schema 3, before the hash chain) and
// schema-v4.db (made by tests/fuzz/make_seeds.cpp at schema 4, JSON rows with their chain,
// before the compact schema 5).
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <fengqiao/chain.hpp>
#include <fengqiao/report.hpp>
#include <fengqiao/sqlite_storage.hpp>
#include <fengqiao/testing/storage_conformance.hpp>

#include "storage/compact_codec.hpp"

namespace {

using namespace fengqiao;
using fengqiao::testing::TempDir;

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string copy_of(const TempDir& dir, const std::string& name) {
  const std::string path = dir.file(name);
  const std::string original = bytes_of(FENGQIAO_HISTORIES "/../sqlite/" + name);
  REQUIRE(original.size() > 4096);
  std::ofstream(path, std::ios::binary) << original;
  return path;
}

// Everything a store gives back through the Storage API, as JSON. `chain`: keep the events'
// hashes and the snapshots' chain heads (a file before schema 4 has none, and its migration
// makes them).
nlohmann::json everything(const Storage& s, bool chain) {
  nlohmann::json out;
  for (const Case& c : s.query(CaseQuery{}).value()) {
    nlohmann::json snapshot = c;
    if (!chain) snapshot.erase("chain_head");
    nlohmann::json events = nlohmann::json::array();
    REQUIRE(s.read_events(c.id, 1, [&](const Event& e) {
               nlohmann::json j = e;
               if (!chain) j.erase("hash");
               events.push_back(j);
               return true;
             }).ok());
    out["cases"][c.id] = snapshot;
    out["events"][c.id] = events;
  }
  for (const Visit& v : s.visits(VisitQuery{}).value()) out["visits"].push_back(v);
  REQUIRE(s.read_configurations(1, [&](const ConfigRecord& r) {
             out["configurations"].push_back(r);
             return true;
           }).ok());
  for (const OutboxMessage& m : s.outbox_fetch(1000).value())
    out["outbox"].push_back({m.id, m.topic, m.case_id, m.event_seq, m.payload});
  out["report"] = compute_report(s).value().to_json();
  return out;
}

SqliteOptions read_only() {
  SqliteOptions o;
  o.read_only = true;
  return o;
}

std::string schema_version(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  SQLite::Statement st(db, "SELECT value FROM meta WHERE key = 'schema_version'");
  REQUIRE(st.executeStep());
  return st.getColumn(0).getString();
}

// Every table's rows and every schema object, as text: "changed nothing" for a refusal.
std::string contents_of(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  std::string out;
  SQLite::Statement objects(db, "SELECT type, name, ifnull(sql, '') FROM sqlite_master ORDER BY name");
  std::vector<std::string> tables;
  while (objects.executeStep()) {
    out += objects.getColumn(0).getString() + " " + objects.getColumn(1).getString() + ": " +
           objects.getColumn(2).getString() + "\n";
    if (objects.getColumn(0).getString() == "table" && objects.getColumn(1).getString().rfind("sqlite_", 0) != 0)
      tables.push_back(objects.getColumn(1).getString());
  }
  for (const std::string& t : tables) {
    SQLite::Statement rows(db, "SELECT * FROM \"" + t + "\" ORDER BY 1, 2");
    while (rows.executeStep()) {
      out += t + ":";
      for (int i = 0; i < rows.getColumnCount(); ++i) out += " " + rows.getColumn(i).getString();
      out += "\n";
    }
  }
  return out;
}

}  // namespace

TEST_CASE("every committed file of an earlier schema migrates to the current one with its contents unchanged") {
  for (int version = 1; version < SqliteStorage::kSchemaVersion; ++version) {
    const std::string name = "schema-v" + std::to_string(version) + ".db";
    INFO(name);
    TempDir dir;
    const std::string path = copy_of(dir, name);
    REQUIRE(schema_version(path) == std::to_string(version));
    const bool chained_before = version >= 4;
    nlohmann::json before;
    {
      auto s = SqliteStorage::open(path, read_only()).value_or_throw();
      before = everything(*s, chained_before);
      if (chained_before) CHECK(chain::verify_store(*s).value().intact());
    }
    REQUIRE(before["cases"].size() >= 3);
    {
      auto s = SqliteStorage::open(path).value_or_throw();
      CHECK(s->check_integrity().ok());
      const nlohmann::json after = everything(*s, chained_before);
      CHECK(after == before);
      // Every chain holds: the hashes a schema-4 file stored (compared above) are still the
      // hashes of the events as the compact rows give them back.
      const chain::Report verified = chain::verify_store(*s).value();
      CHECK(verified.intact());
      CHECK(verified.cases == before["cases"].size());
    }
    CHECK(schema_version(path) == std::to_string(SqliteStorage::kSchemaVersion));
    // Reopened (nothing left to migrate), it reads the same again.
    auto again = SqliteStorage::open(path).value_or_throw();
    CHECK(everything(*again, chained_before) == before);
    CHECK(again->check_integrity().ok());
  }
}

TEST_CASE("the current schema stores snapshots and events as compact blobs, and the migration made them so") {
  TempDir dir;
  const std::string path = copy_of(dir, "schema-v4.db");
  SqliteStorage::open(path).value_or_throw();
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  SQLite::Statement cases(db, "SELECT id, typeof(snapshot), snapshot FROM cases");
  int n = 0;
  while (cases.executeStep()) {
    ++n;
    CHECK(cases.getColumn(1).getString() == "blob");
    const std::string blob = cases.getColumn(2).getString();
    REQUIRE_FALSE(blob.empty());
    CHECK(static_cast<std::uint8_t>(blob[0]) == storage_detail::kCaseFormat);
  }
  CHECK(n == 4);
  SQLite::Statement events(db, "SELECT count(*) FROM events WHERE typeof(body) <> 'blob'");
  REQUIRE(events.executeStep());
  CHECK(events.getColumn(0).getInt() == 0);
  // The old JSON tables are gone, and no table but the current ones is left.
  SQLite::Statement leftovers(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE '%_v5'");
  REQUIRE(leftovers.executeStep());
  CHECK(leftovers.getColumn(0).getInt() == 0);
}

TEST_CASE("a damaged row refuses the migration, named, and the file keeps every row it had") {
  struct Damage {
    const char* what;
    const char* sql;
    const char* named;
  };
  for (const Damage& d : {
           Damage{"an event that is not JSON", "UPDATE events SET json = '{\"at\":' WHERE case_id = 'C-2' AND seq = 2",
                  "event 2 of case \"C-2\""},
           Damage{"a snapshot of an unknown state", "UPDATE cases SET snapshot = json_set(snapshot, '$.state', 'frozen') WHERE id = 'C-3'",
                  "case \"C-3\""},
           Damage{"a snapshot under another case's row", "UPDATE cases SET snapshot = json_set(snapshot, '$.id', 'C-9') WHERE id = 'C-1'",
                  "case \"C-1\""},
       }) {
    INFO(d.what);
    TempDir dir;
    const std::string path = copy_of(dir, "schema-v4.db");
    {
      SQLite::Database db(path, SQLite::OPEN_READWRITE);
      db.exec("DROP TRIGGER events_are_append_only_update");  // the damage comes from outside
      db.exec(d.sql);
      db.exec("CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events"
              " BEGIN SELECT RAISE(ABORT, 'fengqiao events are append-only'); END");
    }
    const std::string contents = contents_of(path);
    auto opened = SqliteStorage::open(path);
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().code == ErrorCode::storage_error);
    INFO(opened.error().message);
    CHECK(opened.error().message.find(d.named) != std::string::npos);
    CHECK(contents_of(path) == contents);
    CHECK(schema_version(path) == "4");
  }
}
