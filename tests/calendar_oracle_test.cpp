// The business calendar's arithmetic against a day-by-day walk (tests/support/civil_oracle.hpp)
// on random calendars: unusual weekends, clustered holidays and make-up working days, far
// away ones, every UTC offset. The library skips plain weeks with its weekend mask; the
// oracle never skips anything.
#include <doctest/doctest.h>

#include "civil_oracle.hpp"
#include "random_calendar.hpp"
#include "random_values.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;

namespace {

long long seconds(Instant t) { return t.time_since_epoch().count(); }

// N for W_N: small ones often, up to 400 (a year and more of working days).
long long random_n(RandomValues& gen) {
  switch (gen.between(0, 3)) {
    case 0: return gen.between(0, 10);
    case 1: return 400 - gen.between(0, 3);
    default: return gen.between(0, 400);
  }
}

// An instant around day `d` in the model's offset: its midnight exactly, a second either
// side, or anywhere in the day before, on or after it.
long long random_instant_near(RandomValues& gen, const oracle::CalendarModel& m, long long d) {
  const long long midnight = m.start_of(d);
  switch (gen.between(0, 3)) {
    case 0: return midnight;
    case 1: return midnight + (gen.chance(0.5) ? 1 : -1);
    default: return midnight + gen.between(-86400, 2 * 86400);
  }
}

}  // namespace

TEST_SUITE("calendar oracle") {

TEST_CASE("day numbers, dates and weekdays agree with a year-by-year count from 1970-01-01") {
  RandomValues gen(1);
  const long long first = oracle::days_from_civil(1400, 1, 1), last = oracle::days_from_civil(9999, 12, 31);
  for (int i = 0; i < 20000; ++i) {
    const long long d = i < 10 ? (i % 2 ? first + i : last - i) : gen.between(first, last);
    const oracle::Civil c = oracle::civil_from_days(d);
    CAPTURE(d);
    const Date date{static_cast<int>(c.year), c.month, c.day};
    CHECK(BusinessCalendar::to_day_number(date) == d);
    const Date back = BusinessCalendar::to_date(d);
    CHECK(back.year == c.year);
    CHECK(back.month == c.month);
    CHECK(back.day == c.day);
    CHECK(static_cast<int>(BusinessCalendar::weekday_of(d)) == oracle::weekday(d));
  }
  // Fixed points of the oracle itself, by hand: 1970-01-01 is day 0, a Thursday; the spec's
  // Sunday 28 September 2025; 2000-02-29 exists, 1900-02-29 does not.
  CHECK(oracle::days_from_civil(1970, 1, 1) == 0);
  CHECK(oracle::weekday(oracle::days_from_civil(2025, 9, 28)) == 0);
  CHECK(oracle::valid_civil(2000, 2, 29));
  CHECK_FALSE(oracle::valid_civil(1900, 2, 29));
  CHECK(oracle::days_from_civil(2000, 3, 1) - oracle::days_from_civil(2000, 2, 28) == 2);
}

TEST_CASE("working days, W_n, day boundaries and day counts agree with a day-by-day walk") {
  RandomValues gen(2);
  std::size_t crossing_years = 0, with_overrides = 0;
  for (int k = 0; k < 400; ++k) {
    const RandomCalendar rc = random_calendar(gen);
    const BusinessCalendar& cal = rc.calendar;
    const oracle::CalendarModel& m = rc.model;
    CAPTURE(rc.description);
    with_overrides += !m.holidays.empty();

    CHECK(cal.utc_offset().seconds() == m.offset_seconds);
    for (int w = 0; w < 7; ++w) CHECK(cal.is_weekend(static_cast<Weekday>(w)) == (m.weekend.count(w) == 1));

    // What was listed comes back, sorted.
    std::vector<long long> holidays, workdays;
    for (const Date& d : cal.holidays()) holidays.push_back(oracle::days_from_civil(d.year, d.month, d.day));
    for (const Date& d : cal.workdays()) workdays.push_back(oracle::days_from_civil(d.year, d.month, d.day));
    CHECK(holidays == std::vector<long long>(m.holidays.begin(), m.holidays.end()));
    CHECK(workdays == std::vector<long long>(m.workdays.begin(), m.workdays.end()));

    for (int q = 0; q < 60; ++q) {
      const long long d = random_start_day(gen, rc);
      const long long n = random_n(gen);
      CAPTURE(d);
      CAPTURE(n);
      const Date date = oracle_date(d);
      CHECK(cal.is_working_day(d) == m.worked(d));
      CHECK(cal.is_working_day(date) == m.worked(d));

      const long long w_n = m.nth_working_day_after(d, n);
      CHECK(cal.working_day_after(d, n) == w_n);
      crossing_years += oracle::civil_from_days(w_n).year != oracle::civil_from_days(d).year;
      CHECK(cal.working_day_on_or_after(d) == m.first_working_day_from(d));

      // Day boundaries in the calendar's offset.
      CHECK(seconds(cal.start_of(d)) == m.start_of(d));
      CHECK(seconds(cal.end_of(d)) == m.start_of(d + 1));
      const long long t = random_instant_near(gen, m, d);
      CHECK(cal.day_of(Instant(Seconds(t))) == m.day_of(t));
      // A clock started at t with a limit of N working days: deadline at 24:00 of W_N.
      const long long deadline = m.start_of(m.nth_working_day_after(m.day_of(t), n) + 1);
      CHECK(seconds(cal.end_of(cal.working_day_after(cal.day_of(Instant(Seconds(t))), n))) == deadline);

      // Working days whose 00:00 lies in [from, to).
      const long long from = t;
      long long to;
      switch (gen.between(0, 3)) {
        case 0: to = from - gen.between(0, 86400); break;                              // empty or backwards
        case 1: to = m.start_of(m.day_of(from) + gen.between(0, 40)) + gen.between(-1, 1); break;  // at a midnight
        default: to = from + gen.between(0, 500 * 86400); break;
      }
      CAPTURE(from);
      CAPTURE(to);
      CHECK(cal.working_days_starting_in(Instant(Seconds(from)), Instant(Seconds(to))) ==
            m.working_days_starting_in(from, to));
    }

    // The JSON form reads back as the same calendar.
    auto again = BusinessCalendar::from_json(cal.to_json(), cal.utc_offset());
    REQUIRE(again.ok());
    for (int q = 0; q < 20; ++q) {
      const long long d = random_start_day(gen, rc);
      const long long n = random_n(gen);
      CHECK(again->working_day_after(d, n) == m.nth_working_day_after(d, n));
    }

    // A date already on one side is refused on the other, and nothing changes.
    if (!m.holidays.empty()) {
      BusinessCalendar copy = cal;
      const long long h = *std::next(m.holidays.begin(), gen.between(0, static_cast<long long>(m.holidays.size()) - 1));
      Status s = copy.add_workday(oracle_date(h));
      CHECK_FALSE(s.ok());
      CHECK_FALSE(copy.is_working_day(h));
      CHECK(copy.workdays().size() == m.workdays.size());
    }
  }
  // The random calendars did what they are for: most list days, many W_n cross a year.
  CHECK(with_overrides > 200);
  CHECK(crossing_years > 1000);
}

TEST_CASE("a long W_n from far before the listed days walks into them day by day") {
  // Weeks are skipped only while none of their days is listed: a start 30..3000 days
  // before one holiday (or make-up day) and an N that reaches past it.
  RandomValues gen(3);
  for (int k = 0; k < 3000; ++k) {
    oracle::CalendarModel m;
    BusinessCalendar cal;
    m.offset_seconds = 8 * 3600;
    const long long special = oracle::days_from_civil(2025, 10, 1) + gen.between(-20, 20);
    const bool holiday = gen.chance(0.5);
    (holiday ? m.holidays : m.workdays).insert(special);
    int mask = static_cast<int>(gen.between(0, 0x7e));
    for (int w = 0; w < 7; ++w)
      if (mask & (1 << w)) m.weekend.insert(w);
    auto j = nlohmann::json::object();
    j["weekend"] = nlohmann::json::array();
    static const char* names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    for (int w : m.weekend) j["weekend"].push_back(names[w]);
    j[holiday ? "holidays" : "workdays"] = {oracle_date_text(special)};
    cal = BusinessCalendar::from_json(j).value();
    const long long d = special - gen.between(1, 3000);
    const long long n = gen.between(0, 400);
    CAPTURE(j.dump());
    CAPTURE(d);
    CAPTURE(n);
    CHECK(cal.working_day_after(d, n) == m.nth_working_day_after(d, n));
  }
}

}  // TEST_SUITE
