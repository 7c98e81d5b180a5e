#include <algorithm>
#include <cstdint>
#include <istream>
#include <string_view>
#include <limits>

#include <simdjson.h>

#include "fengqiao/chain.hpp"
#include "fengqiao/history.hpp"

#include "fengqiao/action_table.hpp"

#include "core/utf8.hpp"
#include "reader_detail.hpp"

namespace fengqiao::history {
namespace {

using Json = nlohmann::json;

Error invalid(std::size_t line, const std::string& why) {
  return make_error(ErrorCode::invalid_history, "line " + std::to_string(line) + ": " + why);
}

// What makes a line unsafe or untrue to parse, found in one pass over its raw bytes before
// the JSON parser sees it: a NUL byte (the parser would take it for the end of the text
// and ignore the rest of the line), bytes that are not UTF-8 (HISTORY-FORMAT.md: the file
// is UTF-8; and every message and JSON report that quotes the line must stay valid),
// nesting past kMaxNesting (copying, comparing and printing JSON recurse once per level,
// so a deep enough line overflows the stack) and a string past kMaxStringBytes.
// The bytes unsafe() must look at, inside a string and outside one: every other byte is
// passed over in a tight loop (most of a line is plain ASCII inside strings).
struct ScanTables {
  bool in_string[256] = {};
  bool outside[256] = {};
  ScanTables() {
    for (int c = 0x80; c < 0x100; ++c) in_string[c] = outside[c] = true;
    in_string[0] = outside[0] = true;
    in_string[static_cast<unsigned char>('"')] = in_string[static_cast<unsigned char>('\\')] = true;
    for (char c : {'"', '[', '{', ']', '}'}) outside[static_cast<unsigned char>(c)] = true;
  }
};
const ScanTables kScan;

std::optional<std::string> unsafe(const std::string& raw) {
  // Called for every line of a history: nothing is allocated unless the line is refused
  // (a column text built per byte once cost more than parsing the line).
  auto column = [](std::size_t i) { return "column " + std::to_string(i + 1); };
  auto too_long = [](std::size_t string_start) {
    return "a string longer than " + std::to_string(kMaxStringBytes) + " bytes (from column " +
           std::to_string(string_start) + ")";
  };
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  const std::size_t n = raw.size();
  std::size_t depth = 0, string_start = 0;
  bool in_string = false, escaped = false;
  for (std::size_t i = 0; i < n;) {
    // Plain bytes first. Inside a string each one counts towards its length: the first
    // past the limit is where the string is refused, as if each were checked.
    const bool* special = in_string ? kScan.in_string : kScan.outside;
    const std::size_t run = i;
    while (i < n && !special[bytes[i]]) ++i;
    if (in_string && i > run) {
      escaped = false;  // an escape takes one character; a plain one ends it
      if (i - 1 - string_start > kMaxStringBytes) return too_long(string_start);
    }
    if (i == n) break;
    const unsigned char c = bytes[i];
    if (c == 0) return "a NUL byte at " + column(i) + " (a line is UTF-8 text)";
    if (c >= 0x80) {
      // Never a structural character: only its encoding matters.
      const std::size_t len = fengqiao::detail::utf8_sequence(raw, i);
      if (len == 0) return "invalid UTF-8 at " + column(i) + " (a history is UTF-8 text)";
      i += len;
      continue;
    }
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      if (i - string_start > kMaxStringBytes) return too_long(string_start);
    } else if (c == '"') {
      in_string = true;
      string_start = i + 1;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxNesting)
        return "arrays and objects nested more than " + std::to_string(kMaxNesting) + " deep (at " + column(i) + ")";
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
    ++i;
  }
  return std::nullopt;
}

// Parses one raw line (the header too) after unsafe() has passed it.
Result<nlohmann::json> parse_json(const std::string& raw, std::size_t line, const char* what) {
  if (auto why = unsafe(raw)) return invalid(line, *why);
  try {
    return Json::parse(raw);
  } catch (const Json::exception& e) {
    // parse_error for bad syntax, out_of_range for a number past a double ("1e405"): both
    // are the line's fault.
    return invalid(line, std::string(what) + " not valid JSON (" + e.what() + ")");
  }
}

// A whole number in [lo, hi], or nothing: never truncated to fit.
std::optional<long long> whole_number(const Json& v, long long lo, long long hi) {
  if (!v.is_number_integer()) return std::nullopt;
  if (v.is_number_unsigned() && v.get<unsigned long long>() > static_cast<unsigned long long>(hi)) return std::nullopt;
  const long long n = v.get<long long>();
  if (n < lo || n > hi) return std::nullopt;
  return n;
}

// An instant the line writes under `what`, within the supported range (time.hpp).
Result<Instant> instant_of(const std::string& text, std::size_t line, const std::string& what) {
  auto t = parse_instant(text);
  if (!t) return invalid(line, what + ": " + t.error().message);
  if (Status s = check_supported(*t, what); !s) return invalid(line, s.error().message);
  return *t;
}

// Checks that `j` has only keys from `allowed`; names the first stranger.
// (string_view: the lengths are known at compile time, so most keys are told apart by
// their length without a strlen and a compare each; this runs for every line.)
std::optional<std::string> unknown_key(const Json& j, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : j.items()) {
    const std::string_view k = key;
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) return key;
  }
  return std::nullopt;
}

Result<std::string> text(const Json& j, const char* key, std::size_t line, bool allow_empty = false) {
  auto it = j.find(key);
  if (it == j.end()) return invalid(line, std::string("missing key \"") + key + "\"");
  if (!it->is_string()) return invalid(line, std::string("\"") + key + "\" must be a string, got " + it->dump());
  if (!allow_empty && it->get_ref<const std::string&>().empty())
    return invalid(line, std::string("\"") + key + "\" must not be empty");
  return it->get<std::string>();
}

template <class E>
Result<E> vocabulary(const Json& j, const char* key, const char* what, std::size_t line) {
  auto s = text(j, key, line);
  if (!s) return s.error();
  auto v = parse<E>(*s);
  if (!v) return invalid(line, std::string("unknown ") + what + " \"" + *s + "\"");
  return *v;
}

// `expect` values: the named vocabulary, or null for "none".
template <class E>
Result<std::optional<E>> nullable(const Json& v, const char* key, const char* what, std::size_t line) {
  if (v.is_null()) return std::optional<E>();
  if (!v.is_string()) return invalid(line, std::string("expect.") + key + " must be a string or null, got " + v.dump());
  auto e = parse<E>(v.get_ref<const std::string&>());
  if (!e) return invalid(line, std::string("expect.") + key + ": unknown " + what + " " + v.dump());
  return std::optional<E>(*e);
}

Result<Expectation> expectation(const Json& j, std::size_t line, int version) {
  if (!j.is_object() || j.empty()) return invalid(line, "\"expect\" must be a non-empty object");
  Expectation e;
  for (const auto& [key, v] : j.items()) {
    if (key == "state") {
      auto r = nullable<State>(v, "state", "state", line);
      if (!r) return r.error();
      e.state = *r;
    } else if (key == "supervision") {
      auto r = nullable<Supervision>(v, "supervision", "supervision", line);
      if (!r) return r.error();
      e.supervision = *r;
    } else if (key == "outcome") {
      auto r = nullable<Outcome>(v, "outcome", "outcome", line);
      if (!r) return r.error();
      e.outcome = *r;
    } else if (key == "level" || key == "reopened" || (key == "notes" && version >= 2)) {
      // Whole numbers within what the case can hold: a larger one is refused, never truncated.
      const long long max = key == "level" ? std::numeric_limits<int>::max() : std::numeric_limits<std::uint32_t>::max();
      if (v.is_null() && key != "notes") {
        if (key == "level") e.level = 0;
        else e.reopened = 0;
      } else if (const auto n = whole_number(v, 0, max); !n) {
        return invalid(line, "expect." + key + " must be a whole number from 0 to " + std::to_string(max) + ", got " + v.dump());
      } else if (key == "level") {
        e.level = static_cast<int>(*n);
      } else if (key == "reopened") {
        e.reopened = static_cast<std::uint32_t>(*n);
      } else {
        e.notes = static_cast<std::uint32_t>(*n);
      }
    } else if (key == "assignee" && version >= 2) {
      if (v.is_null()) e.assignee = std::optional<std::string>();
      else if (v.is_string()) e.assignee = std::optional<std::string>(v.get<std::string>());
      else return invalid(line, "expect.assignee must be a string or null, got " + v.dump());
    } else if (key == "notice" && version >= 2) {
      if (!v.is_array()) return invalid(line, "expect.notice must be an array of strings, got " + v.dump());
      std::vector<std::string> lines;
      for (const Json& item : v) {
        if (!item.is_string()) return invalid(line, "expect.notice must be an array of strings, got an element " + item.dump());
        lines.push_back(item.get<std::string>());
      }
      e.notice = std::move(lines);
    } else if ((key == "assignee" || key == "notes" || key == "notice") && version < 2) {
      return invalid(line, "expect." + key + " is a key of version 2 of the format; this file is version " +
                               std::to_string(version));
    } else if (key == "lead") {
      if (v.is_null()) e.lead = std::optional<std::string>();
      else if (v.is_string()) e.lead = std::optional<std::string>(v.get<std::string>());
      else return invalid(line, "expect.lead must be a string or null, got " + v.dump());
    } else if (key == "deadline") {
      if (v.is_null()) {
        e.deadline = std::optional<Instant>();
      } else {
        if (!v.is_string()) return invalid(line, "expect.deadline must be an instant or null, got " + v.dump());
        auto t = instant_of(v.get_ref<const std::string&>(), line, "expect.deadline");
        if (!t) return t.error();
        e.deadline = std::optional<Instant>(*t);
      }
    } else {
      return invalid(line, "unknown expect key \"" + key +
                               "\" (expected state, supervision, level, outcome, lead, reopened, deadline; version 2: assignee, notes, notice)");
    }
  }
  return e;
}

Result<Actor> actor(const Json& j, std::size_t line) {
  auto it = j.find("actor");
  if (it == j.end()) return invalid(line, "missing key \"actor\"");
  if (!it->is_object()) return invalid(line, "\"actor\" must be an object {id, role, org}");
  if (auto k = unknown_key(*it, {"id", "role", "org"})) return invalid(line, "unknown actor key \"" + *k + "\"");
  Actor a;
  auto id = text(*it, "id", line);
  if (!id) return id.error();
  auto role = vocabulary<Role>(*it, "role", "role", line);
  if (!role) return role.error();
  a.id = *id;
  a.role = *role;
  if (it->contains("org")) {
    auto org = text(*it, "org", line, true);
    if (!org) return org.error();
    a.org = *org;
  }
  return a;
}

}  // namespace

// The expect_error of an action, visit or configuration line.
Result<Line> with_error(Json& j, std::size_t number, Line line) {
  if (j.contains("expect_error")) {
    auto code = text(j, "expect_error", number);
    if (!code) return code.error();
    auto parsed = error_code_from_string(*code);
    if (!parsed) return invalid(number, "unknown error code \"" + *code + "\" in expect_error");
    line.expect_error = *parsed;
  }
  return line;
}

// The actor, data and expect_error of an action or visit line.
Result<Line> with_actor_data_and_error(Json& j, std::size_t number, Line line) {
  auto who = actor(j, number);
  if (!who) return who.error();
  line.actor = *who;
  if (j.contains("data")) {
    if (!j["data"].is_object()) return invalid(number, "\"data\" must be an object, got " + j["data"].dump());
    line.data = std::move(j["data"]);
  }
  return with_error(j, number, std::move(line));
}

// The optional "hash" of an action or engine-event line (docs/CHAIN.md "In a history
// file"): the event's link in its case's hash chain, an extension of version 2.
Result<Line> with_hash(const Json& j, std::size_t number, int version, Line line) {
  auto it = j.find("hash");
  if (it == j.end()) return line;
  if (version < 2)
    return invalid(number, "the key \"hash\" is an extension of version 2 of the format; this file is version " +
                               std::to_string(version));
  if (line.expect_error) return invalid(number, "\"hash\" with \"expect_error\": a refused action stores no event to hash");
  if (!it->is_string() || !chain::is_hash(it->get_ref<const std::string&>()))
    return invalid(number, "\"hash\" must be 64 lowercase hexadecimal digits, got " + it->dump());
  line.hash = it->get<std::string>();
  return line;
}

Result<ConfigChangeRequest> configuration_of(const Line& line, UtcOffset offset) {
  auto refuse = [](const std::string& why) { return make_error(ErrorCode::invalid_config, "config: " + why); };
  ConfigChangeRequest out;
  for (auto it = line.config.begin(); it != line.config.end(); ++it)
    if (it.key() != "calendar" && it.key() != "rules")
      return refuse("unknown key \"" + it.key() + "\" (expected calendar, rules)");
  if (line.config.contains("calendar")) {
    if (!line.config["calendar"].is_object()) return refuse("calendar must be an object");
    auto cal = BusinessCalendar::from_json(line.config["calendar"], offset);
    if (!cal) return cal.error();
    out.calendar = std::move(cal).value();
  }
  if (line.config.contains("rules")) {
    auto rules = DeadlineRules::from_json(line.config["rules"]);
    if (!rules) return rules.error();
    out.rules = std::move(rules).value();
  }
  if (!out.calendar && !out.rules) return refuse("names neither a calendar nor rules");
  return out;
}

namespace {

// The common lines — engine events and expectations, two thirds and a sixth of a recorded
// history — read with simdjson's on-demand parser straight into a Line, without building
// the line's nlohmann tree (which cost more than all the rest of reading it: benchmarks/
// ANALYSIS.md). Only a line that is entirely well-formed is read here; for any other —
// another kind, a key twice, a value of the wrong type, anything the full reader would
// refuse — this returns nothing and the full reader below reads it, so that every refusal
// keeps its one wording. An expectation's object is still given to nlohmann (small, and
// expectation() holds its rules).
std::optional<Line> read_common_line(const std::string& raw, std::size_t number, int version) {
  if (unsafe(raw)) return std::nullopt;
  constexpr unsigned kAt = 1, kCase = 2, kEvent = 4, kStage = 8, kLevel = 16, kHash = 32, kExpect = 64;
  thread_local simdjson::ondemand::parser parser;
  thread_local std::string padded;
  padded.assign(raw).append(simdjson::SIMDJSON_PADDING, ' ');
  unsigned seen = 0;
  std::string_view at, case_id, event, stage, hash, expect;
  std::int64_t level = 0;
  try {
    simdjson::ondemand::document doc = parser.iterate(padded.data(), raw.size(), padded.size());
    for (auto field : doc.get_object()) {
      const std::string_view key = field.unescaped_key();
      const unsigned bit = key == "at" ? kAt : key == "case" ? kCase : key == "event" ? kEvent
                         : key == "stage" ? kStage : key == "level" ? kLevel : key == "hash" ? kHash
                         : key == "expect" ? kExpect : 0;
      if (bit == 0 || (seen & bit)) return std::nullopt;
      seen |= bit;
      simdjson::ondemand::value value = field.value();
      switch (bit) {
        case kAt: at = value.get_string(); break;
        case kCase: case_id = value.get_string(); break;
        case kEvent: event = value.get_string(); break;
        case kStage: stage = value.get_string(); break;
        case kLevel: level = value.get_int64(); break;
        case kHash: hash = value.get_string(); break;
        default: {
          simdjson::ondemand::object object = value.get_object();
          expect = object.raw_json();
          break;
        }
      }
    }
    // Nothing may follow the object (the full reader refuses it): past the end of the
    // document there is no current location.
    const char* rest = nullptr;
    if (doc.current_location().get(rest) == simdjson::SUCCESS) return std::nullopt;
  } catch (const simdjson::simdjson_error&) {
    return std::nullopt;
  }
  if (!(seen & kAt) || !(seen & kCase) || case_id.empty()) return std::nullopt;
  auto instant = instant_of(std::string(at), number, "\"at\"");
  if (!instant) return std::nullopt;
  Line line;
  line.number = number;
  line.at = *instant;
  line.case_id = std::string(case_id);
  if (seen == (kAt | kCase | kExpect)) {
    Json object = Json::parse(expect, nullptr, /*allow_exceptions=*/false);
    if (object.is_discarded()) return std::nullopt;
    auto e = expectation(object, number, version);
    if (!e) return std::nullopt;
    line.kind = Line::Kind::expectation;
    line.expect = std::move(e).value();
    return line;
  }
  if ((seen & ~(kLevel | kHash)) != (kAt | kCase | kEvent | kStage)) return std::nullopt;
  const auto type = parse<EventType>(event);
  const auto where = parse<Stage>(stage);
  if (!type || *type == EventType::action || !where) return std::nullopt;
  if ((*type == EventType::escalated) != bool(seen & kLevel)) return std::nullopt;
  if ((seen & kLevel) && (level < 1 || level > std::numeric_limits<int>::max())) return std::nullopt;
  if ((seen & kHash) && (version < 2 || !chain::is_hash(hash))) return std::nullopt;
  line.kind = Line::Kind::event;
  line.event = *type;
  line.stage = *where;
  line.level = static_cast<int>(level);
  line.hash = std::string(hash);
  return line;
}

}  // namespace

Result<Line> parse_line(const std::string& raw, std::size_t number, UtcOffset offset, int version) {
  if (auto common = read_common_line(raw, number, version)) return std::move(*common);
  return detail::parse_line_full(raw, number, offset, version);
}

namespace detail {

Result<Line> parse_line_full(const std::string& raw, std::size_t number, UtcOffset, int version) {
  auto parsed = parse_json(raw, number, "the line is");
  if (!parsed) return parsed.error();
  Json j = std::move(parsed).value();
  if (!j.is_object()) return invalid(number, "a line must be a JSON object");
  Line line;
  line.number = number;
  auto at = text(j, "at", number);
  if (!at) return at.error();
  auto instant = instant_of(*at, number, "\"at\"");
  if (!instant) return instant.error();
  line.at = *instant;

  const bool is_action = j.contains("action"), is_event = j.contains("event"), is_expect = j.contains("expect"),
             is_tick = j.contains("tick"), is_visit = j.contains("visit"), is_config = j.contains("config");
  if (is_action + is_event + is_expect + is_tick + is_visit + is_config != 1)
    return invalid(number, "a line must have exactly one of \"action\", \"event\", \"expect\", \"tick\"" +
                               std::string(version >= 2 ? ", \"visit\", \"config\"" : ""));
  if ((is_visit || is_config) && version < 2)
    return invalid(number, std::string(is_visit ? "a visit line" : "a configuration line") +
                               " belongs to version 2 of the format; this file is version " + std::to_string(version));
  if (is_config) {
    if (auto k = unknown_key(j, {"at", "config", "expect_error"}))
      return invalid(number, "unknown key \"" + *k + "\" on a configuration line");
    if (!j["config"].is_object()) return invalid(number, "\"config\" must be an object, got " + j["config"].dump());
    line.kind = Line::Kind::config;
    line.config = std::move(j["config"]);
    return with_error(j, number, std::move(line));
  }
  if (is_visit) {
    if (auto k = unknown_key(j, {"at", "visit", "actor", "data", "expect_error"}))
      return invalid(number, "unknown key \"" + *k + "\" on a visit line");
    line.kind = Line::Kind::visit;
    auto id = text(j, "visit", number);
    if (!id) return id.error();
    line.visit_id = *id;
    return with_actor_data_and_error(j, number, std::move(line));
  }

  if (is_tick) {
    if (auto k = unknown_key(j, {"at", "tick"})) return invalid(number, "unknown key \"" + *k + "\" on a tick line");
    if (j["tick"] != true) return invalid(number, "\"tick\" must be true");
    line.kind = Line::Kind::tick;
    return line;
  }
  auto case_id = text(j, "case", number);
  if (!case_id) return case_id.error();
  line.case_id = *case_id;

  if (is_action) {
    if (auto k = unknown_key(j, {"at", "case", "action", "actor", "data", "expect_error", "hash"}))
      return invalid(number, "unknown key \"" + *k + "\" on an action line");
    line.kind = Line::Kind::action;
    auto action = vocabulary<Action>(j, "action", "action", number);
    if (!action) return action.error();
    line.action = *action;
    auto read = with_actor_data_and_error(j, number, std::move(line));
    if (!read) return read;
    return with_hash(j, number, version, std::move(read).value());
  }
  if (is_event) {
    if (auto k = unknown_key(j, {"at", "case", "event", "stage", "level", "hash"}))
      return invalid(number, "unknown key \"" + *k + "\" on an event line");
    line.kind = Line::Kind::event;
    auto type = vocabulary<EventType>(j, "event", "event", number);
    if (!type) return type.error();
    if (*type == EventType::action) return invalid(number, "unknown event \"action\"");
    line.event = *type;
    auto stage = vocabulary<Stage>(j, "stage", "stage", number);
    if (!stage) return stage.error();
    line.stage = *stage;
    if (line.event == EventType::escalated) {
      auto it = j.find("level");
      if (it == j.end()) return invalid(number, "missing key \"level\" on an escalated event");
      const auto n = whole_number(*it, 1, std::numeric_limits<int>::max());
      if (!n)
        return invalid(number, "\"level\" must be a whole number from 1 to " +
                                   std::to_string(std::numeric_limits<int>::max()) + ", got " + it->dump());
      line.level = static_cast<int>(*n);
    } else if (j.contains("level")) {
      return invalid(number, "\"level\" is only for escalated events");
    }
    return with_hash(j, number, version, std::move(line));
  }
  if (auto k = unknown_key(j, {"at", "case", "expect"}))
    return invalid(number, "unknown key \"" + *k + "\" on an expect line");
  line.kind = Line::Kind::expectation;
  auto e = expectation(j["expect"], number, version);
  if (!e) return e.error();
  line.expect = *e;
  return line;
}

}  // namespace detail

Reader::Reader(std::istream& in) : in_(in) {}

// std::getline would hold a line of any length in memory: a file of gigabytes without a
// line end would be read whole before anything could refuse it. This stops within one
// chunk past kMaxLineBytes instead.
Reader::Got Reader::read_line() {
  buffer_.clear();
  if (!in_.good()) return Got::end;
  // istream::getline into a chunk: libstdc++ scans the stream's buffer for the '\n' with
  // memchr, where taking one character at a time cost a tenth of a replayed line.
  char chunk[8192];
  for (;;) {
    try {
      in_.getline(chunk, sizeof chunk);
    } catch (...) {
      in_.setstate(std::ios::badbit);
      return Got::end;
    }
    if (in_.bad()) return Got::end;
    const auto got = static_cast<std::size_t>(in_.gcount());
    const bool full = in_.fail() && !in_.eof();  // the chunk filled up before a '\n'
    const bool at_end = in_.eof();
    // Stored characters: all of them, less the '\n' getline took when it found one.
    buffer_.append(chunk, full || at_end ? got : got - 1);
    if (buffer_.size() > kMaxLineBytes) return Got::too_long;
    if (full) {
      in_.clear(in_.rdstate() & ~std::ios::failbit);
      continue;
    }
    // A last line without its '\n' is still a line.
    if (at_end) return buffer_.empty() ? Got::end : Got::line;
    return Got::line;
  }
}

Error Reader::too_long(std::size_t line) const {
  return invalid(line, "the line is longer than " + std::to_string(kMaxLineBytes) + " bytes");
}

Result<Header> Reader::header() {
  number_ = 1;
  const Got got = read_line();
  if (got == Got::end) return invalid(1, "the history is empty (expected a header line)");
  if (got == Got::too_long) return too_long(1);
  auto parsed = parse_json(buffer_, 1, "the header is");
  if (!parsed) return parsed.error();
  Json j = std::move(parsed).value();
  if (!j.is_object()) return invalid(1, "the header must be a JSON object");
  if (auto k = unknown_key(j, {"format", "version", "utc_offset", "calendar", "rules"}))
    return invalid(1, "unknown header key \"" + *k + "\"");
  if (j.value("format", Json()) != "fengqiao-history")
    return invalid(1, "\"format\" must be \"fengqiao-history\"");
  if (!j.contains("version") || (j["version"] != 1 && j["version"] != 2))
    return invalid(1, "\"version\" must be 1 or 2, got " + (j.contains("version") ? j["version"].dump() : "nothing"));
  Header h;
  h.version = j["version"].get<int>();
  if (h.version < 2 && j.contains("rules") && j["rules"].is_object() && j["rules"].contains("notices"))
    return invalid(1, "rules.notices is a key of version 2 of the format; this file is version 1");
  if (j.contains("utc_offset")) {
    if (!j["utc_offset"].is_string()) return invalid(1, "\"utc_offset\" must be a string like \"+08:00\"");
    auto off = UtcOffset::parse(j["utc_offset"].get<std::string>());
    if (!off) return invalid(1, "\"utc_offset\": " + off.error().message);
    h.utc_offset = *off;
  }
  auto cal = BusinessCalendar::from_json(j.value("calendar", Json()), h.utc_offset);
  if (!cal) return invalid(1, cal.error().message);
  h.calendar = std::move(cal).value();
  if (j.contains("rules")) {
    auto rules = DeadlineRules::from_json(j["rules"]);
    if (!rules) return invalid(1, rules.error().message);
    h.rules = std::move(rules).value();
  }
  offset_ = h.utc_offset;
  version_ = h.version;
  return h;
}

Result<std::optional<Line>> Reader::next() {
  for (Got got; (got = read_line()) != Got::end;) {
    ++number_;
    if (got == Got::too_long) return too_long(number_);
    if (buffer_.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank lines are ignored
    auto line = parse_line(buffer_, number_, offset_, version_);
    if (!line) return line.error();
    // HISTORY-FORMAT.md "Versions": a file may use only what its version has.
    if (line->kind == Line::Kind::action && spec_of(line->action).since_version > version_)
      return invalid(number_, "\"" + std::string(to_string(line->action)) + "\" is an action of version " +
                                  std::to_string(spec_of(line->action).since_version) + " of the format; this file is version " +
                                  std::to_string(version_));
    if (last_at_ && line->at < *last_at_)
      return invalid(number_, "\"at\" " + format_instant(line->at, offset_) + " is earlier than the line before (" +
                                  format_instant(*last_at_, offset_) + ")");
    last_at_ = line->at;
    return std::optional<Line>(std::move(line).value());
  }
  if (in_.bad()) return invalid(number_ + 1, "the stream could not be read");
  return std::optional<Line>();
}

}  // namespace fengqiao::history
