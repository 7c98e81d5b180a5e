// The hash chain of a case's history: tamper evidence for the record of who did what and
// when.
//
// Each event's `hash` is SHA-256 over a canonical, versioned encoding of every field of the
// event plus the hash of the event before it (seq 1 chains from a genesis value derived
// from the case id), and the case's snapshot keeps the newest one as `chain_head`. Change,
// remove, reorder or insert an event after it was chained and every hash from there on no
// longer matches. docs/CHAIN.md defines the encoding byte by byte, so that another system
// can check a chain without this library, and says what the chain proves and what it does
// not (it is not a signature: whoever can write the store can recompute the whole chain;
// keep the heads you trust elsewhere).
//
// Hashes are written as 64 lowercase hexadecimal digits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fengqiao/error.hpp"
#include "fengqiao/event.hpp"
#include "fengqiao/storage.hpp"

namespace fengqiao::chain {

// The version of the encoding below; part of every hashed message, so a future encoding
// can never produce the same hash as this one for different content.
inline constexpr int kEncodingVersion = 1;

// The value event seq 1 chains from: SHA-256("fengqiao.chain.v1.genesis" NUL case id).
std::string genesis(std::string_view case_id);

// The canonical bytes of `e` that are hashed (every field of Event but `hash`), as
// docs/CHAIN.md "Event encoding" defines them. For tests and for people comparing
// another implementation byte by byte.
std::string encode(const Event& e);

// SHA-256("fengqiao.chain.v1.event" NUL ‖ previous hash (32 bytes) ‖ encode(e)), in hex.
// `previous` is the hash of event seq - 1 (genesis(e.case_id) for seq 1), in hex; throws
// Exception (invalid_data) when it is not 64 hexadecimal digits. Ignores e.hash.
std::string event_hash(const Event& e, std::string_view previous);

// True for 64 lowercase hexadecimal digits: the form every hash here is written in.
bool is_hash(std::string_view text) noexcept;

// Where a chain does not hold: the first event that does not match.
struct Break {
  std::string case_id;
  std::uint64_t seq = 0;      // the event that does not match; 0: the case itself (its head)
  std::string what;           // e.g. "stored hash 3f… differs from the recomputed 9a…"
  std::string describe() const;  // "case C-1, event 4: <what>"
};

// Follows a case's events one at a time (in seq order), recomputing the chain; the first
// event that does not continue it is the break. Used by verify_case and by anything that
// reads events some other way (an exported file, a custom adapter's own check).
class Checker {
 public:
  // Before the case's first event.
  explicit Checker(std::string case_id);
  // Feeds the next event. Returns the break it causes, if any; after a break the checker
  // reports nothing more (the first break is the one that matters).
  std::optional<Break> next(const Event& e);
  // After the last event: the recomputed head must be the one the snapshot keeps
  // (`chain_head`) and `version` events must have been seen.
  std::optional<Break> finish(std::string_view chain_head, std::uint64_t version);
  // The recomputed hash of the last event fed, and how many were fed.
  const std::string& head() const { return head_; }
  std::uint64_t events() const { return seen_; }

 private:
  std::string case_id_;
  std::string head_;         // recomputed hash of the last event seen (genesis before any)
  std::uint64_t seen_ = 0;
  bool broken_ = false;
};

// What a verification covered.
struct Report {
  std::uint64_t cases = 0;
  std::uint64_t events = 0;
  std::optional<Break> broken;  // the first break; none when every chain holds
  // No break was found.
  bool intact() const { return !broken; }
};

// Recomputes the chain of one case from its stored events and compares it with each
// event's stored hash and with the snapshot's chain_head. A break is reported in the
// Report (not as an error); the Result's error is the storage's (unknown_case, busy,
// storage_error).
Result<Report> verify_case(const Storage& storage, std::string_view case_id);
// The same for every case of the store, in id order; stops at the first break.
Result<Report> verify_store(const Storage& storage);

// A Report as a Status: success when intact, storage_error naming the break otherwise
// ("hash chain broken: case C-1, event 4: ...").
Status as_status(const Result<Report>& report);

}  // namespace fengqiao::chain
