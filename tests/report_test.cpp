// The center's statistics: each figure counted as report.hpp defines it.
#include <doctest/doctest.h>

#include <fengqiao/report.hpp>

#include "fixtures.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;

namespace {

nlohmann::json reg(const char* channel, const char* category, const char* township) {
  auto d = registration("normal", category);
  d["channel"] = channel;
  d["jurisdiction"] = {"daxinganling", "mohe", township};
  return d;
}

const Actor justice{"h-j", Role::handler, "justice_mohe"};
const Actor labour{"h-l", Role::handler, "labour_mohe"};

}  // namespace

TEST_CASE("report counts cases, outcomes, channels, satisfaction and timeliness") {
  Bench b("2025-09-01T09:00:00+08:00");
  // A: online, resolved by justice, feedback, satisfied -> closed; every stage on time.
  b->register_case("A", citizen, reg("online", "neighbour", "xilinji"));
  b->act("A", Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "justice_mohe"}});
  b->act("A", Action::accept, justice);
  b->act("A", Action::resolve, justice, {{"method", "people_mediation"}, {"agreement", "ok"}});
  b->act("A", Action::give_feedback, dispatcher, {{"medium", "phone"}, {"content", "c"}});
  b->act("A", Action::follow_up, dispatcher, {{"satisfaction", "satisfied"}});
  // B: grid, resolved on the spot, feedback, unsatisfied -> reopened into registered.
  b->register_case("B", intake, reg("grid", "land", "tuqiang"));
  b->act("B", Action::resolve_on_spot, intake, {{"agreement", "ok"}});
  b->act("B", Action::give_feedback, dispatcher, {{"medium", "phone"}, {"content", "c"}});
  b->act("B", Action::follow_up, dispatcher, {{"satisfaction", "unsatisfied"}});
  // C: walk-in, declined.
  b->register_case("C", intake, reg("walk_in", "land", "tuqiang"));
  b->act("C", Action::decline, dispatcher, {{"reason", "r"}, {"guidance", "court"}});
  // D: station, dispatched to labour late (the dispatch clock went overdue), then referred.
  b->register_case("D", intake, reg("station", "labour_wage", "xilinji"));
  b.set("2025-09-03T10:00:00+08:00");  // dispatch deadline was 2025-09-03T00:00
  b->act("D", Action::dispatch, dispatcher, {{"route", "administrative_mediation"}, {"lead", "labour_mohe"}});
  b->act("D", Action::accept, labour);
  b->act("D", Action::refer, labour, {{"channel", "litigation"}});
  // E: online, withdrawn while registered.
  b->register_case("E", citizen, reg("online", "neighbour", "xilinji"));
  b->act("E", Action::withdraw, citizen, {{"reason", "settled"}});

  auto r = compute_report(*b.storage);
  REQUIRE(r);
  CHECK(r->total.received == 5);
  CHECK(r->total.accepted == 4);  // all but the declined one
  CHECK(r->total.concluded == 3); // A resolved, C declined, D referred (B's outcome cleared by reopening)
  CHECK(r->total.resolved == 1);
  CHECK(r->total.referred == 1);
  CHECK(r->total.declined == 1);
  CHECK(r->total.withdrawn == 1);
  CHECK(r->total.closed == 1);
  CHECK(r->total.open == 3);      // B (reopened), C (concluded), D (concluded)
  CHECK(r->total.reopened == 1);
  CHECK(r->total.resolution_rate() == doctest::Approx(1.0 / 3.0));
  CHECK(r->online == 2);
  CHECK(r->field == 2);
  CHECK(r->resolved_on_spot == 1);
  CHECK(r->follow_ups == 2);
  CHECK(r->satisfied == 1);
  CHECK(r->satisfaction_rate() == doctest::Approx(0.5));
  // What fired by Wed 3 Sep 10:00 (D's dispatch fires everything due before it): the dispatch
  // clocks of D and of B (reopened into registered on Mon 1 09:00), each warned on Tue 2
  // 00:00 and overdue on Wed 3 00:00. C's feedback clock warns on Thu 4 00:00 (W2): not yet.
  CHECK(r->total.warnings == 2);
  CHECK(r->total.overdues == 2);
  CHECK(r->total.escalations == 0);
  CHECK(r->by_department.at("(none)").overdues == 1);       // B (never dispatched)
  CHECK(r->by_department.at("labour_mohe").overdues == 1);  // D, counted under its lead org now

  const auto& dispatch = r->stages[static_cast<std::size_t>(Stage::dispatch)];
  CHECK(dispatch.ended == 4);    // A, B, C, D left registration by an action; E's was withdrawn
  CHECK(dispatch.on_time == 3);  // D was late
  const auto& handling = r->stages[static_cast<std::size_t>(Stage::handling)];
  CHECK(handling.ended == 2);
  CHECK(handling.on_time == 2);

  CHECK(r->by_department.at("justice_mohe").resolved == 1);
  CHECK(r->by_department.at("labour_mohe").referred == 1);
  CHECK(r->by_department.at("(none)").received == 3);
  CHECK(r->by_channel.at("online").received == 2);
  CHECK(r->by_category.at("land").received == 2);
  CHECK(r->by_jurisdiction.at("tuqiang").received == 2);
  CHECK(r->by_route.at("people_mediation").resolved == 1);
  CHECK(r->by_month.at("2025-09").received == 5);

  auto j = r->to_json();
  CHECK(j["total"]["received"] == 5);
  CHECK(j["on_time"]["dispatch"]["ended"] == 4);
  CHECK(r->to_text().find("Resolved / concluded (化解率)    1 / 3 = 33.33%") != std::string::npos);
}

TEST_CASE("report period: only cases registered in [from, to)") {
  Bench b("2025-09-01T09:00:00+08:00");
  b->register_case("early", intake, registration());
  b.set("2025-09-15T09:00:00+08:00");
  b->register_case("late", intake, registration());
  ReportOptions o;
  o.from = at("2025-09-10T00:00:00+08:00");
  auto r = compute_report(*b.storage, o);
  REQUIRE(r);
  CHECK(r->total.received == 1);
  o.from.reset();
  o.to = at("2025-09-15T09:00:00+08:00");
  r = compute_report(*b.storage, o);
  REQUIRE(r);
  CHECK(r->total.received == 1);
}
