// The storage interface: what the engine needs from a database, and what an adapter
// for another database must provide. The in-memory adapter (memory_storage.hpp) is the
// reference implementation; fengqiao/testing/storage_conformance.hpp checks any adapter
// against every contract written here.
//
// Thread rules (all methods): an adapter must be safe to use from several threads at
// once. Each commit is atomic: a concurrent reader sees a case entirely before or
// entirely after it, never part of it. An adapter over a shared database (SQLite file,
// PostgreSQL) gives the same guarantee across processes.
//
// Batches and threads: a batch belongs to the thread that called begin_batch. While it is
// open:
//   - that thread's calls are inside the batch (its commits join it, its reads see it);
//   - every call of any other thread on this object, reads included and begin_batch too,
//     waits until the batch ends, then runs outside it. It never joins the batch, never
//     sees its uncommitted changes, and is never undone by its rollback: a success it
//     returns is final. If the batch is still open after the adapter's busy timeout, the
//     call fails with `busy` and has done nothing;
//   - end_batch may be called from any thread, and ends the batch without waiting.
// Other objects on the same database (another connection, another process) see nothing
// of the batch until end_batch(true); their writes wait for the database's lock (and fail
// with `busy` after their timeout).
//
// Errors: a method that fails returns an Error (it does not throw) and has changed
// nothing. Codes used: unknown_case, duplicate_case, conflict, invalid_data (from
// commit, rewrite_snapshot, commit_configuration); duplicate_visit (from add_visit); busy (the storage was held by another thread's batch, or another connection's
// transaction, past the busy timeout: retry); storage_error (anything else the database
// reports: I/O, corruption, incompatible schema; and misuse: batch nesting, no batch open).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "fengqiao/case.hpp"
#include "fengqiao/configuration.hpp"
#include "fengqiao/error.hpp"
#include "fengqiao/event.hpp"
#include "fengqiao/time.hpp"
#include "fengqiao/visit.hpp"

namespace fengqiao {

// A notification for another system (SMS gateway, message bus), written in the same
// transaction as the event that caused it (transactional outbox).
struct OutboxMessage {
  std::uint64_t id = 0;         // assigned by the storage at commit: increasing, never reused
  std::string topic;            // e.g. "escalated", "emergency_registered"
  std::string case_id;
  std::uint64_t event_seq = 0;  // the event that produced it
  nlohmann::json payload = nlohmann::json::object();
};

// One atomic change to one case.
struct CaseCommit {
  Case snapshot;                       // the case after the change
  std::uint64_t expected_version = 0;  // the stored version this change was computed from; 0 = new case
  std::vector<Event> events;           // seq expected_version+1, +2, ...; snapshot.version is the last seq
  std::vector<OutboxMessage> outbox;   // ids are ignored on input and assigned by the storage
  // The configuration the change was computed with: the seq of the store's newest
  // ConfigRecord when the engine read it (0 = the store kept none). Another engine may
  // have changed the calendar since: then the change is refused with `conflict`.
  std::uint64_t config_seq = 0;
};

// One change of the configuration in force, with the messages it sends (same transaction).
struct ConfigCommit {
  ConfigRecord record;                 // record.seq: the store's newest seq + 1
  std::vector<OutboxMessage> outbox;   // ids assigned by the storage; case_id "" and event_seq = record.seq
};

// Filters are ANDed; an absent filter matches everything. Results are ordered by case
// id (byte-wise) and paginated with after_id / limit.
struct CaseQuery {
  std::optional<State> state;
  std::optional<Supervision> supervision;
  std::optional<std::string> lead;
  std::vector<std::string> jurisdiction;  // the case's path starts with these elements
  std::optional<Instant> due_before;      // next_due() exists and is at or before this
  std::string after_id;                   // only ids strictly greater (byte-wise); "" = from the start
  std::size_t limit = 0;                  // 0 = no limit

  bool matches(const Case& c) const;      // the reference semantics of the filters above
};

// An entry of the due index: a case and the instant of its next_due().
struct DueEntry {
  Instant at;
  std::string case_id;
};

// Where an engine keeps cases: the contract every adapter implements (docs/STORAGE.md) and
// the conformance kit checks. The engine is its only writer.
class Storage {
 public:
  virtual ~Storage() = default;

  // Applies `c` atomically: appends its events, replaces the snapshot, enqueues its
  // outbox messages, and re-keys the case in the due index under c.snapshot.next_due().
  // Success: all of it is stored and visible to later reads (and durable, for durable
  // adapters, per their sync setting).
  // Failure, nothing stored:
  //   expected_version == 0 and the case exists           -> duplicate_case
  //   expected_version  > 0 and the case does not exist   -> unknown_case
  //   the stored version differs from expected_version    -> conflict
  //   the store's newest ConfigRecord seq is not c.config_seq -> conflict
  //   another thread's batch is open past the busy timeout -> busy
  //   the database fails                                  -> storage_error
  // Threads: on the thread of an open batch, the commit joins the batch (and fails alone:
  // a refused commit leaves the batch as it was); on any other thread it waits for the
  // batch to end and is never part of it.
  // Precondition (checked, invalid_data): events are non-empty, numbered from
  // expected_version + 1 without gaps, all for c.snapshot.id, and the snapshot's version
  // is the last event's seq.
  virtual Status commit(const CaseCommit& c) = 0;
  // The same, for a commit the caller no longer needs: an adapter may take its contents
  // instead of copying them (the engine uses this when no listener wants the event).
  // Afterwards `c` is valid but unspecified. Default: commit(const CaseCommit&).
  virtual Status commit(CaseCommit&& c) { return commit(static_cast<const CaseCommit&>(c)); }

  // Reads (load, read_events, query, count, first_due, outbox_fetch, outbox_depth, visits,
  // count_visits):
  // Success: what is committed, plus, on the thread of an open batch, the batch's own
  //   changes.
  // Failure: unknown_case where stated below; busy when another thread's batch stays
  //   open past the busy timeout; storage_error when the database fails.
  // Threads: on any thread but the batch's, a read waits while a batch is open and then
  //   sees what the batch left (nothing of a rolled-back one).

  // The stored snapshot. unknown_case if there is none.
  virtual Result<Case> load(std::string_view case_id) const = 0;
  // The same into `into`, whose strings and vectors an adapter may reuse (the engine keeps
  // one per thread, so that an action does not allocate the snapshot afresh). On failure
  // `into` is valid but unspecified. Default: load(), moved into `into`.
  virtual Status load_into(std::string_view case_id, Case& into) const {
    Result<Case> loaded = load(case_id);
    if (!loaded) return loaded.error();
    into = std::move(loaded).value();
    return Status::success();
  }

  // Calls visit(e) for the case's events with seq >= from_seq, in seq order, until it
  // returns false. unknown_case if the case does not exist. The events passed are those
  // committed when the call started (later commits may or may not be seen). visit may
  // call any method of this storage, commit included: hold no lock while calling it.
  virtual Status read_events(std::string_view case_id, std::uint64_t from_seq,
                             const std::function<bool(const Event&)>& visit) const = 0;

  // Snapshots matching `q`, ordered by id, at most q.limit.
  virtual Result<std::vector<Case>> query(const CaseQuery& q) const = 0;
  // How many snapshots match `q` (after_id applies; limit does not).
  virtual Result<std::uint64_t> count(const CaseQuery& q) const = 0;

  // The due-index entry that fires first among those at or before `up_to`: smallest
  // instant, ties broken by case id (byte-wise). std::nullopt when none is due.
  // Cost: O(log n) in the number of open cases.
  virtual Result<std::optional<DueEntry>> first_due(Instant up_to) const = 0;

  // Batches: begin_batch() makes the calling thread's following commits one atomic unit,
  // published by end_batch(true) or discarded by end_batch(false). Inside a batch each
  // commit still checks versions and fails alone, and the batch thread's reads see the
  // batch's own changes. Destroying the storage with a batch open discards the batch.
  // Whether end_batch(false) also undoes an outbox_ack made inside the batch is the
  // adapter's choice: acknowledge outside batches.
  //
  // begin_batch:
  // Success: a batch is open, owned by the calling thread.
  // Failure, no batch opened: storage_error when the calling thread's batch is already
  //   open (batches do not nest) or the database fails; busy when another thread's batch
  //   is still open after the busy timeout.
  // Threads: while another thread's batch is open it waits for it, like any write, and
  //   then opens its own.
  virtual Status begin_batch() = 0;
  // end_batch:
  // Success: the batch is over; with commit = true all its commits are stored and
  //   visible to everyone, with false none of them is.
  // Failure: storage_error when no batch is open. If publishing fails (the database
  //   fails), the error is returned, none of the batch is stored, and the batch is over.
  // Threads: any thread may end the batch, not only the one that began it; it does not
  //   wait for the batch (it ends it). The threads waiting for the batch then go on.
  virtual Status end_batch(bool commit) = 0;

  // Outbox: messages not yet acknowledged, oldest first, at most `max`. Delivery is at
  // least once: a message stays until outbox_ack names it, across restarts.
  virtual Result<std::vector<OutboxMessage>> outbox_fetch(std::size_t max) const = 0;
  // Removes the named messages; ids not present are ignored (acks are idempotent).
  // Failure, nothing removed: busy (another thread's batch, past the busy timeout) or
  // storage_error. Threads: as commit.
  virtual Status outbox_ack(const std::vector<std::uint64_t>& ids) = 0;
  // Number of unacknowledged messages (watch it: a stalled consumer makes it grow).
  virtual Result<std::uint64_t> outbox_depth() const = 0;

  // The relay lease: at most one storage object at a time, across every process on the
  // store, holds it, so that one relay at a time fetches, delivers and acknowledges
  // (OutboxRelay takes it for each round and releases it after the round's ack).
  // outbox_take_lease:
  // Success: true when this object holds the lease now (it took it, or held it already);
  //   false when another object holds it (nothing was taken: try again later).
  // Failure: busy (another thread's batch, past the busy timeout) or storage_error.
  // The lease is this object's, not a thread's: two relays on one object share it. It
  // ends with outbox_release_lease, with the object, or when the process dies; an
  // adapter over a server ends it when the connection is lost (the holder finds out at
  // its next call; its round may meanwhile overlap the next holder's: at least once).
  // Default, for adapters whose store only one object uses at a time (MemoryStorage):
  // always held, nothing to release. Idempotent: releasing a lease not held does nothing.
  virtual Result<bool> outbox_take_lease() { return true; }
  virtual Status outbox_release_lease() { return Status::success(); }

  // Visits (visit.hpp): records of their own, apart from cases; their ids are a namespace
  // of their own (a visit may have a case's id).
  //
  // add_visit stores `v` as it is: the engine has judged it already (the adapter checks
  // neither its data nor that v.case_id exists).
  // Success: the visit is stored and visible to later reads (durable as a commit is).
  // Failure, nothing stored:
  //   a visit with v.id exists                             -> duplicate_visit
  //   another thread's batch is open past the busy timeout -> busy
  //   the database fails (or was opened read-only)         -> storage_error
  // Threads and batches: as commit. On the thread of an open batch the visit joins the
  // batch: end_batch(false) drops it, and its id is free again.
  virtual Status add_visit(const Visit& v) = 0;
  // Visits matching `q`, ordered by id (byte-wise), at most q.limit. Reads as above.
  virtual Result<std::vector<Visit>> visits(const VisitQuery& q) const = 0;
  // How many visits match `q` (after_id applies; limit does not).
  virtual Result<std::uint64_t> count_visits(const VisitQuery& q) const = 0;

  // Configuration (configuration.hpp): the calendar and rules in force and every change of
  // them, numbered 1, 2, ... in the order they were applied. Reads as above.
  //
  // The newest record; std::nullopt when the store kept none (a new store, or one written
  // before fengqiao kept its configuration).
  virtual Result<std::optional<ConfigRecord>> configuration() const = 0;
  // Calls visit(r) for the records with seq >= from_seq, in seq order, until it returns
  // false. Like read_events: hold no lock while calling it.
  virtual Status read_configurations(std::uint64_t from_seq,
                                     const std::function<bool(const ConfigRecord&)>& visit) const = 0;
  // Appends c.record and enqueues c.outbox, atomically.
  // Success: it is the newest record, visible to later reads (durable as a commit is).
  // Failure, nothing stored:
  //   c.record.seq is not the newest seq + 1 (another engine changed the configuration
  //   first; 1 when the store kept none)                     -> conflict
  //   another thread's batch is open past the busy timeout -> busy
  //   the database fails (or was opened read-only)         -> storage_error
  // Threads and batches: as commit.
  virtual Status commit_configuration(const ConfigCommit& c) = 0;
  // Replaces the snapshot of an existing case without appending an event, and re-keys the
  // case in the due index under snapshot.next_due(): the engine's recomputation of a
  // clock's pending instants after a calendar change (LIFECYCLE.md "Calendar updates").
  // Failure, nothing stored: unknown_case (no such case); conflict (the stored version is
  // not snapshot.version: the case changed since it was read); busy; storage_error.
  // Threads and batches: as commit.
  // Call it in the batch of the commit_configuration that made it necessary: the version it
  // checks does not change with a rewrite, so outside a batch nothing would stop another
  // engine's rewrites (for a later configuration) and these from interleaving, and a crash
  // between the record and its rewrites would leave instants computed by the old calendar.
  virtual Status rewrite_snapshot(const Case& snapshot) = 0;
};

// Calls visit(c) for every snapshot matching `q` (its after_id is the starting point; its
// limit is ignored), in id order, reading `page` snapshots per query so that memory stays
// bounded whatever the number of cases. Stops early, with success, when visit returns
// false; returns the first error of the storage.
Status for_each_case(const Storage& storage, CaseQuery q, const std::function<bool(const Case&)>& visit,
                     std::size_t page = 1000);

}  // namespace fengqiao
