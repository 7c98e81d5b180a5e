#include "fengqiao/configuration.hpp"

#include <set>

#include "model/json_errors.hpp"

namespace fengqiao {
namespace {

constexpr std::size_t kShownDifferences = 3;

std::string weekend_text(const BusinessCalendar& c) {
  std::string out;
  // Held here: a range-for over `c.to_json().at(...)` keeps the reference `at` returns,
  // not the temporary document it points into, which is gone before the loop starts.
  const nlohmann::json calendar = c.to_json();
  for (const auto& w : calendar.at("weekend")) out += (out.empty() ? "" : ", ") + w.get<std::string>();
  return out.empty() ? "none" : out;
}

bool same_weekend(const BusinessCalendar& a, const BusinessCalendar& b) {
  for (int w = 0; w < 7; ++w)
    if (a.is_weekend(static_cast<Weekday>(w)) != b.is_weekend(static_cast<Weekday>(w))) return false;
  return true;
}

const char* kind_of_day(const BusinessCalendar& c, DayNumber d) {
  if (c.is_working_day(d)) return "a working day";
  return c.is_weekend(BusinessCalendar::weekday_of(d)) ? "a weekend day" : "a holiday";
}

// The listed days (of either calendar) whose working status differs, in date order. With
// the same weekend, no other day can differ.
std::vector<DayNumber> differing_days(const BusinessCalendar& a, const BusinessCalendar& b) {
  std::set<DayNumber> listed;
  for (const BusinessCalendar* c : {&a, &b}) {
    for (const Date& d : c->holidays()) listed.insert(BusinessCalendar::to_day_number(d));
    for (const Date& d : c->workdays()) listed.insert(BusinessCalendar::to_day_number(d));
  }
  std::vector<DayNumber> out;
  for (DayNumber d : listed)
    if (a.is_working_day(d) != b.is_working_day(d)) out.push_back(d);
  return out;
}

}  // namespace

std::string describe_difference(const BusinessCalendar& a, const BusinessCalendar& b) {
  if (a.utc_offset() != b.utc_offset())
    return "the UTC offset (" + a.utc_offset().to_string() + " against " + b.utc_offset().to_string() + ")";
  if (!same_weekend(a, b)) return "the weekend (" + weekend_text(a) + " against " + weekend_text(b) + ")";
  const std::vector<DayNumber> days = differing_days(a, b);
  std::string out;
  for (std::size_t i = 0; i < days.size() && i < kShownDifferences; ++i)
    out += (i ? ", " : "") + format_date(BusinessCalendar::to_date(days[i])) + " (" + kind_of_day(a, days[i]) +
           " against " + kind_of_day(b, days[i]) + ")";
  if (days.size() > kShownDifferences) out += ", and " + std::to_string(days.size() - kShownDifferences) + " more days";
  return out;
}

std::string describe_difference(const DeadlineRules& a, const DeadlineRules& b) {
  const nlohmann::json ja = a.to_json(), jb = b.to_json();
  if (ja == jb) return "";
  std::set<std::string> keys;
  for (const nlohmann::json* j : {&ja, &jb})
    if (j->is_object())
      for (auto it = j->begin(); it != j->end(); ++it) keys.insert(it.key());
  std::string out;
  for (const std::string& k : keys) {
    const bool in_a = ja.is_object() && ja.contains(k), in_b = jb.is_object() && jb.contains(k);
    if (in_a && in_b && ja.at(k) == jb.at(k)) continue;
    out += (out.empty() ? "rules." : ", rules.") + k;
  }
  return out.empty() ? "the rules document" : out;
}

Status check_calendar_update(const BusinessCalendar& in_force, const BusinessCalendar& next, Instant at) {
  auto refuse = [](std::string why) {
    return make_error(ErrorCode::invalid_config, "calendar update refused: " + std::move(why));
  };
  if (in_force.utc_offset() != next.utc_offset())
    return refuse("the UTC offset cannot change (" + in_force.utc_offset().to_string() + " in force, " +
                  next.utc_offset().to_string() + " given)");
  if (!same_weekend(in_force, next))
    return refuse("the weekend days cannot change (" + weekend_text(in_force) + " in force, " + weekend_text(next) +
                  " given)");
  const DayNumber today = in_force.day_of(at);
  for (DayNumber d : differing_days(in_force, next)) {
    if (d > today) break;
    return refuse(format_date(BusinessCalendar::to_date(d)) + " is on or before the update's day (" +
                  format_date(BusinessCalendar::to_date(today)) + ") and would change from " +
                  kind_of_day(in_force, d) + " to " + kind_of_day(next, d) + ": the past and today never change");
  }
  return Status::success();
}

void to_json(nlohmann::json& j, const ConfigRecord& r) {
  nlohmann::json changed = nlohmann::json::array();
  if (r.calendar_changed) changed.push_back("calendar");
  if (r.rules_changed) changed.push_back("rules");
  j = {{"seq", r.seq},
       {"at", format_instant(r.at, UtcOffset::from_seconds(0))},
       {"utc_offset", r.calendar.utc_offset().to_string()},
       {"calendar", r.calendar.to_json()},
       {"rules", r.rules.to_json()},
       {"changed", std::move(changed)}};
}

void from_json(const nlohmann::json& j, ConfigRecord& r) {
  json_errors::decode(ErrorCode::invalid_data, "ConfigRecord", [&] {
    ConfigRecord out;
    out.seq = json_errors::whole_at<std::uint64_t>(j, "seq", "ConfigRecord");
    auto at = parse_instant(j.at("at").get<std::string>());
    if (!at) json_errors::reject(ErrorCode::invalid_data, "ConfigRecord.at: " + at.error().message);
    out.at = *at;
    auto offset = UtcOffset::parse(j.at("utc_offset").get<std::string>());
    if (!offset) json_errors::reject(ErrorCode::invalid_data, "ConfigRecord.utc_offset: " + offset.error().message);
    out.calendar = BusinessCalendar::from_json(j.at("calendar"), *offset).value_or_throw();
    out.rules = DeadlineRules::from_json(j.at("rules")).value_or_throw();
    out.calendar_changed = out.rules_changed = false;
    for (const auto& what : j.at("changed")) {
      const std::string s = what.get<std::string>();
      if (s == "calendar") out.calendar_changed = true;
      else if (s == "rules") out.rules_changed = true;
      else json_errors::reject(ErrorCode::invalid_data, "ConfigRecord.changed: unknown \"" + s + "\"");
    }
    r = std::move(out);
  });
}

}  // namespace fengqiao
