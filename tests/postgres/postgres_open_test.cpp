// The PostgreSQL adapter's own promises, beyond the conformance kit: what opening checks
// and refuses (unreachable server, foreign tables, newer or missing schema, permissions),
// what a lost connection reports, the locks between connections (busy, commit-ordered
// outbox ids), and concurrent creation of one schema.
#include <doctest/doctest.h>

#include <future>
#include <thread>

#include <fengqiao/postgres_storage.hpp>
#include <fengqiao/testing/storage_conformance.hpp>

#include "pg_server.hpp"

namespace {

using namespace fengqiao;
namespace fx = fengqiao::testing;

Case new_case(const std::string& id) {
  Case c;
  c.id = id;
  c.version = 1;
  c.jurisdiction = {"daxinganling", "mohe"};
  c.summary = "fence";
  return c;
}

CaseCommit registration(const Case& c, std::vector<OutboxMessage> outbox = {}) {
  CaseCommit commit;
  commit.snapshot = c;
  commit.expected_version = c.version - 1;
  Event e;
  e.case_id = c.id;
  e.seq = c.version;
  e.type = EventType::action;
  e.action = c.version == 1 ? Action::register_case : Action::note;
  commit.events.push_back(e);
  commit.outbox = std::move(outbox);
  return commit;
}

OutboxMessage message(const std::string& case_id, std::uint64_t seq) {
  return OutboxMessage{0, "sms", case_id, seq, {{"case", case_id}}};
}

PostgresOptions quick() {
  PostgresOptions o;
  o.busy_timeout = std::chrono::milliseconds(300);
  return o;
}

void run_sql(const std::string& conninfo, const std::string& sql) {
  pqxx::connection c(conninfo);
  pqxx::nontransaction tx(c);
  tx.exec(sql);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("an unreachable server is storage_error, naming it, its password masked") {
  // A port nothing listens on: the server's own port + 1 would be a guess; port 1 is
  // privileged and never a PostgreSQL.
  auto opened = PostgresStorage::open("host=127.0.0.1 port=1 user=x password=s3cret dbname=x connect_timeout=3");
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == ErrorCode::storage_error);
  INFO(opened.error().message);
  CHECK(contains(opened.error().message, "cannot be reached"));
  CHECK(contains(opened.error().message, "port=1"));
  CHECK_FALSE(contains(opened.error().message, "s3cret"));
}

TEST_CASE("a new schema is created once, even by several processes opening it at once") {
  fx::TestSchema schema;
  std::vector<std::future<Result<std::shared_ptr<PostgresStorage>>>> opening;
  for (int i = 0; i < 4; ++i)
    opening.push_back(std::async(std::launch::async, [&] { return PostgresStorage::open(schema.conninfo(), quick()); }));
  std::vector<std::shared_ptr<PostgresStorage>> storages;
  for (auto& f : opening) {
    auto r = f.get();
    REQUIRE_MESSAGE(r, r.error().describe());
    storages.push_back(*r);
  }
  REQUIRE(storages[0]->commit(registration(new_case("C-1"))));
  CHECK(storages[3]->load("C-1").value().summary == "fence");
}

TEST_CASE("opening refuses, and leaves unchanged, what it cannot use") {
  fx::TestSchema schema;
  SUBCASE("a schema written by a newer fengqiao") {
    REQUIRE(PostgresStorage::open(schema.conninfo()));
    run_sql(schema.conninfo(), "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    auto opened = PostgresStorage::open(schema.conninfo());
    REQUIRE_FALSE(opened);
    CHECK(opened.error().code == ErrorCode::storage_error);
    INFO(opened.error().message);
    CHECK(contains(opened.error().message, "newer fengqiao (schema 99 > 1)"));
    CHECK(contains(opened.error().message, schema.name()));
  }
  SUBCASE("an unreadable schema version") {
    REQUIRE(PostgresStorage::open(schema.conninfo()));
    run_sql(schema.conninfo(), "UPDATE meta SET value = 'two' WHERE key = 'schema_version'");
    auto opened = PostgresStorage::open(schema.conninfo());
    REQUIRE_FALSE(opened);
    CHECK(contains(opened.error().message, "unreadable schema_version"));
  }
  SUBCASE("another application's table of the same name") {
    run_sql(schema.conninfo(), "CREATE TABLE cases (x int)");
    auto opened = PostgresStorage::open(schema.conninfo());
    REQUIRE_FALSE(opened);
    INFO(opened.error().message);
    CHECK(contains(opened.error().message, "holds a table \"cases\" that is not fengqiao's"));
    // Left as it was: no meta table was created beside it.
    pqxx::connection c(schema.conninfo());
    pqxx::nontransaction tx(c);
    CHECK(tx.exec1("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")[0].as<int>() == 1);
  }
  SUBCASE("an empty schema with create_if_missing off") {
    PostgresOptions o;
    o.create_if_missing = false;
    auto opened = PostgresStorage::open(schema.conninfo(), o);
    REQUIRE_FALSE(opened);
    CHECK(contains(opened.error().message, "holds no fengqiao tables yet"));
    o.create_if_missing = true;
    CHECK(PostgresStorage::open(schema.conninfo(), o));
  }
  SUBCASE("a search_path naming no existing schema") {
    auto opened = PostgresStorage::open(fx::program_database().conninfo() + " options=-csearch_path=no_such_schema");
    REQUIRE_FALSE(opened);
    CHECK(contains(opened.error().message, "has no schema to use"));
  }
}

TEST_CASE("a role without the permissions gets storage_error saying so") {
  fx::TestSchema schema;
  REQUIRE(PostgresStorage::open(schema.conninfo()));
  const std::string role = fx::unique_name("reader");
  run_sql(schema.conninfo(), "CREATE ROLE " + role + " LOGIN");
  run_sql(schema.conninfo(), "GRANT USAGE ON SCHEMA " + schema.name() + " TO " + role);
  const std::string as_role = schema.conninfo() + " user=" + role;

  auto refused = PostgresStorage::open(as_role);
  REQUIRE_FALSE(refused);
  INFO(refused.error().message);
  CHECK(refused.error().code == ErrorCode::storage_error);
  CHECK(contains(refused.error().message, "permission denied"));
  CHECK(contains(refused.error().message, "grant the role"));

  // Allowed to read, not to write: opening works, a commit is refused and stores nothing.
  run_sql(schema.conninfo(), "GRANT SELECT ON ALL TABLES IN SCHEMA " + schema.name() + " TO " + role);
  auto reader = PostgresStorage::open(as_role);
  REQUIRE_MESSAGE(reader, reader.error().describe());
  const Status s = (*reader)->commit(registration(new_case("C-1")));
  REQUIRE_FALSE(s);
  CHECK(s.error().code == ErrorCode::storage_error);
  CHECK(contains(s.error().message, "permission denied"));
  CHECK((*reader)->load("C-1").error().code == ErrorCode::unknown_case);
  run_sql(schema.conninfo(), "DROP OWNED BY " + role);
  run_sql(schema.conninfo(), "DROP ROLE " + role);
}

TEST_CASE("a connection lost between calls or in a batch: nothing stored, and the next call connects again") {
  fx::TestSchema schema;
  PostgresOptions o = quick();
  o.application_name = fx::unique_name("lost");
  auto storage = PostgresStorage::open(schema.conninfo(), o).value_or_throw();
  REQUIRE(storage->commit(registration(new_case("C-1"))));
  const std::string kill_it =
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" + o.application_name + "'";

  run_sql(schema.conninfo(), kill_it);
  Case c2 = new_case("C-1");
  c2.version = 2;
  const Status lost = storage->commit(registration(c2));
  REQUIRE_FALSE(lost);
  INFO(lost.error().message);
  CHECK(lost.error().code == ErrorCode::storage_error);
  CHECK(contains(lost.error().message, "nothing was stored"));
  CHECK(contains(lost.error().message, "connects again"));
  // Reconnected: the same commit now succeeds.
  REQUIRE(storage->commit(registration(c2)));
  CHECK(storage->load("C-1").value().version == 2);

  // In a batch: the whole batch is gone, and end_batch(true) says so.
  REQUIRE(storage->begin_batch());
  REQUIRE(storage->commit(registration(new_case("C-2"))));
  run_sql(schema.conninfo(), kill_it);
  CHECK_FALSE(storage->commit(registration(new_case("C-3"))));
  const Status ended = storage->end_batch(true);
  REQUIRE_FALSE(ended);
  CHECK(contains(ended.error().message, "none of the batch's commits were stored"));
  CHECK(storage->load("C-2").error().code == ErrorCode::unknown_case);
  REQUIRE(storage->commit(registration(new_case("C-2"))));
}

// libpqxx 6.4's subtransaction sends its SAVEPOINT only with its first exec(), never with
// exec_prepared(): the adapter's batch savepoints were never set, and one failed
// statement aborted the whole batch. The adapter now sets them itself.
TEST_CASE("in a batch, a commit the server fails leaves the batch as it was; a refused one too") {
  fx::TestSchema schema;
  auto storage = PostgresStorage::open(schema.conninfo(), quick()).value_or_throw();
  run_sql(schema.conninfo(),
          "CREATE FUNCTION test_refuse_row() RETURNS trigger LANGUAGE plpgsql AS"
          " $$ BEGIN RAISE EXCEPTION 'test: refused by a trigger'; END $$");
  run_sql(schema.conninfo(),
          "CREATE TRIGGER test_refuse_row BEFORE INSERT ON cases FOR EACH ROW WHEN (NEW.id = 'C-fails')"
          " EXECUTE FUNCTION test_refuse_row()");
  REQUIRE(storage->begin_batch());
  REQUIRE(storage->commit(registration(new_case("C-1"))));
  const Status failed = storage->commit(registration(new_case("C-fails")));
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == ErrorCode::storage_error);
  // Refused (a duplicate), in the batch: nothing changes either.
  const Status duplicate = storage->commit(registration(new_case("C-1")));
  REQUIRE_FALSE(duplicate);
  CHECK(duplicate.error().code == ErrorCode::duplicate_case);
  // The batch goes on: its reads and commits work, and the version check still holds.
  CHECK(storage->load("C-1").value().version == 1);
  REQUIRE(storage->commit(registration(new_case("C-2"))));
  Case c1 = new_case("C-1");
  c1.version = 2;
  REQUIRE(storage->commit(registration(c1)));
  CHECK(storage->load("C-1").value().version == 2);
  REQUIRE(storage->end_batch(true));
  CHECK(storage->load("C-1").value().version == 2);
  CHECK(storage->load("C-2").value().version == 1);
  CHECK(storage->load("C-fails").error().code == ErrorCode::unknown_case);
}

TEST_CASE("between connections: a row held past busy_timeout is busy; outbox ids follow commit order") {
  fx::TestSchema schema;
  auto a = PostgresStorage::open(schema.conninfo(), quick()).value_or_throw();
  auto b = PostgresStorage::open(schema.conninfo(), quick()).value_or_throw();
  REQUIRE(a->commit(registration(new_case("C-1"))));
  REQUIRE(a->commit(registration(new_case("C-2"))));

  // a's batch holds C-1's row and the outbox lock, having taken an outbox id first.
  REQUIRE(a->begin_batch());
  Case a1 = new_case("C-1");
  a1.version = 2;
  REQUIRE(a->commit(registration(a1, {message("C-1", 2)})));

  Case b1 = new_case("C-1");
  b1.version = 2;
  const Status held = b->commit(registration(b1));
  REQUIRE_FALSE(held);
  INFO(held.error().message);
  CHECK(held.error().code == ErrorCode::busy);
  CHECK(contains(held.error().message, "still locked after 300 ms"));

  // b's message on another case waits for a's batch, so its id comes after a's even
  // though a's batch commits later than b started.
  PostgresOptions patient;
  patient.busy_timeout = std::chrono::seconds(10);
  auto c = PostgresStorage::open(schema.conninfo(), patient).value_or_throw();
  auto later = std::async(std::launch::async, [&] {
    Case b2 = new_case("C-2");
    b2.version = 2;
    return c->commit(registration(b2, {message("C-2", 2)}));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(b->outbox_depth().value() == 0);  // neither is visible yet
  REQUIRE(a->end_batch(true));
  REQUIRE(later.get());
  const auto outbox = b->outbox_fetch(10).value();
  REQUIRE(outbox.size() == 2);
  CHECK(outbox[0].case_id == "C-1");
  CHECK(outbox[1].case_id == "C-2");
  CHECK(outbox[0].id < outbox[1].id);
  // And b, refused before, retries from the new version.
  CHECK(b->commit(registration(b1)).error().code == ErrorCode::conflict);
}
