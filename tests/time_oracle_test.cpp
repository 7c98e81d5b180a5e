// Every promise of time.hpp, against text and numbers computed by tests/support/civil_oracle.hpp
// (Gregorian calendar counted year by year, snprintf for the text): offsets in each written
// form and at the ends of their range, instants with offsets, 24:00, fractions, wide offsets
// (100 hours and more, which UtcOffset::from_seconds allows), round trips over the years
// 1400..9999, and civil dates.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include <fengqiao/time.hpp>

#include "civil_oracle.hpp"
#include "random_values.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;

namespace {

long long seconds(Instant t) { return t.time_since_epoch().count(); }
Instant instant(long long s) { return Instant(Seconds(s)); }

std::string two(long long v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%02lld", v);
  return buf;
}

// "+HHMM": the offset form without a colon.
std::string compact_offset_text(long long offset_seconds) {
  const long long m = (offset_seconds < 0 ? -offset_seconds : offset_seconds) / 60;
  return std::string(offset_seconds < 0 ? "-" : "+") + two(m / 60) + two(m % 60);
}

std::string date_time_text(long long y, int mo, int d, int h, int mi, int s) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s);
  return buf;
}

// The first and last instants whose wall time at `offset` has a four-digit year >= 1400.
long long first_formattable(long long offset) { return oracle::days_from_civil(1400, 1, 1) * 86400 - offset; }
long long last_formattable(long long offset) { return oracle::days_from_civil(10000, 1, 1) * 86400 - 1 - offset; }

long long random_minute_offset(RandomValues& gen) {
  switch (gen.between(0, 4)) {
    case 0: return 18 * 3600;
    case 1: return -18 * 3600;
    case 2: return 0;
    default: return 60 * gen.between(-18 * 60, 18 * 60);
  }
}

void check_refused(const std::string& text) {
  CAPTURE(text);
  const auto r = parse_instant(text);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::invalid_data);
}

}  // namespace

TEST_SUITE("time oracle") {

TEST_CASE("UtcOffset: +08:00 by default; every offset of -18:00..+18:00 in both forms and back") {
  CHECK(UtcOffset().seconds() == 8 * 3600);
  CHECK(UtcOffset().to_string() == "+08:00");
  const auto z = UtcOffset::parse("Z");
  REQUIRE(z.ok());
  CHECK(z->seconds() == 0);
  for (long long minutes = -18 * 60; minutes <= 18 * 60; ++minutes) {
    const long long s = minutes * 60;
    const std::string colon = oracle::offset_text(s), compact = compact_offset_text(s);
    CAPTURE(colon);
    const auto a = UtcOffset::parse(colon);
    const auto b = UtcOffset::parse(compact);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->seconds() == s);
    CHECK(b->seconds() == s);
    CHECK(a->to_string() == colon);
    CHECK(UtcOffset::from_seconds(static_cast<int>(s)) == *a);
  }
  // "-00:00" is zero too.
  REQUIRE(UtcOffset::parse("-00:00").ok());
  CHECK(UtcOffset::parse("-00:00")->seconds() == 0);
}

TEST_CASE("UtcOffset: outside -18:00..+18:00, or in another form, is invalid_data") {
  for (const char* text : {"+18:01", "-18:01", "+1801", "+19:00", "-19:00", "+99:59", "+08:60", "+0860", "08:00", "0800",
                           "+8:00", "+08:0", "+08:000", "+08-00", "++08:00", " +08:00", "+08:00 ", "", "+", "ZZ",
                           "+0a:00", "+08:0a"}) {
    CAPTURE(text);
    const auto r = UtcOffset::parse(text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::invalid_data);
  }
}

TEST_CASE("parse_instant reads the wall time at the written offset, in every offset form") {
  RandomValues gen(31);
  for (int i = 0; i < 20000; ++i) {
    const long long y = i % 10 == 0 ? gen.pick(std::vector<long long>{1400, 1600, 1900, 1969, 1970, 2000, 9999})
                                    : gen.between(1400, 9999);
    const int mo = static_cast<int>(gen.between(1, 12));
    const int d = static_cast<int>(gen.between(1, oracle::month_length(y, mo)));
    const int h = static_cast<int>(gen.between(0, 23)), mi = static_cast<int>(gen.between(0, 59)),
              s = static_cast<int>(gen.between(0, 59));
    const long long offset = random_minute_offset(gen);
    std::string offset_text;
    switch (gen.between(0, 2)) {
      case 0: offset_text = oracle::offset_text(offset); break;
      case 1: offset_text = compact_offset_text(offset); break;
      default: offset_text = offset == 0 ? "Z" : oracle::offset_text(offset); break;
    }
    // Fractional seconds are accepted and truncated toward the past: the whole second stays.
    std::string fraction;
    if (gen.chance(0.3)) {
      fraction = ".";
      for (long long k = gen.between(1, 9); k > 0; --k) fraction += static_cast<char>('0' + gen.between(0, 9));
      if (gen.chance(0.3)) fraction = ".999999999";
    }
    const std::string text = date_time_text(y, mo, d, h, mi, s) + fraction + offset_text;
    CAPTURE(text);
    const auto r = parse_instant(text);
    REQUIRE(r.ok());
    CHECK(seconds(*r) == oracle::days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset);
  }
}

TEST_CASE("parse_instant: T24:00:00 is the end of that day, the next day's 00:00") {
  RandomValues gen(32);
  for (int i = 0; i < 2000; ++i) {
    const long long y = gen.between(1400, 9998);
    const int mo = static_cast<int>(gen.between(1, 12));
    const int d = i == 0 ? oracle::month_length(y, 2) : static_cast<int>(gen.between(1, oracle::month_length(y, mo)));
    const int month = i == 0 ? 2 : mo;
    const long long offset = random_minute_offset(gen);
    const std::string text = date_time_text(y, month, d, 24, 0, 0) + oracle::offset_text(offset);
    CAPTURE(text);
    const auto r = parse_instant(text);
    REQUIRE(r.ok());
    CHECK(seconds(*r) == (oracle::days_from_civil(y, month, d) + 1) * 86400 - offset);
    // Written back, it is 00:00 of the next day.
    const oracle::Civil next = oracle::civil_from_days(oracle::days_from_civil(y, month, d) + 1);
    CHECK(format_instant(*r, UtcOffset::from_seconds(static_cast<int>(offset))) ==
          date_time_text(next.year, next.month, next.day, 0, 0, 0) + oracle::offset_text(offset));
  }
  // By hand: the last day of February in a leap year and in a century year that is not one.
  CHECK(parse_instant("2024-02-28T24:00:00+08:00").value() == parse_instant("2024-02-29T00:00:00+08:00").value());
  CHECK(parse_instant("1900-02-28T24:00:00Z").value() == parse_instant("1900-03-01T00:00:00Z").value());
  CHECK(parse_instant("2025-12-31T24:00:00-05:00").value() == parse_instant("2026-01-01T05:00:00Z").value());
}

TEST_CASE("parse_instant refuses a missing offset, impossible dates and times of day") {
  check_refused("2025-09-01T09:00:00");       // no offset
  check_refused("2025-09-01T09:00:00.250");   // no offset, with a fraction
  check_refused("2025-09-01T09:00:00.+08:00"); // an empty fraction
  check_refused("2025-02-29T09:00:00+08:00"); // not a leap year
  check_refused("1900-02-29T09:00:00Z");      // nor is 1900
  check_refused("2024-02-30T09:00:00Z");
  check_refused("2025-04-31T09:00:00Z");
  check_refused("2025-13-01T09:00:00Z");
  check_refused("2025-00-10T09:00:00Z");
  check_refused("2025-01-00T09:00:00Z");
  check_refused("2025-01-32T09:00:00Z");
  check_refused("2025-09-01T24:00:01Z");
  check_refused("2025-09-01T24:01:00Z");
  check_refused("2025-09-01T25:00:00Z");
  check_refused("2025-09-01T23:60:00Z");
  check_refused("2025-09-01T23:59:60Z");
  check_refused("2025-09-01T09:00:00+18:01");
  check_refused("2025-09-01 09:00:00+08:00");
  check_refused("2025-9-01T09:00:00+08:00");
  check_refused("25-09-01T09:00:00+08:00");
  check_refused("");
  // Every valid date of a leap and a common year parses; the day after the last does not.
  for (long long y : {2024LL, 2025LL, 2100LL}) {
    for (int m = 1; m <= 12; ++m) {
      CAPTURE(y);
      CAPTURE(m);
      CHECK(parse_instant(date_time_text(y, m, oracle::month_length(y, m), 12, 0, 0) + "Z").ok());
      check_refused(date_time_text(y, m, oracle::month_length(y, m) + 1, 12, 0, 0) + "Z");
    }
  }
}

TEST_CASE("format_instant writes the wall time at the offset, whole seconds, +08:00 by default") {
  RandomValues gen(33);
  for (int i = 0; i < 20000; ++i) {
    const long long offset = random_minute_offset(gen);
    long long t;
    switch (gen.between(0, 4)) {
      case 0: t = first_formattable(offset) + gen.between(0, 86400); break;
      case 1: t = last_formattable(offset) - gen.between(0, 86400); break;
      case 2: t = gen.between(-86400, 86400); break;
      default: t = gen.between(first_formattable(offset), last_formattable(offset)); break;
    }
    CAPTURE(t);
    CAPTURE(offset);
    const std::string expected = oracle::instant_text(t, offset);
    CHECK(format_instant(instant(t), UtcOffset::from_seconds(static_cast<int>(offset))) == expected);
    if (offset == 8 * 3600) CHECK(format_instant(instant(t)) == expected);
    // The text reads back as the same instant.
    const auto back = parse_instant(expected);
    REQUIRE(back.ok());
    CHECK(seconds(*back) == t);
  }
  // By hand: the epoch at -05:00 is the evening before; at +08:00 it is 08:00.
  CHECK(format_instant(instant(0), UtcOffset::parse("-05:00").value()) == "1969-12-31T19:00:00-05:00");
  CHECK(format_instant(instant(0)) == "1970-01-01T08:00:00+08:00");
  CHECK(oracle::instant_text(0, -5 * 3600) == "1969-12-31T19:00:00-05:00");
}

TEST_CASE("format_instant with offsets of 100 hours and more, positive and negative") {
  RandomValues gen(34);
  for (int i = 0; i < 5000; ++i) {
    long long hours = gen.between(100, 999);
    if (i < 4) hours = i % 2 ? 100 : 999;
    const long long minutes = gen.between(0, 59);
    const long long offset = (gen.chance(0.5) ? 1 : -1) * (hours * 3600 + minutes * 60);
    const long long t = gen.between(first_formattable(offset), last_formattable(offset));
    CAPTURE(t);
    CAPTURE(offset);
    const UtcOffset o = UtcOffset::from_seconds(static_cast<int>(offset));
    CHECK(o.to_string() == oracle::offset_text(offset));
    CHECK(format_instant(instant(t), o) == oracle::instant_text(t, offset));
  }
  CHECK(format_instant(instant(0), UtcOffset::from_seconds(100 * 3600)) == "1970-01-05T04:00:00+100:00");
  CHECK(format_instant(instant(0), UtcOffset::from_seconds(-(100 * 3600 + 30 * 60))) == "1969-12-27T19:30:00-100:30");
}

TEST_CASE("an offset that is not whole minutes is written in its whole minutes, and the text is still the instant") {
  // UtcOffset::from_seconds takes any number of seconds, but the text has no place for
  // them: what is written must still denote the instant (it used to shift the wall time by
  // the seconds and write the offset without them, one to 59 seconds off).
  RandomValues gen(35);
  for (int i = 0; i < 5000; ++i) {
    const long long offset = gen.between(-18 * 3600, 18 * 3600);
    const long long whole_minutes = offset / 60 * 60;  // toward zero, as to_string() writes it
    const long long t = gen.between(first_formattable(whole_minutes) + 86400, last_formattable(whole_minutes) - 86400);
    CAPTURE(t);
    CAPTURE(offset);
    const UtcOffset o = UtcOffset::from_seconds(static_cast<int>(offset));
    CHECK(o.to_string() == oracle::offset_text(whole_minutes));
    const std::string text = format_instant(instant(t), o);
    CHECK(text == oracle::instant_text(t, whole_minutes));
    const auto back = parse_instant(text);
    REQUIRE(back.ok());
    CHECK(seconds(*back) == t);
  }
  CHECK(UtcOffset::from_seconds(-30).to_string() == "+00:00");
  CHECK(format_instant(instant(0), UtcOffset::from_seconds(3601)) == "1970-01-01T01:00:00+01:00");
}

TEST_CASE("parse_date and format_date: every valid date of 1400..9999 and back, invalid ones refused") {
  RandomValues gen(36);
  for (int i = 0; i < 20000; ++i) {
    const long long day = gen.between(oracle::days_from_civil(1400, 1, 1), oracle::days_from_civil(9999, 12, 31));
    const oracle::Civil c = oracle::civil_from_days(day);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", c.year, c.month, c.day);
    CAPTURE(buf);
    const auto d = parse_date(buf);
    REQUIRE(d.ok());
    CHECK(d->year == c.year);
    CHECK(d->month == c.month);
    CHECK(d->day == c.day);
    CHECK(format_date(*d) == buf);
    // Dates order as their day numbers do.
    const long long other = day + gen.between(-400, 400);
    const oracle::Civil o = oracle::civil_from_days(other);
    const Date od{static_cast<int>(o.year), o.month, o.day};
    CHECK((*d < od) == (day < other));
    CHECK((*d == od) == (day == other));
  }
  for (const char* bad : {"2025-02-29", "2024-02-30", "1900-02-29", "2025-04-31", "2025-13-01", "2025-00-01",
                          "2025-01-00", "2025-1-01", "2025-01-1", "20250101", "2025/01/01", "2025-01-01T", ""}) {
    CAPTURE(bad);
    const auto r = parse_date(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::invalid_data);
  }
  CHECK(parse_date("2000-02-29").ok());
}

}  // TEST_SUITE
