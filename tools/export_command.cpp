// `fengqiao export`: cases and every engine event as a history, from a store or a replayed history.
#include <iostream>
#include <memory>
#include <utility>
#include <variant>

#include <CLI/CLI.hpp>

#include <fengqiao/history.hpp>

#include "commands.hpp"
#include "store_options.hpp"
#include "temporary_file.hpp"

namespace fengqiao::cli {
namespace {

// Export has nothing to disagree with: any error means the input could not be used.
int fail(const Error& e) {
  std::cerr << "fengqiao export: " << e.describe() << '\n';
  return kUnusable;
}

template <class Options>
int run_export(const Options& o) {
  // The store keeps its calendar and rules (and their changes): the export's header and
  // configuration lines come from there.
  auto opened = open_cases("fengqiao export", o.history, o.db);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  const Storage& storage = *std::get<std::shared_ptr<Storage>>(opened);
  history::ExportOptions export_options;
  if (o.personal_data) export_options.personal_data = PersonalData::included;

  if (o.out.empty()) {
    Status s = history::export_cases(storage, o.cases, std::cout, export_options);
    return s ? kClean : fail(s.error());
  }
  // Written beside --out and renamed over it only when the whole export succeeded: a
  // failed export leaves an existing file as it was (and no half-written one).
  auto created = TemporaryFile::beside(o.out);
  if (!created) return fail(created.error());
  TemporaryFile temporary = std::move(created).value();
  Status s = history::export_cases(storage, o.cases, temporary.stream(), export_options);
  if (!s) return fail(s.error());
  if (Status done = temporary.replace(o.out); !done) return fail(done.error());
  return kClean;
}

}  // namespace

Command add_export(CLI::App& app) {
  struct Options {
    std::string history, db, out;
    std::vector<std::string> cases;
    bool personal_data = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "export", "Write cases (all by default) with every engine event as a history (an auditor's copy).");
  sub->add_option("--history", o->history, "Replay this history first (- reads standard input)")->type_name("FILE");
  add_db_option(*sub, o->db, "Read this SQLite store, with the calendar and rules it keeps");
  sub->add_option("--case", o->cases, "Only this case (repeatable)")->type_name("ID");
  sub->add_option("--out", o->out, "Write here (replaced only when the whole export succeeded); default stdout")
      ->type_name("FILE");
  // Parties' id_number and phone are masked unless asked for by name.
  sub->add_flag("--with-personal-data", o->personal_data, "Keep parties' id_number and phone (masked by default)");
  sub->footer(kExitCodes);
  return {sub, [o] { return run_export(*o); }};
}

}  // namespace fengqiao::cli
