// Engine::apply, the fast path (engine.hpp): it must store exactly what act() and
// register_case() store — the same events, hashes and snapshots, the same refusals — and
// differ only in what it hands back (no snapshot unless asked) and in taking the data.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fengqiao/testing/random_history.hpp"
#include "scenarios.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;
using nlohmann::json;

namespace {

// The same steps through act() on one rig and apply() on another: both must end with the
// same stored histories and snapshots, hash chains included.
void check_same_store(Rig& by_act, Rig& by_apply, const std::vector<std::string>& ids) {
  for (const std::string& id : ids) {
    CAPTURE(id);
    const auto a = by_act->history(id);
    const auto b = by_apply->history(id);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      CAPTURE(i);
      CHECK(json(a[i]) == json(b[i]));
      CHECK(a[i].hash == b[i].hash);
    }
    CHECK(json(by_act.get(id)) == json(by_apply.get(id)));
    CHECK(by_act.get(id).chain_head == by_apply.get(id).chain_head);
  }
}

}  // namespace

TEST_SUITE("engine fast path") {

TEST_CASE("apply stores what act stores, and returns the case's new position") {
  Rig by_act;
  Rig by_apply;
  const std::vector<Action> loop = {Action::register_case, Action::dispatch,    Action::accept,
                                    Action::resolve,       Action::give_feedback, Action::follow_up};
  for (const std::string id : {"C-1", "C-2"}) {
    for (Action a : loop) {
      const Step s = canonical(a);
      const Case acted = by_act->act(id, a, s.actor, s.data);
      json data = s.data;
      auto applied = by_apply->apply(id, a, s.actor, std::move(data));
      REQUIRE(applied.ok());
      CHECK(applied->version == acted.version);
      CHECK(applied->state == acted.state);
      CHECK(applied->supervision == acted.supervision);
      CHECK(applied->at == acted.updated_at);
      CHECK_FALSE(applied->snapshot.has_value());
    }
    by_act.clock->set(by_act.clock->now() + Seconds(3600));
    by_apply.clock->set(by_apply.clock->now() + Seconds(3600));
  }
  check_same_store(by_act, by_apply, {"C-1", "C-2"});
  // The listeners heard the same events with the same snapshots.
  REQUIRE(by_act.heard.size() == by_apply.heard.size());
  for (std::size_t i = 0; i < by_act.heard.size(); ++i) {
    CHECK(json(by_act.heard[i].event) == json(by_apply.heard[i].event));
    CHECK(json(by_act.heard[i].snapshot) == json(by_apply.heard[i].snapshot));
  }
}

TEST_CASE("apply with want_snapshot returns the stored snapshot") {
  Rig rig;
  const Step reg = canonical(Action::register_case);
  auto applied = rig->apply("C-1", Action::register_case, reg.actor, json(reg.data), ApplyOptions{true});
  REQUIRE(applied.ok());
  REQUIRE(applied->snapshot.has_value());
  CHECK(json(*applied->snapshot) == json(rig.get("C-1")));
  CHECK(applied->snapshot->chain_head == rig->history("C-1").back().hash);
}

TEST_CASE("apply without listeners: the storage may take the commit, the store is still the same") {
  // No listener on either engine: act keeps its snapshot, apply lets the storage take it.
  EngineOptions o1;
  o1.clock = std::make_shared<ManualClock>(at("2025-09-01T09:00:00+08:00"));
  EngineOptions o2 = o1;
  o1.storage = std::make_shared<MemoryStorage>();
  o2.storage = std::make_shared<MemoryStorage>();
  Engine e1(o1);
  Engine e2(o2);
  for (Action a : {Action::register_case, Action::dispatch, Action::accept, Action::suspend, Action::resume,
                   Action::resolve}) {
    const Step s = canonical(a);
    const Case acted = e1.act("C-9", a, s.actor, s.data);
    auto applied = e2.apply("C-9", a, s.actor, json(s.data));
    REQUIRE(applied.ok());
    CHECK(applied->state == acted.state);
  }
  CHECK(json(e1.get("C-9")) == json(e2.get("C-9")));
  const auto h1 = e1.history("C-9");
  const auto h2 = e2.history("C-9");
  REQUIRE(h1.size() == h2.size());
  for (std::size_t i = 0; i < h1.size(); ++i) CHECK(json(h1[i]) == json(h2[i]));
}

TEST_CASE("apply refuses as try_act does, and stores nothing") {
  Rig rig;
  rig.register_case("C-1");
  const Step accept = canonical(Action::accept);
  auto refused = rig->apply("C-1", Action::accept, accept.actor, json(accept.data));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::invalid_transition);
  CHECK(rig->try_act("C-1", Action::accept, accept.actor, accept.data).error().code == ErrorCode::invalid_transition);

  const Step dispatch = canonical(Action::dispatch);
  auto bad = rig->apply("C-1", Action::dispatch, dispatch.actor, json{{"route", "nowhere"}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::invalid_data);
  auto wrong = rig->apply("C-1", Action::dispatch, lead_handler, json(dispatch.data));
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().code == ErrorCode::not_permitted);
  CHECK(rig->apply("C-404", Action::dispatch, dispatch.actor, json(dispatch.data)).error().code ==
        ErrorCode::unknown_case);
  const Step reg = canonical(Action::register_case);
  CHECK(rig->apply("C-1", Action::register_case, reg.actor, json(reg.data)).error().code == ErrorCode::duplicate_case);
  CHECK(rig.get("C-1").version == 1);
  CHECK(rig->history("C-1").size() == 1);

  // Null data is the empty object, as for act().
  auto accepted_later = rig->apply("C-1", Action::dispatch, dispatch.actor, json(dispatch.data));
  REQUIRE(accepted_later.ok());
  auto with_null = rig->apply("C-1", Action::accept, accept.actor, json());
  REQUIRE(with_null.ok());
  CHECK(rig->history("C-1").back().data == json::object());
}

TEST_CASE("a listener that acts on the same thread works on a snapshot of its own") {
  Rig rig;
  std::vector<std::uint64_t> inner;
  bool reacting = false;
  rig->subscribe([&](const Event& e, const Case& c) {
    if (reacting || e.case_id != "C-1" || e.action != Action::dispatch) return;
    reacting = true;
    const Step reg = canonical(Action::register_case);
    auto r = rig->apply("C-2", Action::register_case, reg.actor, json(reg.data), ApplyOptions{true});
    REQUIRE(r.ok());
    inner.push_back(r->version);
    // The outer action's snapshot, handed to this listener, is untouched by the inner one.
    CHECK(c.id == "C-1");
    CHECK(c.state == State::dispatched);
    CHECK(r->snapshot->id == "C-2");
    reacting = false;
  });
  rig.register_case("C-1");
  const Step d = canonical(Action::dispatch);
  auto applied = rig->apply("C-1", Action::dispatch, d.actor, json(d.data), ApplyOptions{true});
  REQUIRE(applied.ok());
  CHECK(applied->snapshot->id == "C-1");
  CHECK(applied->snapshot->state == State::dispatched);
  CHECK(inner == std::vector<std::uint64_t>{1});
  CHECK(rig.get("C-2").state == State::registered);
  CHECK(json(*applied->snapshot) == json(rig.get("C-1")));
}

TEST_CASE("apply in a batch: listeners hear it when the batch commits, not on rollback") {
  Rig rig;
  const Step reg = canonical(Action::register_case);
  {
    auto batch = rig->batch();
    REQUIRE(rig->apply("C-1", Action::register_case, reg.actor, json(reg.data)).ok());
    CHECK(rig.heard.empty());
    batch.rollback();
  }
  CHECK(rig.heard.empty());
  CHECK(rig->try_get("C-1").error().code == ErrorCode::unknown_case);
  {
    auto batch = rig->batch();
    REQUIRE(rig->apply("C-1", Action::register_case, reg.actor, json(reg.data)).ok());
    batch.commit();
  }
  REQUIRE(rig.heard.size() == 1);
  CHECK(json(rig.heard[0].snapshot) == json(rig.get("C-1")));
}

TEST_CASE("load_into: one Case reused for every case of random histories reads what load reads") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    CAPTURE(seed);
    RandomHistoryOptions o;
    o.seed = seed;
    o.cases = 8;
    o.steps = 150;
    const RandomHistoryRun run = drive_random_history(o);
    const auto all = run.storage->query(CaseQuery{}).value();
    REQUIRE_FALSE(all.empty());
    Case reused;
    // Forwards and backwards: each case is decoded over a different earlier one.
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t k = 0; k < all.size(); ++k) {
        const Case& expected = all[pass == 0 ? k : all.size() - 1 - k];
        REQUIRE(run.storage->load_into(expected.id, reused).ok());
        CHECK(json(reused) == json(expected));
        CHECK(reused.chain_head == expected.chain_head);
      }
    }
    CHECK(run.storage->load_into("no-such-case", reused).error().code == ErrorCode::unknown_case);
  }
}

}  // TEST_SUITE
