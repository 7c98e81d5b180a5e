// MemoryStorage's store of events: one append-only arena for every case's events.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "fengqiao/event.hpp"
#include "storage/compact_codec.hpp"

namespace fengqiao::storage_detail {

// Every field of Event but the case id and seq is encoded below; a field added to Event must
// be handled too (tests/codecs_round_trip_test.cpp checks every field of random events).

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
    e.notice.resize(r.u32());
    for (std::string& n : e.notice) n = r.str();
    e.state_after = static_cast<State>(r.u8());
    if (std::uint8_t sv = r.u8(); sv != kAbsent) e.supervision_after = static_cast<Supervision>(sv);
    e.hash = r.hash();
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
    put_u32(out, static_cast<std::uint32_t>(e.notice.size()));
    for (const std::string& n : e.notice) put_str(out, n);
    out.push_back(static_cast<char>(e.state_after));
    out.push_back(static_cast<char>(e.supervision_after ? static_cast<std::uint8_t>(*e.supervision_after) : kAbsent));
    put_hash(out, e.hash);  // before the data: the MessagePack runs to the end of the slot
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

}  // namespace fengqiao::storage_detail
