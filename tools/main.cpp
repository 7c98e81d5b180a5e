// fengqiao — the command-line tool for case histories and stores. `fengqiao --help` lists
// the commands, `fengqiao COMMAND --help` explains one. The command line is CLI11's:
// `--opt value` and `--opt=value` both, `--help` anywhere, `-` for standard input.
#include <iostream>
#include <regex>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <fengqiao/version.hpp>

#include "commands.hpp"

namespace {

using namespace fengqiao::cli;

// The name of the subcommand the arguments ask for: what an error message is about.
std::string command_of(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands()) return "fengqiao " + sub->get_name();
  return "fengqiao";
}

// CLI11 says "--db: 1 required FILE missing" for an option given without its value.
std::string clearer(const std::string& message) {
  static const std::regex missing_value("^(-[^:]+): 1 required (\\S+) missing$");
  std::smatch m;
  if (std::regex_match(message, m, missing_value)) return m[1].str() + " needs a value: " + m[1].str() + " " + m[2].str();
  return message;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fengqiao " + std::string(fengqiao::version()) +
                   " — replay, export, import, report on, draw and check the case histories and stores of a county "
                   "comprehensive governance center (综治中心).",
               "fengqiao"};
  app.set_version_flag("--version", "fengqiao " + std::string(fengqiao::version()));
  app.require_subcommand(1);
  app.footer(kExitCodes);
  std::vector<Command> commands;
  for (auto add : {add_replay, add_export, add_import, add_report, add_show, add_timeline, add_diagram, add_verify})
    commands.push_back(add(app));
  // `fengqiao help` as well as `fengqiao --help` (before parsing: CLI11's help() of a parsed
  // app shows the parsed subcommand's).
  if (argc == 2 && std::string(argv[1]) == "help") {
    std::cout << app.help();
    return kClean;
  }

  // An unknown command is named as such (CLI11 would say "arguments were not expected").
  if (argc > 1 && argv[1][0] != '-') {
    std::string known;
    for (const CLI::App* sub : app.get_subcommands({})) known += " " + sub->get_name();
    if ((known + " ").find(" " + std::string(argv[1]) + " ") == std::string::npos) {
      std::cerr << "fengqiao: unknown command " << argv[1] << " (commands:" << known
                << ")\nRun 'fengqiao --help' for usage.\n";
      return kUnusable;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Every other parse error is unusable input (2), whatever CLI11's own code for it.
    const std::string command = command_of(app);
    std::cerr << command << ": " << clearer(e.what()) << "\nRun '" << command << " --help' for usage.\n";
    return kUnusable;
  }
  for (const Command& command : commands) {
    if (!command.app->parsed()) continue;
    try {
      return command.run();
    } catch (const std::exception& e) {
      std::cerr << "fengqiao " << command.app->get_name() << ": " << e.what() << '\n';
      return kUnusable;
    }
  }
  return kUnusable;  // require_subcommand(1) makes this unreachable
}
