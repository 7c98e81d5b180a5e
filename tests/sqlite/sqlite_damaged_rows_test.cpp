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
#include "storage/compact_codec.hpp"

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

// Schema 5 keeps snapshots and events as compact blobs (storage/compact_codec.hpp): each
// damage below is refused by the checked decoder, naming the row and what is wrong.
TEST_CASE("a damaged snapshot blob is damage, named with what is wrong") {
  struct Damage {
    const char* what;
    const char* sql;
    const char* named;
  };
  for (const Damage& d : {
           Damage{"cut short", "UPDATE cases SET snapshot = substr(snapshot, 1, 12) WHERE id = 'D-1'", "ends inside"},
           Damage{"a later format", "UPDATE cases SET snapshot = x'07' || substr(snapshot, 2) WHERE id = 'D-1'",
                  "snapshot format 7"},
           Damage{"an unknown channel", "UPDATE cases SET snapshot = x'01ff' || substr(snapshot, 3) WHERE id = 'D-1'",
                  "unknown channel (255)"},
           Damage{"bytes after the end", "UPDATE cases SET snapshot = snapshot || x'00' WHERE id = 'D-1'",
                  "1 bytes after its last field"},
           Damage{"empty", "UPDATE cases SET snapshot = x'' WHERE id = 'D-1'", "ends inside"},
           Damage{"text instead of a blob", "UPDATE cases SET snapshot = '{\"id\":\"D-1\"}' WHERE id = 'D-1'",
                  "snapshot format 123"},
       }) {
    INFO(d.what);
    fengqiao::testing::TempDir dir;
    const std::string path = dir.file("damaged.db");
    make_file(path);
    SQLite::Database(path, SQLite::OPEN_READWRITE).exec(d.sql);

    auto storage = SqliteStorage::open(path).value_or_throw();
    auto loaded = storage->load("D-1");
    REQUIRE_FALSE(loaded.ok());
    INFO(loaded.error().message);
    CHECK(loaded.error().code == ErrorCode::storage_error);
    CHECK(mentions(loaded.error(), "unreadable data"));
    CHECK(mentions(loaded.error(), "the snapshot of case \"D-1\" is damaged"));
    CHECK(mentions(loaded.error(), d.named));
    CHECK_FALSE(storage->query(CaseQuery{}).ok());
    Status checked = storage->check_integrity();
    REQUIRE_FALSE(checked.ok());
    CHECK(mentions(checked.error(), "case \"D-1\""));
  }
}

TEST_CASE("a damaged event blob is damage, named with what is wrong") {
  struct Damage {
    const char* what;
    const char* sql;
    const char* named;
  };
  for (const Damage& d : {
           Damage{"cut short", "UPDATE events SET body = substr(body, 1, 5) WHERE case_id = 'D-1' AND seq = 1", "ends inside"},
           Damage{"an unknown event type",
                  "UPDATE events SET body = substr(body, 1, 5) || x'09' || substr(body, 7) WHERE case_id = 'D-1' AND seq = 1",
                  "unknown event type (9)"},
           Damage{"action data cut short",
                  "UPDATE events SET body = substr(body, 1, length(body) - 1) WHERE case_id = 'D-1' AND seq = 1",
                  "action data"},
       }) {
    INFO(d.what);
    fengqiao::testing::TempDir dir;
    const std::string path = dir.file("damaged.db");
    make_file(path);
    {
      SQLite::Database db(path, SQLite::OPEN_READWRITE);
      db.exec("DROP TRIGGER events_are_append_only_update");  // the damage comes from outside
      db.exec(d.sql);
    }
    auto storage = SqliteStorage::open(path).value_or_throw();
    Status read = storage->read_events("D-1", 1, [](const Event&) { return true; });
    REQUIRE_FALSE(read.ok());
    INFO(read.error().message);
    CHECK(read.error().code == ErrorCode::storage_error);
    CHECK(mentions(read.error(), "unreadable data"));
    CHECK(mentions(read.error(), "event 1 of case \"D-1\" is damaged"));
    CHECK(mentions(read.error(), d.named));
  }
}

TEST_CASE("action data nested deeper than the decoder allows is refused, not recursed into") {
  fengqiao::testing::TempDir dir;
  const std::string path = dir.file("damaged.db");
  make_file(path);
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("DROP TRIGGER events_are_append_only_update");
    // An event whose data is null (MessagePack 0xc0, its blob's last byte), then that
    // byte replaced by 100,000 nested one-element arrays (0x91 each) around the null.
    Event e;
    e.at = fengqiao::testing::conformance::at(0);
    e.data = nullptr;
    storage_detail::Buf out;
    storage_detail::encode_event(e, out);
    const std::string body(out.data(), out.size());
    REQUIRE(body.back() == '\xc0');
    const std::string nested = body.substr(0, body.size() - 1) + std::string(100000, '\x91') + '\xc0';
    SQLite::Statement set(db, "UPDATE events SET body = ?1 WHERE case_id = 'D-1' AND seq = 1");
    set.bind(1, nested.data(), static_cast<int>(nested.size()));
    REQUIRE(set.exec() == 1);
  }
  auto storage = SqliteStorage::open(path).value_or_throw();
  Status read = storage->read_events("D-1", 1, [](const Event&) { return true; });
  REQUIRE_FALSE(read.ok());
  CHECK(mentions(read.error(), "event 1 of case \"D-1\" is damaged"));
  CHECK(mentions(read.error(), "nested deeper than"));
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
