// The `fengqiao` Python module: one bind_* per concern, in dependency order (errors
// first, so every later registration can already raise them).
#include "common.hpp"

#ifndef FENGQIAO_VERSION
#define FENGQIAO_VERSION "0.0.0"
#endif

PYBIND11_MODULE(fengqiao, m) {
  namespace fp = fengqiao::python;
  m.doc() = "Closed-loop dispute lifecycle engine (Python bindings of the fengqiao C++ library).";
  m.attr("__version__") = FENGQIAO_VERSION;
  fp::bind_errors(m);
  fp::bind_values(m);
  fp::bind_config(m);
  fp::bind_clocks(m);
  fp::bind_storage(m);
#ifdef FENGQIAO_PYTHON_SQLITE
  fp::bind_sqlite(m);
#endif
  fp::bind_listeners(m);
  fp::bind_engine(m);
  fp::bind_replay(m);
}
