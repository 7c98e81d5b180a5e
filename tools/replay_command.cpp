// `fengqiao replay`: histories on a fresh engine, as a test tool — every failure with
// --keep-going, structured --json, and for a deadline the reason the engine's instant is
// where it is (the rule, the working days counted, the holidays and make-up days).
#include <memory>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "histories.hpp"

namespace fengqiao::cli {

Command add_replay(CLI::App& app) {
  struct Options {
    std::vector<std::string> files;
    bool json = false;
    bool keep_going = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("replay", "Replay histories on a fresh engine and check every line.");
  sub->add_option("FILE", o->files, "History files (JSON Lines); - reads standard input")->required();
  sub->add_flag("--json", o->json,
                "One JSON document on stdout: each file's counts and failures, expected/actual as fields");
  sub->add_flag("-k,--keep-going", o->keep_going,
                "Report every failure of each file, not only the first (a malformed line still ends that file)");
  sub->footer(std::string("A deadline divergence shows the case's clock: its rule, the working days it counted,\n"
                          "the holidays and make-up days in between, and a hint when the calendar is the likely cause.\n") +
              kExitCodes);
  return {sub, [o] {
            ReplayOptions options;
            options.keep_going = o->keep_going;
            return check_histories("fengqiao replay", o->files, o->json, options,
                                   [](std::istream& in, const ReplayOptions& opts) { return replay(in, opts); });
          }};
}

}  // namespace fengqiao::cli
