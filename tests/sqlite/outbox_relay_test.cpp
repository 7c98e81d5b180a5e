// Durable hooks: outbox messages are stored with their event, delivered at least once
// through OutboxRelay, acknowledged only after the sink accepted them, and their depth is
// visible. Runs on the in-memory and the SQLite adapter.
#include <doctest/doctest.h>

#include <fengqiao/outbox.hpp>
#include <fengqiao/sqlite_storage.hpp>
#include <fengqiao/testing/storage_conformance.hpp>

#include "fixtures.hpp"

namespace {

using namespace fengqiao;
namespace fx = fengqiao::testing;

struct OnMemory {
  std::shared_ptr<Storage> open() { return std::make_shared<MemoryStorage>(); }
};
struct OnSqlite {
  fx::TempDir dir;
  std::shared_ptr<Storage> open() { return SqliteStorage::open(dir.file("center.db")).value_or_throw(); }
};

// An engine whose every event produces one message, topic = what happened.
std::unique_ptr<Engine> engine_on(std::shared_ptr<Storage> storage, std::shared_ptr<ManualClock> clock,
                                  OutboxPolicy policy = nullptr) {
  EngineOptions o;
  o.storage = std::move(storage);
  o.clock = std::move(clock);
  o.calendar = fx::national_day_2025();
  o.outbox = policy ? policy : [](const Event& e, const Case&) {
    const std::string topic(e.action ? to_string(*e.action) : to_string(e.type));
    return std::vector<OutboxMessage>{OutboxMessage{0, topic, e.case_id, e.seq, {{"seq", e.seq}}}};
  };
  return std::make_unique<Engine>(std::move(o));
}

std::shared_ptr<ManualClock> clock_at(const char* iso) { return std::make_shared<ManualClock>(fx::at(iso)); }

void three_events(Engine& e) {
  e.register_case("C-1", fx::intake, fx::registration());
  e.act("C-1", Action::dispatch, fx::dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
  e.act("C-1", Action::accept, fx::lead_handler);
}

}  // namespace

TEST_CASE_TEMPLATE("the relay delivers in order and acknowledges what the sink accepted", F, OnMemory, OnSqlite) {
  F factory;
  auto storage = factory.open();
  auto engine = engine_on(storage, clock_at("2025-09-01T09:00:00+08:00"));
  three_events(*engine);
  REQUIRE(storage->outbox_depth().value() == 3);

  std::vector<std::string> delivered;
  OutboxRelay relay(storage, [&](const OutboxMessage& m) {
    // Nothing is acknowledged before the sink returns.
    CHECK(storage->outbox_depth().value() == 3);
    delivered.push_back(m.topic);
    return true;
  });
  auto report = relay.deliver();
  REQUIRE(report.ok());
  CHECK(report->delivered == 3);
  CHECK(report->depth == 0);
  CHECK_FALSE(report->refused.has_value());
  CHECK(delivered == std::vector<std::string>{"register", "dispatch", "accept"});
  CHECK(relay.depth().value() == 0);
  CHECK(relay.drain().value().delivered == 0);
}

TEST_CASE_TEMPLATE("a refusing sink stops the round; the message is offered again, in order", F, OnMemory, OnSqlite) {
  F factory;
  auto storage = factory.open();
  auto engine = engine_on(storage, clock_at("2025-09-01T09:00:00+08:00"));
  three_events(*engine);

  std::vector<std::uint64_t> seen;
  int calls = 0;
  OutboxRelay relay(storage, [&](const OutboxMessage& m) {
    seen.push_back(m.event_seq);
    if (++calls == 2) return false;               // the gateway is down once
    if (calls == 3) throw std::runtime_error("connection reset");  // and then throws
    return true;
  });
  auto first = relay.deliver();
  REQUIRE(first.ok());
  CHECK(first->delivered == 1);
  CHECK(first->depth == 2);
  REQUIRE(first->refused.has_value());
  CHECK(first->refused->find("the sink returned false") != std::string::npos);

  auto second = relay.drain();
  REQUIRE(second.ok());
  CHECK(second->delivered == 0);
  REQUIRE(second->refused.has_value());
  CHECK(second->refused->find("connection reset") != std::string::npos);

  auto third = relay.drain();
  REQUIRE(third.ok());
  CHECK(third->delivered == 2);
  CHECK(third->depth == 0);
  // Message 2 was offered three times, never overtaken by message 3.
  CHECK(seen == std::vector<std::uint64_t>{1, 2, 2, 2, 3});
}

TEST_CASE_TEMPLATE("a stalled consumer shows in the depth and raises the backlog alarm", F, OnMemory, OnSqlite) {
  F factory;
  auto storage = factory.open();
  auto engine = engine_on(storage, clock_at("2025-09-01T09:00:00+08:00"));
  for (int i = 0; i < 12; ++i) engine->register_case("C-" + std::to_string(i), fx::intake, fx::registration());

  std::vector<std::uint64_t> alarms;
  OutboxRelayOptions o;
  o.batch_size = 4;
  o.backlog_threshold = 10;
  o.on_backlog = [&](std::uint64_t depth) { alarms.push_back(depth); };
  bool up = false;
  OutboxRelay relay(storage, [&](const OutboxMessage&) { return up; }, o);
  CHECK(relay.depth().value() == 12);
  CHECK(relay.deliver().value().depth == 12);
  CHECK(alarms == std::vector<std::uint64_t>{12});
  up = true;
  CHECK(relay.deliver().value().depth == 8);  // below the threshold: no alarm
  CHECK(alarms.size() == 1);
  CHECK(relay.drain().value().delivered == 8);
  CHECK(relay.depth().value() == 0);
}

TEST_CASE("notification_outbox_policy: emergencies and escalations notify up the path") {
  auto storage = std::make_shared<MemoryStorage>();
  auto clock = clock_at("2025-09-01T09:00:00+08:00");
  auto engine = engine_on(storage, clock, notification_outbox_policy(""));  // no one-time notice
  engine->register_case("C-normal", fx::intake, fx::registration("normal"));
  CHECK(storage->outbox_depth().value() == 0);
  engine->register_case("C-em", fx::intake, fx::registration("emergency"));
  auto messages = storage->outbox_fetch(10).value();
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].topic == "emergency_registered");
  CHECK(messages[0].case_id == "C-em");
  CHECK(messages[0].event_seq == 1);
  CHECK(messages[0].payload["notified"] == nlohmann::json({"xilinji", "mohe", "daxinganling"}));
  CHECK(messages[0].payload["event"] == "register");
  storage->outbox_ack({messages[0].id}).throw_if_error();

  // Emergency dispatch clock: 30 minutes, escalation every 2 hours.
  clock->advance(Seconds(3 * 3600));
  engine->poll();
  messages = storage->outbox_fetch(10).value();
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].topic == "escalated");
  CHECK(messages[0].payload["event"] == "escalated");
  CHECK(messages[0].payload["level"] == 1);
  CHECK(messages[0].payload["stage"] == "dispatch");
  CHECK(messages[0].payload["notified"] == nlohmann::json({"mohe"}));
}

TEST_CASE("notification_outbox_policy: the one-time notice is the party's first message, names only") {
  auto storage = std::make_shared<MemoryStorage>();
  auto clock = clock_at("2025-09-01T09:00:00+08:00");
  EngineOptions o;
  o.storage = storage;
  o.clock = clock;
  o.calendar = fx::national_day_2025();
  o.rules = DeadlineRules::from_json({{"notices", {{"land", {"land certificate"}}, {"*", {"identity document"}}}}}).value();
  o.outbox = notification_outbox_policy("party_notice");
  Engine engine(std::move(o));
  const Case land = engine.register_case("C-land", fx::intake, fx::registration("emergency", "land"));
  CHECK(land.notice == std::vector<std::string>{"land certificate"});
  CHECK(engine.history("C-land").front().notice == std::vector<std::string>{"land certificate"});
  CHECK(engine.register_case("C-other", fx::intake, fx::registration()).notice ==
        std::vector<std::string>{"identity document"});
  auto messages = storage->outbox_fetch(10).value();
  REQUIRE(messages.size() == 3);
  // The emergency's own notice comes before its notification up the path.
  CHECK(messages[0].topic == "party_notice");
  CHECK(messages[0].case_id == "C-land");
  CHECK(messages[0].payload["notice"] == nlohmann::json({"land certificate"}));
  CHECK(messages[0].payload["parties"] == nlohmann::json({"Wang Li", "Zhao Gang"}));
  CHECK(messages[0].payload.dump().find("13900000001") == std::string::npos);  // no phone in the outbox
  CHECK(messages[1].topic == "emergency_registered");
  CHECK(messages[2].topic == "party_notice");
  CHECK(messages[2].payload["notice"] == nlohmann::json({"identity document"}));
}

TEST_CASE("messages committed before a stop are delivered after the restart") {
  fx::TempDir dir;
  const std::string path = dir.file("center.db");
  {
    auto engine = engine_on(SqliteStorage::open(path).value_or_throw(), clock_at("2025-09-01T09:00:00+08:00"));
    three_events(*engine);
    // The process stops before any delivery.
  }
  {
    auto storage = SqliteStorage::open(path).value_or_throw();
    int calls = 0;
    OutboxRelay relay(storage, [&](const OutboxMessage&) { return ++calls == 1; });
    CHECK(relay.drain().value().delivered == 1);  // then the sink fails and the process stops
  }
  auto storage = SqliteStorage::open(path).value_or_throw();
  std::vector<std::uint64_t> seqs;
  OutboxRelay relay(storage, [&](const OutboxMessage& m) {
    seqs.push_back(m.event_seq);
    return true;
  });
  CHECK(relay.drain().value().delivered == 2);
  CHECK(seqs == std::vector<std::uint64_t>{2, 3});
}
