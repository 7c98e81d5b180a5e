// The business calendar (LIFECYCLE.md "Calendar", "Day limits"), around China's 2025
// National Day: 1-8 October are holidays, Sunday 28 September and Saturday 11 October
// are make-up working days (调休).
//
//   September 2025            October 2025
//   Mo Tu We Th Fr Sa Su      Mo Tu We Th Fr Sa Su
//   22 23 24 25 26 27 [28]          1* 2* 3* 4* 5*
//   29 30                      6* 7* 8* 9 10 [11] 12
//                             13 14 ...
//   [d] = make-up working day, d* = holiday
#include <doctest/doctest.h>

#include "scenarios.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;
using nlohmann::json;

namespace {

DayNumber day(int y, int m, int d) { return BusinessCalendar::to_day_number(Date{y, m, d}); }
std::string date_of(DayNumber d) { return format_date(BusinessCalendar::to_date(d)); }

Error calendar_error(const json& j) {
  auto r = BusinessCalendar::from_json(j);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

}  // namespace

TEST_SUITE("calendar") {

TEST_CASE("which days are worked around National Day 2025") {
  const BusinessCalendar cal = national_day_2025();
  const char* worked[] = {"2025-09-26", "2025-09-28", "2025-09-29", "2025-09-30",
                          "2025-10-09", "2025-10-10", "2025-10-11", "2025-10-13"};
  const char* off[] = {"2025-09-27", "2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04", "2025-10-05",
                       "2025-10-06", "2025-10-07", "2025-10-08", "2025-10-12"};
  for (const char* d : worked) {
    CAPTURE(d);
    CHECK(cal.is_working_day(parse_date(d).value()));
  }
  for (const char* d : off) {
    CAPTURE(d);
    CHECK_FALSE(cal.is_working_day(parse_date(d).value()));
  }
  CHECK(BusinessCalendar::weekday_of(day(2025, 9, 28)) == Weekday::sun);
  CHECK(BusinessCalendar::weekday_of(day(2025, 10, 11)) == Weekday::sat);
}

TEST_CASE("W_n: the n-th working day after a day, which itself never counts") {
  const BusinessCalendar cal = national_day_2025();
  SUBCASE("from Friday 26 September") {
    const char* expected[] = {"2025-09-26", "2025-09-28", "2025-09-29", "2025-09-30",
                              "2025-10-09", "2025-10-10", "2025-10-11", "2025-10-13"};
    for (int n = 0; n <= 7; ++n) {
      CAPTURE(n);
      CHECK(date_of(cal.working_day_after(day(2025, 9, 26), n)) == expected[n]);
    }
  }
  SUBCASE("from a weekend day, a make-up day, a holiday") {
    CHECK(date_of(cal.working_day_after(day(2025, 9, 27), 1)) == "2025-09-28");  // Sat -> the make-up Sunday
    CHECK(date_of(cal.working_day_after(day(2025, 9, 28), 1)) == "2025-09-29");  // the make-up day itself doesn't count
    CHECK(date_of(cal.working_day_after(day(2025, 10, 1), 1)) == "2025-10-09");
    CHECK(date_of(cal.working_day_after(day(2025, 10, 5), 3)) == "2025-10-11");
  }
  SUBCASE("the first working day on or after a day") {
    CHECK(date_of(cal.working_day_on_or_after(day(2025, 9, 28))) == "2025-09-28");
    CHECK(date_of(cal.working_day_on_or_after(day(2025, 9, 27))) == "2025-09-28");
    CHECK(date_of(cal.working_day_on_or_after(day(2025, 10, 1))) == "2025-10-09");
  }
}

TEST_CASE("working days whose 00:00 falls in [from, to): how much a stopped day clock grows") {
  const BusinessCalendar cal = national_day_2025();
  // 00:00 of 1 Oct ... 10 Oct: only 9 and 10 October are worked.
  CHECK(cal.working_days_starting_in(at("2025-09-30T10:00:00+08:00"), at("2025-10-10T10:00:00+08:00")) == 2);
  // 00:00 of 27 Sep (off) and 28 Sep (make-up): 1; 00:00 of 29 Sep is not before `to`.
  CHECK(cal.working_days_starting_in(at("2025-09-27T00:00:00+08:00"), at("2025-09-29T00:00:00+08:00")) == 1);
  // A `from` at exactly 00:00 counts that day.
  CHECK(cal.working_days_starting_in(at("2025-09-29T00:00:00+08:00"), at("2025-09-29T00:00:01+08:00")) == 1);
  // Within one day: none. Across midnight: one.
  CHECK(cal.working_days_starting_in(at("2025-09-29T09:00:00+08:00"), at("2025-09-29T18:00:00+08:00")) == 0);
  CHECK(cal.working_days_starting_in(at("2025-09-29T23:00:00+08:00"), at("2025-09-30T01:00:00+08:00")) == 1);
  CHECK(cal.working_days_starting_in(at("2025-09-30T01:00:00+08:00"), at("2025-09-29T23:00:00+08:00")) == 0);
}

TEST_CASE("days are those of the calendar's offset, whatever offset an instant is written with") {
  const BusinessCalendar cal = national_day_2025();  // +08:00
  CHECK(date_of(cal.day_of(at("2025-09-30T17:00:00Z"))) == "2025-10-01");
  CHECK(date_of(cal.day_of(at("2025-09-30T23:30:00-05:00"))) == "2025-10-01");
  CHECK(date_of(cal.day_of(at("2025-10-01T07:59:59+08:00"))) == "2025-10-01");
  CHECK(date_of(cal.day_of(at("2025-09-30T15:59:59Z"))) == "2025-09-30");
  CHECK(cal.start_of(day(2025, 10, 1)) == at("2025-09-30T16:00:00Z"));
  CHECK(cal.end_of(day(2025, 9, 30)) == at("2025-10-01T00:00:00+08:00"));

  BusinessCalendar utc = national_day_2025();
  utc.set_utc_offset(UtcOffset::from_seconds(0));
  CHECK(date_of(utc.day_of(at("2025-09-30T17:00:00Z"))) == "2025-09-30");
  CHECK(utc.start_of(day(2025, 10, 1)) == at("2025-10-01T00:00:00Z"));
}

TEST_CASE("a clock started on a weekend day: that day is W_0 and never counts") {
  Rig rig("2025-09-20T10:00:00+08:00");  // Saturday
  Case c = rig.register_case("C-1");
  // 1 working day: W1 = Mon 22 Sep. The warning (k = 1) is 24:00 of W_0, a day off.
  CHECK(c.deadline() == at("2025-09-23T00:00:00+08:00"));
  CHECK(c.clock->warning_at() == at("2025-09-21T00:00:00+08:00"));

  rig.set("2025-09-27T10:00:00+08:00");  // Saturday before the make-up Sunday
  c = rig.register_case("C-2");
  CHECK(c.deadline() == at("2025-09-29T00:00:00+08:00"));  // W1 = Sun 28 Sep, worked
  CHECK(c.clock->warning_at() == at("2025-09-28T00:00:00+08:00"));
}

TEST_CASE("a clock started on a make-up working day: that day is W_0 too") {
  Rig rig("2025-09-28T10:00:00+08:00");  // Sunday, worked
  Case c = rig.register_case("C-1");
  CHECK(c.deadline() == at("2025-09-30T00:00:00+08:00"));  // W1 = Mon 29 Sep
  c = rig.act("C-1", Action::dispatch);
  c = rig.act("C-1", Action::accept);
  // 15 working days: 29, 30 Sep, 9, 10, 11, 13-17, 20-24 Oct -> W15 = Fri 24 Oct.
  CHECK(c.deadline() == at("2025-10-25T00:00:00+08:00"));
  // Warning at W13 = Wed 22 Oct.
  CHECK(c.clock->warning_at() == at("2025-10-23T00:00:00+08:00"));
}

TEST_CASE("a clock started on a holiday: the next working days are after the holiday") {
  Rig rig("2025-10-02T10:00:00+08:00");  // Thursday, a holiday
  Case c = rig.register_case("C-1");
  CHECK(c.deadline() == at("2025-10-10T00:00:00+08:00"));  // W1 = Thu 9 Oct
  CHECK(c.clock->warning_at() == at("2025-10-03T00:00:00+08:00"));  // 24:00 of W_0 even if not worked
  c = rig.act("C-1", Action::dispatch);
  c = rig.act("C-1", Action::accept);
  // 15 working days: 9, 10, 11, 13-17, 20-24, 27, 28 Oct -> W15 = Tue 28 Oct; W13 = Fri 24 Oct.
  CHECK(c.deadline() == at("2025-10-29T00:00:00+08:00"));
  CHECK(c.clock->warning_at() == at("2025-10-25T00:00:00+08:00"));
}

TEST_CASE("a clock started just before the holiday runs into the make-up Saturday") {
  Rig rig("2025-09-30T16:00:00+08:00");  // Tuesday, the last working day before it
  drive_to(rig, "C-1", State::handling);
  Case c = rig.act("C-1", Action::resolve);
  // Feedback, 3 working days: 9, 10, 11 Oct -> 24:00 of Saturday 11 Oct.
  CHECK(c.deadline() == at("2025-10-12T00:00:00+08:00"));
  CHECK(c.clock->warning_at() == at("2025-10-11T00:00:00+08:00"));  // W2 = Fri 10 Oct
}

TEST_CASE("the day of an instant written in another offset is the calendar's day") {
  SUBCASE("-04:00: Monday 20:00 there is Tuesday 08:00 in +08:00") {
    Rig rig("2025-09-01T20:00:00-04:00");
    Case c = rig.register_case("C-1");
    // W_0 = Tue 2 Sep, W1 = Wed 3 Sep. (Counted in -04:00 it would be 3 Sep 00:00.)
    CHECK(c.deadline() == at("2025-09-04T00:00:00+08:00"));
    CHECK(c.deadline() == at("2025-09-03T16:00:00Z"));
  }
  SUBCASE("Z: 17:30 UTC on Monday is 01:30 on Tuesday in +08:00") {
    Rig rig("2025-09-01T17:30:00Z");
    CHECK(rig.register_case("C-1").deadline() == at("2025-09-04T00:00:00+08:00"));
  }
  SUBCASE("a calendar counting UTC days counts that instant on Monday") {
    BusinessCalendar utc = national_day_2025();
    utc.set_utc_offset(UtcOffset::from_seconds(0));
    Rig rig("2025-09-01T17:30:00Z", DeadlineRules(), utc);
    CHECK(rig.register_case("C-1").deadline() == at("2025-09-03T00:00:00Z"));
  }
}

TEST_CASE("the default calendar: Saturday and Sunday off, no holidays, +08:00") {
  const BusinessCalendar cal;
  CHECK(cal.utc_offset() == UtcOffset::from_seconds(8 * 3600));
  CHECK(cal.is_working_day(parse_date("2025-10-01").value()));
  CHECK_FALSE(cal.is_working_day(parse_date("2025-09-28").value()));
  CHECK_FALSE(cal.is_working_day(parse_date("2025-09-27").value()));
  CHECK(cal.holidays().empty());
  CHECK(cal.workdays().empty());
  auto from_null = BusinessCalendar::from_json(json());
  REQUIRE(from_null.ok());
  CHECK(from_null->is_working_day(parse_date("2025-10-01").value()));
}

TEST_CASE("calendar JSON: weekend, holidays and make-up days read and written back") {
  auto cal = BusinessCalendar::from_json(json::parse(R"({"weekend":["fri"],"holidays":["2025-10-02","2025-10-01"],
                                                        "workdays":["2025-10-03"]})"));
  REQUIRE(cal.ok());
  CHECK_FALSE(cal->is_working_day(parse_date("2025-09-26").value()));  // Friday
  CHECK(cal->is_working_day(parse_date("2025-09-27").value()));        // Saturday
  CHECK_FALSE(cal->is_working_day(parse_date("2025-10-01").value()));
  CHECK(cal->is_working_day(parse_date("2025-10-03").value()));  // a Friday made a working day
  const json back = cal->to_json();
  CHECK(back["weekend"] == json({"fri"}));
  CHECK(back["holidays"] == json({"2025-10-01", "2025-10-02"}));  // sorted
  CHECK(back["workdays"] == json({"2025-10-03"}));
  auto again = BusinessCalendar::from_json(back);
  REQUIRE(again.ok());
  CHECK(again->to_json() == back);
  CHECK(national_day_2025().to_json()["workdays"] == json({"2025-09-28", "2025-10-11"}));
}

TEST_CASE("calendar JSON errors are invalid_config naming the key") {
  SUBCASE("a date both holiday and make-up working day") {
    Error e = calendar_error(json::parse(R"({"holidays":["2025-10-01"],"workdays":["2025-10-01"]})"));
    CHECK(e.code == ErrorCode::invalid_config);
    CHECK(e.message.find("2025-10-01") != std::string::npos);
  }
  SUBCASE("an unknown key") {
    Error e = calendar_error(json::parse(R"({"weekends":["sat"]})"));
    CHECK(e.code == ErrorCode::invalid_config);
    CHECK(e.message.find("weekends") != std::string::npos);
  }
  SUBCASE("a bad date") {
    for (const char* bad : {"2025-02-30", "2025-13-01", "10/01/2025", "2025-10-1"}) {
      CAPTURE(bad);
      Error e = calendar_error({{"holidays", {"2025-10-01", bad}}});
      CHECK(e.code == ErrorCode::invalid_config);
      CHECK(e.message.find("holidays") != std::string::npos);
    }
    Error e = calendar_error({{"workdays", {20251011}}});
    CHECK(e.code == ErrorCode::invalid_config);
    CHECK(e.message.find("workdays") != std::string::npos);
  }
  SUBCASE("a bad weekday") {
    Error e = calendar_error({{"weekend", {"sat", "saturday"}}});
    CHECK(e.code == ErrorCode::invalid_config);
    CHECK(e.message.find("weekend") != std::string::npos);
  }
  SUBCASE("every day of the week a weekend day") {
    Error e = calendar_error({{"weekend", {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}}});
    CHECK(e.code == ErrorCode::invalid_config);
    CHECK(e.message.find("weekend") != std::string::npos);
  }
  SUBCASE("not an object, or a list that is not a list") {
    CHECK(calendar_error(json::array()).code == ErrorCode::invalid_config);
    Error e = calendar_error({{"holidays", "2025-10-01"}});
    CHECK(e.code == ErrorCode::invalid_config);
    CHECK(e.message.find("holidays") != std::string::npos);
  }
}

TEST_CASE("building a calendar in code refuses the same contradictions and changes nothing") {
  BusinessCalendar cal;
  REQUIRE(cal.add_holiday(Date{2025, 10, 1}).ok());
  Status s = cal.add_workday(Date{2025, 10, 1});
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::invalid_config);
  CHECK_FALSE(cal.is_working_day(Date{2025, 10, 1}));
  CHECK(cal.workdays().empty());

  Status all = cal.set_weekend({Weekday::sun, Weekday::mon, Weekday::tue, Weekday::wed, Weekday::thu, Weekday::fri,
                                Weekday::sat});
  REQUIRE_FALSE(all.ok());
  CHECK(all.error().code == ErrorCode::invalid_config);
  CHECK(cal.is_weekend(Weekday::sat));
  CHECK_FALSE(cal.is_weekend(Weekday::mon));

  REQUIRE(cal.set_weekend({Weekday::sun}).ok());
  CHECK(cal.is_working_day(Date{2025, 9, 27}));  // a Saturday
  CHECK_FALSE(cal.add_holiday(Date{2025, 2, 30}).ok());
}

}  // TEST_SUITE
