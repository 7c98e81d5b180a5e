#include "storage/msgpack_writer.hpp"

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace fengqiao::storage_detail {
namespace {

using core_detail::Buf;

// MessagePack's numbers are big-endian.
template <class T>
void put_be(Buf& out, T v) {
  static_assert(std::is_trivially_copyable_v<T>, "a number");
  unsigned char bytes[sizeof(T)];
  std::memcpy(bytes, &v, sizeof(T));
  char* p = out.ensure(sizeof(T));
  for (std::size_t i = 0; i < sizeof(T); ++i) p[i] = static_cast<char>(bytes[sizeof(T) - 1 - i]);
  out.advance(sizeof(T));
}

template <class T>
void put_tagged(Buf& out, std::uint8_t tag, T v) {
  out.push_back(static_cast<char>(tag));
  put_be(out, v);
}

void put_unsigned(Buf& out, std::uint64_t u) {
  if (u < 128) out.push_back(static_cast<char>(u));
  else if (u <= std::numeric_limits<std::uint8_t>::max()) put_tagged(out, 0xcc, static_cast<std::uint8_t>(u));
  else if (u <= std::numeric_limits<std::uint16_t>::max()) put_tagged(out, 0xcd, static_cast<std::uint16_t>(u));
  else if (u <= std::numeric_limits<std::uint32_t>::max()) put_tagged(out, 0xce, static_cast<std::uint32_t>(u));
  else put_tagged(out, 0xcf, u);
}

void put_signed(Buf& out, std::int64_t i) {
  if (i >= 0) return put_unsigned(out, static_cast<std::uint64_t>(i));
  if (i >= -32) out.push_back(static_cast<char>(static_cast<std::int8_t>(i)));
  else if (i >= std::numeric_limits<std::int8_t>::min()) put_tagged(out, 0xd0, static_cast<std::int8_t>(i));
  else if (i >= std::numeric_limits<std::int16_t>::min()) put_tagged(out, 0xd1, static_cast<std::int16_t>(i));
  else if (i >= std::numeric_limits<std::int32_t>::min()) put_tagged(out, 0xd2, static_cast<std::int32_t>(i));
  else put_tagged(out, 0xd3, i);
}

// As nlohmann: float 32 when the value survives the round trip through float, else 64.
void put_float(Buf& out, double d) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wfloat-equal"
  const bool as_float = d >= static_cast<double>(std::numeric_limits<float>::lowest()) &&
                        d <= static_cast<double>(std::numeric_limits<float>::max()) &&
                        static_cast<double>(static_cast<float>(d)) == d;
#pragma GCC diagnostic pop
  if (as_float) put_tagged(out, 0xca, static_cast<float>(d));
  else put_tagged(out, 0xcb, d);
}

// A string's or container's header: the fix form up to `fix_max`, then the sized forms
// (`tag8` 0 when the format has no 8-bit length, as arrays and maps have not).
void put_header(Buf& out, std::size_t n, std::uint8_t fix, std::size_t fix_max, std::uint8_t tag8, std::uint8_t tag16,
                std::uint8_t tag32) {
  if (n <= fix_max) out.push_back(static_cast<char>(fix | n));
  else if (tag8 && n <= std::numeric_limits<std::uint8_t>::max()) put_tagged(out, tag8, static_cast<std::uint8_t>(n));
  else if (n <= std::numeric_limits<std::uint16_t>::max()) put_tagged(out, tag16, static_cast<std::uint16_t>(n));
  else put_tagged(out, tag32, static_cast<std::uint32_t>(n));
}

void put_text(Buf& out, const std::string& s) {
  put_header(out, s.size(), 0xa0, 31, 0xd9, 0xda, 0xdb);
  out.append(s.data(), s.size());
}

}  // namespace

void put_msgpack(Buf& out, const nlohmann::json& j) {
  using V = nlohmann::json::value_t;
  switch (j.type()) {
    case V::null: out.push_back(static_cast<char>(0xc0)); return;
    case V::boolean: out.push_back(static_cast<char>(j.get<bool>() ? 0xc3 : 0xc2)); return;
    case V::number_integer: put_signed(out, j.get<std::int64_t>()); return;
    case V::number_unsigned: put_unsigned(out, j.get<std::uint64_t>()); return;
    case V::number_float: put_float(out, j.get<double>()); return;
    case V::string: put_text(out, j.get_ref<const std::string&>()); return;
    case V::array:
      put_header(out, j.size(), 0x90, 15, 0, 0xdc, 0xdd);
      for (const auto& x : j) put_msgpack(out, x);
      return;
    case V::object:
      put_header(out, j.size(), 0x80, 15, 0, 0xde, 0xdf);
      for (auto it = j.begin(); it != j.end(); ++it) {
        put_text(out, it.key());
        put_msgpack(out, it.value());
      }
      return;
    case V::binary:
    case V::discarded:
      break;
  }
  // Binary values (never read from JSON text) and whatever else: nlohmann's own writer.
  std::vector<std::uint8_t> bytes;
  nlohmann::json::to_msgpack(j, bytes);
  if (!bytes.empty()) out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace fengqiao::storage_detail
