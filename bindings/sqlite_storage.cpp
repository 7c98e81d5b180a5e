// fengqiao.SqliteStorage: built only when the fengqiao::sqlite target exists. Opening
// may wait on another connection's lock (busy_timeout), so it runs without the GIL.
#include <chrono>
#include <cmath>
#include <memory>

#include <fengqiao/sqlite_storage.hpp>

#include "common.hpp"
#include "hints.hpp"

namespace fengqiao::python {
namespace {

std::shared_ptr<SqliteStorage> open(const std::string& path, bool create_if_missing, bool read_only,
                                    const DurationLike& busy_timeout, const std::string& synchronous) {
  SqliteOptions o;
  o.create_if_missing = create_if_missing;
  o.read_only = read_only;
  o.busy_timeout = to_millis(busy_timeout, "busy_timeout");
  if (synchronous == "normal") o.synchronous = SqliteOptions::Synchronous::normal;
  else if (synchronous == "full") o.synchronous = SqliteOptions::Synchronous::full;
  else fail(ErrorCode::invalid_config, "synchronous: \"" + synchronous + "\" is not \"normal\" or \"full\"");
  Result<std::shared_ptr<SqliteStorage>> r = [&] {
    py::gil_scoped_release nogil;
    return SqliteStorage::open(path, o);
  }();
  return std::move(r).value_or_throw();
}

}  // namespace

void bind_sqlite(py::module_& m) {
  py::class_<SqliteStorage, Storage, std::shared_ptr<SqliteStorage>>(
      m, "SqliteStorage",
      "Cases, events and the outbox in one SQLite file (WAL); every change is one transaction. "
      "Open several objects on one file for parallel readers, or one per process.")
      .def(py::init(&open), py::arg("path"), py::kw_only(), py::arg("create_if_missing") = true,
           py::arg("read_only") = false, py::arg("busy_timeout") = 5.0, py::arg("synchronous") = "normal",
           "path: a file, or \":memory:\". busy_timeout: how long a write waits for another connection's "
           "lock (seconds or timedelta). synchronous: \"normal\" (survives a process crash) or \"full\" "
           "(also a power loss). Raises StorageError naming the file when it cannot be used.")
      .def_property_readonly("path", &SqliteStorage::path, "The path it was opened with.")
      .def(
          "check_integrity",
          [](const SqliteStorage& s) {
            Status st = [&] {
              py::gil_scoped_release nogil;
              return s.check_integrity();
            }();
            st.throw_if_error();
          },
          "Reads the whole file; raises StorageError describing the first problem found.")
      .def(
          "__repr__",
          [](const SqliteStorage& s) { return "SqliteStorage(" + py::repr(py::str(s.path())).cast<std::string>() + ")"; },
          "SqliteStorage(path).");
}

}  // namespace fengqiao::python
