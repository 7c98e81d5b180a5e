// Text tables whose columns line up in a terminal. Widths are display columns, not bytes:
// a Chinese department name of 4 characters takes 8 columns, as fmt counts it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fengqiao::cli {

// Display columns of UTF-8 text: 2 for East Asian wide and fullwidth characters, else 1.
std::size_t display_width(std::string_view text);

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  // The header and the rows, each line starting with `indent`, columns two spaces apart
  // and each as wide as its widest cell; the last column is not padded.
  std::string render(std::string_view indent = "  ") const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace fengqiao::cli
