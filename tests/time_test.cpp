// Instants and UTC offsets: the text every snapshot, event and history line carries.
#include <doctest/doctest.h>

#include <fengqiao/time.hpp>

using namespace fengqiao;

namespace {

Instant at(const char* text) { return parse_instant(text).value_or_throw(); }

UtcOffset offset(const char* text) { return UtcOffset::parse(text).value_or_throw(); }

}  // namespace

TEST_CASE("format_instant renders the local wall time and the offset") {
  const Instant t = at("2025-10-08T16:00:00Z");
  CHECK(format_instant(t, offset("+08:00")) == "2025-10-09T00:00:00+08:00");
  CHECK(format_instant(t, offset("Z")) == "2025-10-08T16:00:00+00:00");
  CHECK(format_instant(t, offset("-05:30")) == "2025-10-08T10:30:00-05:30");
  CHECK(format_instant(t) == "2025-10-09T00:00:00+08:00");  // default offset
}

TEST_CASE("format_instant around the epoch, leap days and year ends") {
  CHECK(format_instant(Instant{}, offset("Z")) == "1970-01-01T00:00:00+00:00");
  CHECK(format_instant(Instant{} - Seconds(1), offset("Z")) == "1969-12-31T23:59:59+00:00");
  CHECK(format_instant(Instant{}, offset("-05:00")) == "1969-12-31T19:00:00-05:00");
  CHECK(format_instant(at("2024-02-29T23:59:59+08:00"), offset("+08:00")) == "2024-02-29T23:59:59+08:00");
  CHECK(format_instant(at("2025-12-31T20:00:00Z"), offset("+08:00")) == "2026-01-01T04:00:00+08:00");
  CHECK(format_instant(at("1400-03-01T00:00:00Z"), offset("Z")) == "1400-03-01T00:00:00+00:00");
}

TEST_CASE("format_instant and parse_instant round-trip") {
  for (const char* text : {"2025-09-28T09:00:00+08:00", "2000-01-01T00:00:01-11:45", "2099-12-31T23:59:59+14:00"}) {
    CAPTURE(text);
    const auto parsed = parse_instant(text);
    REQUIRE(parsed);
    const std::string_view s(text);
    CHECK(format_instant(parsed.value(), offset(std::string(s.substr(19)).c_str())) == text);
  }
}

TEST_CASE("malformed instants and offsets are refused with the text named") {
  const auto bad = parse_instant("2025-10-01 09:00:00+08:00");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::invalid_data);
  CHECK(bad.error().message.find("2025-10-01 09:00:00+08:00") != std::string::npos);
  CHECK_FALSE(UtcOffset::parse("+19:00"));
  CHECK_FALSE(UtcOffset::parse("08:00"));
}
