#include <fstream>
#include <iostream>

#include <fengqiao/memory_storage.hpp>
#include <fengqiao/replay.hpp>

#include "commands.hpp"
#include "store_options.hpp"

namespace fengqiao::cli {
namespace {

// Export has nothing to disagree with: any error means the input could not be used.
int fail(const Error& e) {
  std::cerr << "fengqiao export: " << e.describe() << '\n';
  return kUnusable;
}

}  // namespace

int export_cases(const Args& args) {
  std::string history_path, db, out_path;
  std::vector<std::string> cases;
  history::ExportOptions export_options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "--history" && has_value) history_path = args[++i];
    else if (a == "--db" && has_value) db = args[++i];
    else if (a == "--case" && has_value) cases.push_back(args[++i]);
    else if (a == "--out" && has_value) out_path = args[++i];
    // Parties' id_number and phone are masked unless asked for by name.
    else if (a == "--with-personal-data") export_options.personal_data = PersonalData::included;
    else {
      std::cerr << "fengqiao export: unexpected argument " << a << '\n';
      return usage(std::cerr, kUnusable);
    }
  }
  if (history_path.empty() == db.empty()) {
    std::cerr << "fengqiao export: give exactly one of --history and --db\n";
    return usage(std::cerr, kUnusable);
  }

  // The store keeps its calendar and rules (and their changes): the export's header and
  // configuration lines come from there.
  std::shared_ptr<Storage> storage;
  if (!db.empty()) {
    auto store = open_store(db);
    if (!store) return fail(store.error());
    storage = *store;
  } else {
    // Replaying the history into a fresh store fills in every engine event.
    storage = std::make_shared<MemoryStorage>();
    std::ifstream in(history_path);
    ReplayOptions options;
    options.storage = storage;
    options.source = history_path;
    auto result = replay(in, options);
    if (!result.clean()) {
      std::cerr << result.describe() << '\n';
      return result.failure->kind == ReplayFailure::Kind::invalid_history ? kUnusable : kFailed;
    }
  }

  std::ofstream file;
  if (!out_path.empty()) {
    file.open(out_path);
    if (!file) return fail(make_error(ErrorCode::invalid_data, "cannot write " + out_path));
  }
  Status s = history::export_cases(*storage, cases, out_path.empty() ? std::cout : file, export_options);
  return s ? kClean : fail(s.error());
}

}  // namespace fengqiao::cli
