// How the from_json functions of the public value types (vocabulary, case, event, rules)
// report bad input: always fengqiao::Exception, never nlohmann's exception types.
//
// Why ours: nlohmann's exceptions can be constructed only through its internal API
// (`create` is not part of the documented interface and has changed signature between
// releases), and a caller decoding a stored case should not have to catch two families
// of exceptions. Exception carries an ErrorCode, which is what the rest of the library
// and the bindings already report.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

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

// A whole number of type T from `v`, or a refusal naming `what` (e.g. "Case.version"):
// never wrapped, truncated or converted from a float. nlohmann's get<T>() would do all
// three, and converting a float outside T's range is undefined behaviour (found by the
// rules_calendar fuzz target: a configuration record's seq of 92233720368547758072).
template <class T>
T whole(const nlohmann::json& v, const std::string& what) {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>, "an integer type");
  using Limits = std::numeric_limits<T>;
  // The bounds are compared only where they can fail (no always-true comparisons).
  if (v.is_number_unsigned()) {
    const std::uint64_t u = v.get<std::uint64_t>();
    if constexpr (Limits::digits >= 64) return static_cast<T>(u);
    else if (u <= static_cast<std::uint64_t>(Limits::max())) return static_cast<T>(u);
  } else if (v.is_number_integer()) {
    const std::int64_t i = v.get<std::int64_t>();
    if constexpr (std::is_signed_v<T>) {
      if constexpr (Limits::digits >= 63) return static_cast<T>(i);
      else if (i >= static_cast<std::int64_t>(Limits::min()) && i <= static_cast<std::int64_t>(Limits::max()))
        return static_cast<T>(i);
    } else if (i >= 0) {
      if constexpr (Limits::digits >= 63) return static_cast<T>(i);
      else if (i <= static_cast<std::int64_t>(Limits::max())) return static_cast<T>(i);
    }
  }
  reject(ErrorCode::invalid_data, what + " must be a whole number from " + std::to_string(Limits::min()) + " to " +
                                      std::to_string(Limits::max()) + ", got " + brief(v));
}

// The same for key `key` of object `j`, which must have it.
template <class T>
T whole_at(const nlohmann::json& j, const char* key, const char* type) {
  return whole<T>(j.at(key), std::string(type) + "." + key);
}

// The same, or `fallback` when `j` has no such key (fields older stores did not write).
template <class T>
T whole_or(const nlohmann::json& j, const char* key, T fallback, const char* type) {
  const auto it = j.find(key);
  return it == j.end() ? fallback : whole<T>(*it, std::string(type) + "." + key);
}

}  // namespace fengqiao::json_errors
