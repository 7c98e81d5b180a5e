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
      .def(py::init([](bool keep_events) {
             MemoryStorageOptions o;
             o.keep_events = keep_events;
             return std::make_shared<MemoryStorage>(o);
           }),
           py::kw_only(), py::arg("keep_events") = true,
           "keep_events=False keeps snapshots only (memory grows with cases, not events); "
           "history() then raises StorageError.");
}

}  // namespace fengqiao::python
