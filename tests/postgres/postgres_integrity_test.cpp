// PostgresStorage::check_integrity on a store tampered with through SQL, as an intruder
// with the table owner's rights would (the append-only triggers disabled first): changed
// event data, a deleted event, swapped events, a changed timestamp, a changed case id,
// columns that disagree with the snapshot, renumbered configuration records, a person key
// without its visit. Each is caught and named; an untouched store passes, over several
// pages of cases.
#include <doctest/doctest.h>

#include <fengqiao/chain.hpp>
#include <fengqiao/engine.hpp>
#include <fengqiao/postgres_storage.hpp>

#include "chained_store.hpp"
#include "pg_server.hpp"

namespace {

using namespace fengqiao;
using namespace fengqiao::testing;

bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The chained store of tests/support/chained_store.hpp, and a visit V-1 with a phone.
struct Store {
  TestSchema schema;
  std::shared_ptr<PostgresStorage> storage = PostgresStorage::open(schema.conninfo()).value_or_throw();

  Store() {
    make_chained_store(storage);
    EngineOptions o;
    o.storage = storage;
    o.clock = std::make_shared<ManualClock>(at("2025-09-05T10:00:00+08:00"));
    Engine(std::move(o)).record_visit("V-1", intake, {{"channel", "walk_in"}, {"kind", "inquiry"},
                                                     {"parties", {{{"name", "Wang Li"}, {"phone", "13900000000"}}}},
                                                     {"summary", "asks about the fence"}});
  }

  void tamper(const std::vector<std::string>& statements) const {
    pqxx::connection c(schema.conninfo());
    pqxx::work tx(c);
    tx.exec("ALTER TABLE events DISABLE TRIGGER USER");
    tx.exec("ALTER TABLE configurations DISABLE TRIGGER USER");
    for (const std::string& sql : statements) tx.exec(sql);
    tx.commit();
  }

  // check_integrity's refusal (it must refuse), from a new connection as well as this one.
  std::string integrity_error() const {
    const Status s = storage->check_integrity();
    REQUIRE_MESSAGE(!s.ok(), "check_integrity passed a tampered store");
    CHECK(s.error().code == ErrorCode::storage_error);
    CHECK(mentions(s.error().message, "fails its integrity check: "));
    const Status again = PostgresStorage::open(schema.conninfo()).value_or_throw()->check_integrity();
    CHECK_FALSE(again.ok());
    return s.error().message;
  }
};

}  // namespace

TEST_SUITE("check_integrity on PostgreSQL") {

TEST_CASE("an untouched store passes, also over several pages of cases and inside a batch") {
  Store store;
  store.storage->check_integrity().throw_if_error();
  CHECK(chain::verify_store(*store.storage).value().intact());
  // 2,500 more cases: the check reads 1,000 per page.
  REQUIRE(store.storage->begin_batch());
  const Case d3 = store.storage->load("D-3").value();
  std::vector<Event> first;
  store.storage->read_events("D-3", 1, [&](const Event& e) { return first.push_back(e), true; }).throw_if_error();
  for (int i = 0; i < 2500; ++i) {
    CaseCommit c;
    c.snapshot = d3;
    c.snapshot.id = "P-" + std::to_string(10000 + i);
    Event e = first.front();
    e.case_id = c.snapshot.id;
    e.hash = chain::event_hash(e, chain::genesis(e.case_id));
    c.snapshot.chain_head = e.hash;
    c.events = {e};
    c.config_seq = store.storage->configuration().value()->seq;
    REQUIRE(store.storage->commit(c));
  }
  store.storage->check_integrity().throw_if_error();  // in the batch: sees its cases
  REQUIRE(store.storage->end_batch(true));
  store.storage->check_integrity().throw_if_error();
  // The last page is read too: a problem in the last case is found.
  store.tamper({"UPDATE cases SET supervision = 'overdue' WHERE id = 'P-12499'"});
  CHECK(mentions(store.integrity_error(), "case \"P-12499\" has indexed columns that disagree with its snapshot"));
}

TEST_CASE("one byte of one event's data changed is caught at that event") {
  Store store;
  store.tamper({"UPDATE events SET json = replace(json, 'shared fence', 'shared Fence') WHERE case_id = 'D-1' AND seq = 1"});
  CHECK(mentions(store.integrity_error(), "hash chain broken: case \"D-1\", event 1:"));
}

TEST_CASE("one digit of a note attachment's sha256 changed is caught at the note") {
  Store store;
  store.tamper({"UPDATE events SET json = replace(json, '9f86d081', '9f86d082') WHERE case_id = 'D-1' AND seq = 4"});
  CHECK(mentions(store.integrity_error(), "hash chain broken: case \"D-1\", event 4:"));
}

TEST_CASE("a deleted event is caught") {
  Store store;
  SUBCASE("in the middle: the case's count no longer matches") {
    store.tamper({"DELETE FROM events WHERE case_id = 'D-1' AND seq = 3"});
    CHECK(mentions(store.integrity_error(), "case \"D-1\" is at version 5 but has 4 events"));
  }
  SUBCASE("in the middle, the later events renumbered and the version set back: the chain breaks there") {
    store.tamper({"DELETE FROM events WHERE case_id = 'D-1' AND seq = 3",
                  "UPDATE events SET seq = seq - 1 WHERE case_id = 'D-1' AND seq > 3",
                  "UPDATE cases SET version = 4, snapshot = jsonb_set(snapshot::jsonb, '{version}', '4')::text"
                  " WHERE id = 'D-1'"});
    CHECK(mentions(store.integrity_error(), "hash chain broken: case \"D-1\", event 3:"));
  }
}

TEST_CASE("two swapped events are caught at the first of them") {
  Store store;
  SUBCASE("rows swapped") {
    store.tamper({"UPDATE events SET seq = -2 WHERE case_id = 'D-1' AND seq = 2",
                  "UPDATE events SET seq = 2 WHERE case_id = 'D-1' AND seq = 3",
                  "UPDATE events SET seq = 3 WHERE case_id = 'D-1' AND seq = -2"});
  }
  SUBCASE("rows swapped and renumbered inside, as if they had happened in that order") {
    store.tamper({"UPDATE events SET seq = -2, json = jsonb_set(json::jsonb, '{seq}', '3')::text"
                  " WHERE case_id = 'D-1' AND seq = 2",
                  "UPDATE events SET seq = 2, json = jsonb_set(json::jsonb, '{seq}', '2')::text"
                  " WHERE case_id = 'D-1' AND seq = 3",
                  "UPDATE events SET seq = 3 WHERE case_id = 'D-1' AND seq = -2"});
  }
  CHECK(mentions(store.integrity_error(), "hash chain broken: case \"D-1\", event 2:"));
}

TEST_CASE("a changed timestamp is caught at that event") {
  Store store;
  store.tamper({"UPDATE events SET at = at - 3600,"
                " json = jsonb_set(json::jsonb, '{at}', '\"2025-09-01T00:00:00+00:00\"')::text"
                " WHERE case_id = 'D-1' AND seq = 2"});
  CHECK(mentions(store.integrity_error(), "hash chain broken: case \"D-1\", event 2:"));
}

TEST_CASE("a changed case id is caught") {
  Store store;
  SUBCASE("inside the event: it claims another case") {
    store.tamper({"UPDATE events SET json = jsonb_set(json::jsonb, '{case}', '\"D-9\"')::text"
                  " WHERE case_id = 'D-1' AND seq = 2"});
    const std::string error = store.integrity_error();
    CHECK(mentions(error, "hash chain broken: case \"D-1\", event 2:"));
    CHECK(mentions(error, "names case \"D-9\""));
  }
  SUBCASE("the row moved to another case, renumbered to fit there") {
    const std::string last = std::to_string(store.storage->load("D-2").value().version);
    store.tamper({"UPDATE events SET case_id = 'D-3', seq = 2,"
                  " json = jsonb_set(jsonb_set(json::jsonb, '{case}', '\"D-3\"'), '{seq}', '2')::text"
                  " WHERE case_id = 'D-2' AND seq = " + last,
                  "UPDATE cases SET version = 2, snapshot = jsonb_set(snapshot::jsonb, '{version}', '2')::text"
                  " WHERE id = 'D-3'",
                  "UPDATE cases SET version = version - 1,"
                  " snapshot = jsonb_set(snapshot::jsonb, '{version}', to_jsonb(version - 1))::text WHERE id = 'D-2'"});
    // Counts and versions agree again; the chains do not: D-2's head is its lost event's.
    // Counts and versions agree again; D-3 now ends with D-2's dispatched event.
    CHECK(mentions(store.integrity_error(), "case \"D-3\" is registered but its last event left it dispatched"));
    // Its state put back as well: the chains are left to tell, and D-2 (first in id order)
    // no longer ends at its snapshot's head.
    store.tamper({"UPDATE events SET json = jsonb_set(json::jsonb, '{state_after}', '\"registered\"')::text"
                  " WHERE case_id = 'D-3' AND seq = 2"});
    CHECK(mentions(store.integrity_error(), "hash chain broken: case \"D-2\""));
  }
}

TEST_CASE("tables that disagree with each other are caught") {
  Store store;
  SUBCASE("a state column changed under its snapshot") {
    store.tamper({"UPDATE cases SET state = 'closed' WHERE id = 'D-3'"});
    CHECK(mentions(store.integrity_error(), "case \"D-3\" has indexed columns that disagree with its snapshot"));
  }
  SUBCASE("a case row deleted, its events left") {
    store.tamper({"DELETE FROM cases WHERE id = 'D-3'"});
    CHECK(mentions(store.integrity_error(), "events of case \"D-3\" have no case row"));
  }
  SUBCASE("a configuration record renumbered") {
    store.tamper({"UPDATE configurations SET seq = 2 WHERE seq = 1"});
    CHECK(mentions(store.integrity_error(), "configuration records are not numbered 1, 2, ...: seq 2 follows 0"));
  }
  SUBCASE("a person key without its visit, and one missing") {
    store.tamper({"INSERT INTO visit_keys(key, visit_id) VALUES ('phone:13900000000', 'V-0')"});
    CHECK(mentions(store.integrity_error(), "visit_keys name visit \"V-0\", which has no row"));
    store.tamper({"DELETE FROM visit_keys WHERE visit_id = 'V-0'", "DELETE FROM visit_keys WHERE visit_id = 'V-1'"});
    CHECK(mentions(store.integrity_error(), "visit \"V-1\" has visit_keys rows that disagree with its parties"));
  }
  SUBCASE("a snapshot that does not read back") {
    store.tamper({"UPDATE cases SET snapshot = '{\"id\":' WHERE id = 'D-2'"});
    const Status s = store.storage->check_integrity();
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::storage_error);
    CHECK(mentions(s.error().message, "holds unreadable data"));
  }
}

}  // TEST_SUITE
