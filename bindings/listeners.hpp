// Python callables as engine listeners and as the engine's listener-error handler.
#pragma once

#include <functional>
#include <memory>

#include <fengqiao/engine.hpp>

#include "common.hpp"

namespace fengqiao::python {

// A Python object owned from C++ code that may drop its last reference on a thread
// without the GIL (the engine copies and frees listener lists on whichever thread
// delivers an event).
struct PyRef {
  py::object obj;
  explicit PyRef(py::object o) : obj(std::move(o)) {}
  PyRef(const PyRef&) = delete;
  PyRef& operator=(const PyRef&) = delete;
  ~PyRef();
};
using PyRefPtr = std::shared_ptr<PyRef>;

// Calls `callback(event, case)` with the GIL held. A Python exception becomes a C++ one,
// so the engine reports it through on_listener_error and carries on with the others.
Listener make_listener(PyRefPtr callback, UtcOffset offset);

// Calls `callback(record)` (a ConfigRecord) with the GIL held, after each configuration
// change; a Python exception is routed like an event listener's.
ConfigListener make_config_listener(PyRefPtr callback);

// The engine's on_listener_error: `handler(failure)` if given, else a ListenerWarning.
// Whatever the handler itself raises goes to sys.unraisablehook: it runs inside the
// engine's delivery, where there is no caller left to raise to.
std::function<void(const ListenerFailure&)> make_failure_route(PyRefPtr handler);

}  // namespace fengqiao::python
