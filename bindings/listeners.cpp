// Listener trampolines. The engine calls listeners on the thread that made the change,
// after storing it; engine calls from Python release the GIL, so every trampoline
// acquires it (a no-op when the caller never released it).
//
// The engine's error report only carries a string. To hand the original Python
// exception (with its traceback) to the user's handler, the trampoline parks it in a
// thread-local slot just before throwing; the engine calls on_listener_error on the same
// thread, from the same catch, before the next listener runs, and the route takes it back.
#include <stdexcept>

#include "listeners.hpp"

#include "hints.hpp"

namespace fengqiao::python {
namespace {

PyObject* g_listener_warning = nullptr;  // fengqiao.ListenerWarning, alive as long as the process

// A new reference to the exception a listener raised, or null. Only touched with the GIL held.
thread_local PyObject* t_parked = nullptr;

py::object take_parked() {
  PyObject* p = t_parked;
  t_parked = nullptr;
  return p ? py::reinterpret_steal<py::object>(p) : py::none();
}

std::string describe(const py::error_already_set& err) {
  std::string text = py::str(err.type().attr("__name__")).cast<std::string>();
  try {
    const std::string message = py::str(err.value()).cast<std::string>();
    if (!message.empty()) text += ": " + message;
  } catch (const py::error_already_set&) {
    // str() of the exception failed too; its class name still says what happened.
  }
  return text;
}

// Parks the exception a listener raised for the failure route, and throws its description
// for the engine to report.
[[noreturn]] void park_and_rethrow(py::error_already_set& err) {
  const std::string what = describe(err);
  py::object value = err.value();
  if (err.trace()) PyException_SetTraceback(value.ptr(), err.trace().ptr());
  t_parked = value.release().ptr();
  throw std::runtime_error(what);
}

// What on_listener_error hands a Python handler.
struct FailureView {
  ListenerFailure failure;
  py::object exception;  // the exception the listener raised, or None (a C++ failure)
};

// A configuration listener's failure has no case: its event_seq is the record's seq.
std::string describe(const ListenerFailure& f) {
  if (f.case_id.empty())
    return "fengqiao: listener " + std::to_string(f.listener) + " raised on configuration change " +
           std::to_string(f.event_seq) + ": " + f.what;
  return "fengqiao: listener " + std::to_string(f.listener) + " raised on case \"" + f.case_id + "\" event " +
         std::to_string(f.event_seq) + ": " + f.what;
}

}  // namespace

PyRef::~PyRef() {
  // Past interpreter finalization there is no GIL to take and nothing left to free.
  if (!Py_IsInitialized()) {
    obj.release();
    return;
  }
  py::gil_scoped_acquire gil;
  obj = py::object();
}

Listener make_listener(PyRefPtr callback, UtcOffset offset) {
  return [callback = std::move(callback), offset](const Event& e, const Case& c) {
    py::gil_scoped_acquire gil;
    // Whatever an earlier failure left behind (there should be nothing) is not ours to report.
    Py_CLEAR(t_parked);
    if (!callback->obj) return;  // the engine object was cleared by the garbage collector
    try {
      callback->obj(EventView{e, offset}, CaseView{c, offset});
    } catch (py::error_already_set& err) {
      park_and_rethrow(err);
    }
  };
}

ConfigListener make_config_listener(PyRefPtr callback) {
  return [callback = std::move(callback)](const ConfigRecord& r) {
    py::gil_scoped_acquire gil;
    Py_CLEAR(t_parked);
    if (!callback->obj) return;
    try {
      callback->obj(r);
    } catch (py::error_already_set& err) {
      park_and_rethrow(err);
    }
  };
}

std::function<void(const ListenerFailure&)> make_failure_route(PyRefPtr handler) {
  return [handler = std::move(handler)](const ListenerFailure& f) {
    py::gil_scoped_acquire gil;
    py::object exception = take_parked();
    try {
      if (handler && handler->obj) {
        handler->obj(FailureView{f, std::move(exception)});
      } else if (PyErr_WarnEx(g_listener_warning, describe(f).c_str(), 1) < 0) {
        throw py::error_already_set();  // warnings are set to raise; nobody can catch it here
      }
    } catch (py::error_already_set& err) {
      err.discard_as_unraisable("fengqiao on_listener_error");
    }
  };
}

void bind_listeners(py::module_& m) {
  g_listener_warning = PyErr_NewExceptionWithDoc(
      "fengqiao.ListenerWarning",
      "Issued when a listener raises and the engine has no on_listener_error. The change the "
      "listener was told about is stored all the same.",
      PyExc_RuntimeWarning, nullptr);
  if (!g_listener_warning) throw py::error_already_set();
  m.add_object("ListenerWarning", py::handle(g_listener_warning));

  py::class_<FailureView>(m, "ListenerFailure", "What a raising listener did, as passed to on_listener_error.")
      .def_property_readonly("listener", [](const FailureView& v) { return v.failure.listener; },
                             "The id subscribe() returned.")
      .def_property_readonly("case_id", [](const FailureView& v) { return v.failure.case_id; },
                             "\"\" for a configuration listener.")
      .def_property_readonly("event_seq", [](const FailureView& v) { return v.failure.event_seq; },
                             "The event's seq; for a configuration listener, the ConfigRecord's seq.")
      .def_property_readonly("message", [](const FailureView& v) { return v.failure.what; },
                             "The exception's class name and message, e.g. \"ValueError: bad\".")
      .def_property_readonly("exception", [](const FailureView& v) { return OptionalException(v.exception); },
                             "The exception the listener raised (with its traceback), or None.")
      .def("__repr__", [](const FailureView& v) { return "<fengqiao.ListenerFailure " + describe(v.failure) + ">"; },
           "Which listener, on which case and event, raised what.");
}

}  // namespace fengqiao::python
