// The history reader's full path, beside the simdjson one parse_line tries first (common
// lines only): exposed so that a test can hold the two to the same answers.
#pragma once

#include <cstddef>
#include <string>

#include "fengqiao/history.hpp"

namespace fengqiao::history::detail {

// parse_line without the fast path: every line through nlohmann's tree and the checks.
Result<Line> parse_line_full(const std::string& raw, std::size_t number, UtcOffset offset, int version);

}  // namespace fengqiao::history::detail
