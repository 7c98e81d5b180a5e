// JournalStorage: a third-party fengqiao storage adapter, written only against the
// installed public headers, the way an integrator writes one for their own database.
//
// Every change (a commit, a snapshot rewrite, a configuration record, a visit, an ack) is
// one line appended to a journal file (JSON Lines) and flushed; opening the file replays it
// into memory. A line is the unit of atomicity: a process killed
// while appending leaves a torn last line, which the next open discards, so each commit
// (and each batch, written as one line) is all or nothing. Durable against a crash of
// the process; add an fsync after each append to survive power loss too.
//
// Thread rules: those of fengqiao::Storage, within one process. A batch belongs to the
// thread that began it; other threads' calls wait for it to end (JournalOptions::
// busy_timeout, then busy) and never become part of it; any thread may end it. Two
// processes must not open the same journal (it is not shared); fengqiao::SqliteStorage
// is for that.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fengqiao/storage.hpp>

namespace journal {

struct JournalOptions {
  // How long a call waits while another thread's batch holds the journal before it fails
  // with fengqiao::ErrorCode::busy, having done nothing.
  // Default: 5000 ms.
  std::chrono::milliseconds busy_timeout{5000};
};

class JournalStorage final : public fengqiao::Storage {
 public:
  // Opens (or creates) the journal and replays it. storage_error when it cannot be read
  // or a line other than the last is damaged.
  static fengqiao::Result<std::shared_ptr<JournalStorage>> open(const std::string& path, JournalOptions options = {});
  ~JournalStorage() override;

  using fengqiao::Storage::commit;  // keeps the rvalue overload visible; it forwards here
  fengqiao::Status commit(const fengqiao::CaseCommit& c) override;
  fengqiao::Result<fengqiao::Case> load(std::string_view case_id) const override;
  fengqiao::Status read_events(std::string_view case_id, std::uint64_t from_seq,
                               const std::function<bool(const fengqiao::Event&)>& visit) const override;
  fengqiao::Result<std::vector<fengqiao::Case>> query(const fengqiao::CaseQuery& q) const override;
  fengqiao::Result<std::uint64_t> count(const fengqiao::CaseQuery& q) const override;
  fengqiao::Result<std::optional<fengqiao::DueEntry>> first_due(fengqiao::Instant up_to) const override;
  fengqiao::Status begin_batch() override;
  fengqiao::Status end_batch(bool commit) override;
  fengqiao::Result<std::vector<fengqiao::OutboxMessage>> outbox_fetch(std::size_t max) const override;
  fengqiao::Status outbox_ack(const std::vector<std::uint64_t>& ids) override;
  fengqiao::Result<std::uint64_t> outbox_depth() const override;
  fengqiao::Status add_visit(const fengqiao::Visit& v) override;
  fengqiao::Result<std::vector<fengqiao::Visit>> visits(const fengqiao::VisitQuery& q) const override;
  fengqiao::Result<std::uint64_t> count_visits(const fengqiao::VisitQuery& q) const override;
  fengqiao::Result<std::optional<fengqiao::ConfigRecord>> configuration() const override;
  fengqiao::Status read_configurations(std::uint64_t from_seq,
                                       const std::function<bool(const fengqiao::ConfigRecord&)>& visit) const override;
  fengqiao::Status commit_configuration(const fengqiao::ConfigCommit& c) override;
  fengqiao::Status rewrite_snapshot(const fengqiao::Case& snapshot) override;

 private:
  // Everything the journal describes, rebuilt by replaying it.
  struct Tables {
    struct Entry {
      fengqiao::Case snapshot;
      std::vector<fengqiao::Event> events;
    };
    std::map<std::string, Entry, std::less<>> cases;                // ordered by id, byte-wise
    std::set<std::pair<fengqiao::Instant, std::string>> due;        // (next_due, id)
    std::map<std::uint64_t, fengqiao::OutboxMessage> outbox;
    std::uint64_t next_outbox_id = 1;
    std::map<std::string, fengqiao::Visit, std::less<>> visits;   // ordered by id, byte-wise
    std::vector<fengqiao::ConfigRecord> configs;                    // seq i + 1 at index i

    // One journal line; throws (nlohmann::json's or fengqiao's exceptions, or
    // std::runtime_error) for a line that does not read.
    void apply(const nlohmann::json& record);
  };

  JournalStorage(std::string path, std::FILE* file, Tables tables, JournalOptions options);
  fengqiao::Status append(const nlohmann::json& record);  // writes one line, or queues it in a batch
  // With mu_ held by `lock`: waits while another thread's batch is open (busy after the timeout).
  template <class Lock>
  fengqiao::Status take_turn(Lock& lock) const;

  std::string path_;
  std::FILE* file_;
  JournalOptions options_;
  mutable std::shared_mutex mu_;
  mutable std::condition_variable_any batch_ended_;
  Tables tables_;
  bool in_batch_ = false;
  std::thread::id batch_owner_;
  std::vector<nlohmann::json> batch_records_;

  // What end_batch(false) puts back: each case as it was before the batch first changed it
  // (nullopt: it did not exist), the messages the batch acknowledged, the next outbox id,
  // the visits it added, the number of configuration records before it. Proportional to
  // what the batch touched, not to the journal.
  struct Undo {
    std::map<std::string, std::optional<Tables::Entry>, std::less<>> cases;
    std::vector<std::string> visits;
    std::map<std::uint64_t, fengqiao::OutboxMessage> acked;
    std::uint64_t next_outbox_id = 1;
    std::size_t configs = 0;
  };
  // Outbox messages with the ids they will get, as a journal record holds them.
  nlohmann::json numbered(const std::vector<fengqiao::OutboxMessage>& outbox) const;
  Undo undo_;
  void remember_case(const std::string& id);
  void remember_acks(const std::vector<std::uint64_t>& ids);
  void undo_batch();
};

}  // namespace journal
