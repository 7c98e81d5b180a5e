// The library's messages name its C++ options ("SqliteOptions::create_if_missing is off");
// a Python caller never wrote those. Every message raised as a fengqiao.Error passes
// through python_spelling() first (errors.cpp), which says the same thing in the terms of
// the Python API: the keyword argument or method a caller would use.
#include <regex>
#include <string_view>
#include <utility>

#include "common.hpp"

namespace fengqiao::python {
namespace {

// C++ spelling -> what a Python caller writes. Longest first where one contains another.
constexpr std::pair<std::string_view, std::string_view> kSpellings[] = {
    {"set EngineOptions::adopt_stored_configuration", "pass adopt_stored_configuration=True"},
    {"Engine::update_configuration", "Engine.update_configuration()"},
    {"SqliteOptions::create_if_missing is off", "create_if_missing=False"},
    {"SqliteOptions::read_only", "read_only=True"},
    {"SqliteOptions::busy_timeout", "busy_timeout"},
    {"MemoryStorageOptions::busy_timeout", "busy_timeout"},
};

// Any other Type::member the library may name in the future: the member alone, which is
// also the keyword or attribute name in Python. Quoted text is left alone: it is the
// caller's own (a case id, a path) and must come back as given.
const std::regex& qualified_name() {
  static const std::regex re(R"(\b(?:[A-Za-z_][A-Za-z0-9_]*::)+([A-Za-z_][A-Za-z0-9_]*))");
  return re;
}

std::string unqualify(const std::string& text) { return std::regex_replace(text, qualified_name(), "$1"); }

}  // namespace

std::string python_spelling(std::string message) {
  for (auto [cpp, python] : kSpellings) {
    for (auto at = message.find(cpp); at != std::string::npos; at = message.find(cpp, at + python.size()))
      message.replace(at, cpp.size(), python);
  }
  if (message.find("::") == std::string::npos) return message;
  // Outside double quotes only: split at each quote, rewrite the even (unquoted) pieces.
  std::string out;
  std::size_t begin = 0;
  bool quoted = false;
  while (begin <= message.size()) {
    std::size_t end = message.find('"', begin);
    if (end == std::string::npos) end = message.size();
    const std::string piece = message.substr(begin, end - begin);
    out += quoted ? piece : unqualify(piece);
    if (end == message.size()) break;
    out += '"';
    quoted = !quoted;
    begin = end + 1;
  }
  return out;
}

}  // namespace fengqiao::python
