// A reusable output buffer for the encoders (the compact codec's snapshots and events, the
// hash chain's messages).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>

namespace fengqiao::core_detail {

// A reusable output buffer written through raw pointers (std::string's push_back checks
// and updates its size for every byte).
class Buf {
 public:
  // Set by a writer whose store must hold UTF-8 text only (the SQLite adapter: its rows were
  // JSON text, and it still refuses what JSON could not hold); put_str and encode_event then
  // note the first text that is not UTF-8 in `bad_utf8`. MemoryStorage keeps text as given.
  bool utf8_only = false;
  bool bad_utf8 = false;

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

}  // namespace fengqiao::core_detail
