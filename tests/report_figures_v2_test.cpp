// The report's contract-version-2 figures (report.hpp): per assignee, per half month
// (半月通报), resolution over accepted, and on-time and satisfaction per department and
// per assignee — on three cases whose figures are worked out by hand below.
#include <doctest/doctest.h>

#include <fengqiao/report.hpp>

#include "scenarios.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;
using nlohmann::json;

TEST_CASE("report: by assignee, by half month, over accepted, on time and satisfaction per group") {
  Rig rig("2025-09-10T09:00:00+08:00");
  // C-1, registered 10 Sep (H1): dispatched, assigned to u-hj-1, resolved the same day,
  // feedback, satisfied. Stages dispatch, accept, handling, feedback, follow_up all on time.
  rig.register_case("C-1");
  rig.act("C-1", Action::dispatch);
  rig.act("C-1", Action::assign, dispatcher, {{"assignee", "u-hj-1"}});
  rig.act("C-1", Action::accept);
  rig.act("C-1", Action::resolve);
  rig.act("C-1", Action::give_feedback);
  rig.act("C-1", Action::follow_up, dispatcher, {{"satisfaction", "basic"}});
  // C-2, registered 16 Sep (H2): declined on the spot (not accepted): dispatch stage on time.
  rig.set("2025-09-16T09:00:00+08:00");
  rig.register_case("C-2");
  rig.act("C-2", Action::decline);
  // C-3, registered 30 Sep (H2): dispatched and assigned to u-hj-1, accepted late (the
  // accept clock of 1 working day ran out on 2 Oct... past the holidays: W1 = 9 Oct, so
  // accepting on 10 Oct is late), then follow-up unsatisfied after a resolution.
  rig.set("2025-09-30T09:00:00+08:00");
  rig.register_case("C-3");
  rig.act("C-3", Action::dispatch);
  rig.act("C-3", Action::assign, dispatcher, {{"assignee", "u-hj-1"}});
  rig.set("2025-10-10T09:00:00+08:00");
  rig.act("C-3", Action::accept);
  rig.act("C-3", Action::resolve);
  rig.act("C-3", Action::give_feedback);
  rig.act("C-3", Action::follow_up, dispatcher, {{"satisfaction", "unsatisfied"}});

  const Report r = compute_report(*rig.storage).value();
  // Received 3, accepted 2 (C-2 declined); resolved: C-1 only (C-3 was reopened, no outcome).
  CHECK(r.total.received == 3);
  CHECK(r.total.accepted == 2);
  CHECK(r.total.resolved == 1);
  CHECK(r.total.resolution_rate_over_accepted() == doctest::Approx(0.5));
  // Half months by registration day.
  REQUIRE(r.by_half_month.count("2025-09 H1") == 1);
  REQUIRE(r.by_half_month.count("2025-09 H2") == 1);
  CHECK(r.by_half_month.at("2025-09 H1").received == 1);
  CHECK(r.by_half_month.at("2025-09 H2").received == 2);
  // Assignees: u-hj-1 has C-1 and C-3; C-2 has none.
  REQUIRE(r.by_assignee.count("u-hj-1") == 1);
  const Tally& hj = r.by_assignee.at("u-hj-1");
  CHECK(hj.received == 2);
  CHECK(r.by_assignee.at("(none)").received == 1);
  // Follow-ups of u-hj-1's cases: C-1 basic (satisfied), C-3 unsatisfied.
  CHECK(hj.follow_ups == 2);
  CHECK(hj.satisfied == 1);
  CHECK(hj.satisfaction_rate() == doctest::Approx(0.5));
  // Stages ended: C-1 dispatch, accept, handling, feedback, follow_up (5, on time);
  // C-3 dispatch (on time), accept (late: overdue fired on 10 Oct 00:00), handling,
  // feedback, follow_up (on time) = 5 with 4 on time.
  CHECK(hj.stages_ended == 10);
  CHECK(hj.stages_on_time == 9);
  // The department tally is the same two cases (lead justice_xilinji).
  const Tally& justice = r.by_department.at("justice_xilinji");
  CHECK(justice.stages_ended == 10);
  CHECK(justice.stages_on_time == 9);
  CHECK(justice.satisfied == 1);
  // The JSON form carries the new figures.
  const json j = r.to_json();
  CHECK(j["by_assignee"]["u-hj-1"]["stages_on_time"] == 9);
  CHECK(j["by_half_month"]["2025-09 H2"]["received"] == 2);
  CHECK(j["total"]["resolution_rate_over_accepted"].get<double>() == doctest::Approx(0.5));
}
