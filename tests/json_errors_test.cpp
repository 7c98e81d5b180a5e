// The from_json functions of the public value types report bad input the documented way
// (case.hpp, vocabulary.hpp, rules.hpp): fengqiao::Exception with invalid_data (or
// invalid_config for rules), a message naming the problem, and never one of nlohmann's
// exception types, whose constructors are not public API.
#include <doctest/doctest.h>

#include <functional>
#include <string>

#include <fengqiao/case.hpp>
#include <fengqiao/configuration.hpp>
#include <fengqiao/event.hpp>

#include "fixtures.hpp"

using namespace fengqiao;
using fengqiao::testing::Bench;

namespace {

// The Error carried by what `decode` throws. Fails the check if it throws anything else,
// or nothing.
Error thrown_by(const std::function<void()>& decode) {
  try {
    decode();
  } catch (const Exception& e) {
    CHECK(std::string(e.what()) == e.error().describe());
    return e.error();
  } catch (const nlohmann::json::exception& e) {
    FAIL("a nlohmann exception escaped: " << e.what());
  } catch (const std::exception& e) {
    FAIL("an unexpected exception escaped: " << e.what());
  }
  FAIL("nothing was thrown");
  return {};
}

bool mentions(const Error& e, const std::string& text) { return e.message.find(text) != std::string::npos; }

// A stored-looking case with a running stage clock, as JSON.
nlohmann::json case_json() {
  Bench bench;
  bench->register_case("J-1", fengqiao::testing::intake, fengqiao::testing::registration());
  nlohmann::json j = bench->get("J-1");
  REQUIRE(j.at("clock").is_object());
  return j;
}

}  // namespace

TEST_CASE("a well-formed case and event still decode") {
  const nlohmann::json j = case_json();
  CHECK(j.get<Case>().id == "J-1");
  Bench bench;
  bench->register_case("J-2", fengqiao::testing::intake, fengqiao::testing::registration());
  const Event first = bench->history("J-2").at(0);
  CHECK(nlohmann::json(first).get<Event>().case_id == "J-2");
}

TEST_CASE("an unknown enum spelling names the enum and the text") {
  Error e = thrown_by([] { (void)nlohmann::json("frozen").get<State>(); });
  CHECK(e.code == ErrorCode::invalid_data);
  CHECK(mentions(e, "State"));
  CHECK(mentions(e, "\"frozen\""));

  e = thrown_by([] { (void)nlohmann::json(3).get<Role>(); });  // not even a string
  CHECK(e.code == ErrorCode::invalid_data);
  CHECK(mentions(e, "Role"));

  nlohmann::json j = case_json();
  j["urgency"] = "whenever";
  e = thrown_by([&] { (void)j.get<Case>(); });
  CHECK(e.code == ErrorCode::invalid_data);
  CHECK(mentions(e, "unknown Urgency \"whenever\""));
}

TEST_CASE("an instant that does not parse names its field and its text") {
  nlohmann::json j = case_json();
  j["registered_at"] = "2025-13-40T09:00:00+08:00";
  Error e = thrown_by([&] { (void)j.get<Case>(); });
  CHECK(e.code == ErrorCode::invalid_data);
  CHECK(mentions(e, "registered_at"));
  CHECK(mentions(e, "2025-13-40T09:00:00+08:00"));

  j = case_json();
  j["clock"]["armed_after"] = "yesterday";
  e = thrown_by([&] { (void)j.get<Case>(); });
  CHECK(mentions(e, "armed_after"));
  CHECK(mentions(e, "yesterday"));

  Bench bench;
  bench->register_case("J-3", fengqiao::testing::intake, fengqiao::testing::registration());
  nlohmann::json event = bench->history("J-3").at(0);
  event["at"] = "2025-09-01 09:00";  // no offset
  e = thrown_by([&] { (void)event.get<Event>(); });
  CHECK(e.code == ErrorCode::invalid_data);
  CHECK(mentions(e, "at: "));
  CHECK(mentions(e, "2025-09-01 09:00"));
}

TEST_CASE("a clock whose schedule does not fit its rule says so") {
  nlohmann::json j = case_json();
  auto& schedule = j["clock"]["schedule"];
  const auto expected = schedule.size();
  schedule.erase(schedule.size() - 1);
  Error e = thrown_by([&] { (void)j.get<Case>(); });
  CHECK(e.code == ErrorCode::invalid_data);
  CHECK(mentions(e, "StageClock"));
  CHECK(mentions(e, "schedule has " + std::to_string(expected - 1) + " instants"));
  CHECK(mentions(e, "max_level"));
}

TEST_CASE("a missing key or a wrong JSON type is our exception too, naming the type read") {
  nlohmann::json j = case_json();
  j.erase("version");
  Error e = thrown_by([&] { (void)j.get<Case>(); });
  CHECK(e.code == ErrorCode::invalid_data);
  CHECK(mentions(e, "Case"));
  CHECK(mentions(e, "version"));

  j = case_json();
  j["parties"][0]["name"] = 42;
  e = thrown_by([&] { (void)j.get<Case>(); });
  CHECK(mentions(e, "Party"));

  e = thrown_by([] { (void)nlohmann::json::array().get<Actor>(); });
  CHECK(e.code == ErrorCode::invalid_data);
  CHECK(mentions(e, "Actor"));
}

TEST_CASE("spans and stage rules are configuration: invalid_config") {
  Error e = thrown_by([] { (void)nlohmann::json{{"weeks", 2}}.get<Span>(); });
  CHECK(e.code == ErrorCode::invalid_config);
  CHECK(mentions(e, "weeks"));

  e = thrown_by([] { (void)nlohmann::json{{"limit", {{"hours", 4}}}}.get<StageRule>(); });
  CHECK(e.code == ErrorCode::invalid_config);
  CHECK(mentions(e, "StageRule"));

  nlohmann::json j = case_json();
  j["clock"]["rule"]["limit"] = {{"fortnights", 1}};
  e = thrown_by([&] { (void)j.get<Case>(); });
  CHECK(e.code == ErrorCode::invalid_config);
  CHECK(mentions(e, "fortnights"));
}

// Found by the rules_calendar fuzz target: a number too big for uint64 is read by nlohmann
// as a float, and get<uint64_t>() of it was a float-to-integer conversion out of range
// (undefined behaviour; UBSan stopped the fuzz stage). Every whole-number field of the
// stored types is now read checked: a float, a negative number for an unsigned field or a
// value beyond the field's type is refused, naming the field, and never wrapped.
TEST_CASE("a whole-number field that is a float, negative or too big is refused, naming the field") {
  const nlohmann::json original = case_json();
  struct Bad {
    const char* key;
    nlohmann::json value;
  };
  for (const Bad& bad : {Bad{"version", 92233720368547758072.0}, Bad{"version", 1.5}, Bad{"version", -1},
                         Bad{"reopened", 4294967296LL}, Bad{"level", 2147483648LL}, Bad{"notes", -3},
                         Bad{"version", true}}) {
    CAPTURE(bad.key);
    CAPTURE(bad.value.dump());
    nlohmann::json j = original;
    j[bad.key] = bad.value;
    const Error e = thrown_by([&] { (void)j.get<Case>(); });
    CHECK(e.code == ErrorCode::invalid_data);
    CHECK(mentions(e, std::string("Case.") + bad.key + " must be a whole number"));
  }
  nlohmann::json record = original;
  record["record"]["warnings"] = 1e30;
  CHECK(mentions(thrown_by([&] { (void)record.get<Case>(); }), "SupervisionRecord.warnings"));
  nlohmann::json clock = original;
  clock["clock"]["next_step"] = 256;
  CHECK(mentions(thrown_by([&] { (void)clock.get<Case>(); }), "StageClock.next_step"));

  Bench bench;
  bench->register_case("J-3", fengqiao::testing::intake, fengqiao::testing::registration());
  nlohmann::json event = bench->history("J-3").at(0);
  event["seq"] = 1e20;
  CHECK(mentions(thrown_by([&] { (void)event.get<Event>(); }), "Event.seq must be a whole number"));
  event["seq"] = 1;
  event["level"] = 0.5;
  CHECK(mentions(thrown_by([&] { (void)event.get<Event>(); }), "Event.level must be a whole number"));
}

TEST_CASE("a configuration record's seq beyond uint64 is refused, not converted (the fuzz finding)") {
  Bench bench;
  nlohmann::json record = bench->configuration_history().at(0);
  record["seq"] = nlohmann::json::parse("92233720368547758072");  // read as a float by nlohmann
  REQUIRE(record["seq"].is_number_float());
  const Error e = thrown_by([&] { (void)record.get<ConfigRecord>(); });
  CHECK(e.code == ErrorCode::invalid_data);
  CHECK(mentions(e, "ConfigRecord.seq must be a whole number from 0 to 18446744073709551615"));
  record["seq"] = -1;
  CHECK(mentions(thrown_by([&] { (void)record.get<ConfigRecord>(); }), "ConfigRecord.seq"));
  record["seq"] = 1;
  CHECK(record.get<ConfigRecord>().seq == 1);
}
