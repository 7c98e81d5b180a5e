// The SQLite storage adapter: cases, their events, the outbox, visits and the
// configuration records in one database file.
//
//   auto storage = fengqiao::SqliteStorage::open("center.db").value_or_throw();
//   fengqiao::EngineOptions o;
//   o.storage = storage;
//   fengqiao::Engine engine(std::move(o));
//
// Every commit is one SQLite transaction (WAL mode), so a process that dies at any moment
// leaves each case either before or after a change, never in between, and whatever was
// committed is there when the file is opened again. The schema, the error mapping and the
// outbox semantics are described in docs/STORAGE.md.
//
// Thread rules: those of Storage. One object serialises its calls on one connection; for
// parallel readers open several objects on the same file. While a batch is open on the
// object, other threads' calls on it wait for the batch (up to busy_timeout, then
// `busy`). Objects in other threads or processes on the same file are kept consistent by
// SQLite's locking: their writes wait for the write lock (up to their busy_timeout, then
// `busy`), and a commit computed from an outdated version fails with `conflict`.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "fengqiao/storage.hpp"

namespace fengqiao {

// How a SqliteStorage opens its file, waits for locks and commits to disk.
struct SqliteOptions {
  // Create the file and its schema when the file does not exist.
  // Default: true.
  bool create_if_missing = true;

  // Open for reading only: every write (commit, batch, ack) fails with storage_error and
  // the file is never modified. Needed for files the process may not write.
  // Default: false.
  bool read_only = false;

  // How long a call waits for another thread's batch on this object, and a write for
  // another connection's lock, before it fails with `busy` ("... is locked ..." / "... is
  // held by another thread's batch ..."), having done nothing. Readers on other
  // connections never wait for writers (WAL). A file locked at open is storage_error.
  // Default: 5000 ms.
  std::chrono::milliseconds busy_timeout{5000};

  // When a commit reaches the disk. `normal`: a commit survives a crash of the process
  // at any moment; a power loss or OS crash may lose the last commits (never corrupts).
  // `full`: a commit also survives a power loss, at the cost of an fsync per commit.
  // Default: normal.
  enum class Synchronous { normal, full };
  Synchronous synchronous = Synchronous::normal;
};

// Cases, events, visits, the outbox and the configuration in one SQLite file (WAL mode),
// each change one transaction; several objects or processes may share the file.
class SqliteStorage final : public Storage {
 public:
  // The schema version this build writes (2: visits; 3: configuration records; 4: the hash
  // chain). A file with a higher one is refused (it was written by a newer fengqiao); a
  // lower one is migrated when opened writable, and read as it is when opened read-only (a
  // version-1 file then has no visits, a version-1 or 2 file no configuration records, and
  // a file before version 4 no hash chain: its events have no hash). Migrating to version 4
  // chains the events already there as they are found (docs/CHAIN.md). Version 5 stores
  // snapshots and events as compact blobs instead of JSON text (docs/DESIGN.md "SQLite
  // schema 5"); a file before it opened read-only is read in its JSON form.
  static constexpr int kSchemaVersion = 5;

  // Opens `path` (":memory:" for a private in-memory database), creating and migrating
  // it as allowed by `options`. storage_error, naming the file, when it cannot be used:
  // missing, not a database or corrupt, not a fengqiao database, written by a newer
  // fengqiao, read-only but opened for writing, locked past busy_timeout (storage_error,
  // not busy: a file that cannot be opened is refused). A file that is refused is left
  // exactly as it was.
  static Result<std::shared_ptr<SqliteStorage>> open(const std::string& path, SqliteOptions options = {}) noexcept;

  // Same as open(); throws Exception with the storage_error.
  explicit SqliteStorage(const std::string& path, SqliteOptions options = {});
  ~SqliteStorage() override;
  // Move-only: the connection has one owner. A moved-from object fails every call
  // with storage_error.
  SqliteStorage(SqliteStorage&& other) noexcept;
  SqliteStorage& operator=(SqliteStorage&& other) noexcept;
  SqliteStorage(const SqliteStorage&) = delete;
  SqliteStorage& operator=(const SqliteStorage&) = delete;

  using Storage::commit;  // the rvalue overload: same as this one (the JSON is encoded either way)
  Status commit(const CaseCommit& c) override;
  Result<Case> load(std::string_view case_id) const override;
  Status load_into(std::string_view case_id, Case& into) const override;
  Status read_events(std::string_view case_id, std::uint64_t from_seq,
                     const std::function<bool(const Event&)>& visit) const override;
  Result<std::vector<Case>> query(const CaseQuery& q) const override;
  Result<std::uint64_t> count(const CaseQuery& q) const override;
  Result<std::optional<DueEntry>> first_due(Instant up_to) const override;
  // A batch is one SQLite write transaction: it holds the database's write lock until
  // end_batch, so writers on other connections wait (up to busy_timeout, then busy)
  // meanwhile. Other threads calling this object wait until the batch ends (up to
  // busy_timeout, then busy); any thread may call end_batch.
  Status begin_batch() override;
  Status end_batch(bool commit) override;
  Result<std::vector<OutboxMessage>> outbox_fetch(std::size_t max) const override;
  Status outbox_ack(const std::vector<std::uint64_t>& ids) override;
  Result<std::uint64_t> outbox_depth() const override;
  Status add_visit(const Visit& v) override;
  Result<std::vector<Visit>> visits(const VisitQuery& q) const override;
  Result<std::uint64_t> count_visits(const VisitQuery& q) const override;
  Result<std::optional<ConfigRecord>> configuration() const override;
  Status read_configurations(std::uint64_t from_seq,
                             const std::function<bool(const ConfigRecord&)>& visit) const override;
  Status commit_configuration(const ConfigCommit& c) override;
  Status rewrite_snapshot(const Case& snapshot) override;

  // Checks the file: SQLite's integrity_check, then fengqiao's own invariants (every
  // case's version equals its number of events, numbered 1..version; its indexed
  // columns agree with its snapshot; each visit's indexed columns and person keys agree
  // with its record; the configuration records are numbered 1..n and each reads back as
  // a ConfigRecord of its row's seq and instant), and every case's hash chain
  // (chain::verify_case: each event's content matches its hash, each hash links to the one
  // before, the snapshot's chain_head is the last; not for a file before schema 4 opened
  // read-only, which has no chain).
  // storage_error describing the first problem found, naming the case and event. Reads
  // the whole file.
  Status check_integrity() const;

  // The path the object was opened with.
  const std::string& path() const;

 private:
  struct Impl;
  explicit SqliteStorage(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fengqiao
