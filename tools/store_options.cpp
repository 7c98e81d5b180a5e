#include "store_options.hpp"

#include <fstream>

namespace fengqiao::cli {

Result<std::shared_ptr<SqliteStorage>> open_store(const std::string& path) {
  SqliteOptions options;
  options.create_if_missing = false;
  options.read_only = true;
  return SqliteStorage::open(path, options);
}

Result<history::Header> read_header(const std::string& path) {
  if (path.empty()) return history::Header{};
  std::ifstream in(path);
  if (!in) return make_error(ErrorCode::invalid_history, "cannot open " + path);
  return history::Reader(in).header();
}

}  // namespace fengqiao::cli
