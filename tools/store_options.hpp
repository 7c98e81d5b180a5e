// Where a command's cases come from, the same way in every command: `--db FILE` (a SQLite
// store, opened read-only) or `--history FILE` (a history replayed into memory; "-" is
// standard input).
#pragma once

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <fengqiao/replay.hpp>
#include <fengqiao/sqlite_storage.hpp>

namespace CLI {
class App;
class Option;
}

namespace fengqiao::cli {

// Adds `--db FILE` to a subcommand; `what` says what the store is for.
CLI::Option* add_db_option(CLI::App& command, std::string& db, const std::string& what);

// The store at `path`, read-only: commands that read never change a file.
Result<std::shared_ptr<SqliteStorage>> open_store(const std::string& path);

// The exit code of a replay: 0 clean, 2 an invalid history, 1 any other failure.
int exit_code_of(const ReplayResult& result);

// The cases of a history replayed on a fresh engine into memory, every event kept; or the
// store at `db`. Exactly one of `history` and `db` is given. On failure it prints why on
// stderr (prefixed by `command`, e.g. "fengqiao show") and holds the exit code instead.
std::variant<std::shared_ptr<Storage>, int> open_cases(const std::string& command, const std::string& history,
                                                       const std::string& db);

// One case as `show` and `timeline` read it: its snapshot, every event (seq 1 on) and the
// store's whole configuration history (the calendar and rules each clock ran under).
struct CaseRecord {
  Case snapshot;
  std::vector<Event> events;
  std::vector<ConfigRecord> configuration;
};
// Failure: the store's error (unknown_case when it does not hold `case_id`).
Result<CaseRecord> read_case(const Storage& storage, const std::string& case_id);

}  // namespace fengqiao::cli
