// `fengqiao import`: a history into a SQLite store (or, with `--pg`, a PostgreSQL
// database), its actions replayed through the engine (so the store holds exactly what the engine makes of them: every engine event,
// the hash chains, the calendar and rules of the header and of each configuration line).
//
// An import changes nothing unless it succeeds whole. The history is replayed into memory
// first; a history that does not replay clean is reported and nothing is written. A store
// that already holds any case or visit is refused before anything is written: the
// history's cases because they would be there twice, others because the replay's clock
// would fire their deadlines at the history's instants. A new store is filled beside its
// destination and renamed into place at the end. PostgreSQL has no such rename: an import
// there that breaks off part way (the connection lost) leaves what it imported before.
#include <sys/stat.h>

#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <variant>

#include <CLI/CLI.hpp>

#include <fengqiao/memory_storage.hpp>
#include <fengqiao/replay.hpp>
#include <fengqiao/sqlite_storage.hpp>
#ifdef FENGQIAO_CLI_POSTGRES
#include <fengqiao/postgres_storage.hpp>
#endif

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

// Why the store named `where` may not take the history, or "" when it may: it must hold
// no case and no visit.
Result<std::string> refusal(const std::string& where, const Storage& store, const Storage& checked) {
  std::vector<std::string> same, other;
  Status walked = for_each_case(store, CaseQuery{}, [&](const Case& c) {
    (checked.load(c.id) ? same : other).push_back(c.id);
    return true;
  });
  if (!walked) return walked.error();
  if (!same.empty())
    return where + " already holds " + std::to_string(same.size()) + " of the history's cases (" + some_of(same) +
           "); nothing was imported";
  if (!other.empty())
    return where + " already holds " + std::to_string(other.size()) + " other cases (" + some_of(other) +
           "): the import would fire their deadlines at the history's instants; import into a new or empty "
           "store. Nothing was imported";
  auto visits = store.count_visits(VisitQuery{});
  if (!visits) return visits.error();
  if (*visits)
    return where + " already holds " + std::to_string(*visits) + " visits; import into a new or empty store. "
           "Nothing was imported";
  return std::string();
}

// The whole history must replay clean before anything is written: it is replayed into
// memory first. The memory store (snapshots only) is what the refusal checks against.
std::variant<std::shared_ptr<MemoryStorage>, int> check(const Source& source) {
  auto checked = std::make_shared<MemoryStorage>(MemoryStorageOptions{/*keep_events=*/false});
  const ReplayResult result = source.replay_into(checked);
  if (!result.clean()) {
    std::cerr << result.describe() << '\n' << kCommand << ": the history does not replay clean; nothing was imported\n";
    return exit_code_of(result);
  }
  return checked;
}

// The history opened and replayed into memory (check); on failure the exit code, said.
struct Checked {
  Source source;
  std::shared_ptr<MemoryStorage> clean;
};
std::variant<Checked, int> open_and_check(const std::string& path) {
  auto source = Source::open(path);
  if (!source) {
    std::cerr << kCommand << ": " << source.error().message << '\n';
    return kUnusable;
  }
  auto checked = check(*source);
  if (auto* code = std::get_if<int>(&checked)) return *code;
  return Checked{std::move(source).value(), std::get<std::shared_ptr<MemoryStorage>>(std::move(checked))};
}

int report_imported(const Source& source, const std::string& where, const ReplayResult& imported) {
  std::cout << "imported " << source.name() << " into " << where << ": " << imported.cases << " cases, "
            << imported.actions << " actions, " << imported.visits << " visits, " << imported.config_changes
            << " configuration changes; " << imported.events_checked << " engine events and " << imported.expectations
            << " expectations checked\n";
  return kClean;
}

int import_history(const std::string& path, const std::string& db) {
  // 1. The whole history must replay clean before anything is written.
  auto checked = open_and_check(path);
  if (auto* code = std::get_if<int>(&checked)) return *code;
  const Source* source = &std::get<Checked>(checked).source;
  const auto& clean = std::get<Checked>(checked).clean;
  // 2. An existing store must be empty; a new one is built beside its destination.
  struct stat st {};
  const bool exists = ::stat(db.c_str(), &st) == 0;
  std::optional<TemporaryFile> fresh;
  std::string target = db;
  if (exists) {
    auto store = open_store(db);
    auto why = store ? refusal(db, **store, *clean) : Result<std::string>(store.error());
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
  return report_imported(*source, db, imported);
}

#ifdef FENGQIAO_CLI_POSTGRES
// The same into PostgreSQL. The connection string is not repeated in messages (it may
// hold a password); "the PostgreSQL database" names the store instead.
int import_history_pg(const std::string& path, const std::string& connection) {
  const std::string where = "the PostgreSQL database";
  auto checked = open_and_check(path);
  if (auto* code = std::get_if<int>(&checked)) return *code;
  const Source* source = &std::get<Checked>(checked).source;
  auto store = PostgresStorage::open(connection);
  if (!store) {
    std::cerr << kCommand << ": " << store.error().describe() << '\n';
    return kUnusable;
  }
  auto why = refusal(where, **store, *std::get<Checked>(checked).clean);
  if (!why || !why->empty()) {
    std::cerr << kCommand << ": " << (why ? *why : why.error().describe()) << '\n';
    return kUnusable;
  }
  const ReplayResult imported = source->replay_into(*store);
  if (!imported.clean()) {
    std::cerr << imported.describe() << '\n'
              << kCommand << ": the import into " << where
              << " failed part way; the database holds what was imported before it\n";
    return exit_code_of(imported);
  }
  return report_imported(*source, where, imported);
}
#endif

}  // namespace

Command add_import(CLI::App& app) {
  struct Options {
    std::string history, db, pg;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "import", "Replay a history into a SQLite store or a PostgreSQL database (a new or empty one), every action through the engine.");
  sub->add_option("HISTORY", o->history, "The history (JSON Lines); - reads standard input")->required();
  CLI::Option* db = add_db_option(*sub, o->db, "The SQLite store to fill (created when missing)");
#ifdef FENGQIAO_CLI_POSTGRES
  CLI::Option* pg = sub->add_option("--pg", o->pg,
                                    "A PostgreSQL database to fill instead: a libpq connection string "
                                    "(\"host=... dbname=...\" or postgresql://...); the schema is created when missing");
  pg->type_name("CONNINFO")->excludes(db);
  db->excludes(pg);
#else
  db->required();
#endif
  sub->footer(std::string("Nothing is written unless the whole history replays clean; a store that already holds\n"
                          "cases or visits is refused (exit 2) and left as it was.\n") +
              kExitCodes);
  return {sub, [o] {
#ifdef FENGQIAO_CLI_POSTGRES
            if (!o->pg.empty()) return import_history_pg(o->history, o->pg);
            if (o->db.empty()) {
              std::cerr << kCommand << ": give the store to fill: --db FILE or --pg CONNINFO\n";
              return kUnusable;
            }
#endif
            return import_history(o->history, o->db);
          }};
}

}  // namespace fengqiao::cli
