// Random business calendars, built twice: as the library's BusinessCalendar (from its JSON
// form or through the building calls) and as the oracle's CalendarModel. Weekends are any
// set of days but the whole week (Saturday and Sunday, one day, six days, none, ...), the
// holidays come in clusters with make-up working days (调休) around them, a few lie years
// away from the rest, and the UTC offset is any value in -18:00..+18:00, odd minutes and
// odd seconds included.
#pragma once

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fengqiao/calendar.hpp>

#include "civil_oracle.hpp"
#include "random_values.hpp"

namespace fengqiao::testing {

struct RandomCalendar {
  BusinessCalendar calendar;
  oracle::CalendarModel model;
  long long focus = 0;  // a day the holidays cluster around
  std::string description;
};

inline std::string oracle_date_text(long long day) {
  const oracle::Civil c = oracle::civil_from_days(day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", c.year, c.month, c.day);
  return buf;
}

inline Date oracle_date(long long day) {
  const oracle::Civil c = oracle::civil_from_days(day);
  return Date{static_cast<int>(c.year), c.month, c.day};
}

inline RandomCalendar random_calendar(RandomValues& gen) {
  RandomCalendar out;
  oracle::CalendarModel& m = out.model;

  int mask = 0;
  switch (gen.between(0, 5)) {
    case 0: mask = (1 << 6) | 1; break;                       // Saturday and Sunday
    case 1: mask = 1 << gen.between(0, 6); break;             // one day
    case 2: mask = 0x7f & ~(1 << gen.between(0, 6)); break;   // six days: one working day a week
    case 3: mask = 0; break;                                  // every day worked
    default: mask = static_cast<int>(gen.between(0, 0x7e)); break;
  }
  for (int w = 0; w < 7; ++w)
    if (mask & (1 << w)) m.weekend.insert(w);

  switch (gen.between(0, 5)) {
    case 0: m.offset_seconds = 8 * 3600; break;
    case 1: m.offset_seconds = gen.chance(0.5) ? 18 * 3600 : -18 * 3600; break;
    case 2: m.offset_seconds = gen.between(-18 * 3600, 18 * 3600); break;  // odd seconds
    default: m.offset_seconds = 60 * gen.between(-18 * 60, 18 * 60); break;
  }

  out.focus = oracle::days_from_civil(gen.between(1990, 2060), static_cast<int>(gen.between(1, 12)), 1);
  auto add = [&](long long day, bool holiday) {
    if (m.holidays.count(day) || m.workdays.count(day)) return;
    (holiday ? m.holidays : m.workdays).insert(day);
  };
  for (long long clusters = gen.between(0, 6); clusters > 0; --clusters) {
    const long long start = out.focus + gen.between(-400, 400);
    const long long length = gen.between(1, 9);
    for (long long d = start; d < start + length; ++d) add(d, true);
    for (long long k = gen.between(0, 2); k > 0; --k)
      add(gen.chance(0.5) ? start - gen.between(1, 10) : start + length - 1 + gen.between(1, 10), false);
  }
  if (gen.chance(0.3)) add(out.focus + (gen.chance(0.5) ? 1 : -1) * gen.between(1000, 5000), gen.chance(0.5));

  const bool by_json = gen.chance(0.5);
  if (by_json) {
    static const char* names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    nlohmann::json j = nlohmann::json::object();
    if (mask != ((1 << 6) | 1) || gen.chance(0.5)) {
      j["weekend"] = nlohmann::json::array();
      for (int w : m.weekend) j["weekend"].push_back(names[w]);
    }
    std::vector<long long> holidays(m.holidays.begin(), m.holidays.end());
    std::vector<long long> workdays(m.workdays.begin(), m.workdays.end());
    std::shuffle(holidays.begin(), holidays.end(), gen.rng());  // any order in, sorted out
    std::shuffle(workdays.begin(), workdays.end(), gen.rng());
    if (!holidays.empty() || gen.chance(0.5)) {
      j["holidays"] = nlohmann::json::array();
      for (long long d : holidays) j["holidays"].push_back(oracle_date_text(d));
    }
    if (!workdays.empty() || gen.chance(0.5)) {
      j["workdays"] = nlohmann::json::array();
      for (long long d : workdays) j["workdays"].push_back(oracle_date_text(d));
    }
    out.calendar = BusinessCalendar::from_json(j, UtcOffset::from_seconds(static_cast<int>(m.offset_seconds))).value();
    out.description = j.dump();
  } else {
    std::vector<Weekday> weekend;
    for (int w : m.weekend) weekend.push_back(static_cast<Weekday>(w));
    // set_weekend takes an initializer_list: one call per size.
    Status s;
    switch (weekend.size()) {
      case 0: s = out.calendar.set_weekend({}); break;
      case 1: s = out.calendar.set_weekend({weekend[0]}); break;
      case 2: s = out.calendar.set_weekend({weekend[0], weekend[1]}); break;
      case 3: s = out.calendar.set_weekend({weekend[0], weekend[1], weekend[2]}); break;
      case 4: s = out.calendar.set_weekend({weekend[0], weekend[1], weekend[2], weekend[3]}); break;
      case 5: s = out.calendar.set_weekend({weekend[0], weekend[1], weekend[2], weekend[3], weekend[4]}); break;
      default: s = out.calendar.set_weekend({weekend[0], weekend[1], weekend[2], weekend[3], weekend[4], weekend[5]}); break;
    }
    REQUIRE(s.ok());
    for (long long d : m.holidays) REQUIRE(out.calendar.add_holiday(oracle_date(d)).ok());
    for (long long d : m.workdays) REQUIRE(out.calendar.add_workday(oracle_date(d)).ok());
    out.calendar.set_utc_offset(UtcOffset::from_seconds(static_cast<int>(m.offset_seconds)));
    out.description = "built in code: weekend mask " + std::to_string(mask) + ", " + std::to_string(m.holidays.size()) +
                      " holidays, " + std::to_string(m.workdays.size()) + " make-up days";
  }
  out.description += ", offset " + std::to_string(m.offset_seconds) + " s";
  return out;
}

// A day to start counting from: near the edges of the listed holidays and make-up days
// (where the fast path must stop skipping weeks), inside them, or anywhere around.
inline long long random_start_day(RandomValues& gen, const RandomCalendar& rc) {
  const auto& m = rc.model;
  long long first = rc.focus, last = rc.focus;
  if (!m.holidays.empty()) first = *m.holidays.begin(), last = *m.holidays.rbegin();
  if (!m.workdays.empty()) {
    first = std::min(first, *m.workdays.begin());
    last = std::max(last, *m.workdays.rbegin());
  }
  switch (gen.between(0, 4)) {
    case 0: return first + gen.between(-20, 3);
    case 1: return last + gen.between(-3, 20);
    case 2: return gen.between(first, last);
    case 3: return first - gen.between(0, 3000);
    default: return rc.focus + gen.between(-3000, 3000);
  }
}

}  // namespace fengqiao::testing
