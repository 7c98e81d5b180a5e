// The library's one UTF-8 decoder (RFC 3629: no overlong forms, no surrogates, nothing past
// U+10FFFF), for every place that must tell well-formed text from bytes: the history
// reader's safety scan, the compact codec's check of stored text, the timeline's XML.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fengqiao::detail {

// The length (1 to 4) of the well-formed sequence starting at s[i], its code point in `cp`;
// 0 when the bytes there are not one (a stray continuation byte, a cut sequence, ...).
std::size_t utf8_sequence(std::string_view s, std::size_t i, std::uint32_t& cp) noexcept;
inline std::size_t utf8_sequence(std::string_view s, std::size_t i) noexcept {
  std::uint32_t cp = 0;
  return utf8_sequence(s, i, cp);
}

// Whether all of `s` is well-formed UTF-8.
bool valid_utf8(std::string_view s) noexcept;

}  // namespace fengqiao::detail
