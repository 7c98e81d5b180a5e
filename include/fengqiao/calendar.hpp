// The business calendar: which days are worked, in which UTC offset days are counted.
//
// A day is worked when it is a make-up working day (调休), or else when it is neither a
// weekend day nor a public holiday. Days are those of the calendar's UTC offset, whatever
// offset an input instant is written with (LIFECYCLE.md "Calendar").
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "fengqiao/error.hpp"
#include "fengqiao/time.hpp"

namespace fengqiao {

// A day of the week; the calendar's weekend is a set of them.
enum class Weekday : std::uint8_t { sun, mon, tue, wed, thu, fri, sat };

// Days since 1970-01-01 (day 0), in the calendar's offset.
using DayNumber = std::int64_t;

// Which days are worked, counted in one UTC offset: the weekend days, the holidays, and
// the make-up working days that fall on a weekend. Deadlines in working days count on it.
class BusinessCalendar {
 public:
  // Saturday and Sunday off, no holidays, no make-up days, +08:00.
  BusinessCalendar();

  // The `calendar` object of a history header:
  //   {"weekend":["sat","sun"],"holidays":["2025-10-01"],"workdays":["2025-09-28"]}
  // Every key is optional; an unknown key, a malformed date or weekday, or a date listed
  // both as holiday and as workday is invalid_config naming it.
  static Result<BusinessCalendar> from_json(const nlohmann::json& calendar, UtcOffset offset = UtcOffset());
  // The same object back (dates sorted); the offset is not part of it.
  nlohmann::json to_json() const;

  // Building in code. Each returns invalid_config and changes nothing if the date is
  // already listed on the other side (holiday vs. workday), or if every day of the week
  // would be a weekend day (no deadline could ever fall).
  Status set_weekend(std::initializer_list<Weekday> days);
  Status add_holiday(Date d);
  Status add_workday(Date d);
  void set_utc_offset(UtcOffset offset) { offset_ = offset; }

  // The offset days are counted in.
  UtcOffset utc_offset() const { return offset_; }
  // Whether a day is worked: a make-up workday is, a holiday is not, else not a weekend day.
  bool is_working_day(Date d) const;
  bool is_working_day(DayNumber d) const;
  // Whether `w` is one of the weekend days.
  bool is_weekend(Weekday w) const { return (weekend_mask_ >> static_cast<int>(w)) & 1u; }

  // Day arithmetic in the calendar's offset.
  DayNumber day_of(Instant t) const;     // the day containing t
  Instant start_of(DayNumber d) const;   // 00:00 of d
  Instant end_of(DayNumber d) const { return start_of(d + 1); }  // 24:00 of d
  static DayNumber to_day_number(const Date& d);
  static Date to_date(DayNumber d);
  static Weekday weekday_of(DayNumber d);

  // W_n: the n-th working day after d (d itself never counts); W_0 is d.
  DayNumber working_day_after(DayNumber d, std::int64_t n) const;
  // The number of working days D with from <= 00:00 of D < to (how much a stopped
  // day-limit clock grows, LIFECYCLE.md "Stopped clocks").
  std::int64_t working_days_starting_in(Instant from, Instant to) const;
  // The first working day on or after d.
  DayNumber working_day_on_or_after(DayNumber d) const;

  // The holidays and the make-up workdays listed, in date order.
  std::vector<Date> holidays() const;
  std::vector<Date> workdays() const;

 private:
  enum : std::uint8_t { kDefault = 0, kHoliday = 1, kWorkday = 2 };
  std::uint8_t override_of(DayNumber d) const;
  Status add_override(Date d, std::uint8_t kind);

  UtcOffset offset_;
  std::uint8_t weekend_mask_;            // bit w set: Weekday w is a weekend day
  DayNumber first_override_ = 0;         // overrides_[i] describes day first_override_ + i
  std::vector<std::uint8_t> overrides_;  // dense over the listed range: lookups are O(1)
};

}  // namespace fengqiao
