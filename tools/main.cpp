// fengqiao — the command-line tool for case histories and stores. `fengqiao help` lists
// the commands.
#include <iostream>

#include <fengqiao/version.hpp>

#include "commands.hpp"

namespace fengqiao::cli {

int usage(std::ostream& out, int code) {
  out << "usage:\n"
         "  fengqiao replay [--json] FILE...\n"
         "      Replay histories on a fresh engine. Exit 0 all clean, 1 a divergence or failed\n"
         "      expectation, 2 unusable input (unreadable file, malformed history).\n"
         "  fengqiao export (--history FILE | --db FILE) [--with-personal-data] [--case ID]... [--out FILE]\n"
         "      Write cases (all by default) with every engine event as a history. --history\n"
         "      replays FILE first; --db reads a SQLite store, with the calendar and rules it\n"
         "      keeps. Parties' id_number and phone are masked unless --with-personal-data.\n"
         "  fengqiao report --db FILE [--json]\n"
         "      The center's statistics from a SQLite store.\n"
         "  fengqiao diagram [--format mermaid|dot]\n"
         "      The lifecycle drawn from the action table (default: mermaid).\n"
         "  fengqiao help | --version\n";
  return code;
}

}  // namespace fengqiao::cli

int main(int argc, char** argv) {
  using namespace fengqiao::cli;
  Args args(argv + 1, argv + argc);
  if (args.empty()) return usage(std::cerr, kUnusable);
  const std::string command = args.front();
  args.erase(args.begin());
  try {
    if (command == "replay") return replay(args);
    if (command == "export") return export_cases(args);
    if (command == "report") return report(args);
    if (command == "diagram") return diagram(args);
    if (command == "help" || command == "--help" || command == "-h") return usage(std::cout, kClean);
    if (command == "--version" || command == "version") {
      std::cout << "fengqiao " << fengqiao::version() << '\n';
      return kClean;
    }
  } catch (const std::exception& e) {
    std::cerr << "fengqiao " << command << ": " << e.what() << '\n';
    return kUnusable;
  }
  std::cerr << "fengqiao: unknown command " << command << '\n';
  return usage(std::cerr, kUnusable);
}
