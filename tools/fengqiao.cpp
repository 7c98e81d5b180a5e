// fengqiao — command-line tool for case histories.
//
//   fengqiao replay [--json] FILE...     exit 0 all clean, 1 a divergence or failed
//                                        expectation, 2 unusable input
//   fengqiao export ...                  see `fengqiao help`
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <fengqiao/history.hpp>
#include <fengqiao/memory_storage.hpp>
#include <fengqiao/replay.hpp>

namespace {

constexpr int kClean = 0, kFailed = 1, kUnusable = 2;

int usage(std::ostream& out, int code) {
  out << "usage:\n"
         "  fengqiao replay [--json] FILE...   replay histories; exit 0 clean, 1 divergence or failed\n"
         "                                     expectation, 2 unusable input (bad file or history)\n"
         "  fengqiao export --history FILE [--case ID]... [--out FILE]\n"
         "                                     replay FILE, then export the cases (all by default) with\n"
         "                                     every engine event; exit 0, 1 if FILE does not replay\n"
         "                                     clean, 2 unusable input\n"
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

// Export from a history: replays it into a fresh store and writes that store back out,
// which normalises a hand-written history and fills in every engine event.
int export_cases(const std::vector<std::string>& args) {
  std::string history, out_path;
  std::vector<std::string> cases;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "--history" && has_value) history = args[++i];
    else if (a == "--case" && has_value) cases.push_back(args[++i]);
    else if (a == "--out" && has_value) out_path = args[++i];
    else {
      std::cerr << "fengqiao export: unexpected argument " << a << '\n';
      return usage(std::cerr, kUnusable);
    }
  }
  if (history.empty()) return usage(std::cerr, kUnusable);
  std::ifstream header_in(history);
  if (!header_in) {
    std::cerr << "fengqiao export: cannot open " << history << '\n';
    return kUnusable;
  }
  auto header = fengqiao::history::Reader(header_in).header();
  if (!header) {
    std::cerr << "fengqiao export: " << header.error().describe() << '\n';
    return kUnusable;
  }
  auto storage = std::make_shared<fengqiao::MemoryStorage>();
  std::ifstream in(history);
  fengqiao::ReplayOptions options;
  options.storage = storage;
  options.source = history;
  auto result = fengqiao::replay(in, options);
  if (!result.clean()) {
    std::cerr << result.describe() << '\n';
    return result.failure->kind == fengqiao::ReplayFailure::Kind::invalid_history ? kUnusable : kFailed;
  }
  std::ofstream file;
  if (!out_path.empty()) {
    file.open(out_path);
    if (!file) {
      std::cerr << "fengqiao export: cannot write " << out_path << '\n';
      return kUnusable;
    }
  }
  fengqiao::Status s = fengqiao::history::export_cases(*storage, *header, cases, out_path.empty() ? std::cout : file);
  if (!s) {
    std::cerr << "fengqiao export: " << s.error().describe() << '\n';
    return s.error().code == fengqiao::ErrorCode::unknown_case ? kUnusable : kFailed;
  }
  return kClean;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage(std::cerr, kUnusable);
  const std::string command = args.front();
  args.erase(args.begin());
  if (command == "replay") return replay(args);
  if (command == "export") return export_cases(args);
  if (command == "help" || command == "--help" || command == "-h") return usage(std::cout, kClean);
  std::cerr << "fengqiao: unknown command " << command << '\n';
  return usage(std::cerr, kUnusable);
}
