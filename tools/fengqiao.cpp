// fengqiao — command-line tool for case histories.
//
//   fengqiao replay [--json] FILE...     exit 0 all clean, 1 a divergence or failed
//                                        expectation, 2 unusable input
//   fengqiao export ...                  see `fengqiao help`
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <fengqiao/replay.hpp>

namespace {

constexpr int kClean = 0, kFailed = 1, kUnusable = 2;

int usage(std::ostream& out, int code) {
  out << "usage:\n"
         "  fengqiao replay [--json] FILE...   replay histories; exit 0 clean, 1 divergence or failed\n"
         "                                     expectation, 2 unusable input (bad file or history)\n"
         "  fengqiao help\n";
  return code;
}

int replay(const std::vector<std::string>& args) {
  bool json = false;
  std::vector<std::string> files;
  for (const std::string& a : args) {
    if (a == "--json") json = true;
    else if (a.size() > 1 && a[0] == '-') {
      std::cerr << "fengqiao replay: unknown option " << a << '\n';
      return usage(std::cerr, kUnusable);
    } else files.push_back(a);
  }
  if (files.empty()) return usage(std::cerr, kUnusable);
  int worst = kClean;
  nlohmann::json reports = nlohmann::json::array();
  for (const std::string& path : files) {
    std::ifstream in(path);
    fengqiao::ReplayResult result;
    if (!in) {
      result.source = path;
      result.failure = fengqiao::ReplayFailure{fengqiao::ReplayFailure::Kind::invalid_history, 0, "", "", "",
                                               "cannot open " + path};
    } else {
      fengqiao::ReplayOptions options;
      options.source = path;
      result = fengqiao::replay(in, options);
    }
    int code = result.clean() ? kClean
               : result.failure->kind == fengqiao::ReplayFailure::Kind::invalid_history ? kUnusable
                                                                                          : kFailed;
    worst = std::max(worst, code);
    if (json) reports.push_back(result.to_json());
    else (result.clean() ? std::cout : std::cerr) << result.describe() << '\n';
  }
  if (json) std::cout << nlohmann::json{{"clean", worst == kClean}, {"exit_code", worst}, {"results", reports}}.dump(2) << '\n';
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage(std::cerr, kUnusable);
  const std::string command = args.front();
  args.erase(args.begin());
  if (command == "replay") return replay(args);
  if (command == "help" || command == "--help" || command == "-h") return usage(std::cout, kClean);
  std::cerr << "fengqiao: unknown command " << command << '\n';
  return usage(std::cerr, kUnusable);
}
