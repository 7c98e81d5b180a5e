// The lifecycle pictures come from the action table: every row of every action is an edge
// of both drawings, no edge exists without a row, and the README shows the current one.
#include <doctest/doctest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <fengqiao/action_table.hpp>
#include <fengqiao/diagram.hpp>

using namespace fengqiao;

namespace {

// "from|to" -> its label, read back from the drawing's text (not from the library).
std::map<std::string, std::string> edges_in(const std::string& text, const std::regex& edge) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, edge)) continue;
    // DOT labels break lines with the two characters \n: read them as separators.
    std::string label = m[3].str();
    for (std::size_t at; (at = label.find("\\n")) != std::string::npos;) label.replace(at, 2, ", ");
    out[m[1].str() + "|" + m[2].str()] = label;
  }
  return out;
}

}  // namespace

TEST_CASE("every row of every action is an edge of both drawings, and every edge is a row") {
  const auto dot = edges_in(lifecycle_dot(), std::regex(R"re(\s*(\w+) -> (\w+) \[label="(.*)"\];)re"));
  const auto mermaid = edges_in(lifecycle_mermaid(), std::regex(R"re(\s*(\[\*\]|\w+) --> (\w+) : (.*))re"));
  std::set<std::string> from_rows;
  std::size_t rows = 0;
  for (const ActionSpec& spec : kActionTable)
    for (const ActionRow* row = spec.begin_rows(); row != spec.end_rows(); ++row) {
      ++rows;
      const std::string action(to_string(spec.action));
      std::vector<std::pair<std::string, std::string>> pairs;
      if (row->from.empty()) pairs.emplace_back("", std::string(to_string(*row->to)));
      for (State s : all_of<State>())
        if (row->from.contains(s)) pairs.emplace_back(std::string(to_string(s)), std::string(to_string(row->to ? *row->to : s)));
      REQUIRE_FALSE(pairs.empty());
      for (const auto& pair : pairs) {
        const std::string& from = pair.first;  // not a structured binding: CAPTURE cannot take one (Clang)
        const std::string& to = pair.second;
        CAPTURE(action);
        CAPTURE(from);
        CAPTURE(to);
        const std::string dot_key = (from.empty() ? "start" : from) + "|" + to;
        const std::string mermaid_key = (from.empty() ? "[*]" : from) + "|" + to;
        REQUIRE(dot.count(dot_key));
        REQUIRE(mermaid.count(mermaid_key));
        // The label names the action as a whole word.
        const std::regex word("(^|[^a-z_])" + action + "([^a-z_]|$)");
        CHECK(std::regex_search(dot.at(dot_key), word));
        CHECK(std::regex_search(mermaid.at(mermaid_key), word));
        from_rows.insert(mermaid_key);
      }
    }
  CHECK(rows > enum_count<Action>);  // some actions have several rows
  // No edge without a row (the two end-marker edges are not labelled, so not read above).
  CHECK(mermaid.size() == from_rows.size());
  CHECK(dot.size() == from_rows.size());
}

TEST_CASE("the README shows the lifecycle as the table draws it today") {
  std::ifstream in(FENGQIAO_TEST_DATA "/../../README.md");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  const std::string block = "```mermaid\n" + lifecycle_mermaid() + "```\n";
  CHECK_MESSAGE(readme.find(block) != std::string::npos,
                "README.md's mermaid block differs from lifecycle_mermaid(); regenerate it with `fengqiao diagram --format mermaid`");
}
