#include "fengqiao/memory_storage.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "storage/compact_codec.hpp"
#include "storage/event_log.hpp"

namespace fengqiao {

// CaseQuery's filters are all handled in count(): a filter added to it must be handled there
// too (tests/case_query_test.cpp compares count() and query() with a plain filter on random
// queries; tests/support/fields.hpp stops compiling when CaseQuery gains a field).

using namespace storage_detail;

struct MemoryStorage::Impl {
  struct Entry {
    std::string snapshot;                      // encode_case's form
    std::uint64_t version = 0;                 // the snapshot's, for the version check
    std::optional<Instant> due;                // the snapshot's next_due(), its due-index key
    std::size_t last_event = EventLog::kNone;  // position in `log` of the case's newest event
    std::size_t event_count = 0;
  };
  using DueKey = std::pair<Instant, std::string>;

  MemoryStorageOptions options;
  mutable std::shared_mutex mu;
  using CaseMap = std::map<std::string, Entry, std::less<>>;
  CaseMap cases;  // ordered: queries return ids in order
  // Point lookups by id in O(1): a million-case map is twenty dependent cache misses deep.
  // Keys view the map's own keys, which never move.
  std::unordered_map<std::string_view, CaseMap::iterator> by_id;
  std::set<DueKey> due;                             // the due index: (next_due, id)
  EventLog log;                                     // empty unless options.keep_events
  std::map<std::uint64_t, OutboxMessage> outbox;
  std::uint64_t next_outbox_id = 1;
  // Kept as values: visits are few next to events, and never change once added.
  std::map<std::string, Visit, std::less<>> visits;
  std::vector<ConfigRecord> configs;  // seq i + 1 at index i

  // An open batch belongs to the thread that began it: other threads' calls wait for it
  // to end (enter()), so the undo journal below only ever holds the owner's changes.
  mutable std::condition_variable_any batch_ended;
  std::thread::id batch_owner;

  // Batch undo journal: each case's entry as it was before the batch first touched it;
  // the events the batch appended are the log's tail from `log_size_at_begin`.
  bool in_batch = false;
  std::map<std::string, std::optional<Entry>, std::less<>> undo;
  std::vector<std::uint64_t> batch_outbox;
  std::vector<std::string> batch_visits;
  std::size_t log_size_at_begin = 0;
  std::size_t configs_at_begin = 0;
  Buf scratch;  // encode_case's output before it is copied into an entry

  CaseMap::iterator find(std::string_view id) {
    auto hit = by_id.find(id);
    return hit == by_id.end() ? cases.end() : hit->second;
  }
  CaseMap::const_iterator find(std::string_view id) const {
    auto hit = by_id.find(id);
    return hit == by_id.end() ? cases.cend() : CaseMap::const_iterator(hit->second);
  }

  // With `lock` held on `mu`: lets the call go on unless another thread's batch is open;
  // then waits for it to end, up to busy_timeout, and refuses with `busy` after that.
  template <class Lock>
  Status enter(Lock& lock) const {
    if (!in_batch) return Status::success();
    const std::thread::id me = std::this_thread::get_id();
    if (batch_owner == me) return Status::success();
    if (batch_ended.wait_for(lock, options.busy_timeout, [&] { return !in_batch || batch_owner == me; }))
      return Status::success();
    return make_error(ErrorCode::busy, "MemoryStorage: another thread's batch held it for more than " +
                                           std::to_string(options.busy_timeout.count()) +
                                           " ms (MemoryStorageOptions::busy_timeout); nothing was done, retry");
  }

  static std::optional<DueKey> due_key(const std::string& id, const Entry& e) {
    if (!e.due) return std::nullopt;
    return DueKey{*e.due, id};
  }

  // Stores `c`: copies a const commit, takes the contents of a mutable one (then spent).
  template <class Commit>
  void put(Entry* existing, Commit& c) {
    if (in_batch && !undo.count(c.snapshot.id))
      undo.emplace(c.snapshot.id, existing ? std::optional<Entry>(*existing) : std::nullopt);
    // The case's old due-index node is re-keyed in place when it has a next instant
    // again: no allocation, and the id it holds is already the right one.
    decltype(due)::node_type node;
    if (existing) {
      if (auto k = due_key(c.snapshot.id, *existing)) node = due.extract(*k);
    } else {
      auto added = cases.emplace(c.snapshot.id, Entry{}).first;
      by_id.emplace(added->first, added);
      existing = &added->second;
    }
    // Rewritten in place when it fits; otherwise a block of exactly its size (string growth
    // would round it up to twice that, for every case).
    scratch.clear();
    encode_case(c.snapshot, scratch);
    if (existing->snapshot.capacity() >= scratch.size()) existing->snapshot.assign(scratch.data(), scratch.size());
    else existing->snapshot = std::string(scratch.data(), scratch.size());
    existing->version = c.snapshot.version;
    const auto next = c.snapshot.next_due();
    existing->due = next ? std::optional<Instant>(next->at) : std::nullopt;
    if (options.keep_events) {
      for (const Event& e : c.events) {
        existing->last_event = log.append(e, existing->last_event);
        ++existing->event_count;
      }
    }
    if (next) {
      if (node) {
        node.value().first = next->at;
        due.insert(std::move(node));
      } else {
        due.emplace(next->at, c.snapshot.id);
      }
    }
    put_outbox(c);
  }

  template <class Commit>
  void put_outbox(Commit& c) {
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
    if (Status s = enter(lock); !s) return s;
    auto it = find(c.snapshot.id);
    if (Status s = same_config(c.config_seq); !s) return s;
    if (c.expected_version == 0) {
      if (it != cases.end()) return make_error(ErrorCode::duplicate_case, "case \"" + c.snapshot.id + "\" already exists");
      put(nullptr, c);
      return Status::success();
    }
    if (it == cases.end()) return make_error(ErrorCode::unknown_case, "no case \"" + c.snapshot.id + "\"");
    if (Status s = same_version(it->second, c.snapshot.id, c.expected_version); !s) return s;
    put(&it->second, c);
    return Status::success();
  }

  static Status same_version(const Entry& e, const std::string& id, std::uint64_t expected) {
    if (e.version == expected) return Status::success();
    return make_error(ErrorCode::conflict, "case \"" + id + "\" is at version " + std::to_string(e.version) +
                                               ", not " + std::to_string(expected) + "; reload and retry");
  }

  // The configuration a change was computed with must still be the newest.
  Status same_config(std::uint64_t seq) const {
    if (seq == configs.size()) return Status::success();
    return make_error(ErrorCode::conflict, "the configuration changed (now at seq " + std::to_string(configs.size()) +
                                               ", the change was computed with seq " + std::to_string(seq) +
                                               "); reload and retry");
  }

  void rollback() {
    for (auto& [id, before] : undo) {
      auto it = cases.find(id);
      if (auto k = due_key(id, it->second)) due.erase(*k);
      if (before) {
        it->second = std::move(*before);
        if (auto k = due_key(id, it->second)) due.insert(*k);
      } else {
        by_id.erase(it->first);
        cases.erase(it);
      }
    }
    for (std::uint64_t id : batch_outbox) outbox.erase(id);
    for (const std::string& id : batch_visits) visits.erase(id);
    configs.resize(configs_at_begin);
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
  if (Status s = impl_->enter(lock); !s) return s.error();
  auto it = impl_->find(case_id);
  if (it == impl_->cases.end()) return make_error(ErrorCode::unknown_case, "no case \"" + std::string(case_id) + "\"");
  return decode_case(it->second.snapshot, it->first);
}

Status MemoryStorage::load_into(std::string_view case_id, Case& into) const {
  std::shared_lock lock(impl_->mu);
  if (Status s = impl_->enter(lock); !s) return s;
  auto it = impl_->find(case_id);
  if (it == impl_->cases.end()) return make_error(ErrorCode::unknown_case, "no case \"" + std::string(case_id) + "\"");
  decode_case_into(it->second.snapshot, it->first, into);
  return Status::success();
}

Status MemoryStorage::read_events(std::string_view case_id, std::uint64_t from_seq,
                                  const std::function<bool(const Event&)>& visit) const {
  std::vector<Event> copy;
  {
    std::shared_lock lock(impl_->mu);
    if (Status s = impl_->enter(lock); !s) return s;
    auto it = impl_->find(case_id);
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
        pos = impl_->log.previous(pos);
      }
      copy.reserve(at.size());
      for (std::size_t i = 0; i < at.size(); ++i) copy.push_back(impl_->log.decode(at[i], it->first, first + i + 1));
    }
  }
  // Visit outside the lock: the visitor may call back into the storage.
  for (const Event& e : copy)
    if (!visit(e)) break;
  return Status::success();
}

Result<std::vector<Case>> MemoryStorage::query(const CaseQuery& q) const {
  std::shared_lock lock(impl_->mu);
  if (Status s = impl_->enter(lock); !s) return s.error();
  std::vector<Case> out;
  auto it = q.after_id.empty() ? impl_->cases.begin() : impl_->cases.upper_bound(q.after_id);
  for (; it != impl_->cases.end(); ++it) {
    if (q.limit && out.size() >= q.limit) break;
    Case c = decode_case(it->second.snapshot, it->first);
    if (q.matches(c)) out.push_back(std::move(c));
  }
  return out;
}

Result<std::uint64_t> MemoryStorage::count(const CaseQuery& q) const {
  std::shared_lock lock(impl_->mu);
  if (Status s = impl_->enter(lock); !s) return s.error();
  std::uint64_t n = 0;
  auto it = q.after_id.empty() ? impl_->cases.begin() : impl_->cases.upper_bound(q.after_id);
  // Only the filters need the snapshot; without any, counting is walking the ids.
  const bool filtered = q.state || q.supervision || q.lead || !q.jurisdiction.empty() || q.due_before;
  for (; it != impl_->cases.end(); ++it)
    if (!filtered || q.matches(decode_case(it->second.snapshot, it->first))) ++n;
  return n;
}

Result<std::optional<DueEntry>> MemoryStorage::first_due(Instant up_to) const {
  std::shared_lock lock(impl_->mu);
  if (Status s = impl_->enter(lock); !s) return s.error();
  if (impl_->due.empty() || impl_->due.begin()->first > up_to) return std::optional<DueEntry>();
  return std::optional<DueEntry>(DueEntry{impl_->due.begin()->first, impl_->due.begin()->second});
}

Status MemoryStorage::begin_batch() {
  std::unique_lock lock(impl_->mu);
  // Another thread's batch is waited for like any write; this thread's own is nesting.
  if (Status s = impl_->enter(lock); !s) return s;
  if (impl_->in_batch) return make_error(ErrorCode::storage_error, "a batch is already open (batches do not nest)");
  impl_->in_batch = true;
  impl_->batch_owner = std::this_thread::get_id();
  impl_->log_size_at_begin = impl_->log.size();
  impl_->configs_at_begin = impl_->configs.size();
  return Status::success();
}

// Ends the open batch whichever thread calls: waiting here for the batch to end would
// wait for ourselves.
Status MemoryStorage::end_batch(bool commit) {
  {
    std::unique_lock lock(impl_->mu);
    if (!impl_->in_batch) return make_error(ErrorCode::storage_error, "no batch is open");
    if (!commit) impl_->rollback();
    impl_->in_batch = false;
    impl_->batch_owner = {};
    impl_->undo.clear();
    impl_->batch_outbox.clear();
    impl_->batch_visits.clear();
  }
  impl_->batch_ended.notify_all();
  return Status::success();
}

Result<std::vector<OutboxMessage>> MemoryStorage::outbox_fetch(std::size_t max) const {
  std::shared_lock lock(impl_->mu);
  if (Status s = impl_->enter(lock); !s) return s.error();
  std::vector<OutboxMessage> out;
  for (auto it = impl_->outbox.begin(); it != impl_->outbox.end() && out.size() < max; ++it) out.push_back(it->second);
  return out;
}

Status MemoryStorage::outbox_ack(const std::vector<std::uint64_t>& ids) {
  std::unique_lock lock(impl_->mu);
  if (Status s = impl_->enter(lock); !s) return s;
  for (std::uint64_t id : ids) impl_->outbox.erase(id);
  return Status::success();
}

Result<std::uint64_t> MemoryStorage::outbox_depth() const {
  std::shared_lock lock(impl_->mu);
  if (Status s = impl_->enter(lock); !s) return s.error();
  return static_cast<std::uint64_t>(impl_->outbox.size());
}

Status MemoryStorage::add_visit(const Visit& v) {
  std::unique_lock lock(impl_->mu);
  if (Status s = impl_->enter(lock); !s) return s;
  auto [it, added] = impl_->visits.try_emplace(v.id, v);
  if (!added) return make_error(ErrorCode::duplicate_visit, "visit \"" + v.id + "\" already exists");
  if (impl_->in_batch) impl_->batch_visits.push_back(it->first);
  return Status::success();
}

Result<std::vector<Visit>> MemoryStorage::visits(const VisitQuery& q) const {
  std::shared_lock lock(impl_->mu);
  if (Status s = impl_->enter(lock); !s) return s.error();
  std::vector<Visit> out;
  const auto& all = impl_->visits;
  for (auto it = q.after_id.empty() ? all.begin() : all.upper_bound(q.after_id); it != all.end(); ++it) {
    if (q.limit && out.size() >= q.limit) break;
    if (q.matches(it->second)) out.push_back(it->second);
  }
  return out;
}

Result<std::uint64_t> MemoryStorage::count_visits(const VisitQuery& q) const {
  std::shared_lock lock(impl_->mu);
  if (Status s = impl_->enter(lock); !s) return s.error();
  const auto& all = impl_->visits;
  return static_cast<std::uint64_t>(std::count_if(q.after_id.empty() ? all.begin() : all.upper_bound(q.after_id), all.end(),
                                                  [&](const auto& entry) { return q.matches(entry.second); }));
}

}  // namespace fengqiao

namespace fengqiao {

Result<std::optional<ConfigRecord>> MemoryStorage::configuration() const {
  std::shared_lock lock(impl_->mu);
  if (Status s = impl_->enter(lock); !s) return s.error();
  if (impl_->configs.empty()) return std::optional<ConfigRecord>();
  return std::optional<ConfigRecord>(impl_->configs.back());
}

Status MemoryStorage::read_configurations(std::uint64_t from_seq,
                                          const std::function<bool(const ConfigRecord&)>& visit) const {
  std::vector<ConfigRecord> copy;
  {
    std::shared_lock lock(impl_->mu);
    if (Status s = impl_->enter(lock); !s) return s;
    const std::size_t first = from_seq > 0 ? static_cast<std::size_t>(from_seq - 1) : 0;
    if (first < impl_->configs.size()) copy.assign(impl_->configs.begin() + static_cast<std::ptrdiff_t>(first), impl_->configs.end());
  }
  // Outside the lock: the visitor may call back into the storage.
  for (const ConfigRecord& r : copy)
    if (!visit(r)) break;
  return Status::success();
}

Status MemoryStorage::commit_configuration(const ConfigCommit& c) {
  std::unique_lock lock(impl_->mu);
  if (Status s = impl_->enter(lock); !s) return s;
  if (c.record.seq != impl_->configs.size() + 1)
    return make_error(ErrorCode::conflict, "configuration seq " + std::to_string(c.record.seq) + " is not the next (" +
                                               std::to_string(impl_->configs.size() + 1) +
                                               "): another engine changed the configuration; reload and retry");
  impl_->configs.push_back(c.record);
  CaseCommit messages;
  messages.outbox = c.outbox;
  impl_->put_outbox(messages);
  return Status::success();
}

Status MemoryStorage::rewrite_snapshot(const Case& snapshot) {
  std::unique_lock lock(impl_->mu);
  if (Status s = impl_->enter(lock); !s) return s;
  auto it = impl_->find(snapshot.id);
  if (it == impl_->cases.end()) return make_error(ErrorCode::unknown_case, "no case \"" + snapshot.id + "\"");
  if (Status s = Impl::same_version(it->second, snapshot.id, snapshot.version); !s) return s;
  CaseCommit same{snapshot, snapshot.version, {}, {}};
  impl_->put(&it->second, same);
  return Status::success();
}

}  // namespace fengqiao
