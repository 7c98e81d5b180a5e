// Export: the histories of many cases merged into one time-ordered file that a replay
// accepts. At one instant a replay fires every due engine event before it applies an
// action, ordered by case id; the merge key reproduces exactly that.
#include <algorithm>
#include <queue>
#include <tuple>

#include "fengqiao/history.hpp"

namespace fengqiao::history {
namespace {

constexpr std::size_t kChunk = 64;  // events buffered per case

// One case's events, read from the storage a chunk at a time.
struct Cursor {
  std::string case_id;
  std::vector<Event> buffer;
  std::size_t pos = 0;
  std::uint64_t next_seq = 1;
  bool exhausted = false;
  // Whether a replay can recompute the hashes of the case's events so far: not once an
  // event stored before fengqiao kept `supervision_after` was met (replay derives that
  // field, the stored event lacks it, so its hash and every later one would differ). Those
  // lines are written without "hash" (docs/CHAIN.md "In a history file").
  bool reproducible = true;

  Status fill(const Storage& storage) {
    buffer.clear();
    pos = 0;
    Status s = storage.read_events(case_id, next_seq, [&](const Event& e) {
      buffer.push_back(e);
      return buffer.size() < kChunk;
    });
    if (!s) return s;
    if (buffer.empty()) exhausted = true;
    else next_seq = buffer.back().seq + 1;
    return Status::success();
  }
  const Event& head() const { return buffer[pos]; }
};

// (at, engine events then configuration changes then actions, case id, seq)
using Key = std::tuple<Instant, int, std::string, std::uint64_t>;
constexpr int kConfigRank = 1;
Key key_of(const Event& e) { return {e.at, e.type == EventType::action ? 2 : 0, e.case_id, e.seq}; }
Key key_of(const ConfigRecord& r) { return {r.at, kConfigRank, std::string(), r.seq}; }

Result<std::vector<ConfigRecord>> configurations(const Storage& storage) {
  std::vector<ConfigRecord> out;
  Status s = storage.read_configurations(1, [&](const ConfigRecord& r) {
    out.push_back(r);
    return true;
  });
  if (!s) return s.error();
  return out;
}

// The header: the configuration in force at the first line (`first`), i.e. the newest
// record at or before it; a store whose first record came later (written before fengqiao
// kept its configuration) has had its first one all along. Returns the index of the
// first record still to write as a line.
std::size_t header_of(const std::vector<ConfigRecord>& records, std::optional<Instant> first, Header& header) {
  header.version = kHistoryVersion;
  if (records.empty()) return 0;
  std::size_t in_force = 0;
  while (in_force + 1 < records.size() && first && records[in_force + 1].at <= *first) ++in_force;
  header.calendar = records[in_force].calendar;
  header.utc_offset = header.calendar.utc_offset();
  header.rules = records[in_force].rules;
  return in_force + 1;
}

// The visits an export writes (HISTORY-FORMAT.md: all of them for a whole store, the ones
// linked to the chosen cases otherwise), in the order a replay applies them.
Result<std::vector<Visit>> visits_to_export(const Storage& storage, const std::vector<std::string>& case_ids) {
  std::vector<Visit> out;
  auto add = [&](VisitQuery q) -> Status {
    auto page = storage.visits(q);
    if (!page) return page.error();
    out.insert(out.end(), page->begin(), page->end());
    return Status::success();
  };
  if (case_ids.empty()) {
    if (Status s = add(VisitQuery{}); !s) return s.error();
  } else {
    for (const std::string& id : case_ids) {
      VisitQuery q;
      q.case_id = id;
      if (Status s = add(q); !s) return s.error();
    }
  }
  std::sort(out.begin(), out.end(), [](const Visit& a, const Visit& b) { return std::tie(a.at, a.id) < std::tie(b.at, b.id); });
  return out;
}

// Writes the export; `writing` names the record being written (for export_cases' error).
Status export_all(const Storage& storage, const std::vector<std::string>& case_ids, std::ostream& out,
                  const ExportOptions& options, std::string& writing) {
  const bool mask = options.personal_data == PersonalData::masked;
  auto records = configurations(storage);
  if (!records) return records.error();
  auto visits = visits_to_export(storage, case_ids);
  if (!visits) return visits.error();
  std::size_t next_visit = 0;
  std::vector<std::string> ids = case_ids;
  if (ids.empty()) {
    Status s = for_each_case(storage, CaseQuery{}, [&](const Case& c) {
      ids.push_back(c.id);
      return true;
    });
    if (!s) return s;
  }
  std::vector<Cursor> cursors(ids.size());
  auto later = [&](std::size_t a, std::size_t b) { return key_of(cursors[a].head()) > key_of(cursors[b].head()); };
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(later)> heap(later);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    cursors[i].case_id = ids[i];
    if (Status s = cursors[i].fill(storage); !s) return s;
    if (!cursors[i].exhausted) heap.push(i);
  }
  std::optional<Instant> first;
  if (!heap.empty()) first = cursors[heap.top()].head().at;
  if (!visits->empty() && (!first || visits->front().at < *first)) first = visits->front().at;
  Header header;
  std::size_t next_config = header_of(*records, first, header);
  Writer writer(out, header);
  auto write_visit = [&](const Visit& v) {
    writing = "visit \"" + v.id + "\"";
    if (!mask) return writer.write(v);
    Visit shown = v;
    for (Party& p : shown.parties) {
      if (!p.id_number.empty()) p.id_number = mask_id_number(p.id_number);
      if (!p.phone.empty()) p.phone = mask_phone(p.phone);
    }
    writer.write(shown);
  };
  auto write_configs_before = [&](const Key& k) {
    for (; next_config < records->size() && key_of((*records)[next_config]) < k; ++next_config) {
      writing = "configuration record " + std::to_string((*records)[next_config].seq);
      writer.write((*records)[next_config]);
    }
  };
  while (!heap.empty()) {
    std::size_t i = heap.top();
    heap.pop();
    Cursor& c = cursors[i];
    const Event& e = c.head();
    // A visit comes after what happened at its instant (a case it names was registered by then).
    for (; next_visit < visits->size() && (*visits)[next_visit].at < e.at; ++next_visit) {
      write_configs_before(Key{(*visits)[next_visit].at, kConfigRank + 2, std::string(), 0});
      write_visit((*visits)[next_visit]);
    }
    // A stored event without what its type needs (an action without its action or actor, a
    // deadline event without its stage) cannot be written as a line: the store is damaged
    // (found by fuzz_sqlite_open; the writer would read the empty optional).
    if (e.type == EventType::action ? !(e.action && e.actor) : !e.stage)
      return make_error(ErrorCode::storage_error, "event " + std::to_string(e.seq) + " of case \"" + e.case_id +
                                                      "\" lacks its " + (e.type == EventType::action ? "action or actor" : "stage") +
                                                      ": the store is damaged");
    write_configs_before(key_of(e));
    writing = "event " + std::to_string(e.seq) + " of case \"" + e.case_id + "\"";
    // A line's hash is written only while a replay can reproduce it: not from an event
    // stored without supervision_after on, and not from the first whose personal data the
    // export masks (the hash covers the data as stored, and chains into every later one).
    if (!e.supervision_after) c.reproducible = false;
    const bool masks = mask && e.type == EventType::action && e.data.contains("parties");
    nlohmann::json masked;
    if (masks) {
      masked = mask_parties(e.data);
      if (masked != e.data) c.reproducible = false;
    }
    if ((c.reproducible || e.hash.empty()) && !masks) {
      writer.write(e);
    } else {
      Event shown = e;
      if (!c.reproducible) shown.hash.clear();
      if (masks) shown.data = std::move(masked);
      writer.write(shown);
    }
    if (e.type == EventType::action) {
      Expectation x;
      x.state = std::optional<State>(e.state_after);
      writer.expect(e.at, e.case_id, x);
    }
    if (++c.pos == c.buffer.size()) {
      if (Status s = c.fill(storage); !s) return s;
      if (c.exhausted) continue;
    }
    heap.push(i);
  }
  for (; next_visit < visits->size(); ++next_visit) {
    write_configs_before(Key{(*visits)[next_visit].at, kConfigRank + 2, std::string(), 0});
    write_visit((*visits)[next_visit]);
  }
  // Changes after the last case line: a replay applies them too (nothing moves a clock
  // past the last line, so they change no deadline it checks).
  for (; next_config < records->size(); ++next_config) {
    writing = "configuration record " + std::to_string((*records)[next_config].seq);
    writer.write((*records)[next_config]);
  }
  out.flush();
  if (!out) return make_error(ErrorCode::storage_error, "could not write the export");
  return Status::success();
}

}  // namespace

Status export_cases(const Storage& storage, const std::vector<std::string>& case_ids, std::ostream& out,
                    const ExportOptions& options) {
  // What is being written when something throws: the Writer's dump() throws on text that
  // is not UTF-8 (a store changed outside fengqiao, or an adapter that kept bytes as
  // given), and the error names the record instead of escaping as an exception.
  std::string writing = "the header";
  try {
    return export_all(storage, case_ids, out, options, writing);
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorCode::storage_error, "cannot export " + writing + ": the stored data cannot be written as a "
                                                "history line (" + e.what() + "); nothing after it was written");
  }
}

}  // namespace fengqiao::history
