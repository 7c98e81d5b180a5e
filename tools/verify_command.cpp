// `fengqiao verify`: checks the hash chains (docs/CHAIN.md) of a SQLite store or of
// exported histories, and names the first event that does not match.
#include <fstream>
#include <iostream>

#include <fengqiao/chain.hpp>
#include <fengqiao/replay.hpp>

#include "commands.hpp"
#include "store_options.hpp"

namespace fengqiao::cli {
namespace {

// Exit 0 intact, 1 a break (printed with its case and event), 2 the store is unusable.
int verify_store(const std::string& db, const std::vector<std::string>& case_ids, bool json) {
  auto store = open_store(db);
  if (!store) {
    std::cerr << "fengqiao verify: " << store.error().describe() << '\n';
    return kUnusable;
  }
  chain::Report total;
  for (std::size_t i = 0; i == 0 || i < case_ids.size(); ++i) {
    auto r = case_ids.empty() ? chain::verify_store(**store) : chain::verify_case(**store, case_ids[i]);
    if (!r) {
      std::cerr << "fengqiao verify: " << r.error().describe() << '\n';
      return kUnusable;
    }
    total.cases += r->cases;
    total.events += r->events;
    if (!r->intact()) {
      total.broken = r->broken;
      break;
    }
    if (case_ids.empty()) break;
  }
  if (json) {
    nlohmann::json out = {{"source", db}, {"intact", total.intact()}, {"cases", total.cases}, {"events", total.events}};
    out["broken"] = total.broken ? nlohmann::json{{"case", total.broken->case_id},
                                                  {"seq", total.broken->seq},
                                                  {"what", total.broken->what},
                                                  {"message", total.broken->describe()}}
                                 : nlohmann::json(nullptr);
    std::cout << out.dump(2) << '\n';
  } else if (total.intact()) {
    std::cout << db << ": hash chains intact — " << total.cases << " cases, " << total.events << " events verified\n";
  } else {
    const chain::Break& b = *total.broken;
    std::cerr << db << ": hash chain broken\n"
              << "  case:  " << b.case_id << '\n'
              << "  event: " << (b.seq ? std::to_string(b.seq) : std::string("(the case's chain head)")) << '\n'
              << "  what:  " << b.what << '\n'
              << "  (" << total.events << " events verified before it)\n";
  }
  return total.intact() ? kClean : kFailed;
}

// An exported history: replayed with every event line's hash required (history::verify).
int verify_files(const std::vector<std::string>& files, bool json) {
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
      result = history::verify(in, options);
    }
    const int code = result.clean()                                                 ? kClean
                     : result.failure->kind == ReplayFailure::Kind::invalid_history ? kUnusable
                                                                                    : kFailed;
    worst = std::max(worst, code);
    if (json) reports.push_back(result.to_json());
    else (result.clean() ? std::cout : std::cerr) << result.describe() << '\n';
  }
  if (json)
    std::cout << nlohmann::json{{"clean", worst == kClean}, {"exit_code", worst}, {"results", reports}}.dump(2) << '\n';
  return worst;
}

}  // namespace

int verify(const Args& args) {
  std::string db;
  std::vector<std::string> case_ids, files;
  bool json = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--db" && i + 1 < args.size()) db = args[++i];
    else if (args[i] == "--case" && i + 1 < args.size()) case_ids.push_back(args[++i]);
    else if (args[i] == "--json") json = true;
    else if (args[i].size() > 1 && args[i][0] == '-') {
      std::cerr << "fengqiao verify: unexpected argument " << args[i] << '\n';
      return usage(std::cerr, kUnusable);
    } else {
      files.push_back(args[i]);
    }
  }
  if (db.empty() == files.empty() || (!case_ids.empty() && db.empty())) {
    std::cerr << "fengqiao verify: give either --db FILE [--case ID]... or history files\n";
    return usage(std::cerr, kUnusable);
  }
  return db.empty() ? verify_files(files, json) : verify_store(db, case_ids, json);
}

}  // namespace fengqiao::cli
