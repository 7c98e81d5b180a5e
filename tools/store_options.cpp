#include "store_options.hpp"

#include <fstream>

namespace fengqiao::cli {

Result<std::shared_ptr<SqliteStorage>> open_store(const std::string& path) {
  SqliteOptions options;
  options.create_if_missing = false;
  options.read_only = true;
  return SqliteStorage::open(path, options);
}

}  // namespace fengqiao::cli
