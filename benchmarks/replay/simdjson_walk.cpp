// A measurement, not a reader: how fast simdjson's on-demand API (Debian's libsimdjson-dev)
// gets through a history line, touching every value as a reader must, beside nlohmann's
// DOM parse (BM_ReadHistory): the bound for the history reader's simdjson path.
#include "simdjson_walk.hpp"

#include <simdjson.h>

namespace fqbench {
namespace {

using namespace simdjson;

// Every scalar under `v`, counted; strings unescaped (as a reader's copy into a
// std::string would need), numbers converted.
std::size_t walk(ondemand::value v) {
  switch (v.type()) {
    case ondemand::json_type::object: {
      std::size_t n = 0;
      for (auto field : v.get_object()) {
        std::string_view key = field.unescaped_key();
        n += key.size() > 0;
        n += walk(field.value());
      }
      return n;
    }
    case ondemand::json_type::array: {
      std::size_t n = 0;
      for (auto item : v.get_array()) n += walk(item.value());
      return n;
    }
    case ondemand::json_type::string: return std::string_view(v.get_string()).size() > 0 ? 1 : 0;
    case ondemand::json_type::number: return v.get_double() != 0 ? 1 : 0;
    case ondemand::json_type::boolean: return v.get_bool() ? 1 : 0;
    case ondemand::json_type::null: return v.is_null() ? 1 : 0;
  }
  return 0;
}

}  // namespace

std::size_t walk_with_simdjson(std::string& line) {
  thread_local ondemand::parser parser;
  // The on-demand parser reads up to SIMDJSON_PADDING bytes past the text.
  const std::size_t size = line.size();
  line.resize(size + SIMDJSON_PADDING);
  auto doc = parser.iterate(line.data(), size, line.size());
  std::size_t n = 0;
  for (auto field : doc.get_object()) {
    std::string_view key = field.unescaped_key();
    n += key.size() > 0;
    n += walk(field.value());
  }
  line.resize(size);
  return n;
}

}  // namespace fqbench
