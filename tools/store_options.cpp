#include "store_options.hpp"

#include <iostream>

#include <CLI/CLI.hpp>

#include <fengqiao/memory_storage.hpp>

#include "commands.hpp"
#include "input.hpp"

namespace fengqiao::cli {

CLI::Option* add_db_option(CLI::App& command, std::string& db, const std::string& what) {
  return command.add_option("--db", db, what)->type_name("FILE");
}

Result<std::shared_ptr<SqliteStorage>> open_store(const std::string& path) {
  SqliteOptions options;
  options.create_if_missing = false;
  options.read_only = true;
  return SqliteStorage::open(path, options);
}

int exit_code_of(const ReplayResult& result) {
  if (result.clean()) return kClean;
  return result.failure->kind == ReplayFailure::Kind::invalid_history ? kUnusable : kFailed;
}

std::variant<std::shared_ptr<Storage>, int> open_cases(const std::string& command, const std::string& history,
                                                       const std::string& db) {
  if (history.empty() == db.empty()) {
    std::cerr << command << ": give exactly one of --history and --db\n";
    return kUnusable;
  }
  if (!db.empty()) {
    auto store = open_store(db);
    if (!store) {
      std::cerr << command << ": " << store.error().describe() << '\n';
      return kUnusable;
    }
    return std::shared_ptr<Storage>(*store);
  }
  auto input = Input::open(history);
  if (!input) {
    std::cerr << command << ": " << input.error().message << '\n';
    return kUnusable;
  }
  // Replaying the history into a fresh store fills in every engine event.
  auto storage = std::make_shared<MemoryStorage>();
  Progress progress(input->name());
  ReplayOptions options;
  options.storage = storage;
  options.source = input->name();
  options.on_progress = [&](std::size_t lines) { progress.lines(lines); };
  const ReplayResult result = replay(input->stream(), options);
  if (!result.clean()) {
    std::cerr << result.describe() << '\n';
    return exit_code_of(result);
  }
  return std::shared_ptr<Storage>(storage);
}

Result<CaseRecord> read_case(const Storage& storage, const std::string& case_id) {
  CaseRecord record;
  auto c = storage.load(case_id);
  if (!c) return c.error();
  record.snapshot = std::move(c).value();
  Status read = storage.read_events(case_id, 1, [&](const Event& e) {
    record.events.push_back(e);
    return true;
  });
  if (!read) return read.error();
  Status kept = storage.read_configurations(1, [&](const ConfigRecord& r) {
    record.configuration.push_back(r);
    return true;
  });
  if (!kept) return kept.error();
  return record;
}

}  // namespace fengqiao::cli
