// Plain, obviously-correct reference computations for dates, instants and working days,
// written from the definitions (Gregorian leap rule, LIFECYCLE.md "Calendar" and "Day
// limits") and nothing else: the property tests compare the library's fast arithmetic
// with these slow walks. Nothing here calls the library.
#pragma once

#include <cstdint>
#include <cstdio>
#include <set>
#include <string>

namespace fengqiao::testing::oracle {

// ---- Civil dates ------------------------------------------------------------------------
inline bool leap_year(long long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
inline int year_length(long long y) { return leap_year(y) ? 366 : 365; }
inline int month_length(long long y, int m) {
  static const int lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap_year(y) ? 29 : lengths[m - 1];
}

struct Civil {
  long long year = 1970;
  int month = 1;
  int day = 1;
};

inline bool valid_civil(long long y, int m, int d) { return m >= 1 && m <= 12 && d >= 1 && d <= month_length(y, m); }

// Days since 1970-01-01, summed year by year and month by month.
inline long long days_from_civil(long long y, int m, int d) {
  long long days = 0;
  for (long long year = 1970; year < y; ++year) days += year_length(year);
  for (long long year = y; year < 1970; ++year) days -= year_length(year);
  for (int month = 1; month < m; ++month) days += month_length(y, month);
  return days + d - 1;
}

// The inverse, walking whole years then whole months from 1970-01-01.
inline Civil civil_from_days(long long days) {
  long long y = 1970;
  while (days < 0) days += year_length(--y);
  while (days >= year_length(y)) days -= year_length(y++);
  int m = 1;
  while (days >= month_length(y, m)) days -= month_length(y, m++);
  return Civil{y, m, static_cast<int>(days) + 1};
}

// 0 = Sunday ... 6 = Saturday; 1970-01-01 was a Thursday.
inline int weekday(long long days) {
  long long w = (days + 4) % 7;
  return static_cast<int>(w < 0 ? w + 7 : w);
}

// The day number d with d * 86400 <= s < (d + 1) * 86400, found by stepping (no division
// rounding to get wrong).
inline long long day_containing(long long s) {
  long long d = s / 86400;
  while (d * 86400 > s) --d;
  while ((d + 1) * 86400 <= s) ++d;
  return d;
}

// ---- Instants as ISO-8601 text -----------------------------------------------------------
// "+08:00" / "-05:30" / "+100:00": sign, then hours (at least two digits), minutes.
inline std::string offset_text(long long offset_seconds) {
  const long long magnitude = offset_seconds < 0 ? -offset_seconds : offset_seconds;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%c%02lld:%02lld", offset_seconds < 0 ? '-' : '+', magnitude / 3600,
                (magnitude / 60) % 60);
  return buf;
}

// The wall time of instant `t` (seconds since the epoch) at a UTC offset, then the offset.
inline std::string instant_text(long long t, long long offset_seconds) {
  const long long local = t + offset_seconds;
  const long long day = day_containing(local);
  const long long second_of_day = local - day * 86400;
  const Civil c = civil_from_days(day);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02lld:%02lld:%02lld", c.year, c.month, c.day, second_of_day / 3600,
                (second_of_day / 60) % 60, second_of_day % 60);
  return buf + offset_text(offset_seconds);
}

// ---- The business calendar (LIFECYCLE.md "Calendar", "Day limits") ------------------------
struct CalendarModel {
  std::set<int> weekend;          // weekdays off, 0 = Sunday
  std::set<long long> holidays;   // day numbers
  std::set<long long> workdays;   // make-up working days (调休)
  long long offset_seconds = 8 * 3600;

  // A make-up working day is worked; otherwise a day is worked when it is neither a
  // weekend day nor a public holiday.
  bool worked(long long day) const {
    if (workdays.count(day)) return true;
    if (holidays.count(day)) return false;
    return weekend.count(weekday(day)) == 0;
  }
  // Days are those of the calendar's offset.
  long long start_of(long long day) const { return day * 86400 - offset_seconds; }
  long long day_of(long long t) const { return day_containing(t + offset_seconds); }
  // W_n after `day`: walk forward one day at a time, counting worked days; `day` itself
  // never counts, W_0 is `day`.
  long long nth_working_day_after(long long day, long long n) const {
    while (n > 0) {
      ++day;
      if (worked(day)) --n;
    }
    return day;
  }
  long long first_working_day_from(long long day) const {
    while (!worked(day)) ++day;
    return day;
  }
  // Working days D with from <= 00:00 of D < to.
  long long working_days_starting_in(long long from, long long to) const {
    long long count = 0;
    for (long long day = day_of(from) - 1; start_of(day) < to; ++day)
      if (start_of(day) >= from && worked(day)) ++count;
    return count;
  }
};

}  // namespace fengqiao::testing::oracle
