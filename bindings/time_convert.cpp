// datetime <-> Instant. Arithmetic is done on Python's side with integer floor
// division, not via float timestamps, so a far-off date keeps its exact second and
// fractions truncate toward the past exactly like parse_instant does.
#include <cmath>

#include "common.hpp"

namespace fengqiao::python {
namespace {

py::module_ datetime_module() { return py::module_::import("datetime"); }

py::object one_second(const py::module_& dt) { return dt.attr("timedelta")(py::arg("seconds") = 1); }

py::object utc_epoch(const py::module_& dt) {
  return dt.attr("datetime")(1970, 1, 1, py::arg("tzinfo") = dt.attr("timezone").attr("utc"));
}

}  // namespace

Instant to_instant(py::handle value, const char* what) {
  if (py::isinstance<py::str>(value)) {
    auto parsed = parse_instant(value.cast<std::string>());
    if (!parsed) fail(parsed.error().code, std::string(what) + ": " + parsed.error().message);
    return *parsed;
  }
  const py::module_ dt = datetime_module();
  if (py::isinstance(value, dt.attr("datetime"))) {
    if (value.attr("utcoffset")().is_none())
      fail(ErrorCode::invalid_data, std::string(what) +
                                        ": a naive datetime has no offset; give it a tzinfo "
                                        "(e.g. datetime.timezone(datetime.timedelta(hours=8)))");
    py::object seconds = (value - utc_epoch(dt)).attr("__floordiv__")(one_second(dt));
    return Instant(Seconds(seconds.cast<long long>()));
  }
  throw py::type_error(std::string(what) + ": expected a timezone-aware datetime or an ISO-8601 string, not " +
                       std::string(Py_TYPE(value.ptr())->tp_name));
}

py::object to_datetime(Instant t, UtcOffset offset) {
  const py::module_ dt = datetime_module();
  py::object tz = dt.attr("timezone")(dt.attr("timedelta")(py::arg("seconds") = offset.seconds()));
  return dt.attr("datetime").attr("fromtimestamp")(t.time_since_epoch().count(), tz);
}

py::object to_datetime(const std::optional<Instant>& t, UtcOffset offset) {
  return t ? to_datetime(*t, offset) : py::none();
}

Seconds to_seconds(py::handle value, const char* what) {
  if (PyBool_Check(value.ptr())) throw py::type_error(std::string(what) + ": expected a timedelta or seconds, not bool");
  if (PyLong_Check(value.ptr())) return Seconds(value.cast<long long>());
  if (PyFloat_Check(value.ptr())) return Seconds(static_cast<long long>(std::floor(value.cast<double>())));
  const py::module_ dt = datetime_module();
  if (py::isinstance(value, dt.attr("timedelta")))
    return Seconds(value.attr("__floordiv__")(one_second(dt)).cast<long long>());
  throw py::type_error(std::string(what) + ": expected a timedelta or a number of seconds, not " +
                       std::string(Py_TYPE(value.ptr())->tp_name));
}

UtcOffset to_offset(const std::string& text) {
  auto parsed = UtcOffset::parse(text);
  if (!parsed) fail(ErrorCode::invalid_config, "utc_offset: " + parsed.error().message);
  return *parsed;
}

std::chrono::milliseconds to_millis(py::handle value, const char* what) {
  const py::module_ dt = py::module_::import("datetime");
  double seconds = 0;
  if (py::isinstance(value, dt.attr("timedelta"))) seconds = value.attr("total_seconds")().cast<double>();
  else if (PyLong_Check(value.ptr()) || PyFloat_Check(value.ptr())) seconds = value.cast<double>();
  else throw py::type_error(std::string(what) + ": expected a timedelta or a number of seconds");
  if (!(seconds >= 0) || seconds > 86400.0)
    fail(ErrorCode::invalid_config, std::string(what) + ": must be between 0 and 86400 seconds");
  return std::chrono::milliseconds(static_cast<long long>(std::llround(seconds * 1000)));
}

}  // namespace fengqiao::python
