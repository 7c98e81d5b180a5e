// The history reader reads its common lines (engine events, expectations) with simdjson
// and falls back to its full path for every other line and for anything the fast path does
// not accept. The two must give the same answer for every line: the same Line, or the same
// refusal in the same words. Checked on every line of every sample history, as written and
// altered in the ways a damaged or hostile file differs.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fengqiao/history.hpp>

#include "history/reader_detail.hpp"

namespace fs = std::filesystem;
using fengqiao::history::Line;

namespace {

// A Line as the writer spells it, with the fields the writer leaves out of some kinds.
std::string spelled(const Line& line) {
  std::ostringstream out;
  {
    fengqiao::history::Writer writer(out, fengqiao::history::Header{});
    writer.write(line);
  }
  const std::string text = out.str();
  return std::to_string(line.number) + " " + std::to_string(static_cast<int>(line.kind)) + " " +
         text.substr(text.find('\n') + 1);
}

std::string answer(const fengqiao::Result<Line>& r) {
  return r ? "line: " + spelled(*r) : "refused: " + r.error().describe();
}

// Both paths on one line; false (with the line in the failure) when they differ.
void same_answer(const std::string& raw, int version) {
  const auto fast = fengqiao::history::parse_line(raw, 7, fengqiao::UtcOffset(), version);
  const auto full = fengqiao::history::detail::parse_line_full(raw, 7, fengqiao::UtcOffset(), version);
  INFO("line: " << raw);
  CHECK(answer(fast) == answer(full));
}

// Variants of a line: each a way a file can be damaged or hostile.
std::vector<std::string> variants(const std::string& raw) {
  std::vector<std::string> out{raw};
  auto replaced = [&](const std::string& from, const std::string& to) {
    const auto at = raw.find(from);
    if (at != std::string::npos) out.push_back(std::string(raw).replace(at, from.size(), to));
  };
  out.push_back(raw + " x");                                  // trailing content
  out.push_back(raw + " {}");                                 // a second value
  out.push_back(raw + "}");                                   // a stray brace
  out.push_back(raw + "  \r");                                // trailing blanks: fine
  out.push_back("  " + raw);                                  // leading blanks: fine
  out.push_back(raw.substr(0, raw.size() / 2));               // cut short
  replaced("{", R"({"at":"2025-09-01T09:00:00+08:00",)");     // a key twice
  replaced("\"case\"", "\"case_id\"");                        // an unknown key
  replaced("\"stage\"", "\"level\":1,\"stage\"");             // a level on any event
  replaced("\"level\": 1", "\"level\": 1.0");                 // a whole number as a float
  replaced("\"level\":1", "\"level\":0");                     // out of range
  replaced("\"level\":1", "\"level\":99999999999");           // out of int
  replaced("\"level\": 1", "\"level\": \"1\"");                // a string
  replaced("+08:00\"", "+08:00 \"");                          // a bad instant
  replaced("T", "t");
  replaced("\"deadline_warning\"", "\"deadline_warnin\"");    // an unknown event
  replaced("\"deadline_warning\"", "\"action\"");
  replaced("\"handling\"", "\"handling\\u0000\"");            // an escaped NUL
  replaced("\"handling\"", "\"hand\\u006cing\"");             // an escape that spells a word
  replaced("\"expect\": {", "\"expect\": {\"state\": [[[[1]]]], ");
  replaced("\"expect\": {", "\"expect\": [{");
  replaced("\"expect\":{", "\"expect\":{\"stat\":1,");
  replaced("\"hash\": \"", "\"hash\": \"A");                  // not a hash
  replaced("\"case\": \"", "\"case\": \"\\ud800");            // a lone surrogate
  replaced("\"case\": \"", "\"case\": 7, \"x\": \"");
  replaced("\"case\": \"", "\"case\": \"\xff");               // not UTF-8
  return out;
}

}  // namespace

TEST_CASE("the reader's simdjson path and its full path agree on every sample line and its variants") {
  std::size_t lines = 0;
  for (const auto& entry : fs::recursive_directory_iterator(std::string(FENGQIAO_TEST_DATA) + "/histories")) {
    if (entry.path().extension() != ".jsonl") continue;
    std::ifstream in(entry.path());
    std::string raw;
    std::getline(in, raw);  // the header
    while (std::getline(in, raw)) {
      if (raw.empty()) continue;
      for (int version : {1, 2})
        for (const std::string& v : variants(raw)) same_answer(v, version);
      ++lines;
    }
  }
  CHECK(lines > 1000);
}

TEST_CASE("lines written with every event kind and expectation key read the same both ways") {
  const std::vector<std::string> lines = {
      R"({"at":"2025-09-02T00:00:00+08:00","case":"C-1","event":"deadline_warning","stage":"dispatch"})",
      R"({"at":"2025-09-02T00:00:00+08:00","case":"C-1","event":"deadline_overdue","stage":"handling"})",
      R"({"at":"2025-09-02T00:00:00+08:00","case":"C-1","event":"escalated","stage":"handling","level":2})",
      R"({"at":"2025-09-02T00:00:00+08:00","case":"C-1","event":"escalated","stage":"handling"})",
      R"({"at":"2025-09-02T00:00:00+08:00","case":"C-1","event":"escalated","stage":"handling","level":2,"level":3})",
      R"({"at":"2025-09-02T00:00:00+08:00","case":"","event":"deadline_warning","stage":"dispatch"})",
      R"({"at":"2025-09-02T00:00:00+08:00","case":"C-1","event":"deadline_warning","stage":"dispatch","hash":")" +
          std::string(64, 'a') + R"("})",
      R"({"at":"2025-09-02T00:00:00+08:00","case":"C-1","expect":{"state":"handling","supervision":null,"level":0,"outcome":null,"lead":"justice","reopened":1,"deadline":"2025-09-23T00:00:00+08:00","assignee":null,"notes":2,"notice":["a","b"]}})",
      R"({"at":"2025-09-02T00:00:00+08:00","case":"C-1","expect":{}})",
      R"({"at":"2025-09-02T00:00:00+08:00","case":"C-1","expect":{"state":"handling","state":"closed"}})",
      R"({"at":"2025-09-02T00:00:00+08:00","case":"C-1","expect":{"deadline":null}})",
      R"({"at":"2025-09-02T00:00:00+08:00","case":"C-1","tick":true})",
      R"([1,2])",
      R"("a string")",
      R"({})",
  };
  for (const std::string& line : lines)
    for (int version : {1, 2}) same_answer(line, version);
}
