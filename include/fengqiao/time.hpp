// Instants and UTC offsets.
//
// All times in fengqiao are absolute instants with one-second resolution (the history
// format's resolution). They are rendered in a configured UTC offset, +08:00 unless set.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "fengqiao/error.hpp"

namespace fengqiao {

// Durations and instants: whole seconds, instants since 1970-01-01T00:00:00Z.
using Seconds = std::chrono::seconds;
using Instant = std::chrono::time_point<std::chrono::system_clock, Seconds>;

// A fixed offset from UTC, e.g. +08:00 (China Standard Time, the default).
class UtcOffset {
 public:
  // +08:00; or any offset, in seconds east of UTC (not range-checked: parse() is).
  constexpr UtcOffset() = default;
  static constexpr UtcOffset from_seconds(int seconds) { return UtcOffset(seconds); }
  // Accepts "+08:00", "-05:30", "+0800", "Z" / "+00:00". Range -18:00..+18:00.
  static Result<UtcOffset> parse(std::string_view text);

  // Seconds east of UTC; "+08:00"; the same offset.
  constexpr int seconds() const { return seconds_; }
  std::string to_string() const;  // "+08:00"
  friend constexpr bool operator==(UtcOffset a, UtcOffset b) { return a.seconds_ == b.seconds_; }
  friend constexpr bool operator!=(UtcOffset a, UtcOffset b) { return a.seconds_ != b.seconds_; }

 private:
  constexpr explicit UtcOffset(int s) : seconds_(s) {}
  int seconds_ = 8 * 3600;
};

// Parses an ISO-8601 date-time that carries an offset: "2025-09-01T09:00:00+08:00",
// "...Z", "T24:00:00" (end of that day). Fractional seconds are accepted and truncated
// toward the past. A time without an offset is invalid_data.
Result<Instant> parse_instant(std::string_view text);

// The supported range of instants: [kEarliestInstant, kEndOfInstants), i.e. from
// 1970-01-01T00:00:00Z up to (not including) 9000-01-01T00:00:00Z. Histories and the
// engine's clock are held to it (check_supported). Why these bounds:
// - 1970: a new case and a ManualClock start at the Unix epoch (Instant{}), and a case's
//   instants never go backwards, so an earlier instant would silently become the epoch;
//   no dispute a center handles today predates it.
// - 9000: Boost.Date_Time, which turns instants into dates, ends at 9999-12-31. Deadlines
//   and escalation steps are computed from an action's instant (rules hold each amount to
//   100000 units, DeadlineRules), and they must still be dates: the bound leaves them
//   about a thousand years.
inline constexpr Instant kEarliestInstant{Seconds(0)};
inline constexpr Instant kEndOfInstants{Seconds(221845392000)};  // 9000-01-01T00:00:00Z

// invalid_data naming `what` (e.g. "\"at\"") when `t` is outside the supported range.
Status check_supported(Instant t, std::string_view what);

// "2025-09-01T09:00:00+08:00": whole seconds, rendered in `offset`; an instant at
// 24:00 is written as 00:00 of the next day.
std::string format_instant(Instant t, UtcOffset offset = UtcOffset());

// Civil date in the proleptic Gregorian calendar (the calendar's day unit).
struct Date {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  // The same day; the earlier day.
  friend bool operator==(const Date& a, const Date& b) {
    return a.year == b.year && a.month == b.month && a.day == b.day;
  }
  friend bool operator<(const Date& a, const Date& b) {
    if (a.year != b.year) return a.year < b.year;
    if (a.month != b.month) return a.month < b.month;
    return a.day < b.day;
  }
};

// "2025-10-01". Invalid dates (2025-02-30) are invalid_data.
Result<Date> parse_date(std::string_view text);
std::string format_date(const Date& d);

}  // namespace fengqiao
