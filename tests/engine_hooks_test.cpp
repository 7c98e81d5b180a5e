// The engine's API around the lifecycle (engine.hpp): listeners (order, snapshots, failures,
// unsubscribe), batches (listeners run on commit, never on rollback) and the two ways an
// action reports a refusal (Exception from act/register_case, Result from try_*).
#include <doctest/doctest.h>

#include <functional>
#include <stdexcept>

#include "scenarios.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;
using nlohmann::json;

TEST_SUITE("engine hooks") {

TEST_CASE("listeners: called once per stored event, in subscription order, with the stored snapshot") {
  Rig rig;  // its own recorder is the first listener
  std::vector<std::string> calls;
  rig->subscribe([&](const Event& e, const Case&) { calls.push_back("A" + std::to_string(e.seq)); });
  rig->subscribe([&](const Event& e, const Case&) { calls.push_back("B" + std::to_string(e.seq)); });

  rig.register_case("C-1");
  rig.act("C-1", Action::dispatch);
  rig.act("C-1", Action::accept);
  CHECK(calls == std::vector<std::string>{"A1", "B1", "A2", "B2", "A3", "B3"});

  // Each call carries the event as stored and the case as that event left it.
  const auto history = rig->history("C-1");
  REQUIRE(rig.heard.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(json(rig.heard[i].event) == json(history[i]));
    CHECK(rig.heard[i].snapshot.version == history[i].seq);
    CHECK(rig.heard[i].snapshot.state == history[i].state_after);
  }
  CHECK(json(rig.heard.back().snapshot) == json(rig.get("C-1")));
  CHECK(rig.heard[1].snapshot.state == State::dispatched);
}

TEST_CASE("listeners: run after the change is stored, so the listener can read it back") {
  Rig rig;
  std::vector<std::uint64_t> stored_versions;
  rig->subscribe([&](const Event& e, const Case&) {
    stored_versions.push_back(rig->get(e.case_id).version);
    CHECK(rig->history(e.case_id).back().seq == e.seq);
  });
  rig.register_case("C-1");
  rig.act("C-1", Action::dispatch);
  CHECK(stored_versions == std::vector<std::uint64_t>{1, 2});
}

TEST_CASE("listeners: engine-generated events are delivered too, with the region they set") {
  Rig rig;
  rig.register_case("C-1");  // dispatch clock: warning 2025-09-02T00:00, deadline 2025-09-03T00:00
  rig.heard.clear();
  AdvanceReport report = rig->advance_to(at("2025-09-03T00:00:00+08:00"));
  CHECK(report.fired == 2);
  REQUIRE(rig.heard.size() == 2);
  CHECK(rig.heard[0].event.type == EventType::deadline_warning);
  CHECK(rig.heard[0].event.at == at("2025-09-02T00:00:00+08:00"));
  CHECK(rig.heard[0].snapshot.supervision == Supervision::warning);
  CHECK(rig.heard[1].event.type == EventType::deadline_overdue);
  CHECK(rig.heard[1].snapshot.supervision == Supervision::overdue);
  CHECK(json(rig.heard[1].snapshot) == json(rig.get("C-1")));
}

TEST_CASE("listeners: one that throws undoes nothing, does not stop the others, and is reported") {
  Rig rig;
  std::vector<std::uint64_t> after;
  const ListenerId thrower = rig->subscribe([](const Event& e, const Case&) {
    if (e.seq == 2) throw std::runtime_error("sms gateway down");
    if (e.seq == 3) throw 42;  // not even a std::exception
  });
  rig->subscribe([&](const Event& e, const Case&) { after.push_back(e.seq); });

  rig.register_case("C-1");
  Case c = rig.act("C-1", Action::dispatch);  // does not throw
  CHECK(c.state == State::dispatched);
  CHECK(rig.get("C-1").state == State::dispatched);
  CHECK(rig->history("C-1").size() == 2);
  CHECK(rig.act("C-1", Action::accept).state == State::handling);

  CHECK(after == std::vector<std::uint64_t>{1, 2, 3});
  REQUIRE(rig.listener_errors.size() == 2);
  CHECK(rig.listener_errors[0].listener == thrower);
  CHECK(rig.listener_errors[0].case_id == "C-1");
  CHECK(rig.listener_errors[0].event_seq == 2);
  CHECK(rig.listener_errors[0].what == "sms gateway down");
  CHECK(rig.listener_errors[1].event_seq == 3);
  CHECK_FALSE(rig.listener_errors[1].what.empty());
}

TEST_CASE("listeners: a throwing listener does not stop deadline events from firing") {
  Rig rig;
  rig->subscribe([](const Event& e, const Case&) {
    if (e.type != EventType::action) throw std::runtime_error("pager down");
  });
  rig.register_case("C-1");
  AdvanceReport report = rig->advance_to(at("2025-09-03T00:00:00+08:00"));
  CHECK(report.fired == 2);
  CHECK(rig.get("C-1").supervision == Supervision::overdue);
  CHECK(rig.listener_errors.size() == 2);
}

TEST_CASE("listeners: with the default error handler a throwing listener still leaves the change stored") {
  EngineOptions o;
  o.clock = std::make_shared<ManualClock>(at("2025-09-01T09:00:00+08:00"));
  Engine engine(std::move(o));
  engine.subscribe([](const Event&, const Case&) { throw std::runtime_error("ignored"); });
  CHECK_NOTHROW(engine.register_case("C-1", intake, registration()));
  CHECK(engine.get("C-1").state == State::registered);
}

TEST_CASE("listeners: unsubscribe stops the calls; the others go on") {
  Rig rig;
  int a = 0, b = 0;
  const ListenerId ida = rig->subscribe([&](const Event&, const Case&) { ++a; });
  rig->subscribe([&](const Event&, const Case&) { ++b; });
  rig.register_case("C-1");
  rig->unsubscribe(ida);
  rig.act("C-1", Action::dispatch);
  CHECK(a == 1);
  CHECK(b == 2);
  rig->unsubscribe(ida);  // twice: harmless
  rig->unsubscribe(9999);  // never subscribed: harmless
  rig.act("C-1", Action::accept);
  CHECK(a == 1);
  CHECK(b == 3);
}

TEST_CASE("listeners: subscribing or unsubscribing inside a listener applies from the next event on") {
  Rig rig;
  int self = 0, late = 0;
  ListenerId self_id = 0;
  self_id = rig->subscribe([&](const Event&, const Case&) {
    ++self;
    rig->unsubscribe(self_id);
    rig->subscribe([&](const Event&, const Case&) { ++late; });
  });
  rig.register_case("C-1");  // `self` runs once, unsubscribes itself, adds `late`
  CHECK(self == 1);
  CHECK(late == 0);
  rig.act("C-1", Action::dispatch);
  CHECK(self == 1);
  CHECK(late == 1);
}

TEST_CASE("listeners: not called for a refused action") {
  Rig rig;
  int calls = 0;
  rig->subscribe([&](const Event&, const Case&) { ++calls; });
  rig.register_case("C-1");
  CHECK_FALSE(rig->try_act("C-1", Action::accept, lead_handler).ok());
  CHECK_FALSE(rig->try_act("C-1", Action::dispatch, citizen, canonical(Action::dispatch).data).ok());
  CHECK_FALSE(rig->try_act("C-1", Action::dispatch, dispatcher, json::object()).ok());
  CHECK_FALSE(rig.try_act("NO-SUCH", Action::dispatch).ok());
  CHECK_FALSE(rig->try_register_case("C-1", intake, registration()).ok());
  CHECK(calls == 1);
  CHECK(rig.listener_errors.empty());
}

TEST_CASE("batch: listeners run when the batch commits, in order, with each event's snapshot") {
  Rig rig;
  rig.register_case("C-0");
  rig.heard.clear();
  {
    Engine::Batch batch = rig->batch();
    rig.register_case("C-1");
    rig.act("C-1", Action::dispatch);
    rig.act("C-0", Action::decline);
    // A refusal inside the batch changes nothing and does not end the batch.
    CHECK_FALSE(rig.try_act("C-1", Action::resolve).ok());
    CHECK(rig.heard.empty());
    batch.commit();
    REQUIRE(rig.heard.size() == 3);
    CHECK(rig.heard[0].event.case_id == "C-1");
    CHECK(rig.heard[0].snapshot.state == State::registered);
    CHECK(rig.heard[1].event.case_id == "C-1");
    CHECK(rig.heard[1].snapshot.state == State::dispatched);
    CHECK(rig.heard[2].event.case_id == "C-0");
    CHECK(rig.heard[2].snapshot.state == State::concluded);
    CHECK_THROWS_AS(batch.commit(), Exception);  // once only
  }
  CHECK(rig.get("C-1").state == State::dispatched);
  CHECK(rig.get("C-0").state == State::concluded);
  CHECK(rig.heard.size() == 3);  // the Batch's destructor after commit does nothing
}

TEST_CASE("batch: a batch destroyed without commit rolls back, and its listeners never run") {
  Rig rig;
  rig.register_case("C-0");
  const json before = rig.get("C-0");
  rig.heard.clear();
  {
    Engine::Batch batch = rig->batch();
    rig.register_case("C-1");
    rig.act("C-0", Action::dispatch);
    rig->advance_to(at("2025-09-03T00:00:00+08:00"));  // C-1's dispatch clock warns
  }
  CHECK(rig.heard.empty());
  CHECK(rig->try_get("C-1").error().code == ErrorCode::unknown_case);
  CHECK(json(rig.get("C-0")) == before);
  CHECK(rig->history("C-0").size() == 1);
  // The engine works normally afterwards, and the rolled-back id is free again.
  rig.register_case("C-1");
  CHECK(rig.heard.size() == 1);
}

TEST_CASE("batch: deadline events fired inside a batch reach the listeners at commit") {
  Rig rig;
  rig.register_case("C-1");
  rig.heard.clear();
  Engine::Batch batch = rig->batch();
  CHECK(rig->advance_to(at("2025-09-03T00:00:00+08:00")).fired == 2);
  CHECK(rig.heard.empty());
  batch.commit();
  REQUIRE(rig.heard.size() == 2);
  CHECK(rig.heard[0].event.type == EventType::deadline_warning);
  CHECK(rig.heard[1].event.type == EventType::deadline_overdue);
}

TEST_CASE("throwing API: act and register_case throw fengqiao::Exception carrying the code") {
  Rig rig;
  rig.register_case("C-1");
  struct Attempt {
    const char* what;
    std::function<void()> call;
    ErrorCode code;
  };
  const Attempt attempts[] = {
      {"invalid_transition", [&] { rig.act("C-1", Action::accept); }, ErrorCode::invalid_transition},
      {"not_permitted", [&] { rig.act("C-1", Action::dispatch, citizen, canonical(Action::dispatch).data); },
       ErrorCode::not_permitted},
      {"invalid_data", [&] { rig.act("C-1", Action::dispatch, dispatcher, {{"route", "petition"}}); },
       ErrorCode::invalid_data},
      {"unknown_case", [&] { rig.act("C-404", Action::dispatch); }, ErrorCode::unknown_case},
      {"duplicate_case", [&] { rig->register_case("C-1", intake, registration()); }, ErrorCode::duplicate_case},
  };
  for (const Attempt& a : attempts) {
    CAPTURE(a.what);
    try {
      a.call();
      FAIL("no exception");
    } catch (const Exception& e) {
      CHECK(e.code() == a.code);
      CHECK(e.error().code == a.code);
      CHECK(std::string(e.what()).rfind(std::string(to_string(a.code)) + ": ", 0) == 0);
    }
  }
  CHECK(rig.get("C-1").version == 1);
}

TEST_CASE("non-throwing API: try_act and try_register_case return the same Error as the exception") {
  Rig rig;
  rig.register_case("C-1");
  auto tried = rig->try_act("C-1", Action::dispatch, dispatcher, {{"route", "petition"}});
  REQUIRE_FALSE(tried.ok());
  CHECK(tried.error().code == ErrorCode::invalid_data);
  try {
    rig->act("C-1", Action::dispatch, dispatcher, {{"route", "petition"}});
    FAIL("no exception");
  } catch (const Exception& e) {
    CHECK(e.error().code == tried.error().code);
    CHECK(e.error().message == tried.error().message);
  }

  auto dup = rig->try_register_case("C-1", intake, registration());
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == ErrorCode::duplicate_case);

  // Success returns the stored snapshot.
  auto ok = rig->try_act("C-1", Action::dispatch, dispatcher, canonical(Action::dispatch).data);
  REQUIRE(ok.ok());
  CHECK(ok->state == State::dispatched);
  CHECK(json(*ok) == json(rig.get("C-1")));
  auto reg = rig->try_register_case("C-2", citizen, registration());
  REQUIRE(reg.ok());
  CHECK(reg->first_responder == citizen.id);
}

}  // TEST_SUITE

TEST_CASE("an engine moves with its listeners, batch and storage; the moved-to engine goes on") {
  fengqiao::testing::Bench b;
  std::vector<std::string> heard;
  b->subscribe([&](const fengqiao::Event& e, const fengqiao::Case&) { heard.push_back(e.case_id); });
  auto batch = b->batch();
  b->register_case("C-1", fengqiao::testing::intake, fengqiao::testing::registration());
  fengqiao::Engine moved(std::move(*b.engine));
  batch.commit();  // the batch opened before the move commits through the moved state
  CHECK(heard == std::vector<std::string>{"C-1"});
  moved.register_case("C-2", fengqiao::testing::intake, fengqiao::testing::registration());
  CHECK(moved.count(fengqiao::CaseQuery{}) == 2);
  CHECK(heard.size() == 2);
  fengqiao::Engine assigned = std::move(moved);
  CHECK(assigned.get("C-1").state == fengqiao::State::registered);
}
