// The compact binary form of snapshots and events: MemoryStorage keeps them so, and the
// SQLite adapter stores them so from schema 5 on (docs/DESIGN.md "SQLite schema 5"). A
// snapshot starts with a format byte; every read is bounds- and range-checked.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "fengqiao/case.hpp"

#include "core/buf.hpp"
#include "core/utf8.hpp"
#include "fengqiao/event.hpp"
#include "fengqiao/rules.hpp"

namespace fengqiao::storage_detail {

using core_detail::Buf;

// Varint integers, length-prefixed strings, a flag byte before each optional. Kept
// snapshots and events are a single block each instead of a struct with a heap block per
// string, vector and JSON node.
inline void put_u8(Buf& out, std::uint8_t v) { out.push_back(static_cast<char>(v)); }
// Integers as LEB128 varints (signed ones zigzag-mapped first): lengths, counts, levels
// and versions take one byte, instants five.
inline void put_var(Buf& out, std::uint64_t v) {
  char* const start = out.ensure(10);
  char* p = start;
  while (v >= 0x80) {
    *p++ = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  out.advance(static_cast<std::size_t>(p - start));
}
inline void put_u32(Buf& out, std::uint32_t v) { put_var(out, v); }
inline void put_i64(Buf& out, std::int64_t v) {
  put_var(out, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}
// Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF), as JSON text
// requires.
using detail::valid_utf8;  // core/utf8.hpp
inline void put_str(Buf& out, const std::string& v) {
  if (out.utf8_only && !out.bad_utf8 && !valid_utf8(v)) out.bad_utf8 = true;
  put_u32(out, static_cast<std::uint32_t>(v.size()));
  out.append(v);
}
inline void put_instant(Buf& out, Instant t) { put_i64(out, t.time_since_epoch().count()); }
template <class E>
inline void put_enum(Buf& out, E v) { put_u8(out, static_cast<std::uint8_t>(v)); }
inline void put_strs(Buf& out, const std::vector<std::string>& v) {
  put_u32(out, static_cast<std::uint32_t>(v.size()));
  for (const std::string& x : v) put_str(out, x);
}
template <class T, class Put>
inline void put_opt(Buf& out, const std::optional<T>& v, Put put) {
  put_u8(out, v ? 1 : 0);
  if (v) put(out, *v);
}

// A chain hash (chain.hpp): 32 raw bytes behind a 1 when it is the 64-hex-digit form every
// hash the engine writes has (half the memory), the text verbatim behind a 2 otherwise (an
// adapter keeps what it is given), nothing behind a 0 when empty.
void put_hash(Buf& out, const std::string& hash);

// Reads what the put_* functions wrote, never past `end`: a blob read back from a file may
// be damaged, and every read is checked (each overrun, unknown enumerator, implausible
// count or instant throws CodecError saying what and at which byte; the decoders below
// turn it into a DataError naming the row). MemoryStorage's blobs are its own and always
// pass; the checks cost it a compare per field.
class CodecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Reader {
  const char* p;
  const char* end;
  const char* begin = p;

  [[noreturn]] void fail(const std::string& what) const;
  void need(std::size_t n, const char* what) const {
    if (static_cast<std::size_t>(end - p) < n) fail(std::string("ends inside ") + what);
  }
  std::size_t left() const { return static_cast<std::size_t>(end - p); }
  std::uint8_t u8() {
    need(1, "a byte field");
    return static_cast<std::uint8_t>(*p++);
  }
  std::uint64_t var() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      need(1, "a number");
      const auto b = static_cast<std::uint8_t>(*p++);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    fail("has a number longer than 64 bits");
  }
  std::uint32_t u32() {
    const std::uint64_t v = var();
    if (v > 0xffffffffu) fail("has a count or length of " + std::to_string(v));
    return static_cast<std::uint32_t>(v);
  }
  std::int64_t i64() {
    const std::uint64_t z = var();
    return static_cast<std::int64_t>(z >> 1) ^ -static_cast<std::int64_t>(z & 1);
  }
  // A count of things each at least one byte long: more than the bytes left is damage (and
  // would otherwise allocate whatever the damaged count says).
  std::size_t count(const char* what) {
    const std::uint32_t n = u32();
    if (n > left()) fail(std::string("claims ") + std::to_string(n) + " " + what + " in " + std::to_string(left()) + " bytes");
    return n;
  }
  std::string str() {
    const std::uint32_t n = u32();
    need(n, "a text");
    std::string v(p, n);
    p += n;
    return v;
  }
  Instant instant();
  template <class E>
  E enumerated() {
    const std::uint8_t v = u8();
    if (v >= enumerators<E>()) fail("has an unknown " + std::string(enum_name<E>()) + " (" + std::to_string(v) + ")");
    return static_cast<E>(v);
  }
  std::vector<std::string> strs() {
    std::vector<std::string> v(count("texts"));
    for (std::string& x : v) x = str();
    return v;
  }
  bool flag() {
    const std::uint8_t v = u8();
    if (v > 1) fail("has a flag byte of " + std::to_string(v));
    return v == 1;
  }
  std::string hash();
  // The same into an existing value, keeping its capacity (a snapshot decoded into a Case
  // that held one allocates only what grew).
  void str_into(std::string& v) {
    const std::uint32_t n = u32();
    need(n, "a text");
    v.assign(p, n);
    p += n;
  }
  void strs_into(std::vector<std::string>& v) {
    v.resize(count("texts"));
    for (std::string& x : v) str_into(x);
  }
  void hash_into(std::string& v);
  template <class T, class Get>
  std::optional<T> opt(Get get) {
    if (!flag()) return std::nullopt;
    return std::optional<T>(get(*this));
  }
  template <class E>
  static constexpr std::size_t enumerators() {
    if constexpr (std::is_same_v<E, Span::Unit>) return 2;
    else return enum_count<E>;
  }
  template <class E>
  static const char* enum_name() {
    if constexpr (std::is_same_v<E, State>) return "state";
    else if constexpr (std::is_same_v<E, Supervision>) return "supervision";
    else if constexpr (std::is_same_v<E, Stage>) return "stage";
    else if constexpr (std::is_same_v<E, Action>) return "action";
    else if constexpr (std::is_same_v<E, EventType>) return "event type";
    else if constexpr (std::is_same_v<E, Role>) return "role";
    else if constexpr (std::is_same_v<E, Urgency>) return "urgency";
    else if constexpr (std::is_same_v<E, Outcome>) return "outcome";
    else if constexpr (std::is_same_v<E, Channel>) return "channel";
    else if constexpr (std::is_same_v<E, Route>) return "route";
    else if constexpr (std::is_same_v<E, Satisfaction>) return "satisfaction";
    else if constexpr (std::is_same_v<E, Span::Unit>) return "span unit";
    else return "enumerator";
  }
};

// The first byte of every encoded snapshot: which layout follows. A reader meeting another
// value refuses the blob (written by a later fengqiao, or damaged) instead of guessing.
constexpr std::uint8_t kCaseFormat = 1;

// Every field of Case but the id (the caller keeps it as the key), behind kCaseFormat.
void encode_case(const Case& c, Buf& out);
// Reverses encode_case, checking every byte: a blob that is not exactly one snapshot of
// this format throws DataError naming the case and what is wrong.
Case decode_case(const char* data, std::size_t size, const std::string& id);
inline Case decode_case(const std::string& blob, const std::string& id) {
  return decode_case(blob.data(), blob.size(), id);
}
// The same into `c`, whose strings and vectors keep their capacity (the engine reuses one
// Case per thread); every field is overwritten. Checked as decode_case; on a DataError `c`
// holds part of the blob and must not be used.
void decode_case_into(const char* data, std::size_t size, const std::string& id, Case& c);
inline void decode_case_into(const std::string& blob, const std::string& id, Case& c) {
  decode_case_into(blob.data(), blob.size(), id, c);
}

// Every field of Event but case_id and seq (the caller keeps both); the action data as
// MessagePack (msgpack_writer.hpp), last.
void encode_event(const Event& e, Buf& out);
// Reverses encode_event, checked as decode_case (the DataError names the case and seq).
Event decode_event(const char* data, std::size_t size, const std::string& case_id, std::uint64_t seq);

}  // namespace fengqiao::storage_detail
