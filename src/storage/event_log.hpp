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

// Events are encoded by compact_codec's encode_event (shared with the SQLite adapter).

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
    return decode_event(&arena_[s.offset / kArenaChunk][s.offset % kArenaChunk], s.length, case_id, seq);
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
  struct Slot {
    std::size_t offset;    // in the arena
    std::uint32_t length;
    std::size_t previous;  // the same case's previous event, or kNone
  };
  void encode(const Event& e, Buf& out) { encode_event(e, out); }

  // Room for n bytes in one arena chunk (an event never straddles two).
  std::size_t reserve(std::size_t n) {
    if (n > kArenaChunk) throw std::length_error("an event of more than 1 MiB");
    if (arena_.empty() || used_ % kArenaChunk + n > kArenaChunk || (used_ > 0 && used_ % kArenaChunk == 0)) {
      if (!arena_.empty() && used_ % kArenaChunk != 0) used_ += kArenaChunk - used_ % kArenaChunk;
      // Not make_unique: that zero-fills the MiB, which every append overwrites anyway
      // (perf: the memset was 3 % of an in-memory action).
      if (used_ / kArenaChunk >= arena_.size()) arena_.push_back(std::unique_ptr<char[]>(new char[kArenaChunk]));
    }
    const std::size_t at = used_;
    used_ += n;
    return at;
  }

  std::vector<std::unique_ptr<char[]>> arena_;
  std::size_t used_ = 0;  // bytes of the arena in use, chunk tails skipped included
  std::vector<Slot> slots_;
  Buf scratch_;
};

}  // namespace fengqiao::storage_detail
