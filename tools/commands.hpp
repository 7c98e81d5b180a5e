// The subcommands of the `fengqiao` tool. Each file adds one to the CLI11 application and
// returns what runs it; the runner returns the process exit code (README "The command-line
// tool", and `fengqiao --help`).
#pragma once

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace fengqiao::cli {

// 0: success, clean replay, intact chains. 1: the history and the engine disagree (a
// divergence, a failed expectation, an unexpected or missing refusal) or a chain is broken.
// 2: unusable input or a refusal that changed nothing: a command line that does not parse,
// a file that cannot be read, a malformed history, a store that cannot be opened or that
// already holds what an import would add.
constexpr int kClean = 0, kFailed = 1, kUnusable = 2;

// The exit codes as `--help` shows them.
inline constexpr const char* kExitCodes =
    "Exit codes: 0 success (clean, intact); 1 the history and the engine disagree, or a hash chain\n"
    "is broken; 2 unusable input or a refusal that changed nothing (bad arguments, a file that\n"
    "cannot be read, a malformed history, a store that cannot be opened or already holds the cases).";

// A subcommand: its CLI11 parser, and what runs it once the command line parsed (its
// options bound to variables the runner owns).
struct Command {
  CLI::App* app;
  std::function<int()> run;
};

Command add_replay(CLI::App& app);
Command add_export(CLI::App& app);
Command add_import(CLI::App& app);
Command add_report(CLI::App& app);
Command add_show(CLI::App& app);
Command add_verify(CLI::App& app);
Command add_diagram(CLI::App& app);
Command add_timeline(CLI::App& app);

}  // namespace fengqiao::cli
