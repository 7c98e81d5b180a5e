#include "fengqiao/memory_storage.hpp"

#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <type_traits>
#include <utility>

namespace fengqiao {

// Every stored event, of all cases, in commit order. Events sit in fixed-size chunks that
// never move or grow once reserved, and each links to its case's previous event, so a
// commit appends without reallocating a per-case vector (whose 1, 2, 4, 8... growth left
// a trail of freed odd-sized blocks that made malloc search its bins on every action).
class EventLog {
 public:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  struct Slot {
    Event event;
    std::size_t previous;  // the same case's previous event, or kNone
  };

  std::size_t size() const { return size_; }
  std::size_t append(Event&& e, std::size_t previous) {
    if (size_ % kChunk == 0) {
      chunks_.emplace_back();
      chunks_.back().reserve(kChunk);
    }
    chunks_.back().push_back(Slot{std::move(e), previous});
    return size_++;
  }
  const Slot& operator[](std::size_t i) const { return chunks_[i / kChunk][i % kChunk]; }
  // Drops the events from position n on (a rolled-back batch appended them last).
  void truncate(std::size_t n) {
    while (size_ > n) {
      chunks_.back().pop_back();
      if (chunks_.back().empty()) chunks_.pop_back();
      --size_;
    }
  }

 private:
  static constexpr std::size_t kChunk = 4096;
  std::vector<std::vector<Slot>> chunks_;
  std::size_t size_ = 0;
};

struct MemoryStorage::Impl {
  struct Entry {
    Case snapshot;
    std::size_t last_event = EventLog::kNone;  // position in `log` of the case's newest event
    std::size_t event_count = 0;
  };
  using DueKey = std::pair<Instant, std::string>;

  MemoryStorageOptions options;
  mutable std::shared_mutex mu;
  std::map<std::string, Entry, std::less<>> cases;  // ordered: queries return ids in order
  std::set<DueKey> due;                             // the due index: (next_due, id)
  EventLog log;                                     // empty unless options.keep_events
  std::map<std::uint64_t, OutboxMessage> outbox;
  std::uint64_t next_outbox_id = 1;

  // Batch undo journal: each case's entry as it was before the batch first touched it;
  // the events the batch appended are the log's tail from `log_size_at_begin`.
  bool in_batch = false;
  std::map<std::string, std::optional<Entry>, std::less<>> undo;
  std::vector<std::uint64_t> batch_outbox;
  std::size_t log_size_at_begin = 0;

  static std::optional<DueKey> due_key(const Case& c) {
    auto next = c.next_due();
    if (!next) return std::nullopt;
    return DueKey{next->at, c.id};
  }

  // Stores `c`: copies a const commit, takes the contents of a mutable one (then spent).
  template <class Commit>
  void put(Entry* existing, Commit& c) {
    constexpr bool take = !std::is_const_v<Commit>;
    if (in_batch && !undo.count(c.snapshot.id))
      undo.emplace(c.snapshot.id, existing ? std::optional<Entry>(*existing) : std::nullopt);
    // The case's old due-index node is re-keyed in place when it has a next instant
    // again: no allocation, and the id it holds is already the right one.
    decltype(due)::node_type node;
    if (existing) {
      if (auto k = due_key(existing->snapshot)) node = due.extract(*k);
    } else {
      existing = &cases.emplace(c.snapshot.id, Entry{}).first->second;
    }
    if constexpr (take) existing->snapshot = std::move(c.snapshot);
    else existing->snapshot = c.snapshot;
    if (options.keep_events) {
      for (auto& e : c.events) {
        Event stored = std::move(e);  // a copy when `c` is const
        existing->last_event = log.append(std::move(stored), existing->last_event);
        ++existing->event_count;
      }
    }
    if (auto next = existing->snapshot.next_due()) {
      if (node) {
        node.value().first = next->at;
        due.insert(std::move(node));
      } else {
        due.emplace(next->at, existing->snapshot.id);
      }
    }
    for (auto& m : c.outbox) {
      OutboxMessage stored = std::move(m);  // a copy when `c` is const
      stored.id = next_outbox_id++;
      if (in_batch) batch_outbox.push_back(stored.id);
      outbox.emplace(stored.id, std::move(stored));
    }
  }

  template <class Commit>
  Status commit(Commit& c) {
    if (Status s = validate_commit(c); !s) return s;
    std::unique_lock lock(mu);
    auto it = cases.find(c.snapshot.id);
    if (c.expected_version == 0) {
      if (it != cases.end()) return make_error(ErrorCode::duplicate_case, "case \"" + c.snapshot.id + "\" already exists");
      put(nullptr, c);
      return Status::success();
    }
    if (it == cases.end()) return make_error(ErrorCode::unknown_case, "no case \"" + c.snapshot.id + "\"");
    if (it->second.snapshot.version != c.expected_version)
      return make_error(ErrorCode::conflict, "case \"" + c.snapshot.id + "\" is at version " +
                                                 std::to_string(it->second.snapshot.version) + ", not " +
                                                 std::to_string(c.expected_version) + "; reload and retry");
    put(&it->second, c);
    return Status::success();
  }

  void rollback() {
    for (auto& [id, before] : undo) {
      auto it = cases.find(id);
      if (auto k = due_key(it->second.snapshot)) due.erase(*k);
      if (before) {
        it->second = std::move(*before);
        if (auto k = due_key(it->second.snapshot)) due.insert(*k);
      } else {
        cases.erase(it);
      }
    }
    for (std::uint64_t id : batch_outbox) outbox.erase(id);
    log.truncate(log_size_at_begin);
  }
};

MemoryStorage::MemoryStorage(MemoryStorageOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
}
MemoryStorage::~MemoryStorage() = default;

Status MemoryStorage::commit(const CaseCommit& c) { return impl_->commit(c); }

Status MemoryStorage::commit(CaseCommit&& c) { return impl_->commit(c); }

Result<Case> MemoryStorage::load(std::string_view case_id) const {
  std::shared_lock lock(impl_->mu);
  auto it = impl_->cases.find(case_id);
  if (it == impl_->cases.end()) return make_error(ErrorCode::unknown_case, "no case \"" + std::string(case_id) + "\"");
  return it->second.snapshot;
}

Status MemoryStorage::read_events(std::string_view case_id, std::uint64_t from_seq,
                                  const std::function<bool(const Event&)>& visit) const {
  std::vector<Event> copy;
  {
    std::shared_lock lock(impl_->mu);
    auto it = impl_->cases.find(case_id);
    if (it == impl_->cases.end())
      return make_error(ErrorCode::unknown_case, "no case \"" + std::string(case_id) + "\"");
    if (!impl_->options.keep_events)
      return make_error(ErrorCode::storage_error, "this MemoryStorage keeps no events (keep_events = false)");
    // Events are numbered 1..event_count; walk back from the newest to from_seq.
    const Impl::Entry& entry = it->second;
    const std::size_t first = from_seq > 0 ? static_cast<std::size_t>(from_seq - 1) : 0;
    if (first < entry.event_count) {
      std::vector<std::size_t> at(entry.event_count - first);
      std::size_t pos = entry.last_event;
      for (std::size_t i = at.size(); i-- > 0;) {
        at[i] = pos;
        pos = impl_->log[pos].previous;
      }
      copy.reserve(at.size());
      for (std::size_t p : at) copy.push_back(impl_->log[p].event);
    }
  }
  // Visit outside the lock: the visitor may call back into the storage.
  for (const Event& e : copy)
    if (!visit(e)) break;
  return Status::success();
}

Result<std::vector<Case>> MemoryStorage::query(const CaseQuery& q) const {
  std::shared_lock lock(impl_->mu);
  std::vector<Case> out;
  auto it = q.after_id.empty() ? impl_->cases.begin() : impl_->cases.upper_bound(q.after_id);
  for (; it != impl_->cases.end(); ++it) {
    if (q.limit && out.size() >= q.limit) break;
    if (q.matches(it->second.snapshot)) out.push_back(it->second.snapshot);
  }
  return out;
}

Result<std::uint64_t> MemoryStorage::count(const CaseQuery& q) const {
  std::shared_lock lock(impl_->mu);
  std::uint64_t n = 0;
  auto it = q.after_id.empty() ? impl_->cases.begin() : impl_->cases.upper_bound(q.after_id);
  for (; it != impl_->cases.end(); ++it)
    if (q.matches(it->second.snapshot)) ++n;
  return n;
}

Result<std::optional<DueEntry>> MemoryStorage::first_due(Instant up_to) const {
  std::shared_lock lock(impl_->mu);
  if (impl_->due.empty() || impl_->due.begin()->first > up_to) return std::optional<DueEntry>();
  return std::optional<DueEntry>(DueEntry{impl_->due.begin()->first, impl_->due.begin()->second});
}

Status MemoryStorage::begin_batch() {
  std::unique_lock lock(impl_->mu);
  if (impl_->in_batch) return make_error(ErrorCode::storage_error, "a batch is already open (batches do not nest)");
  impl_->in_batch = true;
  impl_->log_size_at_begin = impl_->log.size();
  return Status::success();
}

Status MemoryStorage::end_batch(bool commit) {
  std::unique_lock lock(impl_->mu);
  if (!impl_->in_batch) return make_error(ErrorCode::storage_error, "no batch is open");
  if (!commit) impl_->rollback();
  impl_->in_batch = false;
  impl_->undo.clear();
  impl_->batch_outbox.clear();
  return Status::success();
}

Result<std::vector<OutboxMessage>> MemoryStorage::outbox_fetch(std::size_t max) const {
  std::shared_lock lock(impl_->mu);
  std::vector<OutboxMessage> out;
  for (auto it = impl_->outbox.begin(); it != impl_->outbox.end() && out.size() < max; ++it) out.push_back(it->second);
  return out;
}

Status MemoryStorage::outbox_ack(const std::vector<std::uint64_t>& ids) {
  std::unique_lock lock(impl_->mu);
  for (std::uint64_t id : ids) impl_->outbox.erase(id);
  return Status::success();
}

Result<std::uint64_t> MemoryStorage::outbox_depth() const {
  std::shared_lock lock(impl_->mu);
  return static_cast<std::uint64_t>(impl_->outbox.size());
}

}  // namespace fengqiao
