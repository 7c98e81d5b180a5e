// Hostile history input (issue 12, "What was seen" 2-4): each case here crashed the reader,
// escaped it as an exception or replayed "clean" while hiding what the file said. Every one
// is now invalid_history naming its line, decided before the line is parsed or applied, and
// every message stays valid UTF-8 so a JSON report of it can always be written.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include <fengqiao/engine.hpp>
#include <fengqiao/history.hpp>
#include <fengqiao/memory_storage.hpp>
#include <fengqiao/replay.hpp>

namespace {

using fengqiao::ReplayFailure;

const std::string kHeader = R"({"format":"fengqiao-history","version":2,"utc_offset":"+08:00"})";
const std::string kRegister =
    R"({"at":"2025-09-01T09:00:00+08:00","case":"C-1","action":"register","actor":{"id":"u1","role":"intake","org":"center"},"data":{"channel":"walk_in","category":"neighbour","urgency":"normal","jurisdiction":["a","b"],"parties":[{"name":"W"}],"summary":"s"}})";

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string nested(std::size_t depth, const std::string& inside = "1") {
  return std::string(depth, '[') + inside + std::string(depth, ']');
}

// Replays `text` and checks it stops with invalid_history at `line`, its message naming
// `mentions` and encodable as JSON.
void refused_at(const std::string& text, std::size_t line, const std::string& mentions) {
  std::istringstream in(text);
  fengqiao::ReplayResult result;
  REQUIRE_NOTHROW(result = fengqiao::replay(in));
  REQUIRE_FALSE(result.clean());
  CHECK(result.failure->kind == ReplayFailure::Kind::invalid_history);
  CHECK(result.failure->line == line);
  const std::string& msg = result.failure->message;
  CHECK_MESSAGE(msg.rfind("invalid_history: line " + std::to_string(line) + ":", 0) == 0, msg.substr(0, 300));
  CHECK_MESSAGE(msg.find(mentions) != std::string::npos, msg.substr(0, 300));
  // A report of the failure is valid JSON (a message quoting raw bytes made dump() throw).
  CHECK_NOTHROW((void)result.to_json().dump());
}

}  // namespace

TEST_CASE("nesting ~70,000 deep in an event's level, an expectation's lead or an action's data: refused, no crash") {
  const std::string deep = nested(70000);
  refused_at(join({kHeader, kRegister,
                   R"({"at":"2025-09-01T10:00:00+08:00","case":"C-1","event":"escalated","stage":"dispatch","level":)" + deep + "}"}),
             3, "nested more than 64");
  refused_at(join({kHeader, kRegister, R"({"at":"2025-09-01T10:00:00+08:00","case":"C-1","expect":{"lead":)" + deep + "}}"}),
             3, "nested more than 64");
  refused_at(join({kHeader, kRegister,
                   R"({"at":"2025-09-01T10:00:00+08:00","case":"C-1","action":"accept","actor":{"id":"h","role":"handler","org":"x"},"data":{"x":)" +
                       deep + "}}"}),
             3, "nested more than 64");
  // In the header too (its rules are a nested document).
  refused_at(R"({"format":"fengqiao-history","version":2,"rules":)" + nested(70000, "{}") + "}\n", 1, "nested");
}

TEST_CASE("nesting: the limit is kMaxNesting levels, the line's own object included") {
  using fengqiao::history::kMaxNesting;
  // Keys an integration adds to `data` are kept uninterpreted: nested up to the limit, they replay.
  auto with_data_depth = [](std::size_t levels) {
    // line object (1) + data object (2) + "x" arrays
    return R"({"at":"2025-09-01T09:00:00+08:00","case":"C-1","action":"register","actor":{"id":"u1","role":"intake","org":"center"},"data":{"channel":"walk_in","category":"neighbour","urgency":"normal","jurisdiction":["a","b"],"parties":[{"name":"W"}],"summary":"s","x":)" +
           nested(levels - 2) + "}}";
  };
  std::istringstream ok(join({kHeader, with_data_depth(kMaxNesting)}));
  auto clean = fengqiao::replay(ok);
  CHECK_MESSAGE(clean.clean(), clean.describe());
  refused_at(join({kHeader, with_data_depth(kMaxNesting + 1)}), 2, "nested");
}

TEST_CASE("numbers: a level past what a case holds is refused, never truncated") {
  // 4294967297 truncated to int is 1: the event line read as escalated level 1.
  refused_at(join({kHeader, kRegister,
                   R"({"at":"2025-09-01T10:00:00+08:00","case":"C-1","event":"escalated","stage":"dispatch","level":4294967297})"}),
             3, "\"level\" must be a whole number from 1");
  refused_at(join({kHeader, kRegister,
                   R"({"at":"2025-09-01T10:00:00+08:00","case":"C-1","event":"escalated","stage":"dispatch","level":18446744073709551615})"}),
             3, "level");
  refused_at(join({kHeader, kRegister, R"({"at":"2025-09-01T10:00:00+08:00","case":"C-1","expect":{"notes":4294967296}})"}), 3,
             "notes");
  refused_at(join({kHeader, kRegister, R"({"at":"2025-09-01T10:00:00+08:00","case":"C-1","expect":{"level":-1}})"}), 3, "level");
}

TEST_CASE("a raw NUL byte is invalid_history naming the line, not the end of it") {
  // The parser took the NUL for the end of the text: the failing expectation after it was
  // never read and the file replayed clean.
  std::string bad = R"({"at":"2025-09-01T10:00:00+08:00","case":"C-1","expect":{"state":"registered"}})";
  bad.push_back('\0');
  bad += R"({"at":"2025-09-01T10:00:00+08:00","case":"C-1","expect":{"state":"closed"}})";
  refused_at(join({kHeader, kRegister, bad}), 3, "NUL byte at column 80");
  std::string in_string = kRegister;
  in_string.insert(in_string.find("\"summary\":\"s") + 11, std::string(1, '\0'));
  refused_at(join({kHeader, in_string}), 2, "NUL");
}

TEST_CASE("invalid UTF-8 is invalid_history naming the line, and its report is valid JSON") {
  for (const std::string bytes : {"\xff", "\xc0\xaf" /* overlong '/' */, "\xed\xa0\x80" /* a surrogate */,
                                  "\xf4\x90\x80\x80" /* past U+10FFFF */, "\xe4\xb8" /* cut short */}) {
    CAPTURE(bytes.size());
    std::string line = kRegister;
    line.replace(line.find("\"summary\":\"s") + 11, 1, bytes);
    refused_at(join({kHeader, line}), 2, "invalid UTF-8 at column");
    // Outside a string as well.
    refused_at(join({kHeader, kRegister, R"({"at":"2025-09-01T10:00:00+08:00","tick":true})" + bytes}), 3, "invalid UTF-8");
  }
  // Well-formed UTF-8 of every length replays.
  std::string line = kRegister;
  line.replace(line.find("\"summary\":\"s") + 11, 1, "\xc3\xa9 \xe7\xba\xa0\xe7\xba\xb7 \xf0\x9f\x8f\xa0");
  std::istringstream in(join({kHeader, line}));
  auto clean = fengqiao::replay(in);
  CHECK_MESSAGE(clean.clean(), clean.describe());
}

TEST_CASE("line and string lengths are bounded") {
  using fengqiao::history::kMaxLineBytes;
  using fengqiao::history::kMaxStringBytes;
  // A summary at the string limit replays; one byte more is refused.
  std::string line = kRegister;
  line.replace(line.find("\"summary\":\"s") + 11, 1, std::string(kMaxStringBytes, 'a'));
  std::istringstream ok(join({kHeader, line}));
  auto clean = fengqiao::replay(ok);
  CHECK_MESSAGE(clean.clean(), clean.describe());
  line = kRegister;
  line.replace(line.find("\"summary\":\"s") + 11, 1, std::string(kMaxStringBytes + 1, 'a'));
  refused_at(join({kHeader, line}), 2, "a string longer than 65536 bytes");
  // A line past kMaxLineBytes (spaces are valid JSON, so only its length is wrong).
  refused_at(join({kHeader, kRegister, R"({"at":"2025-09-01T10:00:00+08:00","tick":true})" + std::string(kMaxLineBytes, ' ')}), 3,
             "longer than 1048576 bytes");
  // A line of exactly kMaxLineBytes is read (a multiple of the reader's chunk: the '\n' comes
  // right after a full chunk), with and without its '\n'.
  const std::string tick = R"({"at":"2025-09-01T10:00:00+08:00","tick":true})";
  const std::string longest = tick + std::string(kMaxLineBytes - tick.size(), ' ');
  for (const std::string& end : {std::string("\n"), std::string()}) {
    std::istringstream at_limit(join({kHeader, kRegister}) + "\n" + longest + end);
    auto read = fengqiao::replay(at_limit);
    CHECK_MESSAGE(read.clean(), read.describe());
    CHECK(read.lines == 3);
  }
  // A file of one endless line stops at the limit instead of being read whole.
  refused_at(kHeader + "\n" + std::string(3 * kMaxLineBytes, ' '), 2, "longer than");
  // The header line too.
  refused_at(kHeader + std::string(kMaxLineBytes, ' ') + "\n", 1, "longer than");
  // A last line without its '\n' is still read.
  std::istringstream no_newline(kHeader + "\n" + kRegister);
  auto last = fengqiao::replay(no_newline);
  CHECK_MESSAGE(last.clean(), last.describe());
  CHECK(last.cases == 1);
}

TEST_CASE("instants outside 1970-01-01T00:00:00Z .. 9000-01-01T00:00:00Z are refused with the line") {
  // Past Boost's last year after conversion to the header's offset: escaped as
  // std::out_of_range without a line number.
  refused_at(join({kHeader, R"({"at":"9999-12-31T23:00:00-05:00","tick":true})"}), 2, "outside the supported range");
  refused_at(join({kHeader, R"({"at":"1400-01-01T00:00:00+08:00","tick":true})"}), 2, "outside the supported range");
  refused_at(join({kHeader, R"({"at":"9000-01-01T00:00:00Z","tick":true})"}), 2, "outside the supported range");
  // Before the epoch: a registration there was silently stored at 1970-01-01T00:00:00Z.
  std::string early = kRegister;
  early.replace(early.find("2025-09-01T09:00:00+08:00"), 25, "1969-12-31T23:59:59+00:00");
  refused_at(join({kHeader, early}), 2, "1969-12-31T23:59:59+00:00 (-1 s since 1970-01-01T00:00:00Z) is outside");
  refused_at(join({kHeader, kRegister, R"({"at":"2025-09-01T10:00:00+08:00","case":"C-1","expect":{"deadline":"1960-01-01T00:00:00Z"}})"}),
             3, "expect.deadline");
  // The edges: the epoch itself and the last second before 9000 are inside.
  for (const char* at : {"1970-01-01T00:00:00Z", "8999-12-31T23:59:59Z"}) {
    std::istringstream in(join({kHeader, std::string(R"({"at":")") + at + R"(","tick":true})"}));
    auto r = fengqiao::replay(in);
    CHECK_MESSAGE(r.clean(), r.describe());
  }
}

TEST_CASE("the engine refuses a clock outside the supported range instead of moving a case to the epoch") {
  auto clock = std::make_shared<fengqiao::ManualClock>(fengqiao::parse_instant("1969-06-01T09:00:00+08:00").value());
  auto storage = std::make_shared<fengqiao::MemoryStorage>();
  fengqiao::EngineOptions options;
  options.clock = clock;
  options.storage = storage;
  fengqiao::Engine engine(options);
  const fengqiao::Actor intake{"u1", fengqiao::Role::intake, "center"};
  const nlohmann::json data = {{"channel", "walk_in"}, {"category", "neighbour"}, {"urgency", "normal"},
                               {"jurisdiction", {"a"}}, {"parties", {{{"name", "W"}}}}, {"summary", "s"}};
  auto refused = engine.try_register_case("C-1", intake, data);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == fengqiao::ErrorCode::invalid_data);
  CHECK(refused.error().message.find("the clock's reading 1969-06-01T01:00:00+00:00") != std::string::npos);
  CHECK(storage->load("C-1").error().code == fengqiao::ErrorCode::unknown_case);
  clock->set(fengqiao::parse_instant("2025-09-01T09:00:00+08:00").value());
  CHECK(engine.try_register_case("C-1", intake, data));
}
