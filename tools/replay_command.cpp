#include <fstream>
#include <iostream>

#include <fengqiao/replay.hpp>

#include "commands.hpp"

namespace fengqiao::cli {

int replay(const Args& args) {
  bool json = false;
  std::vector<std::string> files;
  for (const std::string& a : args) {
    if (a == "--json") {
      json = true;
    } else if (a.size() > 1 && a[0] == '-') {
      std::cerr << "fengqiao replay: unknown option " << a << '\n';
      return usage(std::cerr, kUnusable);
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) return usage(std::cerr, kUnusable);
  int worst = kClean;
  nlohmann::json reports = nlohmann::json::array();
  for (const std::string& path : files) {
    ReplayResult result;
    std::ifstream in(path);
    if (!in) {
      result.source = path;
      result.failure = ReplayFailure{ReplayFailure::Kind::invalid_history, 0, "", "", "", "cannot open " + path};
    } else {
      ReplayOptions options;
      options.source = path;
      result = fengqiao::replay(in, options);
    }
    const int code = result.clean()                                                     ? kClean
                     : result.failure->kind == ReplayFailure::Kind::invalid_history ? kUnusable
                                                                                    : kFailed;
    worst = std::max(worst, code);
    if (json) reports.push_back(result.to_json());
    else (result.clean() ? std::cout : std::cerr) << result.describe() << '\n';
  }
  // The reader refuses invalid UTF-8 in a file, but a file's name (and so a message that
  // quotes it) may still hold any bytes: those are written as U+FFFD rather than making
  // dump() throw and lose every file's result.
  if (json)
    std::cout << nlohmann::json{{"clean", worst == kClean}, {"exit_code", worst}, {"results", reports}}.dump(
                     2, ' ', false, nlohmann::json::error_handler_t::replace)
              << '\n';
  return worst;
}

}  // namespace fengqiao::cli
