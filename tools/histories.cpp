#include "histories.hpp"

#include <algorithm>
#include <iostream>

#include "commands.hpp"
#include "input.hpp"
#include "store_options.hpp"

namespace fengqiao::cli {

int check_histories(const std::string& command, const std::vector<std::string>& files, bool json,
                    ReplayOptions options, const ReplayFunction& run) {
  int worst = kClean;
  nlohmann::json reports = nlohmann::json::array();
  for (const std::string& path : files) {
    auto input = Input::open(path);
    if (!input) {
      worst = std::max(worst, kUnusable);
      if (json)
        reports.push_back({{"source", path},
                           {"clean", false},
                           {"error", input.error().message},
                           {"failure", nullptr},
                           {"failures", nlohmann::json::array()}});
      else
        std::cerr << command << ": " << input.error().message << '\n';
      continue;
    }
    Progress progress(input->name());
    options.source = input->name();
    options.on_progress = [&](std::size_t lines) { progress.lines(lines); };
    const ReplayResult result = run(input->stream(), options);
    worst = std::max(worst, exit_code_of(result));
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
