// Contract version 2 in the engine: `assign` and the assignee rule, `note` and involved
// orgs, and the correction that a citizen may withdraw only their own case (LIFECYCLE.md
// "Contract version 2" and "Precise points"). Expected outcomes are read off the spec.
#include <doctest/doctest.h>

#include "scenarios.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;
using nlohmann::json;

namespace {

const Actor second_lead_handler{"u-hj-2", Role::handler, "justice_xilinji"};  // same org as lead_handler
const Actor labour_handler{"u-hl-1", Role::handler, "labour_mohe"};           // never involved below

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

json note_data(json attachments = json::array()) { return {{"text", "Visited the site."}, {"attachments", attachments}}; }

}  // namespace

TEST_SUITE("assignment and notes") {

TEST_CASE("withdraw: a citizen may withdraw only their own case, in both contract versions") {
  SUBCASE("a citizen who is not a party is refused, naming the rule") {
    Rig rig;
    drive_to(rig, "C-1", State::handling);
    Error e = expect_refused(rig, "C-1", Action::withdraw, citizen, {{"reason", "r"}}, ErrorCode::not_permitted);
    CHECK(contains(e.message, "a citizen on their own case"));
  }
  SUBCASE("a party named by account may") {
    Rig rig;
    drive_to(rig, "C-1", State::dispatched);
    CHECK(rig.act("C-1", Action::withdraw, party_citizen, {{"reason", "r"}}).state == State::withdrawn);
  }
  SUBCASE("the citizen who registered it (its first responder) may, without being a party by account") {
    Rig rig;
    rig.register_case("C-1", registration(), citizen);
    CHECK(rig.act("C-1", Action::withdraw, citizen, {{"reason", "r"}}).state == State::withdrawn);
  }
  SUBCASE("the account rule is for withdraw only: a party citizen may not note") {
    Rig rig;
    drive_to(rig, "C-1", State::handling);
    expect_refused(rig, "C-1", Action::note, party_citizen, note_data(), ErrorCode::not_permitted);
  }
  SUBCASE("an empty or non-string account is invalid_data at registration") {
    Rig rig;
    json bad = registration();
    bad["parties"][0]["account"] = "";
    auto r = rig->try_register_case("C-1", intake, bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::invalid_data);
    CHECK(contains(r.error().message, "parties[0].account"));
    bad["parties"][0]["account"] = 7;
    CHECK(rig->try_register_case("C-1", intake, bad).error().code == ErrorCode::invalid_data);
  }
}

TEST_CASE("assign: who may, and what it leaves on the case") {
  Rig rig;
  drive_to(rig, "C-1", State::handling);
  const Case before = rig.get("C-1");

  SUBCASE("a handler of the lead org claims an unassigned case; nothing else changes") {
    Case c = rig.act("C-1", Action::assign, second_lead_handler, {{"assignee", second_lead_handler.id}});
    CHECK(c.assignee == second_lead_handler.id);
    CHECK(c.state == before.state);
    CHECK(c.supervision == before.supervision);
    CHECK(c.level == before.level);
    CHECK(c.deadline() == before.deadline());
    CHECK(c.version == before.version + 1);
  }
  SUBCASE("once assigned, only the assignee counts as the lead org's handler") {
    rig.act("C-1", Action::assign, dispatcher, {{"assignee", second_lead_handler.id}});
    // lead_handler is still of the lead org, but not the assignee.
    for (const Step& s : {canonical(Action::suspend), canonical(Action::resolve), canonical(Action::refer),
                          canonical(Action::start_consultation)}) {
      CAPTURE(s.action);
      Error e = expect_refused(rig, "C-1", s.action, lead_handler, s.data, ErrorCode::not_permitted);
      CHECK(contains(e.message, "the assignee u-hj-2"));
    }
    expect_refused(rig, "C-1", Action::assign, lead_handler, {{"assignee", lead_handler.id}}, ErrorCode::not_permitted);
    // Roles keep their permissions: a mediator may still resolve, a supervisor start a consultation.
    CHECK(rig->try_act("C-1", Action::start_consultation, supervisor, {{"orgs", {"housing_mohe"}}}).ok());
    // The assignee may act, and hand the case over.
    CHECK(rig.act("C-1", Action::suspend, second_lead_handler, {{"reason", "r"}}).state == State::suspended);
    CHECK(rig.act("C-1", Action::assign, second_lead_handler, {{"assignee", lead_handler.id}}).assignee ==
          lead_handler.id);
    CHECK(rig.act("C-1", Action::resume, lead_handler, json::object()).state == State::consulting);
  }
  SUBCASE("naming the current assignee again is accepted and changes nothing but the version") {
    Case a = rig.act("C-1", Action::assign, dispatcher, {{"assignee", "u-hj-2"}});
    Case b = rig.act("C-1", Action::assign, supervisor, {{"assignee", "u-hj-2"}});
    CHECK(b.assignee == a.assignee);
    CHECK(b.version == a.version + 1);
  }
  SUBCASE("return and transfer clear the assignee; reopening keeps it") {
    rig.act("C-1", Action::assign, dispatcher, {{"assignee", lead_handler.id}});
    Case t = rig.act("C-1", Action::transfer, dispatcher, {{"lead", "police_xilinji"}, {"reason", "r"}});
    CHECK_FALSE(t.assignee.has_value());
    rig.act("C-1", Action::assign, dispatcher, {{"assignee", other_handler.id}});
    Case r = rig.act("C-1", Action::return_, other_handler, {{"reason", "r"}});
    CHECK_FALSE(r.assignee.has_value());

    Rig reopen;
    drive_to(reopen, "C-2", State::handling);
    reopen.act("C-2", Action::assign, dispatcher, {{"assignee", lead_handler.id}});
    reopen.act("C-2", Action::resolve);
    reopen.act("C-2", Action::give_feedback);
    Case c = reopen.act("C-2", Action::follow_up, dispatcher, {{"satisfaction", "unsatisfied"}});
    CHECK(c.state == State::handling);
    CHECK(c.assignee == lead_handler.id);
  }
  SUBCASE("refusals: not from registered or concluded; the assignee must be a non-empty string") {
    Rig r2;
    drive_to(r2, "C-2", State::registered);
    expect_refused(r2, "C-2", Action::assign, dispatcher, {{"assignee", "x"}}, ErrorCode::invalid_transition);
    drive_to(r2, "C-3", State::concluded);
    expect_refused(r2, "C-3", Action::assign, dispatcher, {{"assignee", "x"}}, ErrorCode::invalid_transition);
    for (const json& bad : {json(""), json(5), json(nullptr), json::array()}) {
      CAPTURE(bad.dump());
      Error e = expect_refused(rig, "C-1", Action::assign, dispatcher, {{"assignee", bad}}, ErrorCode::invalid_data);
      CHECK(contains(e.message, "data.assignee"));
    }
    expect_refused(rig, "C-1", Action::assign, dispatcher, json::object(), ErrorCode::invalid_data);
    // The actor is checked before the data.
    expect_refused(rig, "C-1", Action::assign, mediator, {{"assignee", ""}}, ErrorCode::not_permitted);
  }
}

TEST_CASE("note: counted, allowed in every state, by whom the contract says") {
  SUBCASE("it changes nothing but the count of notes and the version") {
    Rig rig;
    drive_to(rig, "C-1", State::consulting);
    const Case before = rig.get("C-1");
    Case c = rig.act("C-1", Action::note, mediator, note_data({{{"ref", "s3://a.jpg"}, {"sha256", std::string(64, 'a')}}}));
    CHECK(c.notes == 1);
    CHECK(c.state == before.state);
    CHECK(c.supervision == before.supervision);
    CHECK(c.deadline() == before.deadline());
    CHECK(c.outcome == before.outcome);
    CHECK(rig.act("C-1", Action::note, dispatcher, {{"text", "again"}}).notes == 2);
  }
  SUBCASE("involvement is never lost: the old lead, co-handlers and consultation orgs may note after a transfer") {
    Rig rig;
    drive_to(rig, "C-1", State::handling);  // lead justice, co police
    rig.act("C-1", Action::start_consultation, lead_handler, {{"orgs", {"housing_mohe"}}});
    rig.act("C-1", Action::end_consultation);
    rig.act("C-1", Action::transfer, dispatcher, {{"lead", "labour_mohe"}, {"reason", "r"}});
    const Actor housing{"u-hh-1", Role::handler, "housing_mohe"};
    for (const Actor& who : {lead_handler, other_handler, housing, labour_handler}) {
      CAPTURE(who.id);
      CHECK(rig->try_act("C-1", Action::note, who, note_data()).ok());
    }
    CHECK(rig.get("C-1").involved_orgs ==
          std::vector<std::string>{"justice_xilinji", "police_xilinji", "housing_mohe", "labour_mohe"});
  }
  SUBCASE("a refused action involves no org") {
    Rig rig;
    drive_to(rig, "C-1", State::registered);
    // Refused (a citizen may not dispatch): labour is not involved.
    expect_refused(rig, "C-1", Action::dispatch, citizen, {{"route", "petition"}, {"lead", "labour_mohe"}},
                   ErrorCode::not_permitted);
    expect_refused(rig, "C-1", Action::note, labour_handler, note_data(), ErrorCode::not_permitted);
  }
  SUBCASE("a citizen may note only as the first responder") {
    Rig rig;
    rig.register_case("C-1", registration(), citizen);
    CHECK(rig->try_act("C-1", Action::note, citizen, note_data()).ok());
    expect_refused(rig, "C-1", Action::note, party_citizen, note_data(), ErrorCode::not_permitted);
  }
  SUBCASE("attachments are validated: ref, optional sha256 of 64 lowercase hex digits, optional kind, nothing else") {
    Rig rig;
    drive_to(rig, "C-1", State::handling);
    CHECK(rig->try_act("C-1", Action::note, dispatcher, note_data({{{"ref", "r"}, {"kind", ""}}})).ok());
    const json bad[] = {
        json::object(),                                                       // not an array
        json::array({"scan.pdf"}),                                            // not an object
        json::array({json::object()}),                                        // no ref
        json::array({{{"ref", ""}}}),                                         // empty ref
        json::array({{{"ref", "r"}, {"sha256", std::string(64, 'A')}}}),     // upper case
        json::array({{{"ref", "r"}, {"sha256", std::string(63, 'a')}}}),     // too short
        json::array({{{"ref", "r"}, {"kind", 3}}}),                           // kind not a string
        json::array({{{"ref", "r"}, {"size", 10}}}),                          // another key
    };
    for (const json& a : bad) {
      CAPTURE(a.dump());
      Error e = expect_refused(rig, "C-1", Action::note, dispatcher, note_data(a), ErrorCode::invalid_data);
      CHECK(contains(e.message, "attachments"));
    }
    expect_refused(rig, "C-1", Action::note, dispatcher, {{"text", ""}}, ErrorCode::invalid_data);
  }
}

}  // TEST_SUITE
