// The compact binary form in which MemoryStorage keeps snapshots and events: written and
// read only inside src/storage/ (nothing persists it, so it has no version and no checks).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fengqiao/case.hpp"

namespace fengqiao::storage_detail {

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

// A compact binary form for what the storage keeps, written and read only by src/storage/
// (nothing persists it): fixed-width little-endian integers, length-prefixed strings,
// a flag byte before each optional. Kept snapshots and events are a single block each
// instead of a struct with a heap block per string, vector and JSON node.
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
inline void put_str(Buf& out, const std::string& v) {
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
  std::string hash();
  // The same into an existing value, keeping its capacity (a snapshot decoded into a Case
  // that held one allocates only what grew).
  void str_into(std::string& v) {
    const std::uint32_t n = u32();
    v.assign(p, n);
    p += n;
  }
  void strs_into(std::vector<std::string>& v) {
    v.resize(u32());
    for (std::string& x : v) str_into(x);
  }
  void hash_into(std::string& v);
  template <class T, class Get>
  std::optional<T> opt(Get get) {
    if (!u8()) return std::nullopt;
    return std::optional<T>(get(*this));
  }
};

// Every field of Case but the id (the caller keeps it as the key).
void encode_case(const Case& c, Buf& out);
// Reverses encode_case; `blob` must come from it.
Case decode_case(const std::string& blob, const std::string& id);
// The same into `c`, whose strings and vectors are reused; every field is overwritten.
void decode_case_into(const std::string& blob, const std::string& id, Case& c);

}  // namespace fengqiao::storage_detail
