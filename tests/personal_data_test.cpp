// Personal data (parties' id_number and phone) stays in the store: every channel through
// which the library itself writes for others — exports, reports, error messages, the
// default outbox payloads, replay reports — is searched for the raw values.
#include <doctest/doctest.h>

#include <sstream>

#include <fengqiao/engine.hpp>
#include <fengqiao/history.hpp>
#include <fengqiao/outbox.hpp>
#include <fengqiao/personal_data.hpp>
#include <fengqiao/replay.hpp>
#include <fengqiao/report.hpp>

#include "fixtures.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;

namespace {

const std::string kIdNumber = "110101199001011234";
const std::string kPhone = "13912345678";
const std::string kVisitPhone = "13787654321";

nlohmann::json with_personal_data() {
  nlohmann::json d = registration("emergency");
  d["parties"] = {{{"name", "Wang Li"}, {"id_number", kIdNumber}, {"phone", kPhone}, {"account", "citizen-wl"}}};
  return d;
}

void has_no_raw_values(const std::string& channel, const std::string& text) {
  INFO(channel);
  CHECK(text.find(kIdNumber) == std::string::npos);
  CHECK(text.find(kPhone) == std::string::npos);
  CHECK(text.find(kVisitPhone) == std::string::npos);
  // Nor their long runs of digits, e.g. a phone without its prefix.
  CHECK(text.find("12345678") == std::string::npos);
  CHECK(text.find("19900101") == std::string::npos);
}

}  // namespace

TEST_CASE("masking keeps the kind of value recognisable and never splits a character") {
  CHECK(mask_phone("13912345678") == "139****5678");
  CHECK(mask_phone("+8613912345678") == "+86*******5678");
  CHECK(mask_phone("5551234") == "*****34");
  CHECK(mask_phone("110") == "***");
  CHECK(mask_phone("") == "");
  CHECK(mask_id_number("110101199001011234") == "1101**********1234");
  CHECK(mask_id_number("G12345678") == "*******78");
  CHECK(mask_id_number("王丽的身份证号码") == "******号码");  // code points, not bytes
  const nlohmann::json masked = mask_parties({{"parties", {{{"name", "Wang Li"}, {"phone", kPhone}}, {{"name", "Zhao"}}}},
                                              {"summary", kPhone}});
  CHECK(masked["parties"][0]["phone"] == "139****5678");
  CHECK(masked["parties"][0]["name"] == "Wang Li");
  CHECK(masked["summary"] == kPhone);  // only the party fields are personal data by definition
}

TEST_CASE("exports, reports, outbox payloads, error messages and replay reports carry no raw id_number or phone") {
  auto clock = std::make_shared<ManualClock>(at("2025-09-01T09:00:00+08:00"));
  auto storage = std::make_shared<MemoryStorage>();
  EngineOptions o;
  o.clock = clock;
  o.storage = storage;
  o.calendar = national_day_2025();
  o.outbox = notification_outbox_policy();
  Engine engine(std::move(o));

  engine.register_case("C-1", intake, with_personal_data());
  engine.act("C-1", Action::dispatch, dispatcher, {{"route", "people_mediation"}, {"lead", "justice_xilinji"}});
  engine.record_visit("V-1", intake,
                      {{"channel", "walk_in"},
                       {"kind", "claim"},
                       {"parties", {{{"name", "Wang Li"}, {"id_number", kIdNumber}, {"phone", kVisitPhone}}}},
                       {"summary", "Came back to ask about the fence."},
                       {"case", "C-1"}});
  clock->set(at("2025-09-03T09:00:00+08:00"));
  engine.poll();  // warnings, overdue, escalations: outbox messages up the path
  // The store keeps them as given: the embedder's own screens need them.
  CHECK(engine.get("C-1").parties.at(0).phone == kPhone);

  // Refusals whose input holds personal data.
  nlohmann::json bad = with_personal_data();
  bad.erase("category");
  std::string errors = engine.try_register_case("C-2", intake, bad).error().describe();
  bad = with_personal_data();
  bad["parties"][0]["account"] = 42;
  errors += engine.try_register_case("C-3", intake, bad).error().describe();
  errors += engine.try_record_visit("V-2", intake,
                                    {{"channel", "pigeon"}, {"kind", "claim"},
                                     {"parties", {{{"name", "Wang Li"}, {"phone", kVisitPhone}}}}, {"summary", "s"}})
                .error()
                .describe();
  errors += engine.try_record_visit("V-3", admin, {{"parties", {{{"name", "Wang Li"}, {"phone", kVisitPhone}}}}})
                .error()
                .describe();
  has_no_raw_values("error messages", errors);

  std::ostringstream exported;
  REQUIRE(history::export_cases(*storage, {}, exported));
  has_no_raw_values("export", exported.str());
  CHECK(exported.str().find("139****5678") != std::string::npos);
  CHECK(exported.str().find("1101**********1234") != std::string::npos);

  const Report report = compute_report(*storage).value();
  has_no_raw_values("report text", report.to_text(50));
  has_no_raw_values("report JSON", report.to_json().dump());

  std::string payloads;
  for (const OutboxMessage& m : storage->outbox_fetch(1000).value()) payloads += m.topic + m.payload.dump() + "\n";
  CHECK(payloads.find("one_time_notice") != std::string::npos);
  CHECK(payloads.find("escalated") != std::string::npos);
  has_no_raw_values("outbox payloads", payloads);

  // The masked export replays to the same states and events, and its report says so cleanly.
  std::istringstream in(exported.str());
  const ReplayResult replayed = replay(in);
  CHECK_MESSAGE(replayed.clean(), replayed.describe());
  has_no_raw_values("replay report", replayed.describe() + replayed.to_json().dump());

  // Asked for by name, an export carries them.
  std::ostringstream full;
  REQUIRE(history::export_cases(*storage, {}, full, history::ExportOptions{PersonalData::included}));
  CHECK(full.str().find(kPhone) != std::string::npos);
  CHECK(full.str().find(kIdNumber) != std::string::npos);
}

TEST_CASE("a replay that fails on a line holding personal data does not repeat it") {
  std::ostringstream h;
  h << R"({"format":"fengqiao-history","version":2})" << "\n";
  nlohmann::json line = {{"at", "2025-09-01T09:00:00+08:00"},
                         {"case", "C-1"},
                         {"action", "register"},
                         {"actor", {{"id", "u-intake-1"}, {"role", "intake"}, {"org", "center"}}},
                         {"data", with_personal_data()},
                         {"expect_error", "invalid_data"}};
  h << line.dump() << "\n";
  std::istringstream in(h.str());
  const ReplayResult r = replay(in);
  REQUIRE_FALSE(r.clean());
  has_no_raw_values("replay failure", r.describe() + r.to_json().dump());
}
