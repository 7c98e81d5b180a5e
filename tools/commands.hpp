// The subcommands of the `fengqiao` tool. Each returns the process exit code:
// 0 success / clean, 1 a divergence or failed expectation, 2 unusable input.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace fengqiao::cli {

constexpr int kClean = 0, kFailed = 1, kUnusable = 2;

using Args = std::vector<std::string>;

int replay(const Args& args);
int export_cases(const Args& args);
int report(const Args& args);
int diagram(const Args& args);
int usage(std::ostream& out, int code);

}  // namespace fengqiao::cli
