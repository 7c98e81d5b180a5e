// BusinessCalendar and DeadlineRules, built from the same dicts a history header holds,
// and the configuration a store keeps (ConfigRecord) and an update's result
// (ConfigurationChange). All are values: the engine copies what it is given, so changing
// a Python object afterwards cannot change a running engine.
#include <pybind11/chrono.h>

#include <fengqiao/calendar.hpp>
#include <fengqiao/configuration.hpp>
#include <fengqiao/engine.hpp>
#include <fengqiao/rules.hpp>

#include "common.hpp"
#include "hints.hpp"

namespace fengqiao::python {
namespace {

// A value that cannot even be JSON is a bad configuration document, not bad case data.
nlohmann::json config_json(py::handle value, const char* what) {
  try {
    return to_json(value, what);
  } catch (const Exception& e) {
    fail(ErrorCode::invalid_config, e.error().message);
  }
}

BusinessCalendar calendar_from_dict(const JsonDict& d, const std::string& utc_offset) {
  return BusinessCalendar::from_json(config_json(d, "calendar"), to_offset(utc_offset)).value_or_throw();
}

DeadlineRules rules_from_dict(const JsonDict& d) {
  return DeadlineRules::from_json(config_json(d, "rules")).value_or_throw();
}

bool is_working_day(const BusinessCalendar& cal, const DayLike& day) {
  const py::module_ dt = py::module_::import("datetime");
  // datetime is a date subclass: an instant names the day it falls on in the calendar's offset.
  if (py::isinstance(day, dt.attr("datetime"))) return cal.is_working_day(cal.day_of(to_instant(day, "day")));
  if (py::isinstance(day, dt.attr("date")))
    return cal.is_working_day(Date{day.attr("year").cast<int>(), day.attr("month").cast<int>(),
                                   day.attr("day").cast<int>()});
  if (py::isinstance<py::str>(day)) return cal.is_working_day(parse_date(day.cast<std::string>()).value_or_throw());
  throw py::type_error("day: expected a date, an aware datetime or \"YYYY-MM-DD\"");
}

std::string changed_names(const ConfigRecord& r) {
  std::string out;
  if (r.calendar_changed) out = "calendar";
  if (r.rules_changed) out += out.empty() ? "rules" : ",rules";
  return out.empty() ? "nothing" : out;
}

std::string describe(const ConfigRecord& r) {
  return "seq=" + std::to_string(r.seq) + " at=" + format_instant(r.at, r.calendar.utc_offset()) +
         " changed=" + changed_names(r);
}

}  // namespace

BusinessCalendar calendar_from(py::handle value, UtcOffset offset) {
  if (py::isinstance<BusinessCalendar>(value)) return value.cast<BusinessCalendar>();
  if (py::isinstance<py::dict>(value)) return calendar_from_dict(py::reinterpret_borrow<JsonDict>(value), offset.to_string());
  throw py::type_error("calendar: expected fengqiao.BusinessCalendar or a dict");
}

BusinessCalendar calendar_from(py::handle value) {
  if (value.is_none()) return BusinessCalendar();
  if (py::isinstance<BusinessCalendar>(value)) return value.cast<BusinessCalendar>();
  if (py::isinstance<py::dict>(value)) return calendar_from_dict(py::reinterpret_borrow<JsonDict>(value), "+08:00");
  throw py::type_error("calendar: expected fengqiao.BusinessCalendar, a dict or None");
}

DeadlineRules rules_from(py::handle value) {
  if (value.is_none()) return DeadlineRules();
  if (py::isinstance<DeadlineRules>(value)) return value.cast<DeadlineRules>();
  if (py::isinstance<py::dict>(value)) return rules_from_dict(py::reinterpret_borrow<JsonDict>(value));
  throw py::type_error("rules: expected fengqiao.DeadlineRules, a dict or None");
}

void bind_config(py::module_& m) {
  py::class_<BusinessCalendar>(m, "BusinessCalendar",
                               "Which days are worked, counted in one UTC offset (default +08:00).")
      .def(py::init([](const std::string& utc_offset) {
             BusinessCalendar cal;
             cal.set_utc_offset(to_offset(utc_offset));
             return cal;
           }),
           py::arg("utc_offset") = "+08:00", "Saturday and Sunday off, no holidays.")
      .def_static("from_dict", &calendar_from_dict, py::arg("calendar"), py::arg("utc_offset") = "+08:00",
                  "From a history header's calendar object, e.g. {\"weekend\": [\"sat\", \"sun\"], "
                  "\"holidays\": [\"2025-10-01\"], \"workdays\": [\"2025-09-28\"]}. "
                  "Raises InvalidConfig naming the bad key.")
      .def("to_dict", [](const BusinessCalendar& c) { return JsonDict(from_json(c.to_json())); },
           "As a history header's calendar object (from_dict reads it back).")
      .def_property_readonly("utc_offset", [](const BusinessCalendar& c) { return c.utc_offset().to_string(); },
                             "The offset days are counted in, e.g. \"+08:00\".")
      .def("is_working_day", &is_working_day, py::arg("day"),
           "For a date, a \"YYYY-MM-DD\" string, or an aware datetime (its day in the calendar's offset).")
      .def(
          "__repr__",
          [](const BusinessCalendar& c) {
            return "BusinessCalendar.from_dict(" + py::repr(from_json(c.to_json())).cast<std::string>() +
                   ", utc_offset='" + c.utc_offset().to_string() + "')";
          },
          "The from_dict call that makes an equal calendar.");

  py::class_<DeadlineRules>(m, "DeadlineRules", "The stage clocks' limits, warnings and escalation ladder.")
      .def(py::init<>(), "The defaults of LIFECYCLE.md.")
      .def_static("from_dict", &rules_from_dict, py::arg("rules"),
                  "Overrides on top of the defaults (docs/RULES.md). Raises InvalidConfig naming the key path.")
      .def("to_dict", [](const DeadlineRules& r) { return JsonDict(from_json(r.to_json())); }, "The overrides given.")
      .def(
          "rule",
          [](const DeadlineRules& r, const std::string& stage, const std::string& urgency,
             const std::string& category) {
            return JsonDict(from_json(nlohmann::json(
                r.rule(parse_name<Stage>(stage, "stage"), parse_name<Urgency>(urgency, "urgency"), category))));
          },
          py::arg("stage"), py::arg("urgency") = "normal", py::arg("category") = "",
          "The resolved rule a clock of `stage` uses, as a dict.")
      .def(
          "reopen_window", [](const DeadlineRules& r, const std::string& category) { return r.reopen_window(category); },
          py::arg("category") = "", "How long after closing a `reopen` is allowed (a timedelta).")
      .def(
          "__repr__",
          [](const DeadlineRules& r) {
            return "DeadlineRules.from_dict(" + py::repr(from_json(r.to_json())).cast<std::string>() + ")";
          },
          "The from_dict call that makes equal rules.");

  py::class_<ConfigRecord>(m, "ConfigRecord",
                           "One configuration a store kept: the whole calendar and rules in force from `at` "
                           "on, and which of them this change replaced (LIFECYCLE.md \"Calendar updates\").")
      .def_readonly("seq", &ConfigRecord::seq,
                    "1 for the first the store kept, then +1 per change; 0 when the store could not keep it "
                    "(opened read-only).")
      .def_property_readonly(
          "at", [](const ConfigRecord& r) { return Datetime(to_datetime(r.at, r.calendar.utc_offset())); },
          "From when it is in force (an aware datetime in the calendar's offset).")
      .def_property_readonly("calendar", [](const ConfigRecord& r) { return r.calendar; },
                             "The BusinessCalendar in force (a copy).")
      .def_property_readonly("rules", [](const ConfigRecord& r) { return r.rules; },
                             "The DeadlineRules in force (a copy).")
      .def_readonly("calendar_changed", &ConfigRecord::calendar_changed,
                    "This record replaced the calendar (always True for seq 1).")
      .def_readonly("rules_changed", &ConfigRecord::rules_changed,
                    "This record replaced the rules (always True for seq 1).")
      .def("to_dict", [](const ConfigRecord& r) { return JsonDict(from_json(nlohmann::json(r))); },
           "The library's JSON form: {seq, at, utc_offset, calendar, rules, changed}.")
      .def("__repr__", [](const ConfigRecord& r) { return "<fengqiao.ConfigRecord " + describe(r) + ">"; },
           "Seq, instant and what it changed.");

  py::class_<ConfigurationChange>(m, "ConfigurationChange", "What Engine.update_calendar/update_rules/"
                                                            "update_configuration did.")
      .def_readonly("record", &ConfigurationChange::record, "The ConfigRecord now in force, as stored.")
      .def_readonly("clocks_recomputed", &ConfigurationChange::clocks_recomputed,
                    "How many open cases had their pending deadline instants moved.")
      .def("to_dict",
           [](const ConfigurationChange& c) {
             py::dict d;
             d["record"] = from_json(nlohmann::json(c.record));
             d["clocks_recomputed"] = c.clocks_recomputed;
             return JsonDict(std::move(d));
           },
           "{\"record\": ConfigRecord.to_dict(), \"clocks_recomputed\": n}.")
      .def(
          "__repr__",
          [](const ConfigurationChange& c) {
            return "<fengqiao.ConfigurationChange " + describe(c.record) +
                   " clocks_recomputed=" + std::to_string(c.clocks_recomputed) + ">";
          },
          "The record's seq, instant and changes, and the clocks recomputed.");
}

}  // namespace fengqiao::python
