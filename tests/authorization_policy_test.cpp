// Authorization as a policy object (authorization.hpp): the contract's table as the default,
// walked over every action × role × org × identity against an oracle transcribed here from
// LIFECYCLE.md's table (not derived from the library's action table); extended by
// jurisdiction; replaced by the embedder's own; every refusal names its rule.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include <fengqiao/authorization.hpp>
#include <fengqiao/engine.hpp>

#include "fixtures.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;

namespace {

// LIFECYCLE.md "Actions", column "who", as written there. "lead" is "handler of the lead
// org" (under the assignee rule), "first" the first responder, "involved" a handler of an
// involved org, "own" a citizen on their own case.
const std::map<std::string, std::set<std::string>> kWho = {
    {"register", {"intake", "grid_worker", "citizen", "dispatcher"}},
    {"resolve_on_spot", {"intake", "dispatcher", "mediator"}},
    {"decline", {"dispatcher"}},
    {"dispatch", {"dispatcher"}},
    {"accept", {"lead"}},
    {"return", {"lead"}},
    {"transfer", {"lead", "dispatcher"}},
    {"start_consultation", {"lead", "supervisor"}},
    {"end_consultation", {"lead"}},
    {"suspend", {"lead"}},
    {"resume", {"lead", "supervisor"}},
    {"extend", {"supervisor"}},
    {"resolve", {"lead", "mediator"}},
    {"refer", {"lead"}},
    {"give_feedback", {"first", "dispatcher", "lead"}},
    {"follow_up", {"dispatcher", "supervisor"}},
    {"reopen", {"supervisor"}},
    {"withdraw", {"own", "intake", "dispatcher"}},
    {"supervise", {"supervisor"}},
    {"assign", {"dispatcher", "supervisor", "lead"}},
    {"note", {"dispatcher", "supervisor", "mediator", "first", "involved"}},
};

// The case every question is asked about.
Case sample_case(std::optional<std::string> assignee) {
  Case c;
  c.id = "C-1";
  c.first_responder = "u-first";
  c.lead = "justice_xilinji";
  c.involved_orgs = {"justice_xilinji", "police_xilinji"};
  c.assignee = std::move(assignee);
  c.jurisdiction = {"daxinganling", "mohe", "xilinji"};
  c.parties = {Party{"Wang Li", "", "", "citizen-wl"}, Party{"Zhao Gang", "", "", ""}};
  return c;
}

// The oracle: the grants above, with the contract's definitions of each.
bool expected(const std::string& action, const Actor& a, const Case& c, bool registering) {
  const std::set<std::string>& who = kWho.at(action);
  if (who.count(std::string(to_string(a.role)))) return true;
  if (registering) return false;
  const bool lead_handler = a.role == Role::handler && a.org == *c.lead && (!c.assignee || a.id == *c.assignee);
  const bool first = a.id == c.first_responder;
  const bool involved = a.role == Role::handler && (a.org == "justice_xilinji" || a.org == "police_xilinji");
  const bool own = a.role == Role::citizen && (a.id == c.first_responder || a.id == "citizen-wl");
  return (who.count("lead") && lead_handler) || (who.count("first") && first) || (who.count("involved") && involved) ||
         (who.count("own") && own);
}

}  // namespace

TEST_CASE("the contract policy grants exactly the table's who, for every action, role, org and identity") {
  const auto policy = contract_policy();
  const nlohmann::json data = nlohmann::json::object();
  std::size_t checked = 0, allowed = 0;
  for (const std::optional<std::string>& assignee : {std::optional<std::string>(), std::optional<std::string>("u-assignee")}) {
    const Case c = sample_case(assignee);
    for (Action action : all_of<Action>()) {
      const std::string name(to_string(action));
      REQUIRE_MESSAGE(kWho.count(name), "the oracle has no row for " << name);
      const bool registering = action == Action::register_case;
      for (Role role : all_of<Role>())
        for (const char* org : {"justice_xilinji", "police_xilinji", "court_mohe", "public"})
          for (const char* id : {"u-first", "u-assignee", "citizen-wl", "u-other"}) {
            const Actor actor{id, role, org};
            CAPTURE(name);
            CAPTURE(actor.id);
            CAPTURE(to_string(role));
            CAPTURE(std::string(org));
            CAPTURE(assignee.value_or("none"));
            const AuthorizationDecision d =
                policy->decide(AuthorizationRequest{actor, action, registering ? nullptr : &c, data});
            CHECK(d.allowed == expected(name, actor, c, registering));
            CHECK(d.rule == "contract: who may " + name);
            if (!d.allowed) CHECK(d.reason.find(id) != std::string::npos);  // the refusal names the actor
            ++checked;
            allowed += d.allowed;
          }
    }
  }
  CHECK(checked == 2 * enum_count<Action> * enum_count<Role> * 4 * 4);
  CHECK(allowed > 0);
  CHECK(allowed < checked);
  // Visits: intake, grid_worker, citizen, dispatcher.
  for (Role role : all_of<Role>()) {
    const Actor actor{"u", role, "center"};
    const bool may = role == Role::intake || role == Role::grid_worker || role == Role::citizen || role == Role::dispatcher;
    CHECK(policy->decide(AuthorizationRequest{actor, std::nullopt, nullptr, data}).allowed == may);
  }
}

TEST_CASE("the engine's not_permitted message names the rule that refused") {
  Bench b;
  b->register_case("C-1", intake, registration());
  auto r = b->try_act("C-1", Action::dispatch, mediator, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::not_permitted);
  CHECK(r.error().message.rfind("contract: who may dispatch: dispatch may be done by dispatcher", 0) == 0);
  auto v = b->try_record_visit("V-1", supervisor, {{"channel", "walk_in"}, {"kind", "claim"},
                                                    {"parties", {{{"name", "Wang Li"}}}}, {"summary", "s"}});
  REQUIRE_FALSE(v);
  CHECK(v.error().message.rfind("contract: who may record a visit: ", 0) == 0);
}

namespace {

// Township staff work within their township; the county's and the center's are not limited.
std::optional<std::vector<std::string>> township_of(const Actor& a) {
  if (a.org == "justice_tuqiang") return std::vector<std::string>{"daxinganling", "mohe", "tuqiang"};
  if (a.org == "police_mohe") return std::vector<std::string>{"daxinganling", "mohe"};
  return std::nullopt;
}

nlohmann::json registration_in(const std::string& township) {
  nlohmann::json d = registration();
  d["jurisdiction"] = {"daxinganling", "mohe", township};
  return d;
}

}  // namespace

TEST_CASE("within_jurisdiction limits scoped actors to cases under their path, after the contract's own check") {
  auto clock = std::make_shared<ManualClock>(at("2025-09-01T09:00:00+08:00"));
  EngineOptions o;
  o.clock = clock;
  o.authorization = within_jurisdiction(contract_policy(), township_of);
  Engine engine(std::move(o));
  const Actor tuqiang_intake{"u-tq-intake", Role::intake, "justice_tuqiang"};
  const Actor tuqiang_handler{"u-tq-1", Role::handler, "justice_tuqiang"};
  const Actor county_police{"u-pm-1", Role::handler, "police_mohe"};

  // Registering: only under their own path.
  auto refused = engine.try_register_case("C-X", tuqiang_intake, registration_in("xilinji"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::not_permitted);
  CHECK(refused.error().message ==
        "jurisdiction: register by intake u-tq-intake of justice_tuqiang is limited to cases under "
        "daxinganling/mohe/tuqiang, and this case is under daxinganling/mohe/xilinji");
  CHECK(engine.try_register_case("C-T", tuqiang_intake, registration_in("tuqiang")));

  // Acting: a case in another township is refused even to the lead org's handler.
  engine.register_case("C-X", intake, registration_in("xilinji"));
  engine.act("C-X", Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "justice_tuqiang"}});
  auto accept = engine.try_act("C-X", Action::accept, tuqiang_handler);
  REQUIRE_FALSE(accept);
  CHECK(accept.error().message.rfind("jurisdiction: ", 0) == 0);
  // A county-wide scope covers every township; an unscoped dispatcher is not limited.
  engine.act("C-T", Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "police_mohe"}});
  CHECK(engine.try_act("C-T", Action::accept, county_police));
  // The contract still decides first: the jurisdiction never grants what the table refuses.
  auto not_lead = engine.try_act("C-X", Action::accept, county_police);
  REQUIRE_FALSE(not_lead);
  CHECK(not_lead.error().message.rfind("contract: who may accept", 0) == 0);
  // Visits are received wherever the person comes.
  CHECK(engine.try_record_visit("V-1", tuqiang_intake,
                                {{"channel", "walk_in"}, {"kind", "inquiry"}, {"parties", {{{"name", "Li"}}}}, {"summary", "s"}, {"case", "C-X"}}));
}

TEST_CASE("an embedder's own policy replaces the table; the spec's order of checks still holds") {
  // This center lets no one decline at the window: every claim is dispatched.
  class NoDecline final : public AuthorizationPolicy {
   public:
    AuthorizationDecision decide(const AuthorizationRequest& r) const override {
      if (r.action == Action::decline) return AuthorizationDecision::refuse("local: no declining", "every claim is dispatched here");
      return contract_policy()->decide(r);
    }
  };
  auto clock = std::make_shared<ManualClock>(at("2025-09-01T09:00:00+08:00"));
  EngineOptions o;
  o.clock = clock;
  o.authorization = std::make_shared<NoDecline>();
  Engine engine(std::move(o));
  engine.register_case("C-1", intake, registration());
  auto r = engine.try_act("C-1", Action::decline, dispatcher, {{"reason", "r"}, {"guidance", "g"}});
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "local: no declining: every claim is dispatched here");
  // The actor comes before the data: bad data by a refused actor is not_permitted...
  CHECK(engine.try_act("C-1", Action::decline, dispatcher, {}).error().code == ErrorCode::not_permitted);
  // ...and the state before the actor: declining a dispatched case is invalid_transition.
  engine.act("C-1", Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
  CHECK(engine.try_act("C-1", Action::decline, dispatcher, {{"reason", "r"}, {"guidance", "g"}}).error().code ==
        ErrorCode::invalid_transition);
}

TEST_CASE("a jurisdiction lookup that throws refuses, naming why, and changes nothing") {
  auto clock = std::make_shared<ManualClock>(at("2025-09-01T09:00:00+08:00"));
  EngineOptions o;
  o.clock = clock;
  o.authorization = within_jurisdiction(contract_policy(), [](const Actor&) -> std::optional<std::vector<std::string>> {
    throw std::runtime_error("directory unreachable");
  });
  Engine engine(std::move(o));
  auto r = engine.try_register_case("C-1", intake, registration());
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("directory unreachable") != std::string::npos);
  CHECK(engine.count(CaseQuery{}) == 0);
}
