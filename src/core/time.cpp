#include "fengqiao/time.hpp"

#include <cstdio>

#include <boost/date_time/gregorian/gregorian_types.hpp>

namespace fengqiao {
namespace {

// Julian Day Number of 1970-01-01: converts Boost's day numbers to days since the epoch.
constexpr long kEpochJdn = 2440588;

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

Error bad(std::string_view text, const char* why) {
  return make_error(ErrorCode::invalid_data,
                    "\"" + std::string(text) + "\" is not an ISO-8601 instant with offset: " + why);
}

// Days since the epoch for a valid civil date; -1 with `valid` false otherwise.
bool civil_to_days(int y, int m, int d, long long& days) {
  try {
    boost::gregorian::date date(static_cast<unsigned short>(y), static_cast<unsigned short>(m),
                                static_cast<unsigned short>(d));
    days = static_cast<long long>(date.day_number()) - kEpochJdn;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

Result<UtcOffset> UtcOffset::parse(std::string_view text) {
  if (text == "Z") return UtcOffset(0);
  int h = 0, m = 0;
  bool ok = text.size() >= 5 && (text[0] == '+' || text[0] == '-') && digits(text, 1, 2, h);
  if (ok && text.size() == 6 && text[3] == ':') ok = digits(text, 4, 2, m);
  else if (ok && text.size() == 5) ok = digits(text, 3, 2, m);
  else ok = false;
  if (!ok || m > 59 || h * 60 + m > 18 * 60)
    return make_error(ErrorCode::invalid_data,
                      "\"" + std::string(text) + "\" is not a UTC offset like +08:00 (range -18:00..+18:00)");
  int secs = (h * 3600 + m * 60) * (text[0] == '-' ? -1 : 1);
  return UtcOffset(secs);
}

std::string UtcOffset::to_string() const {
  // Whole minutes, truncated toward zero (the text has no seconds): -30 s is "+00:00".
  const int minutes = seconds_ / 60;
  const int m = minutes < 0 ? -minutes : minutes;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", minutes < 0 ? '-' : '+', m / 60, m % 60);
  return buf;
}

Result<Instant> parse_instant(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM|+HHMM)
  int y, mo, d, h, mi, s;
  if (!digits(text, 0, 4, y) || text.size() < 19 || text[4] != '-' || !digits(text, 5, 2, mo) || text[7] != '-' ||
      !digits(text, 8, 2, d) || text[10] != 'T' || !digits(text, 11, 2, h) || text[13] != ':' ||
      !digits(text, 14, 2, mi) || text[16] != ':' || !digits(text, 17, 2, s))
    return bad(text, "expected YYYY-MM-DDTHH:MM:SS");
  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return bad(text, "empty fraction of a second");
  }
  if (pos == text.size()) return bad(text, "the offset is missing (add Z or +08:00)");
  auto offset = UtcOffset::parse(text.substr(pos));
  if (!offset) return bad(text, "malformed offset");
  if (mi > 59 || s > 59 || h > 24 || (h == 24 && (mi != 0 || s != 0)))
    return bad(text, "time of day out of range");
  long long days;
  if (!civil_to_days(y, mo, d, days)) return bad(text, "no such date");
  long long secs = days * 86400 + h * 3600 + mi * 60 + s - offset->seconds();
  return Instant(Seconds(secs));
}

std::string format_instant(Instant t, UtcOffset offset) {
  // The text carries whole minutes of offset: an offset with seconds (UtcOffset::from_seconds
  // takes any) is rendered in its whole minutes, as to_string() writes it, so that the text
  // still denotes t.
  const int offset_seconds = offset.seconds() / 60 * 60;
  long long local = t.time_since_epoch().count() + offset_seconds;
  long long days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
  long long sod = local - days * 86400;
  boost::gregorian::date date(boost::gregorian::gregorian_calendar::from_day_number(
      static_cast<boost::gregorian::date::date_int_type>(days + kEpochJdn)));
  // Written digit by digit: every stored snapshot and event formats several instants, and
  // snprintf's format parsing was a tenth of a durable action's time.
  // Years have four digits: Boost's calendar keeps them within 1400..9999 (it throws
  // std::out_of_range beyond).
  const int year = static_cast<int>(date.year());
  char buf[] = "0000-00-00T00:00:00+00:00";
  auto put2 = [&buf](int at, long long v) {
    buf[at] = static_cast<char>('0' + v / 10);
    buf[at + 1] = static_cast<char>('0' + v % 10);
  };
  put2(0, year / 100);
  put2(2, year % 100);
  put2(5, static_cast<int>(date.month()));
  put2(8, static_cast<int>(date.day()));
  put2(11, sod / 3600);
  put2(14, (sod / 60) % 60);
  put2(17, sod % 60);
  // An offset of 100 hours or more (UtcOffset::from_seconds does not check) needs more
  // digits than the template has.
  const int off = offset_seconds < 0 ? -offset_seconds : offset_seconds;
  if (off >= 100 * 3600) return std::string(buf, 19) + offset.to_string();
  buf[19] = offset_seconds < 0 ? '-' : '+';
  put2(20, off / 3600);
  put2(23, (off / 60) % 60);
  return std::string(buf, sizeof buf - 1);
}

Status check_supported(Instant t, std::string_view what) {
  if (t >= kEarliestInstant && t < kEndOfInstants) return Status::success();
  // In UTC, and as seconds since the epoch too: an instant past the range may be past
  // what format_instant can write at all (it throws beyond Boost's years).
  const long long secs = t.time_since_epoch().count();
  static const Instant first_writable = parse_instant("1400-01-02T00:00:00Z").value();
  static const Instant last_writable = parse_instant("9999-12-31T00:00:00Z").value();
  const bool writable = t >= first_writable && t < last_writable;
  return make_error(ErrorCode::invalid_data,
                    std::string(what) + " " + (writable ? format_instant(t, UtcOffset::from_seconds(0)) + " " : std::string()) +
                        "(" + std::to_string(secs) + " s since 1970-01-01T00:00:00Z) is outside the supported range of "
                        "instants, 1970-01-01T00:00:00Z up to 9000-01-01T00:00:00Z");
}

Result<Date> parse_date(std::string_view text) {
  int y, m, d;
  long long days;
  if (text.size() != 10 || !digits(text, 0, 4, y) || text[4] != '-' || !digits(text, 5, 2, m) || text[7] != '-' ||
      !digits(text, 8, 2, d) || !civil_to_days(y, m, d, days))
    return make_error(ErrorCode::invalid_data, "\"" + std::string(text) + "\" is not a date like 2025-10-01");
  return Date{y, m, d};
}

std::string format_date(const Date& d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

}  // namespace fengqiao
