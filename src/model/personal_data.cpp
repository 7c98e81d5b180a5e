#include "fengqiao/personal_data.hpp"

#include <vector>

namespace fengqiao {
namespace {

// Byte offsets of the code points of `s` (a continuation byte never starts one), so that
// masking never splits a multi-byte character.
std::vector<std::size_t> code_point_starts(std::string_view s) {
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0u) != 0x80u) starts.push_back(i);
  return starts;
}

// Keeps the first `head` and last `tail` code points when the value has at least
// `long_from` of them; else the last 2 when it has more than 3; else masks it all.
std::string mask(std::string_view s, std::size_t long_from, std::size_t head, std::size_t tail) {
  const std::vector<std::size_t> starts = code_point_starts(s);
  const std::size_t n = starts.size();
  if (n >= long_from) {
  } else if (n > 3) {
    head = 0;
    tail = 2;
  } else {
    head = tail = 0;
  }
  std::string out(s.substr(0, head < n ? starts[head] : s.size()));
  out.append(n - head - tail, '*');
  if (tail) out.append(s.substr(starts[n - tail]));
  return out;
}

}  // namespace

std::string mask_phone(std::string_view phone) { return mask(phone, 11, 3, 4); }
std::string mask_id_number(std::string_view id_number) { return mask(id_number, 12, 4, 4); }

nlohmann::json mask_parties(nlohmann::json data) {
  if (!data.is_object()) return data;
  auto parties = data.find("parties");
  if (parties == data.end() || !parties->is_array()) return data;
  for (auto& p : *parties) {
    if (!p.is_object()) continue;
    if (auto id = p.find("id_number"); id != p.end() && id->is_string()) *id = mask_id_number(id->get<std::string>());
    if (auto phone = p.find("phone"); phone != p.end() && phone->is_string()) *phone = mask_phone(phone->get<std::string>());
  }
  return data;
}

}  // namespace fengqiao
