// `fengqiao report`: the center's statistics from a SQLite store, for a period and a
// department, jurisdiction, channel or category; as text tables, JSON or CSV.
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include <fengqiao/report.hpp>

#include "commands.hpp"
#include "store_options.hpp"

namespace fengqiao::cli {
namespace {

struct Options {
  std::string db, from, to, month, department, jurisdiction, channel, category;
  bool json = false, csv = false;
};

// "2025-09-01" is 00:00 of that day in the store's offset; an instant is taken as written.
Result<Instant> instant_of(const std::string& text, UtcOffset offset) {
  if (text.size() == 10) {
    auto d = parse_date(text);
    if (!d) return d.error();
    BusinessCalendar days;
    days.set_utc_offset(offset);
    return days.start_of(BusinessCalendar::to_day_number(*d));
  }
  return parse_instant(text);
}

// The report's filters from the command line; invalid_data naming the option otherwise.
Result<ReportOptions> filters_of(const Options& o, UtcOffset offset) {
  ReportOptions r;
  r.offset = offset;
  std::string from = o.from, to = o.to;
  if (!o.month.empty()) {
    // A month: [YYYY-MM-01, the first of the next month).
    auto first = parse_date(o.month + "-01");
    if (o.month.size() != 7 || !first) return make_error(ErrorCode::invalid_data, "--month " + o.month + ": not YYYY-MM");
    Date next{first->month == 12 ? first->year + 1 : first->year, first->month == 12 ? 1 : first->month + 1, 1};
    from = format_date(*first);
    to = format_date(next);
  }
  if (!from.empty()) {
    auto t = instant_of(from, offset);
    if (!t) return make_error(ErrorCode::invalid_data, "--from " + from + ": " + t.error().message);
    r.from = *t;
  }
  if (!to.empty()) {
    auto t = instant_of(to, offset);
    if (!t) return make_error(ErrorCode::invalid_data, "--to " + to + ": " + t.error().message);
    r.to = *t;
  }
  if (!o.department.empty()) r.department = o.department;
  if (!o.category.empty()) r.category = o.category;
  if (!o.channel.empty()) {
    r.channel = parse<Channel>(o.channel);
    if (!r.channel) return make_error(ErrorCode::invalid_data, "--channel " + o.channel + ": not a channel");
  }
  // "daxinganling/mohe": the path's first elements.
  for (std::size_t start = 0; start < o.jurisdiction.size();) {
    const std::size_t slash = std::min(o.jurisdiction.find('/', start), o.jurisdiction.size());
    if (slash > start) r.jurisdiction.push_back(o.jurisdiction.substr(start, slash - start));
    start = slash + 1;
  }
  return r;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// One row per tally: the total, then each breakdown's rows ("by_department", name, ...).
// The columns are the JSON's tally fields, so the two formats cannot drift apart.
void write_csv(std::ostream& out, const Report& r) {
  const nlohmann::json j = r.to_json();
  const nlohmann::json& total = j["total"];
  out << "dimension,name";
  for (const auto& [field, value] : total.items()) out << ',' << field;
  out << '\n';
  auto row = [&](const std::string& dimension, const std::string& name, const nlohmann::json& tally) {
    out << csv_field(dimension) << ',' << csv_field(name);
    for (const auto& [field, value] : total.items()) out << ',' << tally.at(field).dump();
    out << '\n';
  };
  row("total", "", total);
  for (const auto& [key, value] : j.items())
    if (key.rfind("by_", 0) == 0)
      for (const auto& [name, tally] : value.items()) row(key, name, tally);
}

int run_report(const Options& o) {
  if (o.json && o.csv) {
    std::cerr << "fengqiao report: give at most one of --json and --csv\n";
    return kUnusable;
  }
  auto store = open_store(o.db);
  if (!store) {
    std::cerr << "fengqiao report: " << store.error().describe() << '\n';
    return kUnusable;
  }
  auto config = (*store)->configuration();
  const UtcOffset offset = config && *config ? (*config)->calendar.utc_offset() : UtcOffset();
  auto filters = filters_of(o, offset);
  if (!filters) {
    std::cerr << "fengqiao report: " << filters.error().message << '\n';
    return kUnusable;
  }
  auto r = compute_report(**store, *filters);
  if (!r) {
    std::cerr << "fengqiao report: " << r.error().describe() << '\n';
    return kUnusable;
  }
  if (o.json) std::cout << r->to_json().dump(2) << '\n';
  else if (o.csv) write_csv(std::cout, *r);
  else std::cout << r->to_text() << '\n';
  return kClean;
}

}  // namespace

Command add_report(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("report", "The center's statistics from a SQLite store.");
  add_db_option(*sub, o->db, "The SQLite store")->required();
  sub->add_option("--from", o->from, "Cases registered (visits recorded) at or after: a date (00:00 in the store's "
                                     "offset) or an instant")
      ->type_name("DATE");
  sub->add_option("--to", o->to, "… and before this date or instant")->type_name("DATE");
  sub->add_option("--month", o->month, "The period of one month (instead of --from and --to)")
      ->type_name("YYYY-MM")
      ->excludes(sub->get_option("--from"))
      ->excludes(sub->get_option("--to"));
  sub->add_option("--department", o->department, "Only cases led by this org; (none) = never dispatched")
      ->type_name("ORG");
  sub->add_option("--jurisdiction", o->jurisdiction, "Only cases under this path, region first (daxinganling/mohe)")
      ->type_name("PATH");
  sub->add_option("--channel", o->channel, "Only cases (and visits) of this channel")->type_name("CHANNEL");
  sub->add_option("--category", o->category, "Only cases of this category")->type_name("CATEGORY");
  sub->add_flag("--json", o->json, "The report as JSON");
  sub->add_flag("--csv", o->csv, "One CSV row per figure set: the total, then each breakdown's rows");
  sub->footer(std::string("With a department, jurisdiction or category, visits count only when linked to a case kept.\n") +
              kExitCodes);
  return {sub, [o] { return run_report(*o); }};
}

}  // namespace fengqiao::cli
