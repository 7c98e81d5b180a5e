#include "fengqiao/error.hpp"

#include <array>

namespace fengqiao {
namespace {
constexpr std::array<std::string_view, kErrorCodeCount> kNames = {
    "invalid_transition", "not_permitted",   "invalid_data",   "unknown_case",  "duplicate_case",
    "conflict",           "invalid_history", "invalid_config", "storage_error", "busy",
    "duplicate_visit",
};
constexpr bool every_code_named() {
  for (std::string_view n : kNames)
    if (n.empty()) return false;
  return true;
}
static_assert(every_code_named(), "kNames needs one name per ErrorCode");
}  // namespace

std::string_view to_string(ErrorCode code) noexcept { return kNames[static_cast<std::size_t>(code)]; }

std::optional<ErrorCode> error_code_from_string(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == text) return static_cast<ErrorCode>(i);
  return std::nullopt;
}

std::string Error::describe() const {
  std::string out(to_string(code));
  out += ": ";
  out += message;
  return out;
}

Exception::Exception(Error error) : std::runtime_error(error.describe()), error_(std::move(error)) {}

}  // namespace fengqiao
