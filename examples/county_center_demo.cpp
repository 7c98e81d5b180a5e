// The main demo: four and a half months of a county comprehensive governance center
// (综治中心) in Mohe, on an embedded SQLite file, from before China's 2025 National Day to
// past the 2026 New Year, whose holiday schedule the State Council publishes in December:
// the center loads it into the running clocks that day. Claims arrive through
// every channel; the dispatcher triages them; departments accept, consult, suspend and
// resolve, some of them late, so warnings and the escalation ladder fire; supervisors
// issue orders; the center gives feedback and follows up, and unsatisfied parties reopen
// their cases. Then: one closed case's whole story, the center's report, the outbox of
// notifications, three cases drawn as SVG timelines beside the file, and a restart from the
// file (which keeps the calendar in force).
//
//   county_center_demo [--db FILE] [--per-day N] [--seed S] [--json]
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include <fengqiao/engine.hpp>
#include <fengqiao/outbox.hpp>
#include <fengqiao/report.hpp>
#include <fengqiao/sqlite_storage.hpp>
#include <fengqiao/timeline.hpp>

using namespace fengqiao;

namespace {

const std::vector<std::string> kDepartments = {
    "court_mohe",  "procuratorate_mohe", "police_mohe",  "justice_mohe",         "petitions_mohe",
    "labour_mohe", "forestry_mohe",      "housing_mohe", "natural_resources_mohe", "health_mohe",
    "market_regulation_mohe", "women_federation_mohe"};
const std::vector<std::string> kTownships = {"xilinji", "tuqiang", "xingan", "beiji", "amuer"};
// Category -> the department that usually leads it, and the legal route.
struct CategoryRoute {
  const char* category;
  const char* department;
  const char* route;
};
const std::vector<CategoryRoute> kCategories = {
    {"neighbour", "justice_mohe", "people_mediation"},       {"labour_wage", "labour_mohe", "administrative_mediation"},
    {"land", "natural_resources_mohe", "administrative_mediation"}, {"forestry", "forestry_mohe", "administrative_mediation"},
    {"family", "women_federation_mohe", "people_mediation"}, {"property", "housing_mohe", "industry_mediation"},
    {"medical", "health_mohe", "industry_mediation"},        {"consumer", "market_regulation_mohe", "administrative_mediation"},
    {"debt", "court_mohe", "judicial_mediation"},            {"public_order", "police_mohe", "administrative_mediation"}};

Instant at(const char* iso) { return parse_instant(iso).value(); }

struct Task {
  Instant when;
  std::string case_id;
  bool operator>(const Task& o) const { return when > o.when || (when == o.when && case_id > o.case_id); }
};

class Center {
 public:
  Center(Engine& engine, ManualClock& clock, std::uint64_t seed) : engine_(engine), clock_(clock), rng_(seed) {}

  void run(Instant from, Instant to, int per_day) {
    // Claims arrive between 07:00 and 21:00 (the hotline and online channels keep late hours).
    const Instant first_midnight = from - Seconds((from.time_since_epoch().count() + 8 * 3600) % 86400);
    for (Instant day = first_midnight; day < to; day += Seconds(86400)) {
      const int arrivals = std::poisson_distribution<int>(per_day)(rng_);
      for (int i = 0; i < arrivals; ++i) {
        const Instant when = day + Seconds(60 * between(7 * 60, 21 * 60));
        if (when >= from && when < to) schedule_registration(when);
      }
      // Most people received never become a case (the article: 1,782 visits, 629 disputes):
      // questions at the window and risks reported from the field.
      const int others = std::poisson_distribution<int>(per_day * 1.8)(rng_);
      for (int i = 0; i < others; ++i) {
        const Instant when = day + Seconds(60 * between(8 * 60, 18 * 60));
        if (when >= from && when < to) tasks_.push({when, "visit:" + std::to_string(next_visit_++)});
      }
    }
    while (!tasks_.empty() && tasks_.top().when < to) {
      Task t = tasks_.top();
      tasks_.pop();
      clock_.set(t.when);
      step(t.case_id);
    }
    clock_.set(to);
    engine_.poll();
  }

  std::size_t registered() const { return routes_.size(); }

 private:
  int between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[static_cast<std::size_t>(between(0, int(v.size()) - 1))]; }
  void later(const std::string& id, int min_minutes, int max_minutes) {
    tasks_.push({clock_.now() + Seconds(60 * between(min_minutes, max_minutes)), id});
  }
  // Two named staff per department; a case stays with the one who claimed it (its assignee).
  Actor handler_of(const std::string& org, const std::string& case_id) {
    const std::string who = std::hash<std::string>{}(case_id) % 2 ? "-wu" : "-ma";
    return {"staff-" + org + who, Role::handler, org};
  }

  void schedule_registration(Instant when) {
    char id[32];
    std::snprintf(id, sizeof id, "MH-%s-%04zu", format_instant(when).substr(0, 4).c_str(), next_id_++);
    tasks_.push({when, id});
  }

  void register_case(const std::string& id) {
    static const std::vector<std::pair<const char*, Actor>> intakes = {
        {"walk_in", {"intake-zhang", Role::intake, "center"}}, {"hotline", {"intake-li", Role::intake, "center"}},
        {"online", {"citizen-" + std::to_string(next_id_), Role::citizen, "public"}},
        {"grid", {"grid-wang", Role::grid_worker, "grid_xilinji_3"}},
        {"station", {"intake-zhao", Role::intake, "station_tuqiang"}},
        {"referral", {"disp-chen", Role::dispatcher, "center"}}};
    const auto& [channel, actor] = pick(intakes);
    const CategoryRoute& cat = pick(kCategories);
    const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
    const char* urgency = u < 0.03 ? "emergency" : u < 0.15 ? "urgent" : "normal";
    nlohmann::json path = {"daxinganling", "mohe", pick(kTownships)};
    engine_.register_case(id, actor,
                          {{"channel", channel},
                           {"category", cat.category},
                           {"urgency", urgency},
                           {"jurisdiction", path},
                           {"parties", {{{"name", "申请人 " + id}, {"phone", "139000" + id.substr(8)}}, {{"name", "被申请人"}}}},
                           {"summary", std::string(cat.category) + " dispute"}});
    routes_[id] = cat;
    // Everyone received is a visit (接待登记); this one led to the case.
    engine_.record_visit("V-" + id, actor,
                         {{"channel", channel},
                          {"kind", "claim"},
                          {"parties", {{{"name", "申请人 " + id}, {"phone", "139000" + id.substr(8)}}}},
                          {"summary", std::string(cat.category) + " dispute"},
                          {"case", id}});
    // Triage: emergencies within the hour, the rest within a day (sometimes late).
    if (std::string(urgency) == "emergency") later(id, 5, 40);
    else later(id, 10, 26 * 60);
  }

  // One step of a case's life, chosen from its state; the engine enforces the rules.
  // A visit that does not become a case: an inquiry at the window or a lead from the field.
  void record_visit(const std::string& id) {
    const bool lead = chance(0.4);
    const Actor by = lead ? Actor{"grid-wang", Role::grid_worker, "grid_xilinji_3"}
                          : Actor{"intake-zhang", Role::intake, "center"};
    // A small pool of callers, so that some come back (repeat visits).
    const std::string phone = "13800" + std::to_string(100000 + between(0, 400));
    engine_.record_visit("V-" + id.substr(6), by,
                         {{"channel", lead ? "grid" : "walk_in"},
                          {"kind", lead ? "lead" : "inquiry"},
                          {"parties", {{{"name", "来访群众"}, {"phone", phone}}}},
                          {"summary", lead ? "Tension over a boundary fence reported." : "Asked about legal aid."}});
  }

  void step(const std::string& id) {
    if (id.rfind("visit:", 0) == 0) {
      record_visit(id);
      return;
    }
    if (!routes_.count(id)) {
      register_case(id);
      return;
    }
    const Case c = engine_.get(id);
    const Actor dispatcher{"disp-chen", Role::dispatcher, "center"};
    const Actor supervisor{"sup-liu", Role::supervisor, "political_legal_committee"};
    const CategoryRoute& cat = routes_[id];
    // Supervisors order escalated cases to move (督办), once per level they reach.
    if (c.supervision == Supervision::escalated && c.level < 3 && chance(0.3))
      (void)engine_.try_act(id, Action::supervise, supervisor, {{"order", "Report progress within one working day."}});
    switch (c.state) {
      case State::registered: {
        const double r = std::uniform_real_distribution<double>(0, 1)(rng_);
        if (r < 0.18 && c.reopened == 0) {
          engine_.act(id, Action::resolve_on_spot, {"med-sun", Role::mediator, "people_mediation_committee"},
                      {{"agreement", "Both parties signed on the spot."}});
          later(id, 30, 3 * 24 * 60);
        } else if (r < 0.22) {
          engine_.act(id, Action::decline, dispatcher,
                      {{"reason", "Already before the court."}, {"guidance", "Follow the court's proceedings."}});
          later(id, 30, 2 * 24 * 60);
        } else if (r < 0.24) {
          engine_.act(id, Action::withdraw, dispatcher, {{"reason", "The party withdrew the claim."}});
        } else {
          std::string lead = chance(0.9) ? cat.department : pick(kDepartments);
          nlohmann::json co = chance(0.4) ? nlohmann::json::array({"police_mohe"}) : nlohmann::json::array();
          engine_.act(id, Action::dispatch, dispatcher, {{"route", cat.route}, {"lead", lead}, {"co", co}});
          later(id, 20, 30 * 60);
        }
        break;
      }
      case State::dispatched:
        if (chance(0.08)) {
          engine_.act(id, Action::return_, handler_of(*c.lead, id), {{"reason", "Not within our remit."}});
          later(id, 30, 8 * 60);
        } else {
          // The department names who is accountable (承办人), then signs for the case.
          engine_.act(id, Action::assign, dispatcher, {{"assignee", handler_of(*c.lead, id).id}});
          engine_.act(id, Action::accept, handler_of(*c.lead, id));
          later(id, 2 * 24 * 60, 24 * 24 * 60);  // handling takes days, sometimes too many
        }
        break;
      case State::handling:
        if (chance(0.1) && c.consultation_orgs.empty()) {
          engine_.act(id, Action::start_consultation, handler_of(*c.lead, id), {{"orgs", {"court_mohe", "petitions_mohe"}}});
          later(id, 24 * 60, 6 * 24 * 60);
        } else if (chance(0.15) && c.notes == 0) {
          // Progress and evidence (进展记录): a site visit with photos kept in the document system.
          engine_.act(id, Action::note, handler_of(*c.lead, id),
                      {{"text", "Site visit with both parties."},
                       {"attachments", {{{"ref", "dms://mohe/" + id + "/site-visit.jpg"}, {"kind", "photo"}}}}});
          later(id, 24 * 60, 4 * 24 * 60);
        } else if (chance(0.05)) {
          engine_.act(id, Action::suspend, handler_of(*c.lead, id), {{"reason", "Waiting for a land survey."}});
          later(id, 24 * 60, 5 * 24 * 60);
        } else if (c.supervision != Supervision::on_track && !c.clock->extended && chance(0.3)) {
          engine_.act(id, Action::extend, supervisor, {{"days", 5}, {"reason", "Complex evidence."}});
          later(id, 24 * 60, 6 * 24 * 60);
        } else if (chance(0.9)) {
          engine_.act(id, Action::resolve, handler_of(*c.lead, id), {{"method", cat.route}, {"agreement", "Settled."}});
          later(id, 60, 4 * 24 * 60);
        } else {
          engine_.act(id, Action::refer, handler_of(*c.lead, id), {{"channel", "litigation"}, {"note", "Guided to court."}});
          later(id, 60, 4 * 24 * 60);
        }
        break;
      case State::consulting:
        engine_.act(id, Action::end_consultation, handler_of(*c.lead, id), {{"plan", "Joint plan agreed."}});
        later(id, 24 * 60, 5 * 24 * 60);
        break;
      case State::suspended:
        engine_.act(id, Action::resume, handler_of(*c.lead, id));
        later(id, 24 * 60, 5 * 24 * 60);
        break;
      case State::concluded:
        engine_.act(id, Action::give_feedback, dispatcher, {{"medium", "phone"}, {"content", "Outcome explained."}});
        later(id, 2 * 24 * 60, 12 * 24 * 60);
        break;
      case State::feedback_given: {
        const char* satisfaction = chance(0.06) ? "unsatisfied" : chance(0.2) ? "basic" : "satisfied";
        engine_.act(id, Action::follow_up, dispatcher, {{"satisfaction", satisfaction}, {"note", "Called back."}});
        if (std::string(satisfaction) == "unsatisfied") later(id, 60, 3 * 24 * 60);
        break;
      }
      case State::closed:
      case State::withdrawn: break;
    }
  }

  Engine& engine_;
  ManualClock& clock_;
  std::mt19937_64 rng_;
  std::size_t next_id_ = 1;
  std::size_t next_visit_ = 1;
  std::map<std::string, CategoryRoute> routes_;
  std::priority_queue<Task, std::vector<Task>, std::greater<Task>> tasks_;
};

void print_story(Engine& engine, const std::string& id) {
  const Case c = engine.get(id);
  std::cout << "Case " << id << " (" << c.category << ", " << to_string(c.urgency) << ", via " << to_string(c.channel)
            << ", first responder " << c.first_responder << ")\n";
  for (const Event& e : engine.history(id)) {
    std::cout << "  " << format_instant(e.at) << "  ";
    if (e.type == EventType::action)
      std::cout << to_string(*e.action) << " by " << e.actor->id << " (" << to_string(e.actor->role) << ")";
    else
      std::cout << "[engine] " << to_string(e.type) << " " << to_string(*e.stage)
                << (e.type == EventType::escalated ? " level " + std::to_string(e.level) : "");
    std::cout << " -> " << to_string(e.state_after) << "\n";
  }
}

bool history_has(Engine& engine, const std::string& id, Action action) {
  for (const Event& e : engine.history(id))
    if (e.action == action) return true;
  return false;
}

// Three cases worth a picture: one the escalation ladder reached, one whose clock stood
// still (a consultation, a suspension), and one that went round the loop on time.
std::vector<std::pair<std::string, std::string>> cases_to_draw(Engine& engine) {
  const std::vector<Case> all = engine.find(CaseQuery{});
  std::vector<std::pair<std::string, std::string>> chosen;
  auto taken = [&](const std::string& id) {
    for (const auto& c : chosen)
      if (c.second == id) return true;
    return false;
  };
  auto first = [&](const char* why, auto&& fits) {
    for (const Case& c : all)
      if (!taken(c.id) && fits(c)) {
        chosen.emplace_back(why, c.id);
        return true;
      }
    return false;
  };
  first("escalated", [](const Case& c) { return c.record.escalations > 0 && c.state == State::closed; }) ||
      first("escalated", [](const Case& c) { return c.record.escalations > 0 || c.record.overdues > 0; });
  first("consultation and suspension", [&](const Case& c) {
    return !c.consultation_orgs.empty() && history_has(engine, c.id, Action::suspend);
  }) || first("consultation", [](const Case& c) { return !c.consultation_orgs.empty(); }) ||
      first("suspension", [&](const Case& c) { return history_has(engine, c.id, Action::suspend); });
  first("on time", [](const Case& c) {
    return c.state == State::closed && c.record.warnings == 0 && c.reopened == 0 && c.record.supervision_orders == 0;
  });
  return chosen;
}

}  // namespace

int main(int argc, char** argv) {
  std::string db = "county_center.db";
  int per_day = 8;
  std::uint64_t seed = 2025;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--db" && i + 1 < argc) db = argv[++i];
    else if (a == "--per-day" && i + 1 < argc) per_day = std::stoi(argv[++i]);
    else if (a == "--seed" && i + 1 < argc) seed = std::stoull(argv[++i]);
    else if (a == "--json") json = true;
    else {
      std::cerr << "usage: county_center_demo [--db FILE] [--per-day N] [--seed S] [--json]\n";
      return 2;
    }
  }
  // A fresh file each run (with its WAL companions), so the figures are reproducible.
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);

  const Instant start = at("2025-09-01T08:00:00+08:00"), end = at("2026-01-16T18:00:00+08:00");
  const Instant published = at("2025-12-10T09:00:00+08:00");
  auto clock = std::make_shared<ManualClock>(start);
  // 2025 as the center started the year with it (National Day: 10-01..10-08 off, 09-28 and
  // 10-11 worked), then 2026 as published in December: New Year 01-01..01-03 off and
  // Sunday 01-04 worked; Spring Festival 02-15..02-23 off, 02-14 and 02-28 worked.
  const nlohmann::json year_2025 = {{"weekend", {"sat", "sun"}},
                                    {"holidays", {"2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04",
                                                  "2025-10-05", "2025-10-06", "2025-10-07", "2025-10-08"}},
                                    {"workdays", {"2025-09-28", "2025-10-11"}}};
  nlohmann::json year_2026 = year_2025;
  for (const char* d : {"2026-01-01", "2026-01-02", "2026-01-03", "2026-02-15", "2026-02-16", "2026-02-17",
                        "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23"})
    year_2026["holidays"].push_back(d);
  for (const char* d : {"2026-01-04", "2026-02-14", "2026-02-28"}) year_2026["workdays"].push_back(d);
  const BusinessCalendar calendar = BusinessCalendar::from_json(year_2025).value_or_throw();
  std::size_t registered = 0;
  {
    std::shared_ptr<Storage> storage = SqliteStorage::open(db).value_or_throw();
    EngineOptions o;
    o.storage = storage;
    o.clock = clock;
    o.calendar = calendar;
    // Emergencies, escalations and supervision orders are announced up the jurisdiction
    // path (SMS, message bus) through the outbox: stored with their event, delivered at
    // least once.
    o.outbox = notification_outbox_policy();
    Engine engine(std::move(o));
    Center center(engine, *clock, seed);
    center.run(start, published, per_day);
    // December: next year's holidays and make-up days reach every running clock. A deadline
    // that would have fallen on 2026-01-01 moves past the holiday; what fired stays fired.
    clock->set(published);
    const ConfigurationChange change =
        engine.update_calendar(BusinessCalendar::from_json(year_2026).value_or_throw());
    center.run(published, end, per_day);
    registered = center.registered();

    auto report = compute_report(engine.storage()).value_or_throw();
    if (json) {
      std::cout << report.to_json().dump(2) << '\n';
      return 0;
    }
    std::cout << "Mohe county comprehensive governance center, " << format_instant(start).substr(0, 10) << " to "
              << format_instant(end).substr(0, 10) << ", stored in " << db << "\n";
    std::cout << "Calendar: the 2026 holiday schedule took effect " << format_instant(change.record.at)
              << " (configuration " << change.record.seq << "); " << change.clocks_recomputed
              << " open cases had their pending deadlines recomputed\n\n";
    CaseQuery closed;
    closed.state = State::closed;
    std::string story;
    for (const Case& c : engine.find(closed))  // a normal case with some drama: a warning, a reopening
      if (story.empty() && c.urgency == Urgency::normal && c.record.warnings > 0 && c.reopened > 0) story = c.id;
    for (const Case& c : engine.find(closed))
      if (story.empty() && c.urgency == Urgency::normal && c.record.warnings > 0) story = c.id;
    if (story.empty() && !engine.find(closed).empty()) story = engine.find(closed).front().id;
    if (!story.empty()) print_story(engine, story);

    std::cout << "\n" << report.to_text(8);

    // Deliver the outbox: a real sink would call the SMS gateway and return true once it
    // has the message; the relay acknowledges only then, so a crash in between resends.
    std::map<std::string, std::size_t> by_topic;
    OutboxRelay relay(storage, [&](const OutboxMessage& m) {
      ++by_topic[m.topic];
      return true;
    });
    const auto queued = relay.depth().value_or_throw();
    const auto delivered = relay.drain().value_or_throw();
    std::cout << "\nOutbox: " << queued << " notifications queued, " << delivered.delivered
              << " delivered and acknowledged, " << delivered.depth << " left:";
    for (const auto& [topic, n] : by_topic) std::cout << ' ' << n << ' ' << topic;
    std::cout << '\n';

    // A few cases as pictures beside the file (`fengqiao timeline CASE --db FILE` draws any).
    std::cout << "\nTimelines:\n";
    const std::filesystem::path file(db);
    TimelineOptions drawn;
    drawn.until = end;  // a case still open is drawn up to the end of the run, not its last event
    for (const auto& [why, id] : cases_to_draw(engine)) {
      const std::filesystem::path svg =
          file.parent_path() / (file.stem().string() + "-timeline-" + id + ".svg");
      std::ofstream out(svg);
      out << timeline_svg(build_timeline(engine.get(id), engine.history(id), engine.configuration_history(), drawn));
      if (!out) {
        std::cerr << "cannot write " << svg.string() << '\n';
        return 1;
      }
      std::cout << "  " << svg.string() << " (" << why << ")\n";
    }
  }

  // Restart: a new engine on the same file sees every committed action, and computes with
  // the calendar the file keeps (given the 2025 one it would refuse to open: the cases'
  // deadlines were computed with 2026's).
  EngineOptions o;
  o.storage = SqliteStorage::open(db).value_or_throw();
  o.clock = clock;
  Engine reopened(std::move(o));
  const auto stored = reopened.count(CaseQuery{});
  std::cout << "Restart: reopened " << db << ": " << stored << " cases (" << registered << " registered), "
            << reopened.count([] { CaseQuery q; q.state = State::closed; return q; }()) << " closed, calendar "
            << reopened.configuration().seq << " in force ("
            << (reopened.calendar().is_working_day(parse_date("2026-01-04").value()) ? "2026-01-04 worked"
                                                                                      : "2026-01-04 off")
            << ")\n";
  return stored == registered ? 0 : 1;
}
