// A connection lost while COMMIT is in flight, provoked for real on the test server: the
// adapter's backend is terminated (pg_terminate_backend, from a second connection) while
// its COMMIT waits, once before the commit happened and once after. Each time the caller
// is told that the outcome is unknown and how to find out (the case's version and last
// event), reading back tells the truth, and following the advice never stores the action
// twice.
//
// Where COMMIT waits, without any hook in the adapter:
//   - before committing: a deferred constraint trigger (test-only, installed in the
//     test's schema) runs at COMMIT and waits for an advisory lock the test holds;
//     terminated there, the server rolls the transaction back;
//   - after committing: synchronous replication to a standby that never connects
//     (synchronous_standby_names, set on the cluster for the test's duration; the test's
//     database alone has synchronous_commit on): the transaction is committed locally
//     and COMMIT waits for the standby; terminated there, the commit stands.
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <thread>

#include <fengqiao/chain.hpp>
#include <fengqiao/engine.hpp>
#include <fengqiao/postgres_storage.hpp>

#include "fixtures.hpp"
#include "pg_server.hpp"

namespace {

using namespace fengqiao;
using namespace fengqiao::testing;

bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void run_sql(const std::string& conninfo, const std::string& sql) {
  pqxx::connection c(conninfo);
  pqxx::nontransaction tx(c);
  tx.exec(sql);
}

// Waits until a backend of `application` waits as `where` says (a pg_stat_activity
// condition), terminates it, and returns true; false if none did within 30 s.
bool terminate_when(const std::string& conninfo, const std::string& application, const std::string& where) {
  pqxx::connection c(conninfo);
  pqxx::nontransaction tx(c);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    const pqxx::result r = tx.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = " +
                                   tx.quote(application) + " AND " + where);
    if (!r.empty()) return r[0][0].as<bool>();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

struct Center {
  std::shared_ptr<PostgresStorage> storage;
  std::unique_ptr<Engine> engine;
  Center(const std::string& conninfo, const std::string& application) {
    PostgresOptions po;
    po.application_name = application;
    storage = PostgresStorage::open(conninfo, po).value_or_throw();
    EngineOptions o;
    o.storage = storage;
    o.clock = std::make_shared<ManualClock>(at("2025-09-01T09:00:00+08:00"));
    engine = std::make_unique<Engine>(std::move(o));
    engine->register_case("C-1", intake, registration());
    engine->act("C-1", Action::note, dispatcher, {{"text", "first"}});  // version 2
  }
  // The notes with this text in the case's history.
  int notes(const std::string& text) const {
    int n = 0;
    storage->read_events("C-1", 1, [&](const Event& e) {
      n += e.action == Action::note && e.data.value("text", "") == text;
      return true;
    }).throw_if_error();
    return n;
  }
};

void check_unknown(const Error& e) {
  INFO(e.message);
  CHECK(e.code == ErrorCode::storage_error);
  CHECK(mentions(e.message, "the connection was lost while committing"));
  CHECK(mentions(e.message, "whether it was stored is unknown"));
  CHECK(mentions(e.message, "load case \"C-1\": it was stored if its version is 3"));
  CHECK(mentions(e.message, "its last event (read_events from seq 3) is this commit's"));
  CHECK(mentions(e.message, "not if its version is still 2"));
  CHECK_FALSE(mentions(e.message, "nothing was stored"));
}

// The cluster's synchronous_standby_names for the life of the object.
class StandbyNames {
 public:
  StandbyNames(std::string conninfo, const std::string& names) : conninfo_(std::move(conninfo)) {
    run_sql(conninfo_, "ALTER SYSTEM SET synchronous_standby_names = '" + names + "'");
    run_sql(conninfo_, "SELECT pg_reload_conf()");
  }
  ~StandbyNames() {
    try {
      run_sql(conninfo_, "ALTER SYSTEM RESET synchronous_standby_names");
      run_sql(conninfo_, "SELECT pg_reload_conf()");
    } catch (...) {
      // The cluster is thrown away with the fixture.
    }
  }

 private:
  std::string conninfo_;
};

}  // namespace

TEST_CASE("terminated while COMMIT runs, before it commits: unknown; reading back says not stored; the retry stores once") {
  TestSchema schema;
  const std::string application = unique_name("unknown_before");
  Center center(schema.conninfo(), application);
  run_sql(schema.conninfo(),
          "CREATE FUNCTION test_wait_at_commit() RETURNS trigger LANGUAGE plpgsql SET lock_timeout = 0 AS"
          " $$ BEGIN PERFORM pg_advisory_xact_lock(424242); RETURN NULL; END $$");
  run_sql(schema.conninfo(),
          "CREATE CONSTRAINT TRIGGER test_wait_at_commit AFTER INSERT ON events DEFERRABLE INITIALLY DEFERRED"
          " FOR EACH ROW WHEN (NEW.json LIKE '%wait-at-commit%') EXECUTE FUNCTION test_wait_at_commit()");

  pqxx::connection holder(schema.conninfo());
  pqxx::nontransaction hold(holder);
  hold.exec("SELECT pg_advisory_lock(424242)");
  auto acting = std::async(std::launch::async, [&] {
    return center.engine->try_act("C-1", Action::note, dispatcher, {{"text", "wait-at-commit"}});
  });
  const bool terminated = terminate_when(schema.conninfo(), application, "query = 'COMMIT' AND wait_event_type = 'Lock'");
  hold.exec("SELECT pg_advisory_unlock(424242)");
  REQUIRE_MESSAGE(terminated, "the adapter's COMMIT never waited at the trigger");
  const Result<Case> acted = acting.get();
  REQUIRE_FALSE(acted);
  check_unknown(acted.error());

  // Doing what the message says: the version is still 2, so it was not stored.
  const Case now = center.engine->try_get("C-1").value();
  CHECK(now.version == 2);
  CHECK(center.notes("wait-at-commit") == 0);
  // So it is retried (the lock is free now), and stored once.
  const Case retried = center.engine->try_act("C-1", Action::note, dispatcher, {{"text", "wait-at-commit"}}).value();
  CHECK(retried.version == 3);
  CHECK(center.notes("wait-at-commit") == 1);
  center.storage->check_integrity().throw_if_error();
}

TEST_CASE("terminated while COMMIT waits, after it committed: unknown; reading back says stored; a blind retry is refused") {
  TestDatabase db("fq_unknown");
  // Only this database's sessions wait for a synchronous standby; the cluster's default
  // (synchronous_commit off, pg_cluster.sh) keeps every other test's commits from waiting.
  run_sql(db.conninfo(), "ALTER DATABASE " + db.name() + " SET synchronous_commit = on");
  const std::string application = unique_name("unknown_after");
  Center center(db.conninfo(), application);

  Result<Case> acted = make_error(ErrorCode::storage_error, "not tried");
  {
    StandbyNames never(pg_server(), "fengqiao_standby_that_never_connects");
    // The setting reaches the server's processes shortly after the reload (the
    // checkpointer publishes whether commits must wait): let it arrive first.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
      pqxx::connection c(pg_server());
      pqxx::nontransaction tx(c);
      if (tx.exec1("SHOW synchronous_standby_names")[0].as<std::string>() != "") break;
      REQUIRE(std::chrono::steady_clock::now() < until);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto acting = std::async(std::launch::async, [&] {
      return center.engine->try_act("C-1", Action::note, dispatcher, {{"text", "committed-then-lost"}});
    });
    const bool terminated = terminate_when(pg_server(), application, "wait_event = 'SyncRep'");
    acted = acting.get();
    REQUIRE_MESSAGE(terminated, "the adapter's COMMIT never waited for the standby");
  }
  REQUIRE_FALSE(acted);
  check_unknown(acted.error());

  // Doing what the message says: version 3 and its last event is this note: it was stored.
  const Case now = center.engine->try_get("C-1").value();
  CHECK(now.version == 3);
  std::optional<Event> last;
  center.storage->read_events("C-1", 3, [&](const Event& e) { return last = e, true; }).throw_if_error();
  REQUIRE(last);
  CHECK(last->data.value("text", "") == "committed-then-lost");
  CHECK(center.notes("committed-then-lost") == 1);
  // A caller that retried the same commit without reading back would not store it twice:
  // it was computed from version 2, and the version check refuses it.
  CaseCommit blind;
  blind.snapshot = now;
  blind.expected_version = 2;
  blind.events = {*last};
  blind.config_seq = center.storage->configuration().value()->seq;
  const Status again = center.storage->commit(blind);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::conflict);
  CHECK(center.notes("committed-then-lost") == 1);
  center.storage->check_integrity().throw_if_error();
}
