// `fengqiao import`: a history into a SQLite store, its actions replayed through the
// engine (so the store holds exactly what the engine makes of them: every engine event,
// the hash chains, the calendar and rules of the header and of each configuration line).
//
// An import changes nothing unless it succeeds whole. The history is replayed into memory
// first; a history that does not replay clean is reported and nothing is written. A store
// that already holds any case or visit is refused before anything is written: the
// history's cases because they would be there twice, others because the replay's clock
// would fire their deadlines at the history's instants. A new store is filled beside its
// destination and renamed into place at the end.
#include <sys/stat.h>

#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include <CLI/CLI.hpp>

#include <fengqiao/memory_storage.hpp>
#include <fengqiao/replay.hpp>
#include <fengqiao/sqlite_storage.hpp>

#include "commands.hpp"
#include "input.hpp"
#include "store_options.hpp"
#include "temporary_file.hpp"

namespace fengqiao::cli {
namespace {

constexpr const char* kCommand = "fengqiao import";

// The history, readable twice (the check, then the import): a file is opened again, standard
// input is kept in memory.
class Source {
 public:
  static Result<Source> open(const std::string& path) {
    auto input = Input::open(path);
    if (!input) return input.error();
    Source s;
    s.path_ = path;
    s.name_ = input->name();
    if (path == "-") s.text_ = std::string(std::istreambuf_iterator<char>(input->stream()), {});
    return s;
  }
  const std::string& name() const { return name_; }
  ReplayResult replay_into(std::shared_ptr<Storage> storage) const {
    Progress progress(name_);
    ReplayOptions options;
    options.storage = std::move(storage);
    options.source = name_;
    options.on_progress = [&](std::size_t lines) { progress.lines(lines); };
    if (path_ == "-") {
      std::istringstream in(text_);
      return replay(in, options);
    }
    auto input = Input::open(path_);
    if (!input) throw Exception(input.error());
    return replay(input->stream(), options);
  }

 private:
  std::string path_, name_, text_;
};

// "A, B, C and 4 more".
std::string some_of(const std::vector<std::string>& ids) {
  std::string s;
  for (std::size_t i = 0; i < ids.size() && i < 5; ++i) s += (i ? ", " : "") + ids[i];
  if (ids.size() > 5) s += " and " + std::to_string(ids.size() - 5) + " more";
  return s;
}

// Why an existing store may not take the history, or "" when it may: it must hold no case
// and no visit.
Result<std::string> refusal(const std::string& db, const Storage& checked) {
  auto store = open_store(db);
  if (!store) return store.error();
  std::vector<std::string> same, other;
  Status walked = for_each_case(**store, CaseQuery{}, [&](const Case& c) {
    (checked.load(c.id) ? same : other).push_back(c.id);
    return true;
  });
  if (!walked) return walked.error();
  if (!same.empty())
    return db + " already holds " + std::to_string(same.size()) + " of the history's cases (" + some_of(same) +
           "); nothing was imported";
  if (!other.empty())
    return db + " already holds " + std::to_string(other.size()) + " other cases (" + some_of(other) +
           "): the import would fire their deadlines at the history's instants; import into a new or empty "
           "store. Nothing was imported";
  auto visits = (*store)->count_visits(VisitQuery{});
  if (!visits) return visits.error();
  if (*visits)
    return db + " already holds " + std::to_string(*visits) + " visits; import into a new or empty store. "
           "Nothing was imported";
  return std::string();
}

int import_history(const std::string& path, const std::string& db) {
  auto source = Source::open(path);
  if (!source) {
    std::cerr << kCommand << ": " << source.error().message << '\n';
    return kUnusable;
  }
  // 1. The whole history must replay clean before anything is written.
  auto checked = std::make_shared<MemoryStorage>(MemoryStorageOptions{/*keep_events=*/false});
  const ReplayResult check = source->replay_into(checked);
  if (!check.clean()) {
    std::cerr << check.describe() << '\n' << kCommand << ": the history does not replay clean; nothing was imported\n";
    return exit_code_of(check);
  }
  // 2. An existing store must be empty; a new one is built beside its destination.
  struct stat st {};
  const bool exists = ::stat(db.c_str(), &st) == 0;
  std::optional<TemporaryFile> fresh;
  std::string target = db;
  if (exists) {
    auto why = refusal(db, *checked);
    if (!why || !why->empty()) {
      std::cerr << kCommand << ": " << (why ? *why : why.error().describe()) << '\n';
      return kUnusable;
    }
  } else {
    auto t = TemporaryFile::beside(db);
    if (!t) {
      std::cerr << kCommand << ": " << t.error().describe() << '\n';
      return kUnusable;
    }
    fresh.emplace(std::move(t).value());
    target = fresh->path();
  }
  // 3. The import itself: the same replay, into the store.
  ReplayResult imported;
  {
    SqliteOptions options;
    options.create_if_missing = false;  // the temporary file, or the existing store
    auto store = SqliteStorage::open(target, options);
    if (!store) {
      std::cerr << kCommand << ": " << store.error().describe() << '\n';
      return kUnusable;
    }
    imported = source->replay_into(*store);
  }  // the store is closed here, before a rename
  if (!imported.clean()) {
    std::cerr << imported.describe() << '\n'
              << kCommand << ": the import into " << db << " failed"
              << (fresh ? "; nothing was written" : " part way; the store holds what was imported before it") << '\n';
    return exit_code_of(imported);
  }
  if (fresh) {
    if (Status s = fresh->replace(db); !s) {
      std::cerr << kCommand << ": " << s.error().describe() << '\n';
      return kUnusable;
    }
  }
  std::cout << "imported " << source->name() << " into " << db << ": " << imported.cases << " cases, "
            << imported.actions << " actions, " << imported.visits << " visits, " << imported.config_changes
            << " configuration changes; " << imported.events_checked << " engine events and " << imported.expectations
            << " expectations checked\n";
  return kClean;
}

}  // namespace

Command add_import(CLI::App& app) {
  struct Options {
    std::string history, db;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "import", "Replay a history into a SQLite store (a new or empty one), every action through the engine.");
  sub->add_option("HISTORY", o->history, "The history (JSON Lines); - reads standard input")->required();
  add_db_option(*sub, o->db, "The SQLite store to fill (created when missing)")->required();
  sub->footer(std::string("Nothing is written unless the whole history replays clean; a store that already holds\n"
                          "cases or visits is refused (exit 2) and left as it was.\n") +
              kExitCodes);
  return {sub, [o] { return import_history(o->history, o->db); }};
}

}  // namespace fengqiao::cli
