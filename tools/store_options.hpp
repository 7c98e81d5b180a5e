// Opening `--db FILE` the same way in every command.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <fengqiao/history.hpp>
#include <fengqiao/sqlite_storage.hpp>

namespace fengqiao::cli {

// The store at `path`, read-only: commands that read never change a file.
Result<std::shared_ptr<SqliteStorage>> open_store(const std::string& path);

}  // namespace fengqiao::cli
