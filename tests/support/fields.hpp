// Every field of the library's value types, for generators and comparisons that must not
// forget one.
//
// Each type's fields are listed once, below, as the names of a structured binding: if a
// field is added to (or removed from) the struct and not to its list here, this header
// stops compiling ("... decomposes into N elements, but only M names were provided").
// Adding a field is adding its name to the list, in declaration order. The random
// generator (random_values.hpp) then fills it and field_diff() compares it, so a codec
// that forgets the field fails the round-trip tests, naming it.
#pragma once

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <fengqiao/case.hpp>
#include <fengqiao/event.hpp>
#include <fengqiao/storage.hpp>
#include <fengqiao/visit.hpp>

namespace fengqiao::testing::fields {

inline std::vector<std::string> split_names(const char* list) {
  std::vector<std::string> out(1);
  for (const char* p = list; *p; ++p) {
    if (*p == ',') out.emplace_back();
    else if (*p != ' ' && *p != '\n') out.back() += *p;
  }
  return out;
}

// FENGQIAO_TEST_FIELDS(Type, a, b, c): fields_of(x) is a tuple of references to x.a, x.b,
// x.c (a structured binding, so the count must be exact) and field_names(x) their names.
#define FENGQIAO_TEST_FIELDS(Type, ...)                                                      \
  inline auto fields_of(Type& x) {                                                         \
    auto& [__VA_ARGS__] = x;                                                               \
    return std::tie(__VA_ARGS__);                                                          \
  }                                                                                        \
  inline auto fields_of(const Type& x) {                                                   \
    const auto& [__VA_ARGS__] = x;                                                         \
    return std::tie(__VA_ARGS__);                                                          \
  }                                                                                        \
  inline const std::vector<std::string>& field_names(const Type&) {                        \
    static const std::vector<std::string> names = split_names(#__VA_ARGS__);               \
    return names;                                                                          \
  }

FENGQIAO_TEST_FIELDS(Actor, id, role, org)
FENGQIAO_TEST_FIELDS(Party, name, id_number, phone, account)
FENGQIAO_TEST_FIELDS(Span, unit, amount)
FENGQIAO_TEST_FIELDS(StageRule, limit, warn_before, escalate_every, max_level, max_extension)
FENGQIAO_TEST_FIELDS(StageClock, stage, started_at, rule, limit, extended, stopped_at, armed_after, schedule, next_step)
FENGQIAO_TEST_FIELDS(SupervisionRecord, warnings, overdues, escalations, supervision_orders, highest_level)
FENGQIAO_TEST_FIELDS(Case, id, channel, category, urgency, jurisdiction, parties, summary, first_responder,
                     notice, registered_at, route, lead, co_handlers, consultation_orgs, assignee, involved_orgs,
                     notes, state, suspended_from, outcome,
                     resolution_method, satisfaction, reopened, closed_at, reopen_until, supervision, level, record, clock,
                     held_clock, version, updated_at, chain_head)
FENGQIAO_TEST_FIELDS(Event, case_id, seq, at, type, action, actor, data, stage, level, notified, state_after,
                     notice, supervision_after, hash)
FENGQIAO_TEST_FIELDS(CaseQuery, state, supervision, lead, jurisdiction, due_before, after_id, limit)
FENGQIAO_TEST_FIELDS(Visit, id, at, actor, channel, kind, parties, summary, case_id)
FENGQIAO_TEST_FIELDS(VisitQuery, id, from, to, kind, channel, case_id, id_number, phone, after_id, limit)

template <class T, class = void>
struct has_fields : std::false_type {};
template <class T>
struct has_fields<T, std::void_t<decltype(fields_of(std::declval<const T&>()))>> : std::true_type {};

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};

// Calls f(name, a_field, b_field) for each field of two values of one type.
template <class T, class F>
void for_each_field_pair(const T& a, const T& b, F&& f) {
  auto fa = fields_of(a);
  auto fb = fields_of(b);
  const auto& names = field_names(a);
  std::apply(
      [&](const auto&... xa) {
        std::apply(
            [&](const auto&... xb) {
              std::size_t i = 0;
              (f(names[i++], xa, xb), ...);
            },
            fb);
      },
      fa);
}

// Calls f(name, field) for each field of a mutable value.
template <class T, class F>
void for_each_field(T& x, F&& f) {
  auto fx = fields_of(x);
  const auto& names = field_names(x);
  std::apply(
      [&](auto&... v) {
        std::size_t i = 0;
        (f(names[i++], v), ...);
      },
      fx);
}

// A readable rendering of any field value, for failure messages.
template <class T>
std::string describe(const T& v) {
  std::ostringstream out;
  if constexpr (std::is_same_v<T, std::string>) {
    out << nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else if constexpr (std::is_same_v<T, bool>) {
    out << (v ? "true" : "false");
  } else if constexpr (std::is_same_v<T, Instant>) {
    out << v.time_since_epoch().count() << "s";
  } else if constexpr (std::is_enum_v<T>) {
    out << "#" << static_cast<long long>(v);
  } else if constexpr (std::is_same_v<T, std::uint8_t>) {
    out << static_cast<unsigned>(v);
  } else if constexpr (std::is_arithmetic_v<T>) {
    out << v;
  } else if constexpr (std::is_same_v<T, nlohmann::json>) {
    out << v.dump();
  } else if constexpr (is_optional<T>::value) {
    out << (v ? describe(*v) : std::string("nullopt"));
  } else if constexpr (is_vector<T>::value) {
    out << "[";
    for (std::size_t i = 0; i < v.size(); ++i) out << (i ? ", " : "") << describe(v[i]);
    out << "]";
  } else {
    static_assert(has_fields<T>::value, "describe(): add a case for this type");
    out << "{";
    bool first = true;
    for_each_field_pair(v, v, [&](const std::string& name, const auto& x, const auto&) {
      out << (first ? "" : ", ") << name << ": " << describe(x);
      first = false;
    });
    out << "}";
  }
  return out.str();
}

// Appends "path: expected vs actual" for every field (recursively) that differs.
template <class T>
void field_diff(const T& a, const T& b, const std::string& path, std::vector<std::string>& out) {
  if constexpr (is_optional<T>::value) {
    if (a.has_value() != b.has_value()) out.push_back(path + ": " + describe(a) + " vs " + describe(b));
    else if (a) field_diff(*a, *b, path, out);
  } else if constexpr (is_vector<T>::value) {
    if (a.size() != b.size()) {
      out.push_back(path + ": " + std::to_string(a.size()) + " elements vs " + std::to_string(b.size()) + ": " +
                    describe(a) + " vs " + describe(b));
    } else {
      for (std::size_t i = 0; i < a.size(); ++i) field_diff(a[i], b[i], path + "[" + std::to_string(i) + "]", out);
    }
  } else if constexpr (has_fields<T>::value) {
    for_each_field_pair(a, b, [&](const std::string& name, const auto& x, const auto& y) {
      field_diff(x, y, path.empty() ? name : path + "." + name, out);
    });
  } else {
    if (!(a == b)) out.push_back(path + ": " + describe(a) + " vs " + describe(b));
  }
}

// Every difference between two values, one per line; empty when they are equal field by field.
template <class T>
std::string differences(const T& expected, const T& actual) {
  std::vector<std::string> lines;
  field_diff(expected, actual, "", lines);
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

}  // namespace fengqiao::testing::fields
