#include "fengqiao/memory_storage.hpp"

#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <type_traits>
#include <unordered_map>
#include <utility>

namespace fengqiao {

// Every stored event, of all cases, in commit order, each encoded into a few dozen to a
// few hundred bytes of one shared byte arena (action data as MessagePack), with a small
// slot linking it to its case's previous event. A kept event thus costs its encoded size
// instead of an Event struct plus one heap block per JSON node and string, and a commit
// allocates nothing that stays: in a long-running process most of an action's time went
// into touching fresh memory for what it kept. read_events decodes.
class EventLog {
 public:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  std::size_t size() const { return slots_.size(); }

  // Appends `e` (its case id and seq are not stored: the caller knows both).
  std::size_t append(const Event& e, std::size_t previous) {
    scratch_.clear();
    encode(e, scratch_);
    const std::size_t at = reserve(scratch_.size());
    std::memcpy(&arena_[at / kArenaChunk][at % kArenaChunk], scratch_.data(), scratch_.size());
    slots_.push_back(Slot{at, static_cast<std::uint32_t>(scratch_.size()), previous});
    return slots_.size() - 1;
  }

  std::size_t previous(std::size_t i) const { return slots_[i].previous; }

  Event decode(std::size_t i, const std::string& case_id, std::uint64_t seq) const {
    const Slot& s = slots_[i];
    const char* p = &arena_[s.offset / kArenaChunk][s.offset % kArenaChunk];
    Reader r{p, p + s.length};
    Event e;
    e.case_id = case_id;
    e.seq = seq;
    e.at = Instant(Seconds(r.i64()));
    e.type = static_cast<EventType>(r.u8());
    if (std::uint8_t a = r.u8(); a != kAbsent) e.action = static_cast<Action>(a);
    if (r.u8()) {
      Actor actor;
      actor.id = r.str();
      actor.role = static_cast<Role>(r.u8());
      actor.org = r.str();
      e.actor = std::move(actor);
    }
    if (std::uint8_t st = r.u8(); st != kAbsent) e.stage = static_cast<Stage>(st);
    e.level = static_cast<int>(r.i64());
    e.notified.resize(r.u32());
    for (std::string& n : e.notified) n = r.str();
    e.state_after = static_cast<State>(r.u8());
    e.data = nlohmann::json::from_msgpack(r.p, r.end);
    return e;
  }

  // Drops the events from position n on (a rolled-back batch appended them last).
  void truncate(std::size_t n) {
    if (n >= slots_.size()) return;
    used_ = slots_[n].offset;
    slots_.resize(n);
    arena_.resize(used_ / kArenaChunk + (used_ % kArenaChunk ? 1 : 0));
  }

 private:
  static constexpr std::size_t kArenaChunk = std::size_t(1) << 20;
  static constexpr std::uint8_t kAbsent = 0xff;
  struct Slot {
    std::size_t offset;    // in the arena
    std::uint32_t length;
    std::size_t previous;  // the same case's previous event, or kNone
  };
  struct Reader {
    const char* p;
    const char* end;
    std::uint8_t u8() { return static_cast<std::uint8_t>(*p++); }
    std::uint32_t u32() {
      std::uint32_t v;
      std::memcpy(&v, p, sizeof v);
      p += sizeof v;
      return v;
    }
    std::int64_t i64() {
      std::int64_t v;
      std::memcpy(&v, p, sizeof v);
      p += sizeof v;
      return v;
    }
    std::string str() {
      const std::uint32_t n = u32();
      std::string v(p, n);
      p += n;
      return v;
    }
  };

  static void put_u32(std::string& out, std::uint32_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }
  static void put_i64(std::string& out, std::int64_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }
  static void put_str(std::string& out, const std::string& v) {
    put_u32(out, static_cast<std::uint32_t>(v.size()));
    out.append(v);
  }
  static void encode(const Event& e, std::string& out) {
    put_i64(out, e.at.time_since_epoch().count());
    out.push_back(static_cast<char>(e.type));
    out.push_back(static_cast<char>(e.action ? static_cast<std::uint8_t>(*e.action) : kAbsent));
    out.push_back(static_cast<char>(e.actor ? 1 : 0));
    if (e.actor) {
      put_str(out, e.actor->id);
      out.push_back(static_cast<char>(e.actor->role));
      put_str(out, e.actor->org);
    }
    out.push_back(static_cast<char>(e.stage ? static_cast<std::uint8_t>(*e.stage) : kAbsent));
    put_i64(out, e.level);
    put_u32(out, static_cast<std::uint32_t>(e.notified.size()));
    for (const std::string& n : e.notified) put_str(out, n);
    out.push_back(static_cast<char>(e.state_after));
    nlohmann::json::to_msgpack(e.data, out);
  }

  // Room for n bytes in one arena chunk (an event never straddles two).
  std::size_t reserve(std::size_t n) {
    if (n > kArenaChunk) throw std::length_error("an event of more than 1 MiB");
    if (arena_.empty() || used_ % kArenaChunk + n > kArenaChunk || (used_ > 0 && used_ % kArenaChunk == 0)) {
      if (!arena_.empty() && used_ % kArenaChunk != 0) used_ += kArenaChunk - used_ % kArenaChunk;
      if (used_ / kArenaChunk >= arena_.size()) arena_.push_back(std::make_unique<char[]>(kArenaChunk));
    }
    const std::size_t at = used_;
    used_ += n;
    return at;
  }

  std::vector<std::unique_ptr<char[]>> arena_;
  std::size_t used_ = 0;  // bytes of the arena in use, chunk tails skipped included
  std::vector<Slot> slots_;
  std::string scratch_;
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
  using CaseMap = std::map<std::string, Entry, std::less<>>;
  CaseMap cases;  // ordered: queries return ids in order
  // Point lookups by id in O(1): a million-case map is twenty dependent cache misses deep.
  // Keys view the map's own keys, which never move.
  std::unordered_map<std::string_view, CaseMap::iterator> by_id;
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

  CaseMap::iterator find(std::string_view id) {
    auto hit = by_id.find(id);
    return hit == by_id.end() ? cases.end() : hit->second;
  }
  CaseMap::const_iterator find(std::string_view id) const {
    auto hit = by_id.find(id);
    return hit == by_id.end() ? cases.cend() : CaseMap::const_iterator(hit->second);
  }

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
      auto added = cases.emplace(c.snapshot.id, Entry{}).first;
      by_id.emplace(added->first, added);
      existing = &added->second;
    }
    if constexpr (take) existing->snapshot = std::move(c.snapshot);
    else existing->snapshot = c.snapshot;
    if (options.keep_events) {
      for (const Event& e : c.events) {
        existing->last_event = log.append(e, existing->last_event);
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
    auto it = find(c.snapshot.id);
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
        by_id.erase(it->first);
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
  auto it = impl_->find(case_id);
  if (it == impl_->cases.end()) return make_error(ErrorCode::unknown_case, "no case \"" + std::string(case_id) + "\"");
  return it->second.snapshot;
}

Status MemoryStorage::read_events(std::string_view case_id, std::uint64_t from_seq,
                                  const std::function<bool(const Event&)>& visit) const {
  std::vector<Event> copy;
  {
    std::shared_lock lock(impl_->mu);
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
