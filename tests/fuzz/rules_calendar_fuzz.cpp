// Fuzz target: the readers of configuration — DeadlineRules::from_json and
// BusinessCalendar::from_json — and of the stored JSON they end up in (a case snapshot's
// stage clocks carry their rule's spans; a configuration record carries both documents).
// These documents come from people (docs/RULES.md) and from files on disk, so any bytes
// must give either a value or invalid_config / fengqiao::Exception, and what was accepted
// must read back from its own JSON (an engine stores to_json() and reads it at restart).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>

#include <fengqiao/calendar.hpp>
#include <fengqiao/case.hpp>
#include <fengqiao/configuration.hpp>
#include <fengqiao/event.hpp>
#include <fengqiao/rules.hpp>

namespace {

using Json = nlohmann::json;

// A property the library promises was broken: report it the way a sanitizer would, so that
// libFuzzer keeps the input and the regression driver fails on it.
[[noreturn]] void broken(const char* what, const Json& input) {
  std::cerr << "rules_calendar_fuzz: " << what << "\ninput: " << input.dump(-1, ' ', true, Json::error_handler_t::replace) << "\n";
  std::abort();
}

void rules(const Json& j) {
  auto r = fengqiao::DeadlineRules::from_json(j);
  if (!r) return;
  const Json written = r->to_json();
  auto again = fengqiao::DeadlineRules::from_json(written);
  if (!again) broken("DeadlineRules read, but not from its own to_json()", j);
  if (again->to_json() != written) broken("DeadlineRules::to_json() changed on a round trip", j);
}

void calendar(const Json& j, fengqiao::UtcOffset offset) {
  auto c = fengqiao::BusinessCalendar::from_json(j, offset);
  if (!c) return;
  const Json written = c->to_json();
  auto again = fengqiao::BusinessCalendar::from_json(written, offset);
  if (!again) broken("BusinessCalendar read, but not from its own to_json()", j);
  if (again->to_json() != written) broken("BusinessCalendar::to_json() changed on a round trip", j);
  // Day arithmetic over what was listed: the first listed day and a few working days on.
  const auto holidays = c->holidays();
  if (!holidays.empty()) {
    const auto day = fengqiao::BusinessCalendar::to_day_number(holidays.front());
    (void)c->working_day_after(day, 5);
  }
}

// The throwing readers of case.hpp, configuration.hpp and event.hpp: only
// fengqiao::Exception may leave them (their contract); anything else escapes this
// function and libFuzzer reports it.
// What one of them accepted must read back from its own to_json ("a complete, lossless
// form": a snapshot is stored that way and read at every load).
template <class T>
void value(const Json& j) {
  T v;
  try {
    v = j.get<T>();
  } catch (const fengqiao::Exception&) {
    return;
  }
  const Json written = v;
  try {
    T again = written.get<T>();
    if (Json(again) != written) broken("to_json() changed on a round trip", j);
  } catch (const fengqiao::Exception& e) {
    std::cerr << e.what() << "\n";
    broken("a value read, but not from its own to_json()", j);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Json j = Json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;

  // The document itself, and the parts a history header or a configuration line holds.
  rules(j);
  calendar(j, fengqiao::UtcOffset());
  calendar(j, fengqiao::UtcOffset::from_seconds(-12 * 3600));
  if (j.is_object()) {
    if (auto it = j.find("rules"); it != j.end()) rules(*it);
    if (auto it = j.find("calendar"); it != j.end()) calendar(*it, fengqiao::UtcOffset());
  }

  value<fengqiao::Span>(j);
  value<fengqiao::StageRule>(j);
  value<fengqiao::StageClock>(j);
  value<fengqiao::Case>(j);
  value<fengqiao::Event>(j);
  value<fengqiao::ConfigRecord>(j);
  return 0;
}
