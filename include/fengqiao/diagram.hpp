// Pictures of the lifecycle, drawn from the action table (action_table.hpp): every row of
// every action is an edge, so the picture cannot drift from what the engine does.
//
// Transitions between two states are one edge per (from, to) pair, labelled with the
// actions that take it (and the branch, for follow_up's outcomes); actions that keep the
// state (extend, supervise, assign, note) are a self-loop per state. `register` comes from
// the start marker; `withdrawn` and `closed` lead to the end marker (closed is final except
// for reopen).
#pragma once

#include <string>

namespace fengqiao {

// Graphviz DOT: `dot -Tsvg` draws it.
std::string lifecycle_dot();
// Mermaid stateDiagram-v2: the forges (GitHub, GitLab, Gitea) render it in Markdown.
std::string lifecycle_mermaid();

}  // namespace fengqiao
