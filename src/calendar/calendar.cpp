#include "fengqiao/calendar.hpp"

#include <algorithm>
#include <array>

#include <boost/date_time/gregorian/gregorian_types.hpp>
#include <nlohmann/json.hpp>

namespace fengqiao {
namespace {

constexpr long kEpochJdn = 2440588;  // Julian Day Number of 1970-01-01
constexpr std::array<std::string_view, 7> kWeekdayNames = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr std::uint8_t kSatSun = (1u << static_cast<int>(Weekday::sat)) | (1u << static_cast<int>(Weekday::sun));

DayNumber floor_div(long long a, long long b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

Error config_error(const std::string& key, const std::string& why) {
  return make_error(ErrorCode::invalid_config, "calendar." + key + ": " + why);
}

}  // namespace

BusinessCalendar::BusinessCalendar() : weekend_mask_(kSatSun) {}

DayNumber BusinessCalendar::to_day_number(const Date& d) {
  boost::gregorian::date date(static_cast<unsigned short>(d.year), static_cast<unsigned short>(d.month),
                              static_cast<unsigned short>(d.day));
  return static_cast<DayNumber>(date.day_number()) - kEpochJdn;
}

Date BusinessCalendar::to_date(DayNumber d) {
  boost::gregorian::date date(boost::gregorian::gregorian_calendar::from_day_number(
      static_cast<boost::gregorian::date::date_int_type>(d + kEpochJdn)));
  return Date{static_cast<int>(date.year()), static_cast<int>(date.month()), static_cast<int>(date.day())};
}

Weekday BusinessCalendar::weekday_of(DayNumber d) {
  // 1970-01-01 was a Thursday.
  long long w = (d + 4) % 7;
  if (w < 0) w += 7;
  return static_cast<Weekday>(w);
}

Status BusinessCalendar::set_weekend(std::initializer_list<Weekday> days) {
  std::uint8_t mask = 0;
  for (Weekday w : days) mask |= static_cast<std::uint8_t>(1u << static_cast<int>(w));
  if (mask == 0x7f) return config_error("weekend", "every day of the week is a weekend day");
  weekend_mask_ = mask;
  return Status::success();
}

std::uint8_t BusinessCalendar::override_of(DayNumber d) const {
  DayNumber i = d - first_override_;
  if (i < 0 || i >= static_cast<DayNumber>(overrides_.size())) return kDefault;
  return overrides_[static_cast<std::size_t>(i)];
}

Status BusinessCalendar::add_override(Date date, std::uint8_t kind) {
  DayNumber d;
  try {
    d = to_day_number(date);
  } catch (const std::exception&) {
    return make_error(ErrorCode::invalid_config, format_date(date) + " is not a valid date");
  }
  std::uint8_t existing = override_of(d);
  if (existing != kDefault && existing != kind)
    return make_error(ErrorCode::invalid_config,
                      format_date(date) + " is listed both as a holiday and as a make-up workday");
  if (overrides_.empty()) {
    first_override_ = d;
    overrides_.assign(1, kDefault);
  } else if (d < first_override_) {
    overrides_.insert(overrides_.begin(), static_cast<std::size_t>(first_override_ - d), kDefault);
    first_override_ = d;
  } else if (d - first_override_ >= static_cast<DayNumber>(overrides_.size())) {
    overrides_.resize(static_cast<std::size_t>(d - first_override_ + 1), kDefault);
  }
  overrides_[static_cast<std::size_t>(d - first_override_)] = kind;
  return Status::success();
}

Status BusinessCalendar::add_holiday(Date d) { return add_override(d, kHoliday); }
Status BusinessCalendar::add_workday(Date d) { return add_override(d, kWorkday); }

bool BusinessCalendar::is_working_day(DayNumber d) const {
  switch (override_of(d)) {
    case kHoliday: return false;
    case kWorkday: return true;
    default: return !is_weekend(weekday_of(d));
  }
}

bool BusinessCalendar::is_working_day(Date d) const { return is_working_day(to_day_number(d)); }

DayNumber BusinessCalendar::day_of(Instant t) const {
  return floor_div(t.time_since_epoch().count() + offset_.seconds(), 86400);
}

Instant BusinessCalendar::start_of(DayNumber d) const { return Instant(Seconds(d * 86400 - offset_.seconds())); }

DayNumber BusinessCalendar::working_day_after(DayNumber d, std::int64_t n) const {
  // Terminates: the weekend never holds all seven days (set_weekend and from_json refuse
  // it) and the holidays are finite.
  const std::int64_t per_week = 7 - __builtin_popcount(weekend_mask_);
  const DayNumber last_override = first_override_ + static_cast<DayNumber>(overrides_.size()) - 1;
  while (n > 0) {
    // Away from the listed holidays and make-up days every week has the same number of
    // working days, so whole weeks can be skipped (long limits, far escalation steps).
    const bool plain_week = overrides_.empty() || d + 1 > last_override || d + 7 < first_override_;
    if (plain_week && n > per_week) {
      d += 7;
      n -= per_week;
      continue;
    }
    if (plain_week) {
      // The answer lies in the next seven plain days: walk the weekend mask instead of
      // asking is_working_day (override lookup, weekday division) for each day.
      int w = static_cast<int>(weekday_of(d));
      for (;;) {
        ++d;
        w = w == 6 ? 0 : w + 1;
        if (!((weekend_mask_ >> w) & 1u) && --n == 0) return d;
      }
    }
    ++d;
    if (is_working_day(d)) --n;
  }
  return d;
}

DayNumber BusinessCalendar::working_day_on_or_after(DayNumber d) const {
  while (!is_working_day(d)) ++d;
  return d;
}

std::int64_t BusinessCalendar::working_days_starting_in(Instant from, Instant to) const {
  if (to <= from) return 0;
  // The first day whose 00:00 is at or after `from`.
  DayNumber first = day_of(from);
  if (start_of(first) < from) ++first;
  std::int64_t count = 0;
  for (DayNumber d = first; start_of(d) < to; ++d)
    if (is_working_day(d)) ++count;
  return count;
}

std::vector<Date> BusinessCalendar::holidays() const {
  std::vector<Date> out;
  for (std::size_t i = 0; i < overrides_.size(); ++i)
    if (overrides_[i] == kHoliday) out.push_back(to_date(first_override_ + static_cast<DayNumber>(i)));
  return out;
}

std::vector<Date> BusinessCalendar::workdays() const {
  std::vector<Date> out;
  for (std::size_t i = 0; i < overrides_.size(); ++i)
    if (overrides_[i] == kWorkday) out.push_back(to_date(first_override_ + static_cast<DayNumber>(i)));
  return out;
}

Result<BusinessCalendar> BusinessCalendar::from_json(const nlohmann::json& j, UtcOffset offset) {
  BusinessCalendar cal;
  cal.offset_ = offset;
  if (j.is_null()) return cal;
  if (!j.is_object()) return config_error("", "must be an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    if (key != "weekend" && key != "holidays" && key != "workdays")
      return config_error(key, "unknown key (expected weekend, holidays, workdays)");
    if (!it->is_array()) return config_error(key, "must be an array");
  }
  if (j.contains("weekend")) {
    cal.weekend_mask_ = 0;
    for (const auto& w : j["weekend"]) {
      auto pos = w.is_string() ? std::find(kWeekdayNames.begin(), kWeekdayNames.end(), w.get<std::string>())
                               : kWeekdayNames.end();
      if (pos == kWeekdayNames.end())
        return config_error("weekend", w.dump() + " is not a weekday (sun, mon, tue, wed, thu, fri, sat)");
      cal.weekend_mask_ |= static_cast<std::uint8_t>(1u << (pos - kWeekdayNames.begin()));
    }
    if (cal.weekend_mask_ == 0x7f) return config_error("weekend", "every day of the week is a weekend day");
  }
  for (const char* key : {"holidays", "workdays"}) {
    if (!j.contains(key)) continue;
    for (const auto& v : j[key]) {
      if (!v.is_string()) return config_error(key, v.dump() + " is not a date string");
      auto date = parse_date(v.get<std::string>());
      if (!date) return config_error(key, date.error().message);
      Status s = std::string_view(key) == "holidays" ? cal.add_holiday(*date) : cal.add_workday(*date);
      if (!s) return config_error(key, s.error().message);
    }
  }
  return cal;
}

nlohmann::json BusinessCalendar::to_json() const {
  nlohmann::json weekend = nlohmann::json::array();
  // Saturday then Sunday first, the order people write them in.
  for (int w : {6, 0, 1, 2, 3, 4, 5})
    if (is_weekend(static_cast<Weekday>(w))) weekend.push_back(kWeekdayNames[static_cast<std::size_t>(w)]);
  nlohmann::json holidays = nlohmann::json::array(), workdays = nlohmann::json::array();
  for (const Date& d : this->holidays()) holidays.push_back(format_date(d));
  for (const Date& d : this->workdays()) workdays.push_back(format_date(d));
  return {{"weekend", weekend}, {"holidays", holidays}, {"workdays", workdays}};
}

}  // namespace fengqiao
