// Checks of `data` fields shared by the actions (validation.cpp) and visits
// (visit_checks.cpp). Each returns the field's path in `data` and what is wrong with it;
// the caller words the error for its own subject ("register: data.parties[0].name ...").
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "fengqiao/vocabulary.hpp"

namespace fengqiao::detail {

struct FieldProblem {
  std::string field;  // e.g. "parties[1].phone"
  std::string why;    // e.g. "must be a non-empty string"
};
using FieldCheck = std::optional<FieldProblem>;

inline bool non_empty_string(const nlohmann::json& v) {
  return v.is_string() && !v.get_ref<const std::string&>().empty();
}

// "walk_in, hotline, ...": every spelling of E, for messages.
template <class E>
std::string names_of() {
  std::string out;
  for (E e : all_of<E>()) out += (out.empty() ? "" : ", ") + std::string(to_string(e));
  return out;
}

template <class E>
FieldCheck one_of(const std::string& key, const nlohmann::json& v) {
  if (!v.is_string() || !parse<E>(v.get_ref<const std::string&>()))
    return FieldProblem{key, "must be one of " + names_of<E>() + ", got " + v.dump()};
  return std::nullopt;
}

// How strictly a party object is read. `registration`: contract version 1's reading,
// kept for the files written under it (id_number and phone may be empty strings, other
// keys are kept uninterpreted). `visit`: contract version 2's for visits (every optional
// key a non-empty string, no other key).
enum class PartyKeys { registration, visit };

// `parties`: a non-empty array of {name, id_number?, phone?, account?}.
FieldCheck check_parties(const nlohmann::json& v, PartyKeys keys);

}  // namespace fengqiao::detail
