#include "table.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

namespace fengqiao::cli {

// fmt pads by this same count ("{:<10}" of "调解" adds 6 spaces, measured with fmt 9.1);
// it is fmt's own function, so a column's width and the padding fmt adds always agree.
std::size_t display_width(std::string_view text) { return fmt::detail::compute_width(fmt::string_view(text.data(), text.size())); }

std::string Table::render(std::string_view indent) const {
  std::vector<std::size_t> widths(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], display_width(row[i]));
  };
  measure(header_);
  for (const auto& row : rows_) measure(row);
  std::string out;
  auto line = [&](const std::vector<std::string>& row) {
    std::string text(indent);
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      if (i + 1 == row.size()) text += row[i];
      else fmt::format_to(std::back_inserter(text), "{:<{}}  ", row[i], widths[i]);
    }
    // Trailing spaces of empty last cells are noise in a terminal and in diffs.
    text.erase(text.find_last_not_of(' ') + 1);
    out += text + '\n';
  };
  line(header_);
  for (const auto& row : rows_) line(row);
  return out;
}

}  // namespace fengqiao::cli
