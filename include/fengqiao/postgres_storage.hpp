// The PostgreSQL storage adapter: cases, their events, the outbox, visits and the
// configuration records in one PostgreSQL schema, shared by any number of engine
// processes.
//
//   fengqiao::PostgresOptions options;
//   options.busy_timeout = std::chrono::seconds(2);
//   auto storage = fengqiao::PostgresStorage::open("host=db1 dbname=center user=fengqiao",
//                                                  options).value_or_throw();
//   fengqiao::EngineOptions o;
//   o.storage = storage;
//   fengqiao::Engine engine(std::move(o));
//
// Every commit is one PostgreSQL transaction (READ COMMITTED): the version check is the
// UPDATE's own WHERE clause, so of two engines that computed a change from the same
// version one stores it and the other gets `conflict` (the engine reloads and retries).
// The same check makes every due event fire exactly once however many engines sweep
// the due index (docs/STORAGE.md, "Several engine processes"). The schema, the locks and
// the error mapping are described in docs/STORAGE.md.
//
// Thread rules: those of Storage. One object is one connection; its calls are
// serialised. While a batch is open on the object, other threads' calls on it wait for
// the batch (up to busy_timeout, then `busy`). For parallel work open several objects:
// objects in other threads or processes on the same database are kept consistent by
// PostgreSQL's row locks and the version check.
//
// libpqxx and libpq stay private to the component: this header names neither.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "fengqiao/storage.hpp"

namespace fengqiao {

// How a PostgresStorage treats its schema, waits for locks, and names its connection.
struct PostgresOptions {
  // Create the schema (tables, indexes, triggers) when the connection's schema holds
  // none of fengqiao's tables yet, and migrate an older fengqiao schema to this build's.
  // Off: such a database is refused with storage_error (for a role that may not create
  // tables, whose administrator creates the schema once with a role that may).
  // Default: true.
  bool create_if_missing = true;

  // How long a call waits for another thread's batch on this object, and a statement
  // for a lock another connection holds (a row another transaction is changing, a batch
  // that changed the configuration), before it fails with `busy`, having done nothing.
  // PostgreSQL's lock_timeout is set to it on the connection. Readers never wait for
  // writers (MVCC).
  // Default: 5000 ms.
  std::chrono::milliseconds busy_timeout{5000};

  // The value of the `application_name` connection setting, shown in pg_stat_activity:
  // name each engine process to tell them apart there.
  // Default: "fengqiao".
  std::string application_name = "fengqiao";
};

// Cases, events, visits, the outbox and the configuration in a PostgreSQL schema, through
// one libpqxx connection per object; several processes may share the database.
class PostgresStorage final : public Storage {
 public:
  // The schema version this build writes. A schema with a higher one is refused (it was
  // written by a newer fengqiao); a lower one is migrated when create_if_missing allows.
  static constexpr int kSchemaVersion = 1;

  // Connects with `connection` (a libpq connection string, "host=... dbname=... user=...",
  // or a postgresql:// URI; the schema is the connection's current schema, so
  // "options=-csearch_path=center_a" keeps two stores apart in one database), then
  // checks, creates or migrates the schema as `options` allow.
  // Success: a storage on that schema.
  // Failure, storage_error naming the server and what to do: the server is unreachable
  // or refuses the login; the database's encoding is not UTF8; the schema holds tables
  // that are not fengqiao's, a fengqiao schema of a newer version, or none while
  // create_if_missing is off; the role may not read or create the tables. A refused
  // schema is left exactly as it was. Two processes opening a new database at once
  // create its schema once.
  // Threads: any.
  static Result<std::shared_ptr<PostgresStorage>> open(const std::string& connection,
                                                       PostgresOptions options = {}) noexcept;

  ~PostgresStorage() override;
  PostgresStorage(const PostgresStorage&) = delete;
  PostgresStorage& operator=(const PostgresStorage&) = delete;

  // Storage. Beyond storage.hpp's contracts:
  //   - a connection lost during a call is storage_error. The message says whether the
  //     change is known not to have been stored ("nothing was stored": the server rolls
  //     back a transaction whose connection is gone) or whether its outcome is unknown
  //     (the connection broke while COMMIT was in flight): then load the case and compare
  //     its version and last event with the commit's, which tells whether it is there.
  //     The next call connects again.
  //   - a deadlock PostgreSQL broke by aborting this call's transaction is `busy`
  //     (nothing was stored: retry).
  using Storage::commit;
  Status commit(const CaseCommit& c) override;
  Result<Case> load(std::string_view case_id) const override;
  Status read_events(std::string_view case_id, std::uint64_t from_seq,
                     const std::function<bool(const Event&)>& visit) const override;
  Result<std::vector<Case>> query(const CaseQuery& q) const override;
  Result<std::uint64_t> count(const CaseQuery& q) const override;
  Result<std::optional<DueEntry>> first_due(Instant up_to) const override;
  // A batch is one PostgreSQL transaction, each commit in it a savepoint. Other
  // connections see nothing of it until end_batch(true); their writes wait only for the
  // rows, configuration and outbox lock the batch holds (up to busy_timeout, then busy).
  Status begin_batch() override;
  Status end_batch(bool commit) override;
  Result<std::vector<OutboxMessage>> outbox_fetch(std::size_t max) const override;
  Status outbox_ack(const std::vector<std::uint64_t>& ids) override;
  Result<std::uint64_t> outbox_depth() const override;
  // The relay lease is a session-level advisory lock (pg_try_advisory_lock) on this
  // object's connection: one object in all the processes on the schema holds it; it is
  // released by outbox_release_lease, or by the server when the connection closes (the
  // process died, the object was destroyed, the connection was lost).
  Result<bool> outbox_take_lease() override;
  Status outbox_release_lease() override;
  Status add_visit(const Visit& v) override;
  Result<std::vector<Visit>> visits(const VisitQuery& q) const override;
  Result<std::uint64_t> count_visits(const VisitQuery& q) const override;
  Result<std::optional<ConfigRecord>> configuration() const override;
  Status read_configurations(std::uint64_t from_seq,
                             const std::function<bool(const ConfigRecord&)>& visit) const override;
  Status commit_configuration(const ConfigCommit& c) override;
  Status rewrite_snapshot(const Case& snapshot) override;

  // Checks fengqiao's invariants between the tables, the same as SqliteStorage's:
  // every case's version equals its number of events, numbered 1..version; its indexed
  // columns agree with its snapshot; its last event left the snapshot's state; no events
  // without a case; every case's hash chain (chain::verify_case: each event's content
  // matches its hash, each hash links to the one before, the snapshot's chain_head is the
  // last); each visit's columns and person keys agree with its record, no key without a
  // visit; the configuration records are numbered 1..n and each reads back at its row's
  // seq and instant.
  // storage_error describing the first problem found, naming the case and event. Reads
  // the whole schema in one repeatable-read transaction (inside the calling thread's
  // batch: in the batch), page by page; the object's other threads wait for it.
  Status check_integrity() const;

  // The connection string the object was opened with, its password (if any) masked.
  const std::string& where() const;

 private:
  struct Impl;
  explicit PostgresStorage(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fengqiao
