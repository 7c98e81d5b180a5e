// `fengqiao timeline CASE`: one case as an SVG picture (fengqiao/timeline.hpp) — its
// states as bars along a time axis, each clock against its deadline, pauses shaded, every
// event a mark. It reads the case the way `show` does.
#include <iostream>
#include <memory>
#include <variant>

#include <CLI/CLI.hpp>

#include <fengqiao/storage.hpp>
#include <fengqiao/timeline.hpp>

#include "commands.hpp"
#include "store_options.hpp"
#include "temporary_file.hpp"

namespace fengqiao::cli {
namespace {

struct Options {
  std::string case_id, history, db, out, until;
};

int fail(const Error& e) {
  std::cerr << "fengqiao timeline: " << e.describe() << '\n';
  return kUnusable;
}

int run_timeline(const Options& o) {
  TimelineOptions options;
  if (!o.until.empty()) {
    auto until = parse_instant(o.until);
    if (!until) return fail(make_error(ErrorCode::invalid_data, "--until: " + until.error().message));
    options.until = *until;
  }
  auto opened = open_cases("fengqiao timeline", o.history, o.db);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  const Storage& storage = *std::get<std::shared_ptr<Storage>>(opened);
  // Every configuration the store kept: a clock is drawn with the calendar and rules that
  // were in force when it ran.
  auto record = read_case(storage, o.case_id);
  if (!record) return fail(record.error());
  const std::string svg = timeline_svg(build_timeline(record->snapshot, record->events, record->configuration, options));
  if (o.out.empty()) {
    std::cout << svg;
    return kClean;
  }
  // Like `export --out`: an existing picture is replaced only by a whole new one.
  auto created = TemporaryFile::beside(o.out);
  if (!created) return fail(created.error());
  TemporaryFile temporary = std::move(created).value();
  temporary.stream() << svg;
  if (Status done = temporary.replace(o.out); !done) return fail(done.error());
  return kClean;
}

}  // namespace

Command add_timeline(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "timeline", "One case as an SVG picture: its states along a time axis, each clock against its deadline, "
                  "pauses shaded, every event a mark.");
  sub->add_option("CASE", o->case_id, "The case id")->required();
  add_db_option(*sub, o->db, "Read the case from this SQLite store");
  sub->add_option("--history", o->history, "… or from this history, replayed (- reads standard input)")
      ->type_name("FILE");
  sub->add_option("--out", o->out, "Write the SVG here (replaced only once it is whole); default stdout")
      ->type_name("FILE");
  sub->add_option("--until", o->until, "Draw the case's open state up to this instant (default: its last event)")
      ->type_name("INSTANT");
  sub->footer(kExitCodes);
  return {sub, [o] { return run_timeline(*o); }};
}

}  // namespace fengqiao::cli
