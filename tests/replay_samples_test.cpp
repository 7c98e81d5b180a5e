// Every sample history (hand-written and generated) replays clean: the behaviour the
// spec's authors recorded is the behaviour the engine has.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include <fengqiao/replay.hpp>

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> histories(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".jsonl") out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void replace_first(std::string& s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  s.replace(pos, from.size(), to);
}

// A history's lines by kind (HISTORY-FORMAT.md), counted without the library.
struct LineCounts {
  std::size_t lines = 0, actions = 0, events = 0, expectations = 0, cases = 0, visits = 0, configs = 0;
};

LineCounts count_lines(const std::string& text) {
  LineCounts n;
  std::set<std::string> registered;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank lines are ignored
    ++n.lines;
    const auto j = nlohmann::json::parse(line);
    if (j.contains("action")) {
      ++n.actions;
      if (j["action"] == "register" && !j.contains("expect_error")) registered.insert(j["case"].get<std::string>());
    }
    if (j.contains("event")) ++n.events;
    if (j.contains("expect")) ++n.expectations;
    if (j.contains("visit")) ++n.visits;
    if (j.contains("config")) ++n.configs;
  }
  n.cases = registered.size();
  return n;
}

fengqiao::ReplayResult replay_text(const std::string& text) {
  std::istringstream in(text);
  return fengqiao::replay(in);
}

fengqiao::ReplayResult replay_file(const fs::path& path) {
  std::ifstream in(path);
  REQUIRE(in);
  fengqiao::ReplayOptions options;
  options.source = path.filename().string();
  return fengqiao::replay(in, options);
}

}  // namespace

TEST_CASE("every sample history replays clean") {
  const fs::path root = FENGQIAO_TEST_DATA "/histories";
  auto files = histories(root);
  for (const char* dir : {"random", "random-v2"}) {
    auto generated = histories(root / dir);
    files.insert(files.end(), generated.begin(), generated.end());
  }
  // 01-07 hand-written (05-07: contract version 2), 20 generated of each version.
  REQUIRE(files.size() == 47);
  std::size_t with_config_lines = 0;
  for (const auto& path : files) {
    CAPTURE(path);
    auto result = replay_file(path);
    const LineCounts n = count_lines(read_all(path));
    if (n.configs) ++with_config_lines;
    CHECK_MESSAGE(result.clean(), result.describe());
    // What it reports having checked is what the file holds, counted from its lines:
    // every event line matched, every action, visit and expectation applied.
    CHECK(result.lines == n.lines);
    CHECK(result.actions == n.actions);
    CHECK(result.visits == n.visits);
    CHECK(result.config_changes == n.configs);
    CHECK(result.events_checked == n.events);
    CHECK(result.expectations == n.expectations);
    CHECK(result.cases == n.cases);
  }
  // 06 and ten of the generated version-2 ones change the calendar mid-history.
  CHECK(with_config_lines == 1 + 10);
}

TEST_CASE("a clean replay reports what it checked") {
  auto r = replay_file(FENGQIAO_TEST_DATA "/histories/04-emergency.jsonl");
  REQUIRE(r.clean());
  CHECK(r.lines == 16);
  CHECK(r.cases == 1);
  CHECK(r.actions == 3);
  CHECK(r.events_checked == 7);
  CHECK(r.expectations == 4);
  auto j = r.to_json();
  CHECK(j["clean"] == true);
  CHECK(j["events_checked"] == 7);
  CHECK(j["failure"].is_null());
}

TEST_CASE("a history that disagrees with the engine fails at the line, naming case and both sides") {
  std::string h = read_all(FENGQIAO_TEST_DATA "/histories/04-emergency.jsonl");

  SUBCASE("an expectation the engine does not meet") {
    replace_first(h, "\"deadline\": \"2025-09-02T08:30:00+08:00\"", "\"deadline\": \"2025-09-02T08:31:00+08:00\"");
    auto r = replay_text(h);
    REQUIRE_FALSE(r.clean());
    CHECK(r.failure->kind == fengqiao::ReplayFailure::Kind::expectation);
    CHECK(r.failure->line == 3);
    CHECK(r.failure->case_id == "S4-2025-0004");
    CHECK(r.failure->expected == "deadline = 2025-09-02T08:31:00+08:00");
    CHECK(r.failure->actual == "has deadline = 2025-09-02T08:30:00+08:00");
  }
  SUBCASE("a recorded engine event at the wrong time") {
    replace_first(h, "2025-09-02T08:22:30", "2025-09-02T08:22:31");
    auto r = replay_text(h);
    REQUIRE_FALSE(r.clean());
    CHECK(r.failure->kind == fengqiao::ReplayFailure::Kind::divergence);
    CHECK(r.failure->line == 4);
    CHECK(r.failure->actual.find("08:22:30") != std::string::npos);
  }
  SUBCASE("an engine event that was not recorded") {
    auto pos = h.find("{\"at\": \"2025-09-02T10:30:00+08:00\"");
    REQUIRE(pos != std::string::npos);
    h.erase(pos, h.find('\n', pos) - pos + 1);  // drop the escalation level 1 line
    auto r = replay_text(h);
    REQUIRE_FALSE(r.clean());
    CHECK(r.failure->kind == fengqiao::ReplayFailure::Kind::divergence);
    CHECK(r.failure->line == 6);  // the dispatch line, which should have come after it
    CHECK(r.failure->actual.find("escalated dispatch level 1") != std::string::npos);
  }
  SUBCASE("an action refused with another code than expected") {
    std::string h3 = read_all(FENGQIAO_TEST_DATA "/histories/03-refusals.jsonl");
    replace_first(h3, "\"expect_error\": \"not_permitted\"", "\"expect_error\": \"invalid_data\"");
    auto r = replay_text(h3);
    REQUIRE_FALSE(r.clean());
    CHECK(r.failure->kind == fengqiao::ReplayFailure::Kind::missing_error);
    CHECK(r.failure->line == 3);
    CHECK(r.failure->actual.find("not_permitted") != std::string::npos);
  }
  SUBCASE("an action the engine refuses") {
    replace_first(h, "\"role\": \"handler\", \"org\": \"police_xilinji\"", "\"role\": \"handler\", \"org\": \"court\"");
    auto r = replay_text(h);
    REQUIRE_FALSE(r.clean());
    CHECK(r.failure->kind == fengqiao::ReplayFailure::Kind::unexpected_error);
    CHECK(r.failure->line == 9);  // the accept by a handler of another org
    CHECK(r.failure->actual.find("not_permitted") != std::string::npos);
  }
}

TEST_CASE("a calendar update in a history is judged and applied at its line; mutated, it fails there") {
  // 06: a holiday on the update's own day (refused), an unknown key in `config` (refused),
  // then the 2026 New Year schedule, which moves a running handling deadline.
  std::string h = read_all(FENGQIAO_TEST_DATA "/histories/06-calendar-update.jsonl");
  REQUIRE(replay_text(h).clean());

  SUBCASE("a refused update the history says is accepted") {
    replace_first(h, ", \"expect_error\": \"invalid_config\"", "");
    auto r = replay_text(h);
    REQUIRE_FALSE(r.clean());
    CHECK(r.failure->kind == fengqiao::ReplayFailure::Kind::unexpected_error);
    CHECK(r.failure->line == 7);
    CHECK(r.failure->actual.find("2025-12-24 is on or before the update's day") != std::string::npos);
  }
  SUBCASE("the accepted update without its make-up working day: the deadline it moved differs") {
    // The third configuration line (line 10) lists 2026-01-04 as worked; without it the
    // handling clock loses a day.
    std::istringstream in(h);
    std::string out, line;
    for (int n = 1; std::getline(in, line); ++n) {
      if (n == 10) replace_first(line, ", \"2026-01-04\"", "");
      out += line + "\n";
    }
    auto r = replay_text(out);
    REQUIRE_FALSE(r.clean());
    CHECK(r.failure->kind == fengqiao::ReplayFailure::Kind::expectation);
    CHECK(r.failure->line == 11);
    CHECK(r.failure->expected.find("deadline = 2026-01-15") != std::string::npos);
  }
  SUBCASE("an update that is not an object") {
    replace_first(h, "\"config\": {\"calendar\"", "\"config\": [{\"calendar\"");
    auto r = replay_text(h);
    REQUIRE_FALSE(r.clean());
    CHECK(r.failure->kind == fengqiao::ReplayFailure::Kind::invalid_history);
  }
}
