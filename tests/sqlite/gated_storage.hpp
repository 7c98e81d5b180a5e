// A storage that holds its first commit at a gate until the test opens it: makes "both
// engines loaded version v before either committed" happen every time, not by luck.
#pragma once

#include <functional>
#include <memory>

#include <fengqiao/storage.hpp>

namespace fengqiao::testing {

class GatedStorage final : public Storage {
 public:
  // `gate` runs once, inside the first commit, before it reaches `inner`.
  GatedStorage(std::shared_ptr<Storage> inner, std::function<void()> gate)
      : inner_(std::move(inner)), gate_(std::move(gate)) {}

  Status commit(const CaseCommit& c) override {
    if (gate_) std::exchange(gate_, nullptr)();
    return inner_->commit(c);
  }
  Result<Case> load(std::string_view id) const override { return inner_->load(id); }
  Status read_events(std::string_view id, std::uint64_t from, const std::function<bool(const Event&)>& v) const override {
    return inner_->read_events(id, from, v);
  }
  Result<std::vector<Case>> query(const CaseQuery& q) const override { return inner_->query(q); }
  Result<std::uint64_t> count(const CaseQuery& q) const override { return inner_->count(q); }
  Result<std::optional<DueEntry>> first_due(Instant t) const override { return inner_->first_due(t); }
  Status begin_batch() override { return inner_->begin_batch(); }
  Status end_batch(bool commit) override { return inner_->end_batch(commit); }
  Result<std::vector<OutboxMessage>> outbox_fetch(std::size_t max) const override { return inner_->outbox_fetch(max); }
  Status outbox_ack(const std::vector<std::uint64_t>& ids) override { return inner_->outbox_ack(ids); }
  Result<std::uint64_t> outbox_depth() const override { return inner_->outbox_depth(); }
  Status add_visit(const Visit& v) override { return inner_->add_visit(v); }
  Result<std::vector<Visit>> visits(const VisitQuery& q) const override { return inner_->visits(q); }
  Result<std::uint64_t> count_visits(const VisitQuery& q) const override { return inner_->count_visits(q); }
  Result<std::optional<ConfigRecord>> configuration() const override { return inner_->configuration(); }
  Status read_configurations(std::uint64_t from, const std::function<bool(const ConfigRecord&)>& v) const override {
    return inner_->read_configurations(from, v);
  }
  Status commit_configuration(const ConfigCommit& c) override { return inner_->commit_configuration(c); }
  Status rewrite_snapshot(const Case& c) override { return inner_->rewrite_snapshot(c); }

 private:
  std::shared_ptr<Storage> inner_;
  std::function<void()> gate_;
};

}  // namespace fengqiao::testing
