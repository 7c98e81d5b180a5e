// How the from_json functions of the public value types (vocabulary, case, event, rules)
// report bad input: always fengqiao::Exception, never nlohmann's exception types.
//
// Why ours: nlohmann's exceptions can be constructed only through its internal API
// (`create` is not part of the documented interface and has changed signature between
// releases), and a caller decoding a stored case should not have to catch two families
// of exceptions. Exception carries an ErrorCode, which is what the rest of the library
// and the bindings already report.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "fengqiao/error.hpp"

namespace fengqiao::json_errors {

[[noreturn]] inline void reject(ErrorCode code, std::string message) {
  throw Exception(make_error(code, std::move(message)));
}

// Runs the body of a from_json. nlohmann's own errors on the way (a missing key, a value
// of the wrong JSON type) leave as Exception too, with `what` naming the type being read.
// An Exception from a nested from_json passes through unchanged: it names the innermost
// problem.
template <class Body>
void decode(ErrorCode code, const char* what, Body&& body) {
  try {
    body();
  } catch (const nlohmann::json::exception& e) {
    reject(code, std::string(what) + ": " + e.what());
  }
}

// A value as an error message shows it: a scalar as written (cut at 40 bytes), a container
// by its kind and size only. Messages reach logs and other systems: they must not carry
// whatever a container held (personal data, megabytes of text), and describing one must
// not recurse through an arbitrarily deep one.
inline std::string brief(const nlohmann::json& v) {
  if (v.is_array()) return "an array of " + std::to_string(v.size()) + (v.size() == 1 ? " element" : " elements");
  if (v.is_object()) return "an object with " + std::to_string(v.size()) + (v.size() == 1 ? " key" : " keys");
  std::string text = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > 40) {
    std::size_t cut = 40;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0u) == 0x80u) --cut;  // not inside a character
    text = text.substr(0, cut) + "...";
  }
  return text;
}

}  // namespace fengqiao::json_errors
