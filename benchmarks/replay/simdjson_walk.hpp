// See simdjson_walk.cpp: simdjson's on-demand API over one history line, for comparison.
#pragma once

#include <cstddef>
#include <string>

namespace fqbench {

// Every key and scalar of `line` (a JSON object) visited; their count. Throws
// simdjson::simdjson_error on malformed input. `line` is padded in place and restored.
std::size_t walk_with_simdjson(std::string& line);

}  // namespace fqbench
