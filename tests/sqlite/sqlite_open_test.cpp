// The SQLite adapter's own promises, beyond the Storage contract: the documented schema,
// WAL, index use, and a clear error (never silent damage) for files it cannot use.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <iterator>

#include <SQLiteCpp/SQLiteCpp.h>

#include <fengqiao/chain.hpp>
#include <fengqiao/engine.hpp>
#include <fengqiao/history.hpp>
#include <fengqiao/replay.hpp>
#include <fengqiao/sqlite_storage.hpp>
#include <fengqiao/testing/storage_conformance.hpp>

#include "sqlite/case_query.hpp"
#include "sqlite/visit_query.hpp"

namespace {

using namespace fengqiao;
using fengqiao::testing::TempDir;
using fengqiao::testing::conformance::at;
using fengqiao::testing::conformance::change;
using fengqiao::testing::conformance::make_case;
using fengqiao::testing::conformance::set_due;

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A file holding `cases` cases, closed (so its WAL is checkpointed into it).
void make_file(const std::string& path, int cases = 3) {
  auto s = SqliteStorage::open(path).value_or_throw();
  for (int i = 0; i < cases; ++i) {
    Case c = make_case("C-" + std::to_string(i), 2);
    set_due(c, at(100 + i));
    s->commit(testing::conformance::chained(change(c, 0))).throw_if_error();
  }
}

std::string one_text(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement st(db, sql);
  REQUIRE(st.executeStep());
  return st.getColumn(0).getString();
}

std::string plan_of(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement st(db, "EXPLAIN QUERY PLAN " + sql);
  std::string plan;
  while (st.executeStep()) plan += st.getColumn(3).getString() + "\n";
  return plan;
}

template <class R>
std::string message_of(const R& r) {
  return r.ok() ? std::string("(succeeded)") : r.error().message;
}

}  // namespace

TEST_CASE("a new file gets the documented schema, in WAL mode") {
  TempDir dir;
  const std::string path = dir.file("center.db");
  make_file(path);
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  CHECK(one_text(db, "PRAGMA journal_mode") == "wal");
  CHECK(one_text(db, "PRAGMA application_id") == std::to_string(0x46514951));
  CHECK(one_text(db, "SELECT value FROM meta WHERE key = 'schema_version'") == std::to_string(SqliteStorage::kSchemaVersion));
  for (const char* name : {"meta", "cases", "events", "outbox", "cases_by_state", "cases_by_supervision", "cases_by_lead",
                           "cases_by_jurisdiction", "cases_by_due", "visits", "visits_by_at", "visits_by_case",
                           "visit_keys", "configurations", "configurations_are_append_only_update",
                           "configurations_are_append_only_delete"}) {
    INFO(name);
    CHECK(one_text(db, std::string("SELECT count(*) FROM sqlite_master WHERE name = '") + name + "'") == "1");
  }
  CHECK(one_text(db, "SELECT count(*) FROM cases") == "3");
  CHECK(one_text(db, "SELECT count(*) FROM events") == "6");
  CHECK(one_text(db, "SELECT jurisdiction FROM cases WHERE id = 'C-0'") == "/daxinganling/mohe/xilinji/");
  CHECK(one_text(db, "SELECT next_due FROM cases WHERE id = 'C-1'") ==
        std::to_string(at(101).time_since_epoch().count()));
  CHECK(one_text(db, "SELECT version FROM cases WHERE id = 'C-2'") == "2");
  CHECK(one_text(db, "SELECT typeof(snapshot) FROM cases WHERE id = 'C-2'") == "blob");  // schema 5's compact form
}

TEST_CASE("first_due and the filtered queries use their indexes") {
  TempDir dir;
  const std::string path = dir.file("center.db");
  make_file(path);
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  // A search (a descent), not a scan, of the due index.
  CHECK(plan_of(db, sqlite_detail::kFirstDueSql).find("SEARCH cases USING COVERING INDEX cases_by_due") !=
        std::string::npos);

  CaseQuery q;
  q.state = State::handling;
  CHECK(plan_of(db, sqlite_detail::query_sql(q, sqlite_detail::QueryShape::rows)).find("cases_by_state") !=
        std::string::npos);
  q = {};
  q.jurisdiction = {"daxinganling", "mohe"};
  CHECK(plan_of(db, sqlite_detail::query_sql(q, sqlite_detail::QueryShape::rows)).find("cases_by_jurisdiction") !=
        std::string::npos);
  q = {};
  q.lead = "justice";
  CHECK(plan_of(db, sqlite_detail::query_sql(q, sqlite_detail::QueryShape::count)).find("cases_by_lead") !=
        std::string::npos);
}

TEST_CASE("the visit filters use their indexes") {
  TempDir dir;
  const std::string path = dir.file("center.db");
  make_file(path);
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  using sqlite_detail::QueryShape;
  using sqlite_detail::visit_query_sql;
  VisitQuery q;
  q.from = at(0);
  q.to = at(3600);
  CHECK(plan_of(db, visit_query_sql(q, QueryShape::count)).find("visits_by_at") != std::string::npos);
  q = {};
  q.case_id = "C-1";
  CHECK(plan_of(db, visit_query_sql(q, QueryShape::rows)).find("visits_by_case") != std::string::npos);
  q = {};
  q.phone = "13900000001";
  CHECK(plan_of(db, visit_query_sql(q, QueryShape::rows)).find("SEARCH visit_keys") != std::string::npos);
}

// A copy of a file written by an earlier fengqiao and committed as test data
// (tests/data/sqlite/make_schema_v<N>.cpp say how each was made).
struct CommittedFile {
  TempDir dir;
  const std::string path;
  explicit CommittedFile(const std::string& name) : path(dir.file(name)) {
    // FENGQIAO_HISTORIES is tests/data/histories in every storage test (CMakeLists.txt).
    const std::string original = bytes_of(FENGQIAO_HISTORIES "/../sqlite/" + name);
    REQUIRE(original.size() > 4096);
    std::ofstream(path, std::ios::binary) << original;
  }
  // A column of every case, as the file holds it (read without fengqiao).
  std::map<std::string, std::string> column(const std::string& name) const {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    SQLite::Statement st(db, "SELECT id, ifnull(" + name + ", 'none') FROM cases ORDER BY id");
    std::map<std::string, std::string> out;
    while (st.executeStep()) out[st.getColumn(0).getString()] = st.getColumn(1).getString();
    return out;
  }
};

// schema-v1.db: written at schema version 1, before visits: three cases and one
// unacknowledged message.
struct VersionOneFile : CommittedFile {
  VersionOneFile() : CommittedFile("schema-v1.db") {}
  std::map<std::string, std::string> next_due_column() const { return column("next_due"); }
};

TEST_CASE("a version-1 file opened read-only is read as it is, unmigrated and unchanged") {
  VersionOneFile v1;
  const std::string before = bytes_of(v1.path);
  SqliteOptions ro;
  ro.read_only = true;
  {
    auto s = SqliteStorage::open(v1.path, ro).value_or_throw();
    CHECK(s->count(CaseQuery{}).value() == 3);
    CHECK(s->load("C-2").value().state == State::handling);
    CHECK(s->outbox_depth().value() == 1);
    CHECK(s->visits(VisitQuery{}).value().empty());  // a version-1 file has no visits
    CHECK(s->count_visits(VisitQuery{}).value() == 0);
    CHECK(s->add_visit(testing::conformance::make_visit("V-1", at(0))).error().code == ErrorCode::storage_error);
    CHECK(s->first_due(Instant::max()).value().has_value());
  }
  CHECK(bytes_of(v1.path) == before);
  SQLite::Database db(v1.path, SQLite::OPEN_READONLY);
  CHECK(one_text(db, "SELECT value FROM meta WHERE key = 'schema_version'") == "1");
}

TEST_CASE("a version-1 file opened writable is migrated: its cases, deadlines and outbox stay, visits come") {
  VersionOneFile v1;
  const auto due_before = v1.next_due_column();
  REQUIRE(due_before.size() == 3);
  std::map<std::string, nlohmann::json> snapshots;
  {
    SqliteOptions ro;
    ro.read_only = true;
    auto s = SqliteStorage::open(v1.path, ro).value_or_throw();
    const std::vector<Case> cases = s->query(CaseQuery{}).value();
    for (const Case& c : cases) snapshots[c.id] = nlohmann::json(c);
  }
  {
    auto s = SqliteStorage::open(v1.path).value_or_throw();
    s->check_integrity().throw_if_error();
    for (const auto& entry : snapshots) {  // INFO's lambda may not name a structured binding
      const auto& id = entry.first;
      const auto& snapshot = entry.second;
      INFO(id);
      const Case c = s->load(id).value();
      // The same snapshot, plus the head of its chain (schema 4 chained its events).
      CHECK(chain::is_hash(c.chain_head));
      nlohmann::json unchained = c;
      unchained.erase("chain_head");
      CHECK(unchained == snapshot);
      CHECK(s->read_events(id, 1, [](const Event&) { return true; }).ok());
    }
    CHECK(s->outbox_depth().value() == 1);
    CHECK(s->configuration().value() == std::nullopt);  // it kept none (an engine opened on it records one)

    auto clock = std::make_shared<ManualClock>(parse_instant("2025-09-03T13:00:00+08:00").value());
    EngineOptions o;
    o.storage = s;
    o.clock = clock;
    Engine engine(std::move(o));
    const Actor intake{"u-intake-1", Role::intake, "center"};
    const nlohmann::json data = {{"channel", "hotline"},
                                 {"kind", "inquiry"},
                                 {"parties", {{{"name", "王丽"}, {"phone", "13900000001"}}}},
                                 {"summary", "Asked when the harvest wages will be paid."},
                                 {"case", "C-2"}};
    // Nothing fell due between the file's last instant and this one, so the visit leaves
    // every deadline where it was.
    engine.record_visit("V-1", intake, data);
    VisitQuery q;
    q.case_id = "C-2";
    CHECK(engine.count_visits(q) == 1);
    CHECK(engine.try_record_visit("V-1", intake, data).error().code == ErrorCode::duplicate_visit);
  }
  CHECK(v1.next_due_column() == due_before);
  SQLite::Database db(v1.path, SQLite::OPEN_READONLY);
  // Migrated through 2 to the current version in one go.
  CHECK(one_text(db, "SELECT value FROM meta WHERE key = 'schema_version'") == std::to_string(SqliteStorage::kSchemaVersion));
  CHECK(one_text(db, "SELECT count(*) FROM visits") == "1");
  CHECK(one_text(db, "SELECT count(*) FROM visit_keys") == "1");
  auto again = SqliteStorage::open(v1.path).value_or_throw();
  CHECK(again->visits(VisitQuery{}).value().at(0).case_id == std::optional<std::string>("C-2"));
  again->check_integrity().throw_if_error();
}

// tests/data/sqlite/schema-v2.db was written by fengqiao at schema version 2, before the
// store kept its configuration (tests/data/sqlite/make_schema_v2.cpp): four cases (C-1
// handling, C-2 consulting, C-3 suspended, C-4 concluded), two visits, no unacknowledged
// message.
struct VersionTwoFile : CommittedFile {
  VersionTwoFile() : CommittedFile("schema-v2.db") {}
};

TEST_CASE("a version-2 file opened read-only is read as it is, unmigrated and unchanged") {
  VersionTwoFile v2;
  const std::string before = bytes_of(v2.path);
  SqliteOptions ro;
  ro.read_only = true;
  {
    auto s = SqliteStorage::open(v2.path, ro).value_or_throw();
    CHECK(s->count(CaseQuery{}).value() == 4);
    CHECK(s->load("C-1").value().state == State::handling);
    CHECK(s->load("C-2").value().state == State::consulting);
    CHECK(s->count_visits(VisitQuery{}).value() == 2);
    CHECK(s->first_due(Instant::max()).value().has_value());
    CHECK(s->configuration().value() == std::nullopt);  // a version-2 file kept no configuration
    bool visited = false;
    CHECK(s->read_configurations(1, [&](const ConfigRecord&) { return visited = true; }).ok());
    CHECK_FALSE(visited);
    s->check_integrity().throw_if_error();
    auto refused = s->commit_configuration(testing::conformance::config_commit(1));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == ErrorCode::storage_error);
    CHECK(refused.error().message.find("read-only") != std::string::npos);
    const Case c1 = s->load("C-1").value();
    CHECK(s->rewrite_snapshot(c1).error().code == ErrorCode::storage_error);
  }
  CHECK(bytes_of(v2.path) == before);
  SQLite::Database db(v2.path, SQLite::OPEN_READONLY);
  CHECK(one_text(db, "SELECT value FROM meta WHERE key = 'schema_version'") == "2");
  CHECK(one_text(db, "SELECT count(*) FROM sqlite_master WHERE name = 'configurations'") == "0");
}

TEST_CASE("a version-2 file opened writable is migrated to 3, 4 and 5: its snapshots and deadlines stay as they were") {
  VersionTwoFile v2;
  const auto snapshots_before = v2.column("snapshot");
  const auto due_before = v2.column("next_due");
  const auto versions_before = v2.column("version");
  REQUIRE(snapshots_before.size() == 4);
  REQUIRE(due_before.at("C-3") == "none");  // suspended: its clock is stopped
  std::map<std::string, nlohmann::json> loaded_before;
  {
    SqliteOptions ro;
    ro.read_only = true;
    auto s = SqliteStorage::open(v2.path, ro).value_or_throw();
    for (const Case& c : s->query(CaseQuery{}).value()) loaded_before[c.id] = nlohmann::json(c);
  }
  {
    auto s = SqliteStorage::open(v2.path).value_or_throw();
    s->check_integrity().throw_if_error();
    for (const auto& entry : loaded_before) {  // INFO's lambda may not name a structured binding
      const auto& id = entry.first;
      const auto& snapshot = entry.second;
      INFO(id);
      nlohmann::json unchained = s->load(id).value();
      unchained.erase("chain_head");  // added by the chain's migration (schema 4)
      CHECK(unchained == snapshot);
    }
    CHECK(s->count_visits(VisitQuery{}).value() == 2);
    CHECK(s->configuration().value() == std::nullopt);  // nothing kept yet: the engine is given one
    CHECK(s->outbox_depth().value() == 0);
  }
  // Compared through the API above (schema 5 stores them as compact blobs).
  CHECK(v2.column("snapshot").size() == snapshots_before.size());
  CHECK(v2.column("next_due") == due_before);
  CHECK(v2.column("version") == versions_before);
  {
    SQLite::Database db(v2.path, SQLite::OPEN_READONLY);
    CHECK(one_text(db, "SELECT value FROM meta WHERE key = 'schema_version'") == std::to_string(SqliteStorage::kSchemaVersion));
    CHECK(one_text(db, "SELECT count(*) FROM configurations") == "0");
  }

  // The migrated file keeps configuration records like a new one.
  auto s = SqliteStorage::open(v2.path).value_or_throw();
  using testing::conformance::config_commit;
  using testing::conformance::config_message;
  const ConfigCommit first = config_commit(1, parse_instant("2025-09-29T12:00:00+08:00").value(),
                                           {config_message(1, "calendar_kept")});
  REQUIRE(s->commit_configuration(first).ok());
  CHECK(s->commit_configuration(config_commit(1)).error().code == ErrorCode::conflict);
  REQUIRE(s->configuration().value().has_value());
  CHECK(nlohmann::json(*s->configuration().value()) == nlohmann::json(first.record));
  const auto outbox = s->outbox_fetch(10).value();
  REQUIRE(outbox.size() == 1);
  CHECK(outbox[0].case_id.empty());
  CHECK(outbox[0].event_seq == 1);
  // A change computed before the configuration was kept is refused; with it, stored.
  Case c1 = s->load("C-1").value();
  Case next = c1;
  next.version = c1.version + 1;
  CaseCommit stale = testing::conformance::chained(change(next, c1.version), c1.chain_head);
  CHECK(s->commit(stale).error().code == ErrorCode::conflict);
  stale.config_seq = 1;
  CHECK(s->commit(stale).ok());
  // A rewrite re-keys the due column.
  Case rewritten = s->load("C-4").value();
  set_due(rewritten, at(-86400));
  REQUIRE(s->rewrite_snapshot(rewritten).ok());
  CHECK(s->first_due(Instant::max()).value()->case_id == "C-4");
  s->check_integrity().throw_if_error();
  CHECK(v2.column("next_due").at("C-4") == std::to_string(at(-86400).time_since_epoch().count()));
}

TEST_CASE("a version-2 file with an engine: given its calendar, it records it, keeps every deadline, exports and replays") {
  VersionTwoFile v2;
  const auto due_before = v2.column("next_due");
  auto clock = std::make_shared<ManualClock>(parse_instant("2025-09-29T13:00:00+08:00").value());
  // The file's cases were computed with the 2025 National Day calendar (make_schema_v2.cpp).
  const BusinessCalendar national_day =
      BusinessCalendar::from_json(nlohmann::json::parse(R"({"holidays":["2025-10-01","2025-10-02","2025-10-03",
          "2025-10-04","2025-10-05","2025-10-06","2025-10-07","2025-10-08"],"workdays":["2025-09-28","2025-10-11"]})"))
          .value();
  std::map<std::string, std::optional<Instant>> deadlines;
  {
    EngineOptions o;
    o.storage = SqliteStorage::open(v2.path).value_or_throw();
    o.clock = clock;
    o.calendar = national_day;
    Engine engine(std::move(o));
    CHECK(engine.configuration().seq == 1);
    for (const Case& c : engine.find(CaseQuery{})) deadlines[c.id] = c.deadline();
    CHECK(format_instant(*deadlines.at("C-1")) == "2025-10-24T00:00:00+08:00");
  }
  CHECK(v2.column("next_due") == due_before);
  {
    // Later: opened with nothing given, the file's calendar; given another, refused.
    const std::shared_ptr<Storage> file = SqliteStorage::open(v2.path).value_or_throw();
    EngineOptions o;
    o.storage = file;
    o.clock = clock;
    Engine engine(std::move(o));
    CHECK_FALSE(engine.calendar().is_working_day(parse_date("2025-10-08").value()));
    for (const Case& c : engine.find(CaseQuery{})) CHECK(c.deadline() == deadlines.at(c.id));
    EngineOptions other;
    other.storage = file;
    other.clock = clock;
    other.calendar = BusinessCalendar();
    CHECK_THROWS_WITH_AS(Engine(std::move(other)), doctest::Contains("2025-10-01 (a holiday against a working day)"),
                         Exception);
  }
  // Its export carries the calendar in its header (the file's first configuration, kept
  // after its cases), and a fresh engine replaying it reproduces every deadline.
  std::ostringstream exported;
  {
    SqliteOptions ro;
    ro.read_only = true;
    auto s = SqliteStorage::open(v2.path, ro).value_or_throw();
    REQUIRE(history::export_cases(*s, {}, exported));
  }
  CHECK(exported.str().find("\"2025-10-08\"") < exported.str().find('\n'));
  std::istringstream in(exported.str() + "{\"at\":\"2025-09-29T13:00:00+08:00\",\"case\":\"C-1\",\"expect\":{\"deadline\":\"" +
                        format_instant(*deadlines.at("C-1")) + "\"}}\n");
  const ReplayResult replayed = replay(in);
  CHECK_MESSAGE(replayed.clean(), replayed.describe());
  CHECK(replayed.cases == 4);
}

TEST_CASE("check_integrity finds visit rows changed behind fengqiao's back") {
  TempDir dir;
  const std::string path = dir.file("center.db");
  {
    auto s = SqliteStorage::open(path).value_or_throw();
    s->add_visit(testing::conformance::make_visit("V-1", at(0))).throw_if_error();
    s->add_visit(testing::conformance::make_visit("V-2", at(0))).throw_if_error();
    s->check_integrity().throw_if_error();
  }
  auto damaged_by = [&](const std::string& sql) {
    TempDir copy;
    const std::string damaged = copy.file("damaged.db");
    std::ofstream(damaged, std::ios::binary) << bytes_of(path);
    {
      SQLite::Database db(damaged, SQLite::OPEN_READWRITE);
      db.exec(sql);
    }
    return message_of(SqliteStorage::open(damaged).value_or_throw()->check_integrity());
  };
  CHECK(damaged_by("UPDATE visits SET kind = 'lead' WHERE id = 'V-1'").find("visit \"V-1\" has indexed columns") !=
        std::string::npos);
  CHECK(damaged_by("DELETE FROM visit_keys WHERE visit_id = 'V-2' AND key LIKE 'phone:%'")
            .find("visit \"V-2\" has visit_keys rows") != std::string::npos);
  CHECK(damaged_by("INSERT INTO visit_keys VALUES ('phone:1', 'V-9')").find("visit \"V-9\", which has no row") !=
        std::string::npos);
}

TEST_CASE("events and configuration records are append-only in the file itself") {
  TempDir dir;
  const std::string path = dir.file("center.db");
  make_file(path);
  SqliteStorage::open(path).value_or_throw()->commit_configuration(testing::conformance::config_commit(1)).throw_if_error();
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  CHECK_THROWS_WITH_AS(db.exec("UPDATE events SET body = x'00'"), doctest::Contains("append-only"),
                       SQLite::Exception);
  CHECK_THROWS_WITH_AS(db.exec("DELETE FROM events"), doctest::Contains("append-only"), SQLite::Exception);
  CHECK_THROWS_WITH_AS(db.exec("UPDATE configurations SET at = 0"), doctest::Contains("append-only"),
                       SQLite::Exception);
  CHECK_THROWS_WITH_AS(db.exec("DELETE FROM configurations"), doctest::Contains("append-only"), SQLite::Exception);
}

TEST_CASE("check_integrity finds configuration rows changed behind fengqiao's back") {
  TempDir dir;
  const std::string path = dir.file("center.db");
  {
    auto s = SqliteStorage::open(path).value_or_throw();
    for (std::uint64_t seq = 1; seq <= 3; ++seq)
      s->commit_configuration(testing::conformance::config_commit(seq, at(static_cast<std::int64_t>(seq) * 60)))
          .throw_if_error();
    s->check_integrity().throw_if_error();
  }
  auto damaged_by = [&](const std::string& sql) {
    TempDir copy;
    const std::string damaged = copy.file("damaged.db");
    std::ofstream(damaged, std::ios::binary) << bytes_of(path);
    {
      SQLite::Database db(damaged, SQLite::OPEN_READWRITE);
      db.exec("DROP TRIGGER configurations_are_append_only_update");  // the damage comes from outside
      db.exec("DROP TRIGGER configurations_are_append_only_delete");
      db.exec(sql);
    }
    return message_of(SqliteStorage::open(damaged).value_or_throw()->check_integrity());
  };
  CHECK(damaged_by("DELETE FROM configurations WHERE seq = 2").find("seq 3 follows 1") != std::string::npos);
  CHECK(damaged_by("UPDATE configurations SET at = 0 WHERE seq = 3").find("configuration record 3 has an `at` column") !=
        std::string::npos);
  CHECK(damaged_by("UPDATE configurations SET json = json_set(json, '$.seq', 7) WHERE seq = 2")
            .find("configuration record 2 holds the record of seq 7") != std::string::npos);
  CHECK(damaged_by("UPDATE configurations SET json = 'not json' WHERE seq = 1").find("configuration record 1") !=
        std::string::npos);
}

TEST_CASE("a file from a newer fengqiao is refused and left unchanged") {
  static_assert(SqliteStorage::kSchemaVersion == 5, "a new schema version: add its old-file tests above (and its file to sqlite_migration_test)");
  for (const int newer : {SqliteStorage::kSchemaVersion + 1, 99}) {
    CAPTURE(newer);
    TempDir dir;
    const std::string path = dir.file("center.db");
    make_file(path);
    {
      SQLite::Database db(path, SQLite::OPEN_READWRITE);
      db.exec("UPDATE meta SET value = '" + std::to_string(newer) + "' WHERE key = 'schema_version'");
    }
    const std::string before = bytes_of(path);
    const std::string why = "written by a newer fengqiao (schema " + std::to_string(newer) + " > " +
                            std::to_string(SqliteStorage::kSchemaVersion) + ")";
    auto opened = SqliteStorage::open(path);
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().code == ErrorCode::storage_error);
    CHECK(opened.error().message.find(path) != std::string::npos);
    CHECK(opened.error().message.find(why) != std::string::npos);
    SqliteOptions ro;
    ro.read_only = true;
    auto read = SqliteStorage::open(path, ro);
    REQUIRE_FALSE(read.ok());
    CHECK(read.error().message.find(why) != std::string::npos);
    CHECK(bytes_of(path) == before);
  }
}

TEST_CASE("a file that is not a database is refused and left unchanged") {
  TempDir dir;
  const std::string path = dir.file("notes.db");
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 2000; ++i) out << "not a database, just text " << i << '\n';
  }
  const std::string before = bytes_of(path);
  auto opened = SqliteStorage::open(path);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().code == ErrorCode::storage_error);
  CHECK(opened.error().message.find(path) != std::string::npos);
  CHECK(opened.error().message.find("not a database or is corrupt") != std::string::npos);
  CHECK(bytes_of(path) == before);
  CHECK_THROWS_AS(SqliteStorage{path}, Exception);
}

TEST_CASE("another application's SQLite database is refused and left unchanged") {
  TempDir dir;
  const std::string path = dir.file("other.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
  }
  const std::string before = bytes_of(path);
  auto opened = SqliteStorage::open(path);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().message.find("is not a fengqiao database") != std::string::npos);
  CHECK(bytes_of(path) == before);
}

TEST_CASE("damage inside the file is reported as storage_error naming the file") {
  TempDir dir;
  const std::string path = dir.file("center.db");
  make_file(path, 200);
  {
    // Keep page 1 (the header and schema), overwrite the rest.
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(0, std::ios::end);
    const auto size = static_cast<std::size_t>(f.tellp());
    REQUIRE(size > 3 * 4096);
    f.seekp(4096);
    f << std::string(size - 4096, '\xA5');
  }
  auto opened = SqliteStorage::open(path);
  if (!opened) {
    CHECK(opened.error().code == ErrorCode::storage_error);
    CHECK(opened.error().message.find(path) != std::string::npos);
    CHECK(opened.error().message.find("corrupt") != std::string::npos);
  } else {
    auto cases = (*opened)->query(CaseQuery{});
    REQUIRE_FALSE(cases.ok());
    CHECK(cases.error().code == ErrorCode::storage_error);
    CHECK(cases.error().message.find(path) != std::string::npos);
    CHECK(cases.error().message.find("corrupt") != std::string::npos);
    CHECK_FALSE((*opened)->check_integrity().ok());
  }
}

TEST_CASE("check_integrity finds half-written cases and disagreeing columns") {
  TempDir dir;
  const std::string path = dir.file("center.db");
  make_file(path);
  CHECK(SqliteStorage::open(path).value_or_throw()->check_integrity().ok());
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("INSERT INTO events(case_id, seq, body) SELECT case_id, 3, body FROM events"
            " WHERE case_id = 'C-1' AND seq = 2");
  }
  Status s = SqliteStorage::open(path).value_or_throw()->check_integrity();
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message.find("case \"C-1\" is at version 2 but has 3 events") != std::string::npos);

  const std::string other = dir.file("columns.db");
  make_file(other);
  {
    SQLite::Database db(other, SQLite::OPEN_READWRITE);
    db.exec("UPDATE cases SET next_due = NULL WHERE id = 'C-0'");
  }
  s = SqliteStorage::open(other).value_or_throw()->check_integrity();
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message.find("disagree") != std::string::npos);
}

TEST_CASE("create_if_missing = false refuses a missing file and creates nothing") {
  TempDir dir;
  const std::string path = dir.file("missing.db");
  SqliteOptions o;
  o.create_if_missing = false;
  auto opened = SqliteStorage::open(path, o);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().message.find("does not exist") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("read_only: reads work, every write fails and the file is unchanged") {
  TempDir dir;
  const std::string path = dir.file("center.db");
  make_file(path);
  const std::string before = bytes_of(path);
  SqliteOptions o;
  o.read_only = true;
  {
    auto s = SqliteStorage::open(path, o).value_or_throw();
    CHECK(s->load("C-1").value().version == 2);
    CHECK(s->count(CaseQuery{}).value() == 3);
    CHECK(s->first_due(Instant::max()).value()->case_id == "C-0");
    auto refused = s->commit(change(make_case("C-1", 3), 2));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == ErrorCode::storage_error);
    CHECK(refused.error().message.find("read-only") != std::string::npos);
    CHECK_FALSE(s->begin_batch().ok());
    CHECK_FALSE(s->outbox_ack({1}).ok());
  }
  CHECK(bytes_of(path) == before);
  CHECK(SqliteStorage::open(path).value_or_throw()->load("C-1").value().version == 2);
}

TEST_CASE("a file the process may not write is refused at open, with the reason") {
  TempDir dir;
  const std::string path = dir.file("center.db");
  make_file(path);
  REQUIRE(chmod(path.c_str(), 0444) == 0);
  REQUIRE(chmod(dir.path().c_str(), 0755) == 0);
  const std::string before = bytes_of(path);

  // root writes anyway; the check runs as an unprivileged user in a child process.
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(10);
    auto opened = SqliteStorage::open(path);
    if (opened) _exit(1);
    const std::string& m = opened.error().message;
    _exit(m.find("read-only") != std::string::npos && m.find(path) != std::string::npos ? 0 : 2);
  }
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 10) {
    MESSAGE("cannot drop privileges here; not checked");
    return;
  }
  CHECK_MESSAGE(WEXITSTATUS(status) == 0, "1: opened for writing; 2: another error");
  CHECK(bytes_of(path) == before);
}

TEST_CASE("a locked database: writes wait busy_timeout, then fail with busy and change nothing") {
  TempDir dir;
  const std::string path = dir.file("center.db");
  make_file(path);
  auto holder = SqliteStorage::open(path).value_or_throw();
  REQUIRE(holder->begin_batch().ok());  // holds the write lock
  REQUIRE(holder->commit(change(make_case("C-held", 1), 0)).ok());

  SqliteOptions o;
  o.busy_timeout = std::chrono::milliseconds(50);
  auto waiting = SqliteStorage::open(path, o).value_or_throw();  // opening needs no write lock
  CHECK(waiting->load("C-1").value().version == 2);               // readers do not wait (WAL)
  CHECK(waiting->load("C-held").error().code == ErrorCode::unknown_case);
  auto refused = waiting->commit(change(make_case("C-1", 3), 2));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::busy);  // retry later: nothing was done
  CHECK(refused.error().message.find("is locked") != std::string::npos);
  CHECK(refused.error().message.find("50 ms") != std::string::npos);
  CHECK(refused.error().message.find(path) != std::string::npos);
  CHECK(waiting->outbox_ack({1}).error().code == ErrorCode::busy);
  CHECK(waiting->begin_batch().error().code == ErrorCode::busy);

  REQUIRE(holder->end_batch(false).ok());
  CHECK(waiting->commit(change(make_case("C-1", 3), 2)).ok());
  CHECK(holder->load("C-1").value().version == 3);
  CHECK(holder->load("C-held").error().code == ErrorCode::unknown_case);
}

TEST_CASE("a file another process holds exclusively is refused at open as locked") {
  TempDir dir;
  const std::string path = dir.file("center.db");
  make_file(path);
  SQLite::Database other(path, SQLite::OPEN_READWRITE);
  other.exec("PRAGMA locking_mode = EXCLUSIVE");
  other.exec("BEGIN EXCLUSIVE");
  SqliteOptions o;
  o.busy_timeout = std::chrono::milliseconds(50);
  auto opened = SqliteStorage::open(path, o);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().code == ErrorCode::storage_error);
  CHECK(opened.error().message.find("is locked") != std::string::npos);
  CHECK(opened.error().message.find(path) != std::string::npos);
  other.exec("COMMIT");
}

TEST_CASE("text that is not UTF-8 is invalid_data and stores nothing") {
  auto s = SqliteStorage::open(":memory:").value_or_throw();
  Case c = make_case("C-1", 1);
  c.summary = "broken \xC3\x28 text";
  auto refused = s->commit(change(c, 0));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::invalid_data);
  CHECK(s->load("C-1").error().code == ErrorCode::unknown_case);
}

TEST_CASE("SqliteStorage is move-only; a moved-from object fails clearly") {
  TempDir dir;
  SqliteStorage a(dir.file("center.db"));
  REQUIRE(a.commit(change(make_case("C-1", 1), 0)).ok());
  SqliteStorage b(std::move(a));
  CHECK(b.load("C-1").value().version == 1);
  CHECK(b.path() == dir.file("center.db"));
  auto gone = a.load("C-1");  // NOLINT(bugprone-use-after-move): what this test is about
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().code == ErrorCode::storage_error);
  CHECK(gone.error().message.find("moved from") != std::string::npos);
  static_assert(!std::is_copy_constructible_v<SqliteStorage>);
}

TEST_CASE("a private in-memory database works; it cannot be opened read-only") {
  auto s = SqliteStorage::open(":memory:").value_or_throw();
  CHECK(s->commit(change(make_case("C-1", 1), 0)).ok());
  CHECK(s->count(CaseQuery{}).value() == 1);
  SqliteOptions o;
  o.read_only = true;
  CHECK_FALSE(SqliteStorage::open(":memory:", o).ok());
}
