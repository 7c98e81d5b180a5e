// SqliteStorage's batches beyond the conformance kit: the adapter serves loads inside an
// open batch from the snapshots the batch wrote (docs/STORAGE.md); those loads must be
// exactly what the file holds, also once that cache has overflowed and after refusals.
#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <fengqiao/sqlite_storage.hpp>
#include <fengqiao/testing/storage_conformance.hpp>

using namespace fengqiao;
using namespace fengqiao::testing::conformance;

namespace {

std::string id_of(int i) { return "B-" + std::to_string(10000 + i); }

Case second_version(int i) {
  Case c = make_case(id_of(i), 2);
  c.summary = "second version of " + id_of(i);
  set_due(c, at(i));
  return c;
}

}  // namespace

TEST_CASE("loads inside a batch of more cases than the adapter caches equal the stored rows") {
  fengqiao::testing::TempDir dir;
  auto storage = SqliteStorage::open(dir.file("cases.db")).value_or_throw();
  constexpr int kCases = 5000;  // more than SqliteStorage keeps for one batch (4,096)

  need(storage->begin_batch(), "begin_batch");
  for (int i = 0; i < kCases; ++i) need(storage->commit(change(make_case(id_of(i), 1), 0)), "create");
  for (int i = 0; i < kCases; i += 7) need(storage->commit(change(second_version(i), 1)), "update");
  // A refused commit leaves the stored (and any cached) snapshot as it was.
  CHECK(code_of(storage->commit(change(make_case(id_of(7), 9), 4))) == "conflict");

  for (int i : {0, 1, 7, 4095, 4096, kCases - 1}) {
    CAPTURE(i);
    const Case expected = i % 7 == 0 ? second_version(i) : make_case(id_of(i), 1);
    CHECK(json_of(need(storage->load(id_of(i)), "load in the batch")) == json_of(expected));
  }
  need(storage->end_batch(true), "end_batch(true)");

  // A fresh connection reads what the batch's loads returned.
  auto reopened = SqliteStorage::open(dir.file("cases.db")).value_or_throw();
  for (int i : {0, 1, 7, 4095, 4096, kCases - 1}) {
    CAPTURE(i);
    const Case expected = i % 7 == 0 ? second_version(i) : make_case(id_of(i), 1);
    CHECK(json_of(need(reopened->load(id_of(i)), "load after the batch")) == json_of(expected));
  }
}

TEST_CASE("after a rolled-back batch, loads see the file again, not the batch's snapshots") {
  fengqiao::testing::TempDir dir;
  auto storage = SqliteStorage::open(dir.file("cases.db")).value_or_throw();
  need(storage->commit(change(make_case(id_of(1), 1), 0)), "create");

  need(storage->begin_batch(), "begin_batch");
  need(storage->commit(change(second_version(1), 1)), "update in the batch");
  need(storage->commit(change(make_case(id_of(2), 1), 0)), "create in the batch");
  CHECK(need(storage->load(id_of(1)), "load").version == 2);
  CHECK(need(storage->load(id_of(2)), "load").version == 1);
  need(storage->end_batch(false), "end_batch(false)");

  CHECK(json_of(need(storage->load(id_of(1)), "load")) == json_of(make_case(id_of(1), 1)));
  CHECK(code_of(storage->load(id_of(2))) == "unknown_case");
}

// Writes inside a batch run without savepoints (docs/DESIGN.md "Batches without
// savepoints"): a refusal writes nothing, so it fails alone and the batch goes on ...
TEST_CASE("a refused commit inside a batch fails alone: the batch's other commits are stored") {
  fengqiao::testing::TempDir dir;
  auto storage = SqliteStorage::open(dir.file("cases.db")).value_or_throw();
  need(storage->commit(change(make_case(id_of(1), 1), 0)), "create");

  need(storage->begin_batch(), "begin_batch");
  need(storage->commit(change(make_case(id_of(2), 1), 0)), "create in the batch");
  CHECK(code_of(storage->commit(change(make_case(id_of(1), 3), 2))) == "conflict");  // stored at 1, not 2
  CHECK(code_of(storage->commit(change(make_case(id_of(2), 1), 0))) == "duplicate_case");
  CHECK(code_of(storage->commit(change(second_version(9), 1))) == "unknown_case");
  need(storage->commit(change(second_version(1), 1)), "update in the batch");
  need(storage->end_batch(true), "end_batch(true)");

  CHECK(json_of(need(storage->load(id_of(1)), "load")) == json_of(second_version(1)));
  CHECK(need(storage->load(id_of(2)), "load").version == 1);
  CHECK(code_of(storage->load(id_of(9))) == "unknown_case");
}

// ... and a write that fails after writing rows takes the whole batch with it, instead of
// leaving half of itself in it. Here the case row's UPDATE succeeds and its event's INSERT
// then meets an event row a damaged file already holds at that seq.
TEST_CASE("a commit that fails halfway inside a batch rolls the whole batch back, and says so") {
  fengqiao::testing::TempDir dir;
  const std::string path = dir.file("cases.db");
  auto storage = SqliteStorage::open(path).value_or_throw();
  need(storage->commit(change(make_case(id_of(1), 1), 0)), "create");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("INSERT INTO events(case_id, seq, body) SELECT case_id, 2, body FROM events WHERE case_id = '" + id_of(1) +
            "' AND seq = 1");
  }

  need(storage->begin_batch(), "begin_batch");
  need(storage->commit(change(make_case(id_of(2), 1), 0)), "create in the batch");
  const Status halfway = storage->commit(change(second_version(1), 1));
  REQUIRE_FALSE(halfway.ok());
  CHECK(halfway.error().code == ErrorCode::storage_error);
  const Status next = storage->commit(change(make_case(id_of(3), 1), 0));
  REQUIRE_FALSE(next.ok());
  CHECK(next.error().message.find("rolled back the open batch") != std::string::npos);
  const Status ended = storage->end_batch(true);
  REQUIRE_FALSE(ended.ok());
  CHECK(ended.error().message.find("none of the batch's commits were stored") != std::string::npos);

  // Nothing of the batch: B-10002 and B-10003 were never stored, B-10001 is as it was.
  CHECK(code_of(storage->load(id_of(2))) == "unknown_case");
  CHECK(code_of(storage->load(id_of(3))) == "unknown_case");
  CHECK(json_of(need(storage->load(id_of(1)), "load")) == json_of(make_case(id_of(1), 1)));
  // The store takes new batches and commits again.
  need(storage->begin_batch(), "begin_batch again");
  need(storage->commit(change(make_case(id_of(2), 1), 0)), "create in the next batch");
  need(storage->end_batch(true), "end_batch(true) again");
  CHECK(need(storage->load(id_of(2)), "load").version == 1);
}
