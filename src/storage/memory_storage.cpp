#include "fengqiao/memory_storage.hpp"

#include <algorithm>
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

namespace {

// A reusable output buffer written through raw pointers (std::string's push_back checks
// and updates its size for every byte).
class Buf {
 public:
  void clear() { size_ = 0; }
  std::size_t size() const { return size_; }
  const char* data() const { return bytes_.get(); }
  // At least n writable bytes at the end; advance() says how many were used.
  char* ensure(std::size_t n) {
    if (size_ + n > capacity_) grow(size_ + n);
    return bytes_.get() + size_;
  }
  void advance(std::size_t n) { size_ += n; }
  void push_back(char c) {
    *ensure(1) = c;
    ++size_;
  }
  void append(const char* p, std::size_t n) {
    if (n) std::memcpy(ensure(n), p, n);
    size_ += n;
  }
  void append(const std::string& v) { append(v.data(), v.size()); }

 private:
  void grow(std::size_t need) {
    capacity_ = std::max(need, 2 * capacity_ + 256);
    auto bigger = std::make_unique<char[]>(capacity_);
    if (size_) std::memcpy(bigger.get(), bytes_.get(), size_);
    bytes_ = std::move(bigger);
  }
  std::unique_ptr<char[]> bytes_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// A compact binary form for what the storage keeps, written and read only by this file
// (nothing persists it): fixed-width little-endian integers, length-prefixed strings,
// a flag byte before each optional. Kept snapshots and events are a single block each
// instead of a struct with a heap block per string, vector and JSON node.
void put_u8(Buf& out, std::uint8_t v) { out.push_back(static_cast<char>(v)); }
// Integers as LEB128 varints (signed ones zigzag-mapped first): lengths, counts, levels
// and versions take one byte, instants five.
void put_var(Buf& out, std::uint64_t v) {
  char* const start = out.ensure(10);
  char* p = start;
  while (v >= 0x80) {
    *p++ = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  out.advance(static_cast<std::size_t>(p - start));
}
void put_u32(Buf& out, std::uint32_t v) { put_var(out, v); }
void put_i64(Buf& out, std::int64_t v) {
  put_var(out, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}
void put_str(Buf& out, const std::string& v) {
  put_u32(out, static_cast<std::uint32_t>(v.size()));
  out.append(v);
}
void put_instant(Buf& out, Instant t) { put_i64(out, t.time_since_epoch().count()); }
template <class E>
void put_enum(Buf& out, E v) { put_u8(out, static_cast<std::uint8_t>(v)); }
void put_strs(Buf& out, const std::vector<std::string>& v) {
  put_u32(out, static_cast<std::uint32_t>(v.size()));
  for (const std::string& x : v) put_str(out, x);
}
template <class T, class Put>
void put_opt(Buf& out, const std::optional<T>& v, Put put) {
  put_u8(out, v ? 1 : 0);
  if (v) put(out, *v);
}

struct Reader {
  const char* p;
  std::uint8_t u8() { return static_cast<std::uint8_t>(*p++); }
  std::uint64_t var() {
    std::uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      const auto b = static_cast<std::uint8_t>(*p++);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  }
  std::uint32_t u32() { return static_cast<std::uint32_t>(var()); }
  std::int64_t i64() {
    const std::uint64_t z = var();
    return static_cast<std::int64_t>(z >> 1) ^ -static_cast<std::int64_t>(z & 1);
  }
  std::string str() {
    const std::uint32_t n = u32();
    std::string v(p, n);
    p += n;
    return v;
  }
  Instant instant() { return Instant(Seconds(i64())); }
  template <class E>
  E enumerated() { return static_cast<E>(u8()); }
  std::vector<std::string> strs() {
    std::vector<std::string> v(u32());
    for (std::string& x : v) x = str();
    return v;
  }
  template <class T, class Get>
  std::optional<T> opt(Get get) {
    if (!u8()) return std::nullopt;
    return std::optional<T>(get(*this));
  }
};

void put_span(Buf& out, const Span& s) {
  put_enum(out, s.unit);
  put_i64(out, s.amount);
}
Span get_span(Reader& r) {
  Span s;
  s.unit = r.enumerated<Span::Unit>();
  s.amount = r.i64();
  return s;
}

void put_clock(Buf& out, const StageClock& c) {
  put_enum(out, c.stage);
  put_instant(out, c.started_at);
  put_span(out, c.rule.limit);
  put_span(out, c.rule.warn_before);
  put_span(out, c.rule.escalate_every);
  put_i64(out, c.rule.max_level);
  put_span(out, c.rule.max_extension);
  put_span(out, c.limit);
  put_u8(out, c.extended ? 1 : 0);
  put_opt(out, c.stopped_at, put_instant);
  put_instant(out, c.armed_after);
  put_u32(out, static_cast<std::uint32_t>(c.schedule.size()));
  for (Instant t : c.schedule) put_instant(out, t);
  put_u8(out, c.next_step);
}
StageClock get_clock(Reader& r) {
  StageClock c;
  c.stage = r.enumerated<Stage>();
  c.started_at = r.instant();
  c.rule.limit = get_span(r);
  c.rule.warn_before = get_span(r);
  c.rule.escalate_every = get_span(r);
  c.rule.max_level = static_cast<int>(r.i64());
  c.rule.max_extension = get_span(r);
  c.limit = get_span(r);
  c.extended = r.u8() != 0;
  c.stopped_at = r.opt<Instant>([](Reader& x) { return x.instant(); });
  c.armed_after = r.instant();
  c.schedule.resize(r.u32());
  for (Instant& t : c.schedule) t = r.instant();
  c.next_step = r.u8();
  return c;
}

// Every field of Case but the id (the map's key); every field of Event but the case id
// and seq; CaseQuery's filters in count(). A field added to one of them must be handled
// here too: on the platform the project is developed on (64-bit libstdc++) these sizes
// stop matching and the build fails until someone has looked.
#if defined(__GLIBCXX__) && defined(__x86_64__)
static_assert(sizeof(Case) == 760, "Case changed: update encode_case / decode_case");
static_assert(sizeof(Event) == 192, "Event changed: update EventLog::encode / decode");
static_assert(sizeof(CaseQuery) == 128, "CaseQuery changed: update MemoryStorage::count");
#endif

void encode_case(const Case& c, Buf& out) {
  put_enum(out, c.channel);
  put_str(out, c.category);
  put_enum(out, c.urgency);
  put_strs(out, c.jurisdiction);
  put_u32(out, static_cast<std::uint32_t>(c.parties.size()));
  for (const Party& p : c.parties) {
    put_str(out, p.name);
    put_str(out, p.id_number);
    put_str(out, p.phone);
  }
  put_str(out, c.summary);
  put_str(out, c.first_responder);
  put_instant(out, c.registered_at);
  put_opt(out, c.route, put_enum<Route>);
  put_opt(out, c.lead, put_str);
  put_strs(out, c.co_handlers);
  put_strs(out, c.consultation_orgs);
  put_enum(out, c.state);
  put_opt(out, c.suspended_from, put_enum<State>);
  put_opt(out, c.outcome, put_enum<Outcome>);
  put_str(out, c.resolution_method);
  put_opt(out, c.satisfaction, put_enum<Satisfaction>);
  put_u32(out, c.reopened);
  put_opt(out, c.closed_at, put_instant);
  put_enum(out, c.supervision);
  put_i64(out, c.level);
  put_u32(out, c.record.warnings);
  put_u32(out, c.record.overdues);
  put_u32(out, c.record.escalations);
  put_u32(out, c.record.supervision_orders);
  put_i64(out, c.record.highest_level);
  put_opt(out, c.clock, put_clock);
  put_opt(out, c.held_clock, put_clock);
  put_i64(out, static_cast<std::int64_t>(c.version));
  put_instant(out, c.updated_at);
}

Case decode_case(const std::string& blob, const std::string& id) {
  Reader r{blob.data()};
  Case c;
  c.id = id;
  c.channel = r.enumerated<Channel>();
  c.category = r.str();
  c.urgency = r.enumerated<Urgency>();
  c.jurisdiction = r.strs();
  c.parties.resize(r.u32());
  for (Party& p : c.parties) {
    p.name = r.str();
    p.id_number = r.str();
    p.phone = r.str();
  }
  c.summary = r.str();
  c.first_responder = r.str();
  c.registered_at = r.instant();
  c.route = r.opt<Route>([](Reader& x) { return x.enumerated<Route>(); });
  c.lead = r.opt<std::string>([](Reader& x) { return x.str(); });
  c.co_handlers = r.strs();
  c.consultation_orgs = r.strs();
  c.state = r.enumerated<State>();
  c.suspended_from = r.opt<State>([](Reader& x) { return x.enumerated<State>(); });
  c.outcome = r.opt<Outcome>([](Reader& x) { return x.enumerated<Outcome>(); });
  c.resolution_method = r.str();
  c.satisfaction = r.opt<Satisfaction>([](Reader& x) { return x.enumerated<Satisfaction>(); });
  c.reopened = r.u32();
  c.closed_at = r.opt<Instant>([](Reader& x) { return x.instant(); });
  c.supervision = r.enumerated<Supervision>();
  c.level = static_cast<int>(r.i64());
  c.record.warnings = r.u32();
  c.record.overdues = r.u32();
  c.record.escalations = r.u32();
  c.record.supervision_orders = r.u32();
  c.record.highest_level = static_cast<int>(r.i64());
  c.clock = r.opt<StageClock>(get_clock);
  c.held_clock = r.opt<StageClock>(get_clock);
  c.version = static_cast<std::uint64_t>(r.i64());
  c.updated_at = r.instant();
  return c;
}

}  // namespace

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
    Reader r{p};
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
    e.data = nlohmann::json::from_msgpack(r.p, p + s.length);
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
  void encode(const Event& e, Buf& out) {
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
    msgpack_.clear();
    nlohmann::json::to_msgpack(e.data, msgpack_);
    out.append(msgpack_);
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
  Buf scratch_;
  std::string msgpack_;  // nlohmann writes to a string; copied after the fixed fields
};

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

  // Batch undo journal: each case's entry as it was before the batch first touched it;
  // the events the batch appended are the log's tail from `log_size_at_begin`.
  bool in_batch = false;
  std::map<std::string, std::optional<Entry>, std::less<>> undo;
  std::vector<std::uint64_t> batch_outbox;
  std::size_t log_size_at_begin = 0;
  Buf scratch;  // encode_case's output before it is copied into an entry

  CaseMap::iterator find(std::string_view id) {
    auto hit = by_id.find(id);
    return hit == by_id.end() ? cases.end() : hit->second;
  }
  CaseMap::const_iterator find(std::string_view id) const {
    auto hit = by_id.find(id);
    return hit == by_id.end() ? cases.cend() : CaseMap::const_iterator(hit->second);
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
    if (it->second.version != c.expected_version)
      return make_error(ErrorCode::conflict, "case \"" + c.snapshot.id + "\" is at version " +
                                                 std::to_string(it->second.version) + ", not " +
                                                 std::to_string(c.expected_version) + "; reload and retry");
    put(&it->second, c);
    return Status::success();
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
  return decode_case(it->second.snapshot, it->first);
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
    Case c = decode_case(it->second.snapshot, it->first);
    if (q.matches(c)) out.push_back(std::move(c));
  }
  return out;
}

Result<std::uint64_t> MemoryStorage::count(const CaseQuery& q) const {
  std::shared_lock lock(impl_->mu);
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
