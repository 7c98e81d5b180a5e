#include "fengqiao/diagram.hpp"

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "fengqiao/action_table.hpp"

namespace fengqiao {
namespace {

// A row's label: the action, and which outcome of it when it has several rows to
// different states that the reader must tell apart.
std::string label_of(const ActionSpec& spec, const ActionRow& row) {
  std::string label(to_string(spec.action));
  switch (row.when) {
    case Branch::satisfied: return label + " (satisfied, basic)";
    case Branch::unsatisfied_with_lead:
    case Branch::unsatisfied_without_lead: return label + " (unsatisfied)";
    default: return label;
  }
}

using Node = std::optional<State>;  // none: the start marker
using Edges = std::vector<std::pair<std::pair<Node, State>, std::vector<std::string>>>;

// Every row of every action as an edge (from, to), labels of the same edge merged, in the
// table's order so the output is stable.
Edges edges() {
  Edges out;
  auto add = [&](Node from, State to, const std::string& label) {
    for (auto& [key, labels] : out)
      if (key.first == from && key.second == to) {
        for (const std::string& l : labels)
          if (l == label) return;
        labels.push_back(label);
        return;
      }
    out.push_back({{from, to}, {label}});
  };
  for (const ActionSpec& spec : kActionTable)
    for (const ActionRow* row = spec.begin_rows(); row != spec.end_rows(); ++row) {
      if (row->from.empty()) {
        add(std::nullopt, *row->to, label_of(spec, *row));
        continue;
      }
      for (State s : all_of<State>())
        if (row->from.contains(s)) add(s, row->to ? *row->to : s, label_of(spec, *row));
    }
  return out;
}

std::string joined(const std::vector<std::string>& labels, const char* separator) {
  std::string out;
  for (const std::string& l : labels) out += (out.empty() ? "" : separator) + l;
  return out;
}

constexpr State kFinal[] = {State::withdrawn, State::closed};

}  // namespace

std::string lifecycle_dot() {
  std::string out = "digraph lifecycle {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n";
  out += "  start [shape=point];\n  end [shape=doublecircle, label=\"\", width=0.15];\n";
  for (const auto& [key, labels] : edges()) {
    const std::string from = key.first ? std::string(to_string(*key.first)) : "start";
    out += "  " + from + " -> " + std::string(to_string(key.second)) + " [label=\"" + joined(labels, "\\n") + "\"];\n";
  }
  for (State s : kFinal) out += "  " + std::string(to_string(s)) + " -> end;\n";
  return out + "}\n";
}

std::string lifecycle_mermaid() {
  std::string out = "stateDiagram-v2\n";
  for (const auto& [key, labels] : edges()) {
    const std::string from = key.first ? std::string(to_string(*key.first)) : "[*]";
    out += "    " + from + " --> " + std::string(to_string(key.second)) + " : " + joined(labels, ", ") + "\n";
  }
  for (State s : kFinal) out += "    " + std::string(to_string(s)) + " --> [*]\n";
  return out;
}

}  // namespace fengqiao
