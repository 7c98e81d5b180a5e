// The hash chain on a SQLite store, tampered with from outside: each edit of the file
// (with SQLiteCpp, the append-only triggers dropped in the test's copy as an intruder
// would) is caught by chain::verify_store / verify_case, which names the first event that
// does not match, and by SqliteStorage::check_integrity. Also: the schema-4 migration
// chains the events of the committed schema-1 and schema-2 files.
#include <doctest/doctest.h>

#include <fstream>
#include <functional>
#include <iterator>

#include <SQLiteCpp/SQLiteCpp.h>

#include <fengqiao/chain.hpp>
#include <fengqiao/engine.hpp>
#include <fengqiao/sqlite_storage.hpp>
#include <fengqiao/testing/storage_conformance.hpp>

#include "chained_store.hpp"
#include "storage/compact_codec.hpp"

using namespace fengqiao;
using fengqiao::testing::TempDir;

namespace {

bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string one_text(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement st(db, sql);
  REQUIRE(st.executeStep());
  return st.getColumn(0).getString();
}

void make_store(const std::string& path) { fengqiao::testing::make_chained_store(SqliteStorage::open(path).value_or_throw()); }

// The test's copy of the store, edited as an intruder would: triggers dropped first.
void tamper(const std::string& path, const std::vector<std::string>& statements) {
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  db.exec("DROP TRIGGER IF EXISTS events_are_append_only_update");
  db.exec("DROP TRIGGER IF EXISTS events_are_append_only_delete");
  for (const std::string& sql : statements) db.exec(sql);
}

// Schema 5 stores events and snapshots as compact blobs (storage/compact_codec.hpp): an
// intruder's edit is made on the decoded value, as JSON, and written back encoded. The
// triggers must be dropped first (tamper()).
void edit_event(SQLite::Database& db, const std::string& case_id, std::int64_t seq,
                const std::function<void(nlohmann::json&)>& change) {
  SQLite::Statement get(db, "SELECT body FROM events WHERE case_id = ?1 AND seq = ?2");
  get.bind(1, case_id);
  get.bind(2, seq);
  REQUIRE(get.executeStep());
  const std::string blob = get.getColumn(0).getString();
  nlohmann::json j = storage_detail::decode_event(blob.data(), blob.size(), case_id, static_cast<std::uint64_t>(seq));
  change(j);
  storage_detail::Buf out;
  storage_detail::encode_event(j.get<Event>(), out);
  SQLite::Statement set(db, "UPDATE events SET body = ?3 WHERE case_id = ?1 AND seq = ?2");
  set.bind(1, case_id);
  set.bind(2, seq);
  set.bind(3, out.data(), static_cast<int>(out.size()));
  REQUIRE(set.exec() == 1);
}

void edit_snapshot(SQLite::Database& db, const std::string& id, const std::function<void(nlohmann::json&)>& change) {
  SQLite::Statement get(db, "SELECT snapshot FROM cases WHERE id = ?1");
  get.bind(1, id);
  REQUIRE(get.executeStep());
  nlohmann::json j = storage_detail::decode_case(get.getColumn(0).getString(), id);
  change(j);
  const Case c = j.get<Case>();
  storage_detail::Buf out;
  storage_detail::encode_case(c, out);
  SQLite::Statement set(db, "UPDATE cases SET snapshot = ?2, version = ?3 WHERE id = ?1");
  set.bind(1, id);
  set.bind(2, out.data(), static_cast<int>(out.size()));
  set.bind(3, static_cast<std::int64_t>(c.version));
  REQUIRE(set.exec() == 1);
}

// The text of a JSON value with `from` replaced by `to` (once), read back.
void replace_in(nlohmann::json& j, const std::string& from, const std::string& to) {
  std::string text = j.dump();
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  j = nlohmann::json::parse(text);
}

struct Store {
  TempDir dir;
  std::string path = dir.file("chained.db");
  Store() { make_store(path); }
  std::shared_ptr<SqliteStorage> open() const { return SqliteStorage::open(path).value_or_throw(); }
  // The first break verify_store finds (it must find one).
  chain::Break first_break() const {
    auto report = chain::verify_store(*open());
    REQUIRE_MESSAGE(report.ok(), report.error().describe());
    REQUIRE_MESSAGE(!report->intact(), "verify_store found the tampered store intact");
    return *report->broken;
  }
  // check_integrity's refusal (it must refuse).
  std::string integrity_error() const {
    Status s = open()->check_integrity();
    REQUIRE_MESSAGE(!s.ok(), "check_integrity passed a tampered store");
    CHECK(s.error().code == ErrorCode::storage_error);
    return s.error().message;
  }
  // Both checks stop at event `seq` of `case_id`: verify_store's first break (whose account
  // mentions `what`, when given) and check_integrity's refusal, which names the same place.
  void check_caught(const std::string& case_id, std::uint64_t seq, const std::string& what = {}) const {
    const chain::Break b = first_break();
    CHECK(b.case_id == case_id);
    CHECK(b.seq == seq);
    if (!what.empty()) CHECK(mentions(b.what, what));
    CHECK(mentions(integrity_error(), "case \"" + case_id + "\", event " + std::to_string(seq) + ":"));
  }
};

}  // namespace

TEST_SUITE("hash chain on SQLite") {

TEST_CASE("an untouched store verifies: every event chained, every head the last hash") {
  Store store;
  auto s = store.open();
  const auto report = chain::verify_store(*s).value();
  CHECK(report.intact());
  CHECK(report.cases == 3);
  REQUIRE(s->load("D-1").value().version == 5);
  REQUIRE(s->load("D-2").value().version > 2);  // engine events are chained too
  CHECK(report.events == 5 + s->load("D-2").value().version + 1);
  s->check_integrity().throw_if_error();
  // Each stored hash is the recomputation over its event and the one before.
  std::string head = chain::genesis("D-1");
  s->read_events("D-1", 1, [&](const Event& e) {
     CHECK(e.hash == chain::event_hash(e, head));
     head = e.hash;
     return true;
   }).throw_if_error();
  CHECK(s->load("D-1").value().chain_head == head);
  // The hash is in each event row's blob, the head in the snapshot's.
  SQLite::Database db(store.path, SQLite::OPEN_READONLY);
  CHECK(storage_detail::decode_case(one_text(db, "SELECT snapshot FROM cases WHERE id = 'D-1'"), "D-1").chain_head == head);
  const std::string last = one_text(db, "SELECT body FROM events WHERE case_id = 'D-1' AND seq = 5");
  CHECK(storage_detail::decode_event(last.data(), last.size(), "D-1", 5).hash == head);
}

TEST_CASE("one byte of one event's data changed is caught at that event") {
  Store store;
  // The summary of D-1's registration: "fence" becomes "Fence".
  tamper(store.path, {});
  SQLite::Database db(store.path, SQLite::OPEN_READWRITE);
  edit_event(db, "D-1", 1, [](nlohmann::json& j) { replace_in(j, "shared fence", "shared Fence"); });
  store.check_caught("D-1", 1, "does not match its hash");
  CHECK(mentions(store.integrity_error(), "hash chain broken: case \"D-1\", event 1:"));
}

TEST_CASE("one digit of a note attachment's sha256 changed is caught at the note") {
  Store store;
  tamper(store.path, {});
  SQLite::Database db(store.path, SQLite::OPEN_READWRITE);
  edit_event(db, "D-1", 4, [](nlohmann::json& j) { replace_in(j, "9f86d081", "9f86d082"); });
  store.check_caught("D-1", 4);
}

TEST_CASE("a deleted event is caught where it is missing") {
  Store store;
  tamper(store.path, {"DELETE FROM events WHERE case_id = 'D-1' AND seq = 3"});
  const chain::Break b = store.first_break();
  CHECK(b.case_id == "D-1");
  CHECK(b.seq == 3);
  CHECK(mentions(b.what, "is missing"));
  CHECK(mentions(store.integrity_error(), "case \"D-1\" is at version 5 but has 4 events"));

  // The last event deleted and the snapshot's head and version set back to match the rest:
  // the chain still holds (nothing after it to break) — this is what "relative to the head
  // you trust" means (docs/CHAIN.md). A head kept elsewhere catches it.
  Store cut;
  const std::string trusted = cut.open()->load("D-1").value().chain_head;
  std::string earlier;
  {
    SQLite::Database db(cut.path, SQLite::OPEN_READONLY);
    const std::string fourth = one_text(db, "SELECT body FROM events WHERE case_id = 'D-1' AND seq = 4");
    earlier = storage_detail::decode_event(fourth.data(), fourth.size(), "D-1", 4).hash;
  }
  tamper(cut.path, {"DELETE FROM events WHERE case_id = 'D-1' AND seq = 5"});
  {
    SQLite::Database db(cut.path, SQLite::OPEN_READWRITE);
    edit_snapshot(db, "D-1", [&](nlohmann::json& j) {
      j["version"] = 4;
      j["chain_head"] = earlier;
    });
  }
  CHECK(chain::verify_case(*cut.open(), "D-1").value().intact());
  CHECK(cut.open()->load("D-1").value().chain_head != trusted);
}

TEST_CASE("two swapped events are caught at the first of them") {
  SUBCASE("rows swapped") {
    Store store;
    tamper(store.path, {"UPDATE events SET seq = -2 WHERE case_id = 'D-1' AND seq = 2",
                        "UPDATE events SET seq = 2 WHERE case_id = 'D-1' AND seq = 3",
                        "UPDATE events SET seq = 3 WHERE case_id = 'D-1' AND seq = -2"});
    store.check_caught("D-1", 2);
  }
  // (Schema 5's event blob holds no seq of its own: its seq is its row's, so "swapped and
  // renumbered inside" is the swap above.)
}

TEST_CASE("a changed timestamp is caught at that event") {
  Store store;
  tamper(store.path, {});
  SQLite::Database db(store.path, SQLite::OPEN_READWRITE);
  edit_event(db, "D-1", 2, [](nlohmann::json& j) { j["at"] = "2025-09-01T00:00:00+00:00"; });
  store.check_caught("D-1", 2, "does not match its hash");
}

TEST_CASE("a changed case id is caught") {
  // (Schema 5's event blob holds no case id of its own: its case is its row's, so an event
  // can only claim another case by moving, as below.)
  SUBCASE("the row moved to another case, renumbered to fit there") {
    Store store;
    const std::string last = std::to_string(store.open()->load("D-2").value().version);
    tamper(store.path, {"UPDATE events SET case_id = 'D-3', seq = 2 WHERE case_id = 'D-2' AND seq = " + last});
    {
      SQLite::Database db(store.path, SQLite::OPEN_READWRITE);
      edit_snapshot(db, "D-3", [](nlohmann::json& j) { j["version"] = 2; });
    }
    const chain::Break b = store.first_break();  // cases in id order: D-2 first
    CHECK(b.case_id == "D-2");
    CHECK(std::to_string(b.seq) == last);
    CHECK(mentions(b.what, "is missing"));
    const auto d3 = chain::verify_case(*store.open(), "D-3").value();
    REQUIRE_FALSE(d3.intact());
    CHECK(d3.broken->seq == 2);
    CHECK(mentions(store.integrity_error(), "case \"D-2\""));
  }
}

TEST_CASE("a snapshot whose chain head was changed is caught, naming the case") {
  Store store;
  {
    SQLite::Database db(store.path, SQLite::OPEN_READWRITE);
    edit_snapshot(db, "D-3", [](nlohmann::json& j) { j["chain_head"] = std::string(64, '0'); });
  }
  const chain::Break b = store.first_break();
  CHECK(b.case_id == "D-3");
  CHECK(b.seq == 0);
  CHECK(mentions(b.what, "chain head"));
}

// The measurement: check_integrity missed 46 of 420 single-bit flips of event
// content (a case id or a category changed). Every bit of D-1's registration event, as
// stored (schema 5's compact blob), flipped in turn: each flip is refused (by the chain, or
// because the blob no longer reads as an event).
TEST_CASE("check_integrity catches every single-bit flip of a stored event") {
  Store store;
  auto s = store.open();
  SQLite::Database db(store.path, SQLite::OPEN_READWRITE);
  db.exec("DROP TRIGGER events_are_append_only_update");
  db.exec("PRAGMA synchronous = OFF");  // thousands of one-row edits of a scratch copy: no fsync each
  const std::string original = one_text(db, "SELECT body FROM events WHERE case_id = 'D-1' AND seq = 1");
  REQUIRE(mentions(original, "neighbour"));
  SQLite::Statement set(db, "UPDATE events SET body = ?1 WHERE case_id = 'D-1' AND seq = 1");
  auto store_text = [&](const std::string& text) {
    set.reset();
    set.bind(1, text.data(), static_cast<int>(text.size()));
    REQUIRE(set.exec() == 1);
  };
  std::size_t flips = 0, caught = 0, by_chain = 0;
  std::vector<std::string> missed;
  for (std::size_t byte = 0; byte < original.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = original;
      flipped[byte] = static_cast<char>(flipped[byte] ^ (1 << bit));
      store_text(flipped);
      ++flips;
      Status checked = s->check_integrity();
      if (checked.ok()) {
        missed.push_back("byte " + std::to_string(byte) + " bit " + std::to_string(bit));
      } else {
        ++caught;
        if (mentions(checked.error().message, "hash chain broken: case \"D-1\", event 1:")) ++by_chain;
      }
    }
  }
  store_text(original);
  s->check_integrity().throw_if_error();
  MESSAGE(flips << " flips of a " << original.size() << "-byte event: " << caught << " caught (" << by_chain
                << " named by the chain, the rest no longer read as an event)");
  CHECK(flips == original.size() * 8);
  CHECK(flips > 420);
  CHECK_MESSAGE(missed.empty(), missed.size() << " flips missed, the first: " << (missed.empty() ? "" : missed.front()));
  CHECK(by_chain > flips / 4);
}

TEST_CASE("the schema-4 migration chains the events of the committed schema-1 and schema-2 files") {
  for (const std::string name : {"schema-v1.db", "schema-v2.db"}) {
    CAPTURE(name);
    TempDir dir;
    const std::string path = dir.file(name);
    {
      std::ifstream in(FENGQIAO_HISTORIES "/../sqlite/" + name, std::ios::binary);
      std::ofstream(path, std::ios::binary) << std::string(std::istreambuf_iterator<char>(in), {});
    }
    // Read-only, unmigrated: no chain to verify, and check_integrity does not ask for one.
    std::map<std::pair<std::string, std::uint64_t>, nlohmann::json> before;
    std::uint64_t events = 0;
    {
      SqliteOptions ro;
      ro.read_only = true;
      auto s = SqliteStorage::open(path, ro).value_or_throw();
      s->check_integrity().throw_if_error();
      const auto report = chain::verify_store(*s).value();
      REQUIRE_FALSE(report.intact());
      CHECK(mentions(report.broken->what, "has no stored hash"));
      for (const Case& c : s->query(CaseQuery{}).value())
        s->read_events(c.id, 1, [&](const Event& e) {
           before[{c.id, e.seq}] = nlohmann::json(e);
           ++events;
           return true;
         }).throw_if_error();
    }
    REQUIRE(events > 0);
    // Writable: migrated, every event chained as it was found, and nothing else changed.
    {
      auto s = SqliteStorage::open(path).value_or_throw();
      const auto report = chain::verify_store(*s).value();
      CHECK_MESSAGE(report.intact(), (report.broken ? report.broken->describe() : ""));
      CHECK(report.events == events);
      s->check_integrity().throw_if_error();
      for (const auto& [key, json] : before) {
        std::vector<Event> read;
        s->read_events(key.first, key.second, [&](const Event& e) {
           read.push_back(e);
           return false;
         }).throw_if_error();
        REQUIRE(read.size() == 1);
        CHECK(chain::is_hash(read[0].hash));
        nlohmann::json unchained = read[0];
        unchained.erase("hash");
        CHECK(unchained == json);
      }
      SQLite::Database db(path, SQLite::OPEN_READONLY);
      const auto note = nlohmann::json::parse(one_text(db, "SELECT value FROM meta WHERE key = 'chain_migrated'"));
      CHECK(note.at("from_schema") == (name == "schema-v1.db" ? 1 : 2));
      CHECK(note.at("events") == events);
      CHECK(note.at("cases") == s->count(CaseQuery{}).value());
      CHECK(one_text(db, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'events_are_%'") == "2");
    }
    // The migrated chain goes on: an engine's next event links to the migrated head.
    {
      auto s = SqliteStorage::open(path).value_or_throw();
      const Case c = s->query(CaseQuery{}).value().front();
      auto clock = std::make_shared<ManualClock>(c.updated_at + Seconds(60));
      EngineOptions o;
      o.storage = s;
      o.clock = clock;
      o.adopt_stored_configuration = true;
      Engine engine(std::move(o));
      // A note: allowed in every state, so whichever case comes first takes it.
      engine.act(c.id, Action::note, fengqiao::testing::dispatcher, {{"text", "Chained after migration."}});
      const auto report = chain::verify_case(*s, c.id).value();
      CHECK_MESSAGE(report.intact(), (report.broken ? report.broken->describe() : ""));
      CHECK(report.events == c.version + 1);
    }
  }
}

}  // TEST_SUITE
