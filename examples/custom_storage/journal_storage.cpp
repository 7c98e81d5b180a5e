#include "journal_storage.hpp"

#include <fstream>
#include <filesystem>
#include <mutex>

#include <fengqiao/memory_storage.hpp>  // fengqiao::validate_commit

namespace journal {

using namespace fengqiao;

namespace {

Error failure(const std::string& path, const std::string& what) {
  return make_error(ErrorCode::storage_error, "journal \"" + path + "\": " + what);
}

std::optional<std::pair<Instant, std::string>> due_key(const Case& c) {
  if (auto next = c.next_due()) return std::make_pair(next->at, c.id);
  return std::nullopt;
}

nlohmann::json message_json(const OutboxMessage& m) {
  return {{"id", m.id}, {"topic", m.topic}, {"case", m.case_id}, {"seq", m.event_seq}, {"payload", m.payload}};
}

Error config_changed(std::uint64_t newest, std::uint64_t computed_with) {
  return make_error(ErrorCode::conflict, "the configuration changed (now at seq " + std::to_string(newest) +
                                             ", the change was computed with seq " + std::to_string(computed_with) +
                                             "); reload and retry");
}

}  // namespace

nlohmann::json JournalStorage::numbered(const std::vector<OutboxMessage>& outbox) const {
  nlohmann::json out = nlohmann::json::array();
  std::uint64_t id = tables_.next_outbox_id;
  for (OutboxMessage m : outbox) {
    m.id = id++;
    out.push_back(message_json(m));
  }
  return out;
}

// Journal lines: {"commit":{"snapshot","events","outbox"}}, {"rewrite":snapshot},
// {"config":{"record","outbox"}}, {"visit":visit}, {"ack":[ids]}, {"batch":[lines]}.
void JournalStorage::Tables::apply(const nlohmann::json& record) {
  auto enqueue = [&](const nlohmann::json& messages) {
    for (const auto& m : messages) {
      OutboxMessage msg{m.at("id").get<std::uint64_t>(), m.at("topic").get<std::string>(),
                        m.at("case").get<std::string>(), m.at("seq").get<std::uint64_t>(), m.at("payload")};
      next_outbox_id = std::max(next_outbox_id, msg.id + 1);
      outbox.emplace(msg.id, std::move(msg));
    }
  };
  // Replaces a case's snapshot, re-keying it in the due index; `events` are appended.
  auto put = [&](Case snapshot, const nlohmann::json* events) {
    auto [pos, created] = cases.try_emplace(snapshot.id);
    if (!created)
      if (auto k = due_key(pos->second.snapshot)) due.erase(*k);
    if (events)
      for (const auto& e : *events) pos->second.events.push_back(e.get<Event>());
    pos->second.snapshot = std::move(snapshot);
    if (auto k = due_key(pos->second.snapshot)) due.insert(*k);
  };
  if (auto it = record.find("batch"); it != record.end()) {
    for (const auto& inner : *it) apply(inner);
  } else if (auto commit = record.find("commit"); commit != record.end()) {
    put(commit->at("snapshot").get<Case>(), &commit->at("events"));
    enqueue(commit->at("outbox"));
  } else if (auto rewrite = record.find("rewrite"); rewrite != record.end()) {
    put(rewrite->get<Case>(), nullptr);
  } else if (auto config = record.find("config"); config != record.end()) {
    ConfigRecord r = config->at("record").get<ConfigRecord>();
    // Each record was checked against the newest when it was appended; a journal whose
    // records do not follow each other was edited, and is refused at open.
    if (r.seq != configs.size() + 1)
      throw std::runtime_error("configuration record " + std::to_string(r.seq) + " follows record " +
                               std::to_string(configs.size()));
    configs.push_back(std::move(r));
    enqueue(config->at("outbox"));
  } else if (auto visit = record.find("visit"); visit != record.end()) {
    Visit v = visit->get<Visit>();
    visits.emplace(v.id, std::move(v));
  } else {
    for (const auto& id : record.at("ack")) outbox.erase(id.get<std::uint64_t>());
  }
}

Result<std::shared_ptr<JournalStorage>> JournalStorage::open(const std::string& path, JournalOptions options) {
  Tables tables;
  std::uintmax_t good_bytes = 0;
  {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      const bool complete = !in.eof();  // written up to its '\n'
      try {
        if (!complete) throw std::runtime_error("no line end");
        tables.apply(nlohmann::json::parse(line));
        good_bytes += line.size() + 1;
      } catch (const std::exception& e) {
        if (in.peek() != std::char_traits<char>::eof())
          return failure(path, "line " + std::to_string(number) + " is damaged (" + e.what() + ")");
        // The last line is torn: the process died while appending it. That change never
        // happened; drop its bytes so later lines start clean.
      }
    }
  }
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && std::filesystem::file_size(path, ec) != good_bytes)
    std::filesystem::resize_file(path, good_bytes, ec);
  if (ec) return failure(path, "cannot drop a torn last line: " + ec.message());
  std::FILE* file = std::fopen(path.c_str(), "ab");
  if (!file) return failure(path, "cannot be opened for appending");
  return std::shared_ptr<JournalStorage>(new JournalStorage(path, file, std::move(tables), options));
}

JournalStorage::JournalStorage(std::string path, std::FILE* file, Tables tables, JournalOptions options)
    : path_(std::move(path)), file_(file), options_(options), tables_(std::move(tables)) {}

// Whatever is written while a batch is open is undone by end_batch(false): a write from
// another thread slipping into the batch would be undone after being reported done. So
// other threads wait until the batch is over.
template <class Lock>
Status JournalStorage::take_turn(Lock& lock) const {
  const std::thread::id me = std::this_thread::get_id();
  if (!in_batch_ || batch_owner_ == me) return Status::success();
  if (batch_ended_.wait_for(lock, options_.busy_timeout, [&] { return !in_batch_ || batch_owner_ == me; }))
    return Status::success();
  return make_error(ErrorCode::busy, "journal \"" + path_ + "\": another thread's batch held it for more than " +
                                         std::to_string(options_.busy_timeout.count()) +
                                         " ms; nothing was done, retry");
}

// An open batch was never written: closing discards it, as the contract requires.
JournalStorage::~JournalStorage() { std::fclose(file_); }

Status JournalStorage::append(const nlohmann::json& record) {
  if (in_batch_) {
    batch_records_.push_back(record);
    return Status::success();
  }
  const std::string line = record.dump() + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
    return failure(path_, "append failed; the change was not stored");
  return Status::success();
}

Status JournalStorage::commit(const CaseCommit& c) {
  if (Status s = validate_commit(c); !s) return s;
  std::unique_lock lock(mu_);
  if (Status s = take_turn(lock); !s) return s;
  auto it = tables_.cases.find(c.snapshot.id);
  if (c.expected_version == 0 && it != tables_.cases.end())
    return make_error(ErrorCode::duplicate_case, "case \"" + c.snapshot.id + "\" already exists");
  if (c.expected_version > 0 && it == tables_.cases.end())
    return make_error(ErrorCode::unknown_case, "no case \"" + c.snapshot.id + "\"");
  if (c.expected_version > 0 && it->second.snapshot.version != c.expected_version)
    return make_error(ErrorCode::conflict, "case \"" + c.snapshot.id + "\" changed; reload and retry");
  if (c.config_seq != tables_.configs.size()) return config_changed(tables_.configs.size(), c.config_seq);

  nlohmann::json record;
  try {
    // The library's own JSON forms are complete: each event's `hash` and the snapshot's
    // `chain_head` (the hash chain, fengqiao/chain.hpp) travel with them, so the journal
    // gives back the hashes it was given and fengqiao::chain::verify_case can check it.
    record = {{"commit", {{"snapshot", c.snapshot}, {"events", c.events}, {"outbox", numbered(c.outbox)}}}};
    record.dump();  // surfaces text that is not UTF-8 before anything is written
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorCode::invalid_data, std::string("commit cannot be encoded: ") + e.what());
  }
  // Written first, applied second: a failed write leaves memory as the journal is.
  if (Status s = append(record); !s) return s;
  if (in_batch_) remember_case(c.snapshot.id);
  tables_.apply(record);
  return Status::success();
}

Result<Case> JournalStorage::load(std::string_view case_id) const {
  std::shared_lock lock(mu_);
  if (Status s = take_turn(lock); !s) return s.error();
  auto it = tables_.cases.find(case_id);
  if (it == tables_.cases.end()) return make_error(ErrorCode::unknown_case, "no case \"" + std::string(case_id) + "\"");
  return it->second.snapshot;
}

Status JournalStorage::read_events(std::string_view case_id, std::uint64_t from_seq,
                                   const std::function<bool(const Event&)>& visit) const {
  std::vector<Event> copy;
  {
    std::shared_lock lock(mu_);
    if (Status s = take_turn(lock); !s) return s;
    auto it = tables_.cases.find(case_id);
    if (it == tables_.cases.end()) return make_error(ErrorCode::unknown_case, "no case \"" + std::string(case_id) + "\"");
    const auto& events = it->second.events;
    const std::size_t first = from_seq > 0 ? static_cast<std::size_t>(from_seq - 1) : 0;
    if (first < events.size()) copy.assign(events.begin() + static_cast<std::ptrdiff_t>(first), events.end());
  }
  for (const Event& e : copy)  // outside the lock: the visitor may call back in
    if (!visit(e)) break;
  return Status::success();
}

Result<std::vector<Case>> JournalStorage::query(const CaseQuery& q) const {
  std::shared_lock lock(mu_);
  if (Status s = take_turn(lock); !s) return s.error();
  std::vector<Case> out;
  for (auto it = tables_.cases.upper_bound(q.after_id); it != tables_.cases.end(); ++it) {
    if (q.limit && out.size() >= q.limit) break;
    if (q.matches(it->second.snapshot)) out.push_back(it->second.snapshot);
  }
  return out;
}

Result<std::uint64_t> JournalStorage::count(const CaseQuery& q) const {
  std::shared_lock lock(mu_);
  if (Status s = take_turn(lock); !s) return s.error();
  std::uint64_t n = 0;
  for (auto it = tables_.cases.upper_bound(q.after_id); it != tables_.cases.end(); ++it)
    if (q.matches(it->second.snapshot)) ++n;
  return n;
}

Result<std::optional<DueEntry>> JournalStorage::first_due(Instant up_to) const {
  std::shared_lock lock(mu_);
  if (Status s = take_turn(lock); !s) return s.error();
  if (tables_.due.empty() || tables_.due.begin()->first > up_to) return std::optional<DueEntry>();
  return std::optional<DueEntry>(DueEntry{tables_.due.begin()->first, tables_.due.begin()->second});
}

Status JournalStorage::begin_batch() {
  std::unique_lock lock(mu_);
  if (Status s = take_turn(lock); !s) return s;  // another thread's batch: wait for it, like any write
  if (in_batch_) return failure(path_, "a batch is already open (batches do not nest)");
  in_batch_ = true;
  batch_owner_ = std::this_thread::get_id();
  undo_ = Undo{};
  undo_.next_outbox_id = tables_.next_outbox_id;
  undo_.configs = tables_.configs.size();
  return Status::success();
}

void JournalStorage::remember_case(const std::string& id) {
  if (undo_.cases.count(id)) return;  // the state before the batch is already kept
  auto it = tables_.cases.find(id);
  undo_.cases.emplace(id, it == tables_.cases.end() ? std::nullopt : std::optional<Tables::Entry>(it->second));
}

void JournalStorage::remember_acks(const std::vector<std::uint64_t>& ids) {
  for (std::uint64_t id : ids) {
    auto it = tables_.outbox.find(id);
    // A message the batch itself queued goes with the batch anyway.
    if (it != tables_.outbox.end() && id < undo_.next_outbox_id) undo_.acked.emplace(id, it->second);
  }
}

void JournalStorage::undo_batch() {
  for (auto& [id, before] : undo_.cases) {
    auto it = tables_.cases.find(id);
    if (it == tables_.cases.end()) continue;
    if (auto k = due_key(it->second.snapshot)) tables_.due.erase(*k);
    if (!before) {
      tables_.cases.erase(it);
      continue;
    }
    it->second = std::move(*before);
    if (auto k = due_key(it->second.snapshot)) tables_.due.insert(*k);
  }
  tables_.outbox.erase(tables_.outbox.lower_bound(undo_.next_outbox_id), tables_.outbox.end());
  for (auto& [id, message] : undo_.acked) tables_.outbox.emplace(id, std::move(message));
  tables_.next_outbox_id = undo_.next_outbox_id;
  for (const std::string& id : undo_.visits) tables_.visits.erase(id);
  tables_.configs.resize(undo_.configs);
  undo_ = Undo{};
}

// Any thread may end the batch, so this one does not wait for it.
Status JournalStorage::end_batch(bool commit) {
  std::unique_lock lock(mu_);
  if (!in_batch_) return failure(path_, "no batch is open");
  struct Wake {  // whatever the outcome, the batch is over: let the waiting threads go
    const JournalStorage& self;
    ~Wake() { self.batch_ended_.notify_all(); }
  } wake{*this};
  in_batch_ = false;
  batch_owner_ = {};
  std::vector<nlohmann::json> records = std::exchange(batch_records_, {});
  if (commit && !records.empty()) {
    // The whole batch is one line: one append, all or nothing.
    if (Status s = append({{"batch", records}}); !s) {
      undo_batch();
      return s;
    }
  }
  if (!commit) undo_batch();
  undo_ = Undo{};
  return Status::success();
}

Result<std::vector<OutboxMessage>> JournalStorage::outbox_fetch(std::size_t max) const {
  std::shared_lock lock(mu_);
  if (Status s = take_turn(lock); !s) return s.error();
  std::vector<OutboxMessage> out;
  for (auto it = tables_.outbox.begin(); it != tables_.outbox.end() && out.size() < max; ++it) out.push_back(it->second);
  return out;
}

Status JournalStorage::outbox_ack(const std::vector<std::uint64_t>& ids) {
  std::unique_lock lock(mu_);
  if (Status s = take_turn(lock); !s) return s;
  if (ids.empty()) return Status::success();
  const nlohmann::json record = {{"ack", ids}};
  if (Status s = append(record); !s) return s;
  if (in_batch_) remember_acks(ids);
  tables_.apply(record);
  return Status::success();
}

Result<std::uint64_t> JournalStorage::outbox_depth() const {
  std::shared_lock lock(mu_);
  if (Status s = take_turn(lock); !s) return s.error();
  return static_cast<std::uint64_t>(tables_.outbox.size());
}

Status JournalStorage::add_visit(const Visit& v) {
  std::unique_lock lock(mu_);
  if (Status s = take_turn(lock); !s) return s;
  if (tables_.visits.count(v.id)) return make_error(ErrorCode::duplicate_visit, "visit \"" + v.id + "\" already exists");
  nlohmann::json record;
  try {
    record = {{"visit", v}};
    record.dump();  // as in commit: bad text is refused before anything is written
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorCode::invalid_data, std::string("visit cannot be encoded: ") + e.what());
  }
  if (Status s = append(record); !s) return s;
  if (in_batch_) undo_.visits.push_back(v.id);
  tables_.apply(record);
  return Status::success();
}

Result<std::vector<Visit>> JournalStorage::visits(const VisitQuery& q) const {
  std::shared_lock lock(mu_);
  if (Status s = take_turn(lock); !s) return s.error();
  std::vector<Visit> out;
  for (auto it = tables_.visits.upper_bound(q.after_id); it != tables_.visits.end(); ++it) {
    if (q.limit && out.size() >= q.limit) break;
    if (q.matches(it->second)) out.push_back(it->second);
  }
  return out;
}

Result<std::uint64_t> JournalStorage::count_visits(const VisitQuery& q) const {
  std::shared_lock lock(mu_);
  if (Status s = take_turn(lock); !s) return s.error();
  std::uint64_t n = 0;
  for (auto it = tables_.visits.upper_bound(q.after_id); it != tables_.visits.end(); ++it)
    if (q.matches(it->second)) ++n;
  return n;
}

Result<std::optional<ConfigRecord>> JournalStorage::configuration() const {
  std::shared_lock lock(mu_);
  if (Status s = take_turn(lock); !s) return s.error();
  if (tables_.configs.empty()) return std::optional<ConfigRecord>();
  return std::optional<ConfigRecord>(tables_.configs.back());
}

Status JournalStorage::read_configurations(std::uint64_t from_seq,
                                           const std::function<bool(const ConfigRecord&)>& visit) const {
  std::vector<ConfigRecord> copy;
  {
    std::shared_lock lock(mu_);
    if (Status s = take_turn(lock); !s) return s;
    const std::size_t first = from_seq > 0 ? static_cast<std::size_t>(from_seq - 1) : 0;
    if (first < tables_.configs.size())
      copy.assign(tables_.configs.begin() + static_cast<std::ptrdiff_t>(first), tables_.configs.end());
  }
  for (const ConfigRecord& r : copy)  // outside the lock: the visitor may call back in
    if (!visit(r)) break;
  return Status::success();
}

Status JournalStorage::commit_configuration(const ConfigCommit& c) {
  std::unique_lock lock(mu_);
  if (Status s = take_turn(lock); !s) return s;
  const std::uint64_t next = tables_.configs.size() + 1;
  if (c.record.seq != next)
    return make_error(ErrorCode::conflict, "configuration seq " + std::to_string(c.record.seq) + " is not the next (" +
                                               std::to_string(next) +
                                               "): another engine changed the configuration; reload and retry");
  nlohmann::json record;
  try {
    record = {{"config", {{"record", c.record}, {"outbox", numbered(c.outbox)}}}};
    record.dump();  // as in commit: bad text is refused before anything is written
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorCode::invalid_data, std::string("configuration record cannot be encoded: ") + e.what());
  }
  if (Status s = append(record); !s) return s;
  tables_.apply(record);  // end_batch(false) drops it: the undo keeps the count before the batch
  return Status::success();
}

Status JournalStorage::rewrite_snapshot(const Case& snapshot) {
  std::unique_lock lock(mu_);
  if (Status s = take_turn(lock); !s) return s;
  auto it = tables_.cases.find(snapshot.id);
  if (it == tables_.cases.end()) return make_error(ErrorCode::unknown_case, "no case \"" + snapshot.id + "\"");
  if (it->second.snapshot.version != snapshot.version)
    return make_error(ErrorCode::conflict, "case \"" + snapshot.id + "\" changed; reload and retry");
  nlohmann::json record;
  try {
    record = {{"rewrite", snapshot}};
    record.dump();
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorCode::invalid_data, std::string("snapshot cannot be encoded: ") + e.what());
  }
  if (Status s = append(record); !s) return s;
  if (in_batch_) remember_case(snapshot.id);
  tables_.apply(record);
  return Status::success();
}

}  // namespace journal
