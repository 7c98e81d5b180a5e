// `fengqiao verify`: checks the hash chains (docs/CHAIN.md) of a SQLite store or of
// exported histories, and names the first event that does not match.
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include <fengqiao/chain.hpp>
#include <fengqiao/replay.hpp>

#include "commands.hpp"
#include "histories.hpp"
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

}  // namespace

Command add_verify(CLI::App& app) {
  struct Options {
    std::string db;
    std::vector<std::string> case_ids, files;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "verify", "Check the hash chains of a SQLite store (every case, or those named) or of exported histories.");
  add_db_option(*sub, o->db, "The SQLite store to check");
  sub->add_option("--case", o->case_ids, "Only this case of the store (repeatable)")->type_name("ID");
  sub->add_option("HISTORY", o->files,
                  "Exported histories, replayed with every event line's hash required; - reads standard input");
  sub->add_flag("--json", o->json, "One JSON document on stdout");
  sub->footer(std::string("Exit 1 names the first event that does not match: its case, its seq, what differs.\n") +
              kExitCodes);
  return {sub, [o] {
            if (o->db.empty() == o->files.empty() || (!o->case_ids.empty() && o->db.empty())) {
              std::cerr << "fengqiao verify: give either --db FILE [--case ID]... or history files\n"
                           "Run 'fengqiao verify --help' for usage.\n";
              return kUnusable;
            }
            if (!o->db.empty()) return verify_store(o->db, o->case_ids, o->json);
            return check_histories("fengqiao verify", o->files, o->json, ReplayOptions{},
                                   [](std::istream& in, const ReplayOptions& opts) { return history::verify(in, opts); });
          }};
}

}  // namespace fengqiao::cli
