#include <string>

#include "fengqiao/memory_storage.hpp"

namespace fengqiao {

Status validate_commit(const CaseCommit& c) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorCode::invalid_data, "commit for case \"" + c.snapshot.id + "\": " + why);
  };
  if (c.snapshot.id.empty()) return bad("the snapshot has no id");
  if (c.events.empty()) return bad("no events");
  for (std::size_t i = 0; i < c.events.size(); ++i) {
    const Event& e = c.events[i];
    if (e.case_id != c.snapshot.id) return bad("event " + std::to_string(i) + " is for case \"" + e.case_id + "\"");
    if (e.seq != c.expected_version + 1 + i)
      return bad("event " + std::to_string(i) + " has seq " + std::to_string(e.seq) + ", expected " +
                 std::to_string(c.expected_version + 1 + i));
  }
  if (c.snapshot.version != c.events.back().seq)
    return bad("snapshot version " + std::to_string(c.snapshot.version) + " is not the last event's seq " +
               std::to_string(c.events.back().seq));
  return Status::success();
}

bool CaseQuery::matches(const Case& c) const {
  if (state && c.state != *state) return false;
  if (supervision && c.supervision != *supervision) return false;
  if (lead && c.lead != *lead) return false;
  if (jurisdiction.size() > c.jurisdiction.size()) return false;
  for (std::size_t i = 0; i < jurisdiction.size(); ++i)
    if (jurisdiction[i] != c.jurisdiction[i]) return false;
  if (due_before) {
    auto next = c.next_due();
    if (!next || next->at > *due_before) return false;
  }
  if (!after_id.empty() && !(c.id > after_id)) return false;
  return true;
}

Status for_each_case(const Storage& storage, CaseQuery q, const std::function<bool(const Case&)>& visit,
                     std::size_t page) {
  q.limit = page > 0 ? page : 1;
  for (;;) {
    auto batch = storage.query(q);
    if (!batch) return batch.error();
    if (batch->empty()) return Status::success();
    for (const Case& c : *batch)
      if (!visit(c)) return Status::success();
    // Each page must start past the one before: a storage whose answer does not move on
    // (a damaged file whose snapshot names another case than its row) would otherwise be
    // asked the same page forever.
    if (!(batch->back().id > q.after_id))
      return make_error(ErrorCode::storage_error,
                        "cases listed out of id order (\"" + batch->back().id + "\" after \"" + q.after_id +
                            "\"): the storage is damaged");
    q.after_id = batch->back().id;
  }
}

}  // namespace fengqiao
