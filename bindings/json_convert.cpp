// Python values <-> nlohmann::json, for action data, calendars, rules and to_dict().
// Only the JSON types are accepted: a set, a datetime or an object would have no
// meaning in a history line, so they are refused with the path of the offending value
// rather than stringified.
#include <cmath>
#include <cstdint>

#include "common.hpp"

namespace fengqiao::python {
namespace {

// Deep enough for any real document; stops a self-containing list from exhausting the stack.
constexpr int kMaxDepth = 200;

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  fail(ErrorCode::invalid_data, path + ": " + why);
}

std::string utf8(py::handle text, const std::string& path) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(text.ptr(), &size);
  if (!data) {
    PyErr_Clear();
    refuse(path, "the string is not valid Unicode (lone surrogate)");
  }
  return std::string(data, static_cast<std::size_t>(size));
}

nlohmann::json convert(py::handle v, const std::string& path, int depth) {
  if (depth > kMaxDepth) refuse(path, "nested too deeply (a container that contains itself?)");
  PyObject* o = v.ptr();
  if (o == Py_None) return nullptr;
  // bool before int: True is an int to Python, but a boolean to JSON.
  if (PyBool_Check(o)) return o == Py_True;
  if (PyLong_Check(o)) {
    int overflow = 0;
    const long long n = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow == 0) {
      if (n == -1 && PyErr_Occurred()) throw py::error_already_set();
      return static_cast<std::int64_t>(n);
    }
    if (overflow > 0) {
      const unsigned long long u = PyLong_AsUnsignedLongLong(o);
      if (!PyErr_Occurred()) return static_cast<std::uint64_t>(u);
      PyErr_Clear();
    }
    refuse(path, "integer out of the 64-bit range");
  }
  if (PyFloat_Check(o)) {
    const double d = PyFloat_AS_DOUBLE(o);
    // JSON has no NaN or infinity; nlohmann would silently write null.
    if (!std::isfinite(d)) refuse(path, "not a finite number");
    return d;
  }
  if (PyUnicode_Check(o)) return utf8(v, path);
  if (PyDict_Check(o)) {
    nlohmann::json out = nlohmann::json::object();
    for (auto item : py::reinterpret_borrow<py::dict>(v)) {
      if (!PyUnicode_Check(item.first.ptr()))
        refuse(path, "dict keys must be str, not " + std::string(Py_TYPE(item.first.ptr())->tp_name));
      std::string key = utf8(item.first, path);
      const std::string child = path + "." + key;
      out[key] = convert(item.second, child, depth + 1);
    }
    return out;
  }
  if (PyList_Check(o) || PyTuple_Check(o)) {
    nlohmann::json out = nlohmann::json::array();
    std::size_t i = 0;
    for (auto item : py::reinterpret_borrow<py::sequence>(v))
      out.push_back(convert(item, path + "[" + std::to_string(i++) + "]", depth + 1));
    return out;
  }
  refuse(path, "a " + std::string(Py_TYPE(o)->tp_name) +
                   " is not JSON (use dict, list, tuple, str, int, float, bool or None)");
}

}  // namespace

nlohmann::json to_json(py::handle value, const std::string& path) { return convert(value, path, 0); }

py::object from_json(const nlohmann::json& j) {
  using T = nlohmann::json::value_t;
  switch (j.type()) {
    case T::null:
    case T::discarded:
      return py::none();
    case T::boolean:
      return py::bool_(j.get<bool>());
    case T::number_integer:
      return py::int_(j.get<std::int64_t>());
    case T::number_unsigned:
      return py::int_(j.get<std::uint64_t>());
    case T::number_float:
      return py::float_(j.get<double>());
    case T::string:
      return py::str(j.get_ref<const std::string&>());
    case T::array: {
      py::list out;
      for (const auto& item : j) out.append(from_json(item));
      return std::move(out);
    }
    case T::object: {
      py::dict out;
      for (auto it = j.begin(); it != j.end(); ++it) out[py::str(it.key())] = from_json(it.value());
      return std::move(out);
    }
    case T::binary: {
      const auto& b = j.get_binary();
      return py::bytes(reinterpret_cast<const char*>(b.data()), b.size());
    }
  }
  return py::none();
}

}  // namespace fengqiao::python
