// The kit must catch broken adapters: each adapter here breaks one contract of
// storage.hpp, and ctest runs the kit on each alone expecting it to fail
// (tests/sqlite/CMakeLists.txt, WILL_FAIL). A kit that passed one of them would not
// protect integrators from that bug.
#include <doctest/doctest.h>

#include <condition_variable>
#include <deque>
#include <optional>
#include <map>
#include <mutex>
#include <thread>

#include <fengqiao/memory_storage.hpp>
#include <fengqiao/testing/storage_conformance.hpp>

namespace {

using namespace fengqiao;

// The broken adapters' MemoryStorage gives up waiting for another thread's batch soon, so
// that the kit's check of that wait is short.
constexpr std::chrono::milliseconds kBusyTimeout{300};

inline MemoryStorageOptions short_busy_timeout() {
  MemoryStorageOptions o;
  o.busy_timeout = kBusyTimeout;
  return o;
}

// Forwards everything to a MemoryStorage; each broken adapter overrides one method.
class Forward : public Storage {
 public:
  Status commit(const CaseCommit& c) override { return inner.commit(c); }
  Result<Case> load(std::string_view id) const override { return inner.load(id); }
  Status read_events(std::string_view id, std::uint64_t from, const std::function<bool(const Event&)>& v) const override {
    return inner.read_events(id, from, v);
  }
  Result<std::vector<Case>> query(const CaseQuery& q) const override { return inner.query(q); }
  Result<std::uint64_t> count(const CaseQuery& q) const override { return inner.count(q); }
  Result<std::optional<DueEntry>> first_due(Instant up_to) const override { return inner.first_due(up_to); }
  Status begin_batch() override { return inner.begin_batch(); }
  Status end_batch(bool commit) override { return inner.end_batch(commit); }
  Result<std::vector<OutboxMessage>> outbox_fetch(std::size_t max) const override { return inner.outbox_fetch(max); }
  Status outbox_ack(const std::vector<std::uint64_t>& ids) override { return inner.outbox_ack(ids); }
  Result<std::uint64_t> outbox_depth() const override { return inner.outbox_depth(); }
  Status add_visit(const Visit& v) override { return inner.add_visit(v); }
  Result<std::vector<Visit>> visits(const VisitQuery& q) const override { return inner.visits(q); }
  Result<std::uint64_t> count_visits(const VisitQuery& q) const override { return inner.count_visits(q); }
  Result<std::optional<ConfigRecord>> configuration() const override { return inner.configuration(); }
  Status read_configurations(std::uint64_t from, const std::function<bool(const ConfigRecord&)>& v) const override {
    return inner.read_configurations(from, v);
  }
  Status commit_configuration(const ConfigCommit& c) override { return inner.commit_configuration(c); }
  Status rewrite_snapshot(const Case& c) override { return inner.rewrite_snapshot(c); }

 protected:
  MemoryStorage inner{short_busy_timeout()};
};

// Last writer wins: a stale commit is rebased instead of refused (lost updates).
class LastWriterWins final : public Forward {
 public:
  Status commit(const CaseCommit& c) override {
    Status s = inner.commit(c);
    if (s || s.error().code != ErrorCode::conflict) return s;
    CaseCommit rebased = c;
    rebased.expected_version = inner.load(c.snapshot.id)->version;
    for (std::size_t i = 0; i < rebased.events.size(); ++i) rebased.events[i].seq = rebased.expected_version + 1 + i;
    rebased.snapshot.version = rebased.events.back().seq;
    return inner.commit(rebased);
  }
};

// first_due's bound is exclusive.
class ExclusiveDueBound final : public Forward {
 public:
  Result<std::optional<DueEntry>> first_due(Instant up_to) const override {
    return inner.first_due(up_to - Seconds(1));
  }
};

// end_batch(false) publishes the batch.
class RollbackCommits final : public Forward {
 public:
  Status end_batch(bool) override { return inner.end_batch(true); }
};

// Acknowledging an id twice is an error.
class StrictAck final : public Forward {
 public:
  Status outbox_ack(const std::vector<std::uint64_t>& ids) override {
    auto all = inner.outbox_fetch(1u << 30);
    for (std::uint64_t id : ids) {
      bool present = false;
      for (const auto& m : *all) present = present || m.id == id;
      if (!present) return make_error(ErrorCode::storage_error, "no message " + std::to_string(id));
    }
    return inner.outbox_ack(ids);
  }
};

// Outbox messages are written after the commit, not in it: they are lost when a
// commit inside a batch is rolled back... and here, simply dropped.
class DropsOutbox final : public Forward {
 public:
  Status commit(const CaseCommit& c) override {
    CaseCommit without = c;
    without.outbox.clear();
    return inner.commit(without);
  }
};

// Ignores the limit of a query.
class NoLimit final : public Forward {
 public:
  Result<std::vector<Case>> query(const CaseQuery& q) const override {
    CaseQuery unlimited = q;
    unlimited.limit = 0;
    return inner.query(unlimited);
  }
};

// Matches the jurisdiction as a text prefix of the joined path.
class TextPrefixPath final : public Forward {
 public:
  Result<std::vector<Case>> query(const CaseQuery& q) const override {
    CaseQuery rest = q;
    rest.jurisdiction.clear();
    rest.limit = 0;
    auto all = inner.query(rest);
    std::vector<Case> out;
    auto joined = [](const std::vector<std::string>& path) {
      std::string s;
      for (const auto& e : path) s += (s.empty() ? "" : "/") + e;
      return s;
    };
    for (const Case& c : *all)
      if (joined(c.jurisdiction).rfind(joined(q.jurisdiction), 0) == 0 && (!q.limit || out.size() < q.limit))
        out.push_back(c);
    return out;
  }
};

// Inside a batch, serves each case as the batch first wrote it (a read cache that is not
// updated by later commits).
class StaleBatchCache final : public Forward {
 public:
  // The cache is locked so that the kit's thread checks find the stale reads, not a data
  // race of the test's own making.
  Status begin_batch() override {
    Status s = inner.begin_batch();
    std::lock_guard lock(mu);
    cache.clear();
    batching = s.ok();
    return s;
  }
  Status end_batch(bool commit) override {
    {
      std::lock_guard lock(mu);
      cache.clear();
      batching = false;
    }
    return inner.end_batch(commit);
  }
  Status commit(const CaseCommit& c) override {
    Status s = inner.commit(c);
    std::lock_guard lock(mu);
    if (s && batching) cache.emplace(c.snapshot.id, c.snapshot);  // emplace: keeps the first
    return s;
  }
  Result<Case> load(std::string_view id) const override {
    {
      std::lock_guard lock(mu);
      if (auto it = cache.find(std::string(id)); it != cache.end()) return it->second;
    }
    return inner.load(id);
  }

 private:
  mutable std::mutex mu;
  std::map<std::string, Case> cache;
  bool batching = false;
};

// The kind filter of visits is ignored (a column an adapter forgot to index and filter on).
class IgnoresVisitKind final : public Forward {
 public:
  Result<std::vector<Visit>> visits(const VisitQuery& q) const override { return inner.visits(without_kind(q)); }
  Result<std::uint64_t> count_visits(const VisitQuery& q) const override { return inner.count_visits(without_kind(q)); }

 private:
  static VisitQuery without_kind(VisitQuery q) {
    q.kind.reset();
    return q;
  }
};

// Commits without checking config_seq: a change computed with the calendar that was just
// replaced is stored, its deadlines computed by the old one.
class IgnoresConfigSeq final : public Forward {
 public:
  Status commit(const CaseCommit& c) override {
    CaseCommit current = c;
    auto newest = inner.configuration();
    if (!newest) return newest.error();
    current.config_seq = *newest ? (*newest)->seq : 0;
    return inner.commit(current);
  }
};

// rewrite_snapshot replaces the snapshot but leaves the case's due-index entry where the
// last commit put it (an adapter that re-keys only in commit). The index is kept here, beside
// the inner storage's: the instant each case had at its last commit, until the next commit.
class RewriteKeepsDueKey final : public Forward {
 public:
  Status commit(const CaseCommit& c) override {
    Status s = inner.commit(c);
    std::lock_guard lock(mu);
    if (s) kept.erase(c.snapshot.id);
    return s;
  }
  Status rewrite_snapshot(const Case& c) override {
    auto before = inner.load(c.id);
    Status s = inner.rewrite_snapshot(c);
    std::lock_guard lock(mu);
    if (s && !kept.count(c.id)) {
      auto next = before->next_due();
      kept.emplace(c.id, next ? std::optional<Instant>(next->at) : std::nullopt);
    }
    return s;
  }
  Result<std::optional<DueEntry>> first_due(Instant up_to) const override {
    auto all = inner.query(CaseQuery{});
    if (!all) return all.error();
    std::optional<DueEntry> first;
    std::lock_guard lock(mu);
    for (const Case& c : *all) {
      std::optional<Instant> due;
      if (auto it = kept.find(c.id); it != kept.end()) due = it->second;
      else if (auto next = c.next_due()) due = next->at;
      if (due && *due <= up_to && (!first || *due < first->at)) first = DueEntry{*due, c.id};
    }
    return first;
  }

 private:
  mutable std::mutex mu;
  std::map<std::string, std::optional<Instant>> kept;
};

// Every call runs on one worker thread of the adapter's, as when all callers share one
// connection that does not know who is calling: another thread's write during a batch
// joins the batch (and its rollback undoes it), its reads see the batch's uncommitted
// changes, and nobody ever waits for the batch.
class OthersJoinBatch final : public Storage {
 public:
  OthersJoinBatch() : worker_([this] { serve(); }) {}
  ~OthersJoinBatch() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_one();
    worker_.join();
  }

  Status commit(const CaseCommit& c) override { return on_worker([&] { return inner_.commit(c); }); }
  Result<Case> load(std::string_view id) const override { return on_worker([&] { return inner_.load(id); }); }
  // Collected on the worker, visited here: the visitor may call back in.
  Status read_events(std::string_view id, std::uint64_t from, const std::function<bool(const Event&)>& v) const override {
    std::vector<Event> events;
    Status s = on_worker([&] {
      return inner_.read_events(id, from, [&](const Event& e) {
        events.push_back(e);
        return true;
      });
    });
    if (!s) return s;
    for (const Event& e : events)
      if (!v(e)) break;
    return s;
  }
  Result<std::vector<Case>> query(const CaseQuery& q) const override { return on_worker([&] { return inner_.query(q); }); }
  Result<std::uint64_t> count(const CaseQuery& q) const override { return on_worker([&] { return inner_.count(q); }); }
  Result<std::optional<DueEntry>> first_due(Instant t) const override {
    return on_worker([&] { return inner_.first_due(t); });
  }
  Status begin_batch() override { return on_worker([&] { return inner_.begin_batch(); }); }
  Status end_batch(bool commit) override { return on_worker([&] { return inner_.end_batch(commit); }); }
  Result<std::vector<OutboxMessage>> outbox_fetch(std::size_t max) const override {
    return on_worker([&] { return inner_.outbox_fetch(max); });
  }
  Status outbox_ack(const std::vector<std::uint64_t>& ids) override {
    return on_worker([&] { return inner_.outbox_ack(ids); });
  }
  Result<std::uint64_t> outbox_depth() const override { return on_worker([&] { return inner_.outbox_depth(); }); }
  Status add_visit(const Visit& v) override { return on_worker([&] { return inner_.add_visit(v); }); }
  Result<std::vector<Visit>> visits(const VisitQuery& q) const override {
    return on_worker([&] { return inner_.visits(q); });
  }
  Result<std::uint64_t> count_visits(const VisitQuery& q) const override {
    return on_worker([&] { return inner_.count_visits(q); });
  }
  Result<std::optional<ConfigRecord>> configuration() const override {
    return on_worker([&] { return inner_.configuration(); });
  }
  Status read_configurations(std::uint64_t from, const std::function<bool(const ConfigRecord&)>& v) const override {
    std::vector<ConfigRecord> records;
    Status s = on_worker([&] {
      return inner_.read_configurations(from, [&](const ConfigRecord& r) {
        records.push_back(r);
        return true;
      });
    });
    if (!s) return s;
    for (const ConfigRecord& r : records)
      if (!v(r)) break;
    return s;
  }
  Status commit_configuration(const ConfigCommit& c) override {
    return on_worker([&] { return inner_.commit_configuration(c); });
  }
  Status rewrite_snapshot(const Case& c) override { return on_worker([&] { return inner_.rewrite_snapshot(c); }); }

 private:
  template <class F>
  auto on_worker(F call) const -> decltype(call()) {
    std::optional<decltype(call())> out;
    {
      std::lock_guard lock(mu_);
      jobs_.push_back([&] {
        auto r = call();
        std::lock_guard done(mu_);  // `out` is read under mu_ by the waiting caller
        out.emplace(std::move(r));
      });
    }
    wake_.notify_all();
    std::unique_lock lock(mu_);
    finished_.wait(lock, [&] { return out.has_value(); });
    return std::move(*out);
  }
  void serve() {
    std::unique_lock lock(mu_);
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      finished_.notify_all();
      lock.lock();
    }
  }

  mutable MemoryStorage inner_{short_busy_timeout()};
  mutable std::mutex mu_;
  mutable std::condition_variable wake_, finished_;
  mutable std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread worker_;  // last: starts once the members it uses exist
};

// Keeps every field of an event but its hash (an adapter whose schema predates the chain).
class DropsHashes final : public Forward {
 public:
  Status commit(const CaseCommit& c) override {
    CaseCommit without = c;
    for (Event& e : without.events) e.hash.clear();
    return inner.commit(without);
  }
};

template <class Adapter>
struct Factory {
  std::shared_ptr<Storage> open() { return std::make_shared<Adapter>(); }
  static constexpr std::chrono::milliseconds busy_timeout = kBusyTimeout;
};

}  // namespace

TYPE_TO_STRING_AS("LastWriterWins", Factory<LastWriterWins>);
TYPE_TO_STRING_AS("ExclusiveDueBound", Factory<ExclusiveDueBound>);
TYPE_TO_STRING_AS("RollbackCommits", Factory<RollbackCommits>);
TYPE_TO_STRING_AS("StrictAck", Factory<StrictAck>);
TYPE_TO_STRING_AS("DropsOutbox", Factory<DropsOutbox>);
TYPE_TO_STRING_AS("NoLimit", Factory<NoLimit>);
TYPE_TO_STRING_AS("TextPrefixPath", Factory<TextPrefixPath>);
TYPE_TO_STRING_AS("StaleBatchCache", Factory<StaleBatchCache>);
TYPE_TO_STRING_AS("OthersJoinBatch", Factory<OthersJoinBatch>);
TYPE_TO_STRING_AS("IgnoresVisitKind", Factory<IgnoresVisitKind>);
TYPE_TO_STRING_AS("IgnoresConfigSeq", Factory<IgnoresConfigSeq>);
TYPE_TO_STRING_AS("RewriteKeepsDueKey", Factory<RewriteKeepsDueKey>);
TYPE_TO_STRING_AS("DropsHashes", Factory<DropsHashes>);
TEST_CASE_TEMPLATE_INVOKE(fengqiao_storage_conformance, Factory<LastWriterWins>, Factory<ExclusiveDueBound>,
                          Factory<RollbackCommits>, Factory<StrictAck>, Factory<DropsOutbox>, Factory<NoLimit>,
                          Factory<TextPrefixPath>, Factory<StaleBatchCache>, Factory<OthersJoinBatch>,
                          Factory<IgnoresVisitKind>, Factory<IgnoresConfigSeq>, Factory<RewriteKeepsDueKey>,
                          Factory<DropsHashes>);
