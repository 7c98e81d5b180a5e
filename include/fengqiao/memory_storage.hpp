// The in-memory storage adapter: the reference implementation of the Storage contract.
// Nothing survives the process.
//
// Thread rules: those of Storage. One reader/writer lock: reads run in parallel, writes
// one at a time. An open batch belongs to the thread that began it; other threads' calls
// wait for it to end, up to MemoryStorageOptions::busy_timeout, then fail with `busy`.
#pragma once

#include <chrono>
#include <memory>

#include "fengqiao/storage.hpp"

namespace fengqiao {

// How a MemoryStorage keeps cases and how long its callers wait for a batch.
struct MemoryStorageOptions {
  // Keep every case's events. Without them the storage holds snapshots only (what a
  // replay needs, in memory that grows with cases, not with events): read_events then
  // fails with storage_error.
  // Default: true.
  bool keep_events = true;

  // How long a call waits while another thread's batch holds the storage before it fails
  // with `busy` (having done nothing).
  // Default: 5000 ms.
  std::chrono::milliseconds busy_timeout{5000};
};

// Cases, events, visits, the outbox and the configuration in this process's memory: the
// default storage, and the reference the conformance kit's behaviour is written against.
class MemoryStorage final : public Storage {
 public:
  // An empty storage.
  explicit MemoryStorage(MemoryStorageOptions options = {});
  ~MemoryStorage() override;
  MemoryStorage(const MemoryStorage&) = delete;
  MemoryStorage& operator=(const MemoryStorage&) = delete;

  Status commit(const CaseCommit& c) override;
  Status commit(CaseCommit&& c) override;
  Result<Case> load(std::string_view case_id) const override;
  Status load_into(std::string_view case_id, Case& into) const override;
  Status read_events(std::string_view case_id, std::uint64_t from_seq,
                     const std::function<bool(const Event&)>& visit) const override;
  Result<std::vector<Case>> query(const CaseQuery& q) const override;
  Result<std::uint64_t> count(const CaseQuery& q) const override;
  Result<std::optional<DueEntry>> first_due(Instant up_to) const override;
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

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Checks the preconditions every adapter's commit() shares (see Storage::commit): event
// numbering, ids and the snapshot's version. Adapter authors may call it first.
Status validate_commit(const CaseCommit& c);

}  // namespace fengqiao
