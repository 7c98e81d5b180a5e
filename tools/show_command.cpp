// `fengqiao show CASE`: one case as a person at the center reads it — the snapshot, its
// events and notes, and for each deadline of its clocks (the current ones, then those of
// the stages it has left) the rule and the working days behind it (a deadline on a business calendar is otherwise hard to check by hand).
#include <iostream>
#include <memory>
#include <variant>

#include <CLI/CLI.hpp>

#include <fengqiao/deadline_explanation.hpp>
#include <fengqiao/storage.hpp>
#include <fengqiao/timeline.hpp>

#include "commands.hpp"
#include "store_options.hpp"
#include "table.hpp"

namespace fengqiao::cli {
namespace {

struct Options {
  std::string case_id, history, db;
  bool json = false;
};

std::string joined(const std::vector<std::string>& items, const char* separator) {
  std::string s;
  for (const std::string& item : items) s += (s.empty() ? "" : separator) + item;
  return s;
}

std::string actor_of(const Event& e) {
  if (!e.actor) return "(engine)";
  return e.actor->id + " (" + std::string(to_string(e.actor->role)) + ", " + e.actor->org + ")";
}

// "dispatch", "deadline_warning handling", "escalated handling 2".
std::string what_of(const Event& e) {
  if (e.type == EventType::action) return std::string(to_string(*e.action));
  std::string s = std::string(to_string(e.type)) + " " + std::string(to_string(*e.stage));
  if (e.type == EventType::escalated) s += " " + std::to_string(e.level);
  return s;
}

void print_case(const Case& c, UtcOffset offset) {
  const auto when = [&](Instant t) { return format_instant(t, offset); };
  std::cout << "Case " << c.id << " — " << to_string(c.state) << ", " << to_string(c.supervision) << ", level "
            << c.level << '\n';
  Table facts({"", ""});
  facts.add({"registered", when(c.registered_at) + " by " + c.first_responder + " via " +
                               std::string(to_string(c.channel)) + " (" + c.category + ", " +
                               std::string(to_string(c.urgency)) + ")"});
  facts.add({"jurisdiction", joined(c.jurisdiction, " / ")});
  std::vector<std::string> parties;
  for (const Party& p : c.parties) parties.push_back(p.name);
  facts.add({"parties", joined(parties, "; ")});
  facts.add({"summary", c.summary});
  if (c.route) facts.add({"route", std::string(to_string(*c.route))});
  facts.add({"lead", c.lead.value_or("—") + (c.co_handlers.empty() ? "" : "; co " + joined(c.co_handlers, ", "))});
  facts.add({"assignee", c.assignee.value_or("—")});
  if (c.outcome)
    facts.add({"outcome", std::string(to_string(*c.outcome)) +
                              (c.resolution_method.empty() ? "" : " (" + c.resolution_method + ")")});
  if (c.satisfaction) facts.add({"satisfaction", std::string(to_string(*c.satisfaction))});
  if (c.reopened) facts.add({"reopened", std::to_string(c.reopened)});
  facts.add({"deadline", c.deadline() ? when(*c.deadline()) : "—"});
  // The header row of a two-column list is noise: drop it.
  const std::string text = facts.render();
  std::cout << text.substr(text.find('\n') + 1);
}

int run_show(const Options& o) {
  auto opened = open_cases("fengqiao show", o.history, o.db);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  const Storage& storage = *std::get<std::shared_ptr<Storage>>(opened);
  auto record = read_case(storage, o.case_id);
  if (!record) {
    std::cerr << "fengqiao show: " << record.error().describe() << '\n';
    return kUnusable;
  }
  const Case* c = &record->snapshot;
  const std::vector<Event>& events = record->events;
  // The calendar in force (the last configuration): a calendar update recomputes every open
  // clock, so the current clocks' instants are this calendar's.
  const BusinessCalendar calendar =
      record->configuration.empty() ? BusinessCalendar() : record->configuration.back().calendar;
  const UtcOffset offset = calendar.utc_offset();
  std::vector<DeadlineExplanation> deadlines;
  for (const auto* clock : {&c->clock, &c->held_clock})
    if (*clock) deadlines.push_back(explain_deadlines(**clock, calendar));
  // The clocks of the stages the case has left: the snapshot keeps only the current ones,
  // so they are rebuilt from the events under the configuration each ran with (the
  // timeline's reconstruction; its caveat says when the events do not fit it).
  const Timeline timeline = build_timeline(*c, events, record->configuration);
  std::vector<const TimelineClock*> ended;
  for (const TimelineClock& clock : timeline.clocks)
    if (!clock.open) ended.push_back(&clock);

  if (o.json) {
    nlohmann::json j = {{"case", *c}, {"events", events}};
    nlohmann::json notes = nlohmann::json::array();
    for (const Event& e : events)
      if (e.action == Action::note) notes.push_back(e);
    j["notes"] = std::move(notes);
    j["deadlines"] = nlohmann::json::array();
    for (const DeadlineExplanation& x : deadlines) j["deadlines"].push_back(to_json(x, offset));
    j["earlier_deadlines"] = nlohmann::json::array();
    for (const TimelineClock* clock : ended) {
      nlohmann::json x = to_json(clock->explanation, offset);
      x["ended_at"] = format_instant(clock->ended_at, offset);
      j["earlier_deadlines"].push_back(std::move(x));
    }
    j["earlier_deadlines_caveat"] = timeline.caveat.empty() ? nlohmann::json() : nlohmann::json(timeline.caveat);
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return kClean;
  }

  print_case(*c, offset);
  std::cout << "\nEvents\n";
  Table table({"seq", "at", "event", "by", "state after", "supervision after"});
  for (const Event& e : events)
    table.add({std::to_string(e.seq), format_instant(e.at, offset), what_of(e), actor_of(e),
               std::string(to_string(e.state_after)),
               e.supervision_after ? std::string(to_string(*e.supervision_after)) : ""});
  std::cout << table.render();

  std::cout << "\nNotes\n";
  bool any = false;
  for (const Event& e : events) {
    if (e.action != Action::note) continue;
    any = true;
    std::cout << "  " << format_instant(e.at, offset) << "  " << actor_of(e) << ": "
              << e.data.value("text", std::string()) << '\n';
    for (const auto& a : e.data.value("attachments", nlohmann::json::array()))
      std::cout << "      attachment " << a.value("ref", std::string())
                << (a.contains("kind") ? " (" + a.value("kind", std::string()) + ")" : "") << '\n';
  }
  if (!any) std::cout << "  (none)\n";

  // A description's later lines indented under its first.
  const auto print = [&](const DeadlineExplanation& x) {
    std::string text = x.describe(offset);
    for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 1)) text.insert(at + 1, "  ");
    std::cout << "  " << text << '\n';
  };
  std::cout << "\nDeadlines\n";
  if (deadlines.empty()) std::cout << "  (no clock runs: " << to_string(c->state) << ")\n";
  for (const DeadlineExplanation& x : deadlines) print(x);
  if (!ended.empty()) {
    std::cout << "\nEarlier deadlines (the clocks of stages the case has left)\n";
    if (!timeline.caveat.empty()) std::cout << "  note: " << timeline.caveat << '\n';
    for (const TimelineClock* clock : ended) {
      std::cout << "  ended " << format_instant(clock->ended_at, offset) << ":\n";
      print(clock->explanation);
    }
  }
  return kClean;
}

}  // namespace

Command add_show(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "show", "One case: its snapshot, events and notes, and for each deadline the rule and working days behind it.");
  sub->add_option("CASE", o->case_id, "The case id")->required();
  add_db_option(*sub, o->db, "Read the case from this SQLite store");
  sub->add_option("--history", o->history, "… or from this history, replayed (- reads standard input)")
      ->type_name("FILE");
  sub->add_flag("--json", o->json, "As JSON: case, events, notes, deadlines");
  sub->footer(kExitCodes);
  return {sub, [o] { return run_show(*o); }};
}

}  // namespace fengqiao::cli
