#include "fengqiao/testing/random_history.hpp"

#include <array>
#include <random>
#include <string>
#include <vector>

#include "fengqiao/engine.hpp"
#include "fengqiao/memory_storage.hpp"

namespace fengqiao::testing {
namespace {

using Json = nlohmann::json;

const std::array<const char*, 5> kOrgs = {"justice_mohe", "police_mohe", "labour_mohe", "forestry_mohe", "court_mohe"};

class Driver {
 public:
  explicit Driver(const RandomHistoryOptions& o) : rng_(o.seed), options_(o) {}

  template <class T>
  const T& pick(const std::vector<T>& v) { return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng_)]; }
  const char* org() { return kOrgs[std::uniform_int_distribution<std::size_t>(0, kOrgs.size() - 1)(rng_)]; }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  int between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  Actor role_actor(Role r) {
    switch (r) {
      case Role::handler: {
        std::string o = org();
        return {"u-h-" + o, r, o};
      }
      case Role::citizen: return {"c-1", r, "public"};
      case Role::grid_worker: return {"u-gw-1", r, "grid_1"};
      default: return {"u-" + std::string(to_string(r)), r, "center"};
    }
  }
  Actor any_actor() { return role_actor(static_cast<Role>(between(0, static_cast<int>(Role::admin)))); }
  Actor lead_of(const Case& c) {
    if (!c.lead) return role_actor(Role::handler);
    return {"u-h-" + *c.lead, Role::handler, *c.lead};
  }

  Json registration() {
    static const std::vector<std::string> channels = {"walk_in", "hotline", "online", "grid", "station", "referral"};
    static const std::vector<std::string> categories = {"neighbour", "labour_wage", "land", "family", "property"};
    static const std::vector<std::string> urgencies = {"normal", "normal", "normal", "urgent", "emergency"};
    Json path = Json::array({"daxinganling"});
    for (int i = between(0, 3); i > 0; --i) path.push_back(i == 1 ? "xilinji" : i == 2 ? "mohe" : "beiji");
    return {{"channel", pick(channels)},   {"category", pick(categories)},
            {"urgency", pick(urgencies)},  {"jurisdiction", path},
            {"parties", {{{"name", "王丽"}, {"phone", "13900000001"}}}}, {"summary", "邻里纠纷 s"}};
  }

  // A plausible (action, actor, data) for a case in its current state.
  void plausible(const Case& c, Action& a, Actor& who, Json& data) {
    std::vector<Action> options;
    switch (c.state) {
      case State::registered: options = {Action::dispatch, Action::dispatch, Action::resolve_on_spot, Action::decline,
                                         Action::withdraw, Action::supervise}; break;
      case State::dispatched: options = {Action::accept, Action::accept, Action::return_, Action::withdraw,
                                         Action::supervise}; break;
      case State::handling: options = {Action::transfer, Action::start_consultation, Action::suspend, Action::extend,
                                       Action::resolve, Action::resolve, Action::refer, Action::withdraw,
                                       Action::supervise}; break;
      case State::consulting: options = {Action::end_consultation, Action::suspend, Action::extend, Action::resolve,
                                         Action::refer, Action::withdraw, Action::supervise}; break;
      case State::suspended: options = {Action::resume, Action::resume, Action::withdraw, Action::supervise}; break;
      case State::concluded: options = {Action::give_feedback, Action::supervise}; break;
      case State::feedback_given: options = {Action::follow_up, Action::follow_up, Action::supervise}; break;
      case State::closed: options = {Action::reopen}; break;
      case State::withdrawn: options = {Action::reopen, Action::resume}; break;
    }
    a = pick(options);
    data = Json::object();
    switch (a) {
      case Action::dispatch:
        who = role_actor(Role::dispatcher);
        data = {{"route", chance(0.5) ? "people_mediation" : "administrative_mediation"}, {"lead", org()}};
        if (chance(0.5)) data["co"] = {org()};
        break;
      case Action::resolve_on_spot:
        who = role_actor(chance(0.5) ? Role::intake : Role::mediator);
        data = {{"agreement", "a"}};
        break;
      case Action::decline: who = role_actor(Role::dispatcher); data = {{"reason", "r"}, {"guidance", "court"}}; break;
      case Action::accept: who = lead_of(c); break;
      case Action::return_: who = lead_of(c); data = {{"reason", "r"}}; break;
      case Action::transfer: {
        who = chance(0.5) ? lead_of(c) : role_actor(Role::dispatcher);
        std::string next = org();
        while (c.lead && next == *c.lead) next = org();
        data = {{"lead", next}, {"reason", "r"}};
        break;
      }
      case Action::start_consultation:
        who = chance(0.7) ? lead_of(c) : role_actor(Role::supervisor);
        data = {{"orgs", {org(), org()}}};
        break;
      case Action::end_consultation: who = lead_of(c); data = {{"plan", "p"}}; break;
      case Action::suspend: who = lead_of(c); data = {{"reason", "r"}}; break;
      case Action::resume: who = chance(0.7) ? lead_of(c) : role_actor(Role::supervisor); break;
      case Action::extend:
        who = role_actor(Role::supervisor);
        if (c.clock && !c.clock->limit.in_days()) data = {{"hours", between(1, 120)}, {"reason", "r"}};
        else data = {{"days", between(1, 15)}, {"reason", "r"}};
        break;
      case Action::resolve:
        who = chance(0.8) ? lead_of(c) : role_actor(Role::mediator);
        data = {{"method", "people_mediation"}, {"agreement", "a"}};
        break;
      case Action::refer: who = lead_of(c); data = {{"channel", "litigation"}}; break;
      case Action::give_feedback: {
        int k = between(0, 2);
        who = k == 0 ? role_actor(Role::dispatcher) : k == 1 ? lead_of(c) : Actor{c.first_responder, Role::intake, "center"};
        data = {{"medium", "phone"}, {"content", "c"}};
        break;
      }
      case Action::follow_up: {
        static const std::vector<std::string> s = {"satisfied", "basic", "unsatisfied"};
        who = role_actor(chance(0.5) ? Role::dispatcher : Role::supervisor);
        data = {{"satisfaction", pick(s)}};
        break;
      }
      case Action::reopen: who = role_actor(Role::supervisor); data = {{"reason", "r"}}; break;
      case Action::withdraw:
        who = role_actor(chance(0.5) ? Role::citizen : Role::dispatcher);
        data = {{"reason", "r"}};
        break;
      case Action::supervise: who = role_actor(Role::supervisor); data = {{"order", "o"}}; break;
      case Action::register_case: break;
      case Action::assign:  // contract version 2: not in the version 1 histories generated here
      case Action::note: break;
    }
  }

  // Makes one attempt wrong: another action, another actor, or broken data.
  void spoil(Action& a, Actor& who, Json& data) {
    switch (between(0, 2)) {
      case 0: a = static_cast<Action>(between(1, static_cast<int>(Action::supervise))); break;
      case 1: who = any_actor(); break;
      default:
        if (!data.empty()) data.erase(data.begin());
        else data = {{"days", -1}};
    }
  }

  RandomHistoryRun run() {
    RandomHistoryRun out;
    out.storage = options_.storage ? options_.storage : std::make_shared<MemoryStorage>();
    out.header.calendar = BusinessCalendar::from_json(
                              {{"weekend", {"sat", "sun"}},
                               {"holidays", {"2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04", "2025-10-05",
                                             "2025-10-06", "2025-10-07", "2025-10-08"}},
                               {"workdays", {"2025-09-28", "2025-10-11"}}})
                              .value();
    auto clock = std::make_shared<ManualClock>(options_.start);
    EngineOptions eo;
    eo.storage = out.storage;
    eo.clock = clock;
    eo.calendar = out.header.calendar;
    eo.rules = out.header.rules;
    Engine engine(std::move(eo));

    std::vector<std::string> ids;
    const std::uint64_t tag = options_.seed;
    for (std::size_t step = 0; step < options_.steps; ++step) {
      // Time moves on by minutes to days; long gaps let the escalation ladder climb.
      const int minutes = chance(0.2) ? between(600, 6 * 24 * 60) : between(1, 600);
      clock->advance(Seconds(60 * minutes));
      if (chance(0.05)) engine.poll();  // a tick line in the export
      const bool new_case = ids.size() < options_.cases && (ids.empty() || chance(0.25));
      if (new_case) {
        std::string id = "R" + std::to_string(tag) + "-" + std::to_string(ids.size());
        auto r = engine.try_register_case(id, role_actor(chance(0.5) ? Role::intake : Role::citizen), registration());
        r ? ++out.accepted : ++out.refused;
        if (r) ids.push_back(id);
        continue;
      }
      if (ids.empty()) continue;
      const std::string& id = pick(ids);
      Case c = engine.get(id);
      Action a;
      Actor who;
      Json data;
      plausible(c, a, who, data);
      if (chance(options_.wrong_rate)) spoil(a, who, data);
      auto r = engine.try_act(id, a, who, data);
      r ? ++out.accepted : ++out.refused;
    }
    out.end = clock->now();
    return out;
  }

 private:
  std::mt19937_64 rng_;
  RandomHistoryOptions options_;
};

}  // namespace

RandomHistoryRun drive_random_history(const RandomHistoryOptions& options) { return Driver(options).run(); }

}  // namespace fengqiao::testing
