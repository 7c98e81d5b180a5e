#include <iostream>

#include <fengqiao/report.hpp>

#include "commands.hpp"
#include "store_options.hpp"

namespace fengqiao::cli {

int report(const Args& args) {
  std::string db;
  bool json = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--db" && i + 1 < args.size()) db = args[++i];
    else if (args[i] == "--json") json = true;
    else {
      std::cerr << "fengqiao report: unexpected argument " << args[i] << '\n';
      return usage(std::cerr, kUnusable);
    }
  }
  if (db.empty()) return usage(std::cerr, kUnusable);
  auto store = open_store(db);
  if (!store) {
    std::cerr << "fengqiao report: " << store.error().describe() << '\n';
    return kUnusable;
  }
  auto r = compute_report(**store);
  if (!r) {
    std::cerr << "fengqiao report: " << r.error().describe() << '\n';
    return kFailed;
  }
  std::cout << (json ? r->to_json().dump(2) : r->to_text()) << '\n';
  return kClean;
}

}  // namespace fengqiao::cli
