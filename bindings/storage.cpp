// Storage adapters. Python only picks one and hands it to an Engine (or to replay);
// the engine is the only thing that talks to it.
#include <memory>

#include <fengqiao/memory_storage.hpp>

#include "common.hpp"

namespace fengqiao::python {

void bind_storage(py::module_& m) {
  py::class_<Storage, std::shared_ptr<Storage>>(m, "Storage", "Base of the storage adapters an Engine accepts.");

  py::class_<MemoryStorage, Storage, std::shared_ptr<MemoryStorage>>(
      m, "MemoryStorage", "Cases in memory; nothing survives the process. Share one between engines like a database.")
      .def(py::init([](bool keep_events, py::handle busy_timeout) {
             MemoryStorageOptions o;
             o.keep_events = keep_events;
             o.busy_timeout = to_millis(busy_timeout, "busy_timeout");
             return std::make_shared<MemoryStorage>(o);
           }),
           py::kw_only(), py::arg("keep_events") = true, py::arg("busy_timeout") = 5.0,
           "keep_events=False keeps snapshots only (memory grows with cases, not events); "
           "history() then raises StorageError. busy_timeout (seconds or a timedelta): how long "
           "another thread waits for a batch on this storage before Busy.");
}

}  // namespace fengqiao::python
