// Running the library's replay (or hash verification) over history files for `replay` and
// `verify`: one result per file, as text or as one JSON document, and the worst exit code.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include <fengqiao/replay.hpp>

namespace fengqiao::cli {

using ReplayFunction = std::function<ReplayResult(std::istream&, const ReplayOptions&)>;

// Each file ("-" = standard input) through `run` with `options` (its source set to the
// file). Text: a clean result on stdout, a failure on stderr; a file that cannot be opened
// is named as such. JSON: {"clean":..,"exit_code":..,"results":[..]} on stdout, a file that
// cannot be opened as {"source":..,"clean":false,"error":"cannot open ..","failure":null,
// "failures":[]}. Returns the worst exit code (exit_code_of, 2 for an unreadable file).
int check_histories(const std::string& command, const std::vector<std::string>& files, bool json,
                    ReplayOptions options, const ReplayFunction& run);

}  // namespace fengqiao::cli
