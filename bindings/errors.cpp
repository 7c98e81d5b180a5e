// fengqiao.Error and one subclass per stable code. The class carries `.code` so a caller
// can either catch the subclass or compare the string it shares with histories and the
// C++ API; the instance also carries `.message` (the text without the class name).
#include <array>
#include <cstddef>

#include "common.hpp"

namespace fengqiao::python {
namespace {

struct Kind {
  ErrorCode code;
  const char* name;
  const char* doc;
};

// Indexed by ErrorCode (checked below, at compile time).
constexpr std::array<Kind, kErrorCodeCount> kKinds{{
    {ErrorCode::invalid_transition, "InvalidTransition",
     "Not allowed from the current state, or a rule (extension allowance, reopen window, max level) forbids it."},
    {ErrorCode::not_permitted, "NotPermitted", "This actor may not perform this action on this case."},
    {ErrorCode::invalid_data, "InvalidData", "A required field is missing or invalid; the message names it."},
    {ErrorCode::unknown_case, "UnknownCase", "No case with that id."},
    {ErrorCode::duplicate_case, "DuplicateCase", "`register` for an id that already exists."},
    {ErrorCode::conflict, "Conflict", "The case changed concurrently; retry."},
    {ErrorCode::invalid_history, "InvalidHistory", "A malformed history line; the message gives the line number."},
    {ErrorCode::invalid_config, "InvalidConfig", "A malformed or contradictory calendar or rules document."},
    {ErrorCode::storage_error, "StorageError", "The storage failed (I/O, corrupt file, a file locked at open, ...)."},
    {ErrorCode::busy, "Busy",
     "Another thread's or process's batch or transaction held the storage past its busy timeout; nothing was "
     "done; retry."},
    {ErrorCode::duplicate_visit, "DuplicateVisit", "A visit recorded under an id another visit already has."},
}};
constexpr bool every_code_at_its_index() {
  for (std::size_t i = 0; i < kKinds.size(); ++i)
    if (static_cast<std::size_t>(kKinds[i].code) != i || kKinds[i].name == nullptr) return false;
  return true;
}
static_assert(every_code_at_its_index(), "kKinds needs one entry per ErrorCode, at its index");

// Owned by the module for the life of the process: exception classes are never freed
// while the interpreter may still raise them.
PyObject* g_error = nullptr;
std::array<PyObject*, kKinds.size()> g_classes{};

PyObject* make_class(py::module_& m, const char* name, const char* doc, PyObject* base, py::object code) {
  py::dict attrs;
  attrs["code"] = std::move(code);
  const std::string qualified = std::string("fengqiao.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, base, attrs.ptr());
  if (!cls) throw py::error_already_set();
  m.add_object(name, py::handle(cls));  // the module takes its own reference; ours is kept
  return cls;
}

void raise(const Error& error) {
  const auto index = static_cast<std::size_t>(error.code);
  PyObject* cls = index < g_classes.size() ? g_classes[index] : g_error;
  const std::string message = python_spelling(error.message);
  py::object instance = py::reinterpret_borrow<py::object>(cls)(message);
  instance.attr("message") = message;
  PyErr_SetObject(cls, instance.ptr());
}

}  // namespace

void bind_errors(py::module_& m) {
  g_error = make_class(m, "Error",
                       "Base of every fengqiao refusal or failure. `.code` is the stable string of "
                       "HISTORY-FORMAT.md, `.message` says which rule, field or line failed.",
                       PyExc_Exception, py::none());
  for (std::size_t i = 0; i < kKinds.size(); ++i) {
    const Kind& k = kKinds[i];
    if (static_cast<std::size_t>(k.code) != i) py::pybind11_fail("fengqiao: error class table out of order");
    g_classes[i] = make_class(m, k.name, k.doc, g_error, py::str(std::string(to_string(k.code))));
  }

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Exception& e) {
      raise(e.error());
    }
  });
}

}  // namespace fengqiao::python
