// What the binding's translation units share: value conversions, read-only views of
// snapshots and events, and one bind_* entry point per file.
#pragma once

#include <chrono>

#include <optional>
#include <string>
#include <string_view>

#include <pybind11/pybind11.h>

#include <nlohmann/json.hpp>

#include <fengqiao/calendar.hpp>
#include <fengqiao/case.hpp>
#include <fengqiao/error.hpp>
#include <fengqiao/event.hpp>
#include <fengqiao/rules.hpp>
#include <fengqiao/visit.hpp>
#include <fengqiao/time.hpp>
#include <fengqiao/vocabulary.hpp>

namespace fengqiao::python {

namespace py = pybind11;

// Throws the library's own exception so that every refusal, whether it comes from the
// engine or from argument checking here, reaches Python through one translator.
[[noreturn]] inline void fail(ErrorCode code, std::string message) {
  throw Exception(make_error(code, std::move(message)));
}

// --- cpp_names.cpp -----------------------------------------------------------------
// A library message as a Python caller should read it: the C++ option and method names it
// mentions replaced by the keyword arguments and methods of this module.
std::string python_spelling(std::string message);

// Spec names (strings) to enumerations; an unknown name is invalid_data naming `what`.
template <class E>
E parse_name(std::string_view text, const char* what) {
  if (auto v = parse<E>(text)) return *v;
  fail(ErrorCode::invalid_data, std::string(what) + ": unknown value \"" + std::string(text) + "\"");
}

template <class E>
py::object name_or_none(const std::optional<E>& v) {
  if (!v) return py::none();
  return py::str(std::string(to_string(*v)));
}

// --- json_convert.cpp --------------------------------------------------------------
// dict/list/tuple/str/int/float/bool/None to JSON; anything else is invalid_data naming
// `path` (e.g. "data.parties[0].name").
nlohmann::json to_json(py::handle value, const std::string& path);
py::object from_json(const nlohmann::json& value);

// --- time_convert.cpp --------------------------------------------------------------
// A timezone-aware datetime or an ISO-8601 string with an offset. Naive datetimes are
// refused like offset-less strings are (invalid_data), never guessed.
Instant to_instant(py::handle value, const char* what);
// An aware datetime in `offset` (the engine's calendar offset, so printed times read
// as the center's local time).
py::object to_datetime(Instant t, UtcOffset offset);
// A busy timeout from a timedelta or a number of seconds (0 to 86400), else invalid_config.
std::chrono::milliseconds to_millis(py::handle value, const char* what);
py::object to_datetime(const std::optional<Instant>& t, UtcOffset offset);
// A timedelta or a number of seconds.
Seconds to_seconds(py::handle value, const char* what);
// A "+08:00"-style offset; a bad one is invalid_config (it only ever configures).
UtcOffset to_offset(const std::string& text);

// --- config.cpp --------------------------------------------------------------------
// None (the defaults), the bound class, or a dict as in a history header.
BusinessCalendar calendar_from(py::handle value);
DeadlineRules rules_from(py::handle value);
// For an update: the bound class, or a dict read in `offset` (the engine's); None is a
// TypeError (an update needs something to change to).
BusinessCalendar calendar_from(py::handle value, UtcOffset offset);

// --- values.cpp --------------------------------------------------------------------
// Snapshots and events carry the offset their times are shown in.
struct CaseView {
  Case value;
  UtcOffset offset;
};
struct EventView {
  Event value;
  UtcOffset offset;
};
struct VisitView {
  Visit value;
  UtcOffset offset;
};
// An Actor, or a dict {"id", "role", "org"}.
Actor to_actor(py::handle value);

void bind_errors(py::module_& m);
void bind_values(py::module_& m);
void bind_config(py::module_& m);
void bind_clocks(py::module_& m);
void bind_storage(py::module_& m);
void bind_sqlite(py::module_& m);  // only with FENGQIAO_PYTHON_SQLITE
void bind_listeners(py::module_& m);
void bind_engine(py::module_& m);
void bind_replay(py::module_& m);

}  // namespace fengqiao::python
