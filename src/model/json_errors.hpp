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

}  // namespace fengqiao::json_errors
