// A row that is JSON but not a valid case or event (changed behind fengqiao's back) is
// reported as damage naming the row and the problem, like text that is not JSON at all.
// The value types' from_json throw fengqiao::Exception for it (fengqiao/case.hpp), and the
// adapter must treat that as damage too, not as an unexpected failure.
#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <fengqiao/engine.hpp>
#include <fengqiao/sqlite_storage.hpp>
#include <fengqiao/testing/storage_conformance.hpp>

#include "fixtures.hpp"

using namespace fengqiao;

namespace {

bool mentions(const Error& e, const std::string& text) { return e.message.find(text) != std::string::npos; }

// A database holding one registered case, "D-1".
void make_file(const std::string& path) {
  EngineOptions o;
  o.storage = SqliteStorage::open(path).value_or_throw();
  Engine engine(std::move(o));
  engine.register_case("D-1", fengqiao::testing::intake, fengqiao::testing::registration());
}

}  // namespace

TEST_CASE("a snapshot with an unknown state is damage, named") {
  fengqiao::testing::TempDir dir;
  const std::string path = dir.file("damaged.db");
  make_file(path);
  SQLite::Database(path, SQLite::OPEN_READWRITE)
      .exec("UPDATE cases SET snapshot = json_set(snapshot, '$.state', 'frozen') WHERE id = 'D-1'");

  auto loaded = SqliteStorage::open(path).value_or_throw()->load("D-1");
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().code == ErrorCode::storage_error);
  CHECK(mentions(loaded.error(), "unreadable data"));
  CHECK(mentions(loaded.error(), "case \"D-1\""));
  CHECK(mentions(loaded.error(), "unknown State \"frozen\""));
}

TEST_CASE("an event with an instant that does not parse is damage, named") {
  fengqiao::testing::TempDir dir;
  const std::string path = dir.file("damaged.db");
  make_file(path);
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("DROP TRIGGER events_are_append_only_update");  // the damage comes from outside
    db.exec("UPDATE events SET json = json_set(json, '$.at', 'soon') WHERE case_id = 'D-1' AND seq = 1");
  }
  auto storage = SqliteStorage::open(path).value_or_throw();
  Status read = storage->read_events("D-1", 1, [](const Event&) { return true; });
  REQUIRE_FALSE(read.ok());
  CHECK(read.error().code == ErrorCode::storage_error);
  CHECK(mentions(read.error(), "unreadable data"));
  CHECK(mentions(read.error(), "event 1 of case \"D-1\""));
  CHECK(mentions(read.error(), "\"soon\""));
}

TEST_CASE("a configuration record whose calendar does not read is damage, named by its seq") {
  fengqiao::testing::TempDir dir;
  const std::string path = dir.file("damaged.db");
  {
    auto s = SqliteStorage::open(path).value_or_throw();
    s->commit_configuration(fengqiao::testing::conformance::config_commit(1)).throw_if_error();
    s->commit_configuration(fengqiao::testing::conformance::config_commit(2)).throw_if_error();
  }
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("DROP TRIGGER configurations_are_append_only_update");  // the damage comes from outside
    db.exec("UPDATE configurations SET json = json_set(json, '$.calendar.holidays[0]', '2026-02-30') WHERE seq = 2");
  }
  auto storage = SqliteStorage::open(path).value_or_throw();
  auto newest = storage->configuration();
  REQUIRE_FALSE(newest.ok());
  CHECK(newest.error().code == ErrorCode::storage_error);
  CHECK(mentions(newest.error(), "unreadable data"));
  CHECK(mentions(newest.error(), "configuration record 2"));
  CHECK(mentions(newest.error(), "2026-02-30"));
  std::vector<std::uint64_t> seen;
  Status read = storage->read_configurations(1, [&](const ConfigRecord& r) {
    seen.push_back(r.seq);
    return true;
  });
  REQUIRE_FALSE(read.ok());
  CHECK(mentions(read.error(), "configuration record 2"));
  CHECK(seen.empty());  // the chunk holding the damaged row is refused whole
  Status checked = storage->check_integrity();
  REQUIRE_FALSE(checked.ok());
  CHECK(mentions(checked.error(), "configuration record 2"));
}
