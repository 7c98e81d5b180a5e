#include "storage/integrity.hpp"

#include "fengqiao/chain.hpp"

namespace fengqiao::storage_detail {
namespace {

using Problem = std::optional<std::string>;

// A case that fails one of these was written half, or changed behind fengqiao's back.
Problem check_case(IntegrityRows& rows, const CaseRow& row) {
  const std::string in_case = "case \"" + row.id + "\" ";
  if (row.events != row.version || row.last_seq != row.version)
    return in_case + "is at version " + std::to_string(row.version) + " but has " + std::to_string(row.events) +
           " events (last seq " + std::to_string(row.last_seq) + ")";
  const Case snapshot = rows.snapshot(row.snapshot, row.id);
  if (snapshot.id != row.id || static_cast<std::int64_t>(snapshot.version) != row.version)
    return in_case + "has a snapshot of \"" + snapshot.id + "\" version " + std::to_string(snapshot.version);
  const CaseColumns want = columns_of(snapshot);
  const CaseColumns& have = row.columns;
  if (want.state != have.state || want.supervision != have.supervision || want.level != have.level ||
      want.lead != have.lead || want.jurisdiction != have.jurisdiction || want.next_due != have.next_due)
    return in_case + "has indexed columns that disagree with its snapshot";
  if (!row.last_event) return std::nullopt;  // version 0: no event to compare (counts checked above)
  const Event last = rows.event(*row.last_event, row.id, row.last_seq);
  if (last.state_after != snapshot.state)
    return in_case + "is " + std::string(to_string(snapshot.state)) + " but its last event left it " +
           std::string(to_string(last.state_after));
  return std::nullopt;
}

Problem check_cases(IntegrityRows& rows) {
  Problem found;
  rows.cases([&](const CaseRow& row) {
    found = check_case(rows, row);
    return !found;
  });
  if (found) return found;
  if (auto orphan = rows.orphan_events()) return "events of case \"" + *orphan + "\" have no case row";
  return std::nullopt;
}

// Every case's chain (chain.hpp), recomputed from its event rows in seq order: the first
// event whose content no longer matches its hash, whose hash does not link to the one
// before, that is missing or out of place, or a snapshot whose chain_head is not the last.
Problem check_chains(IntegrityRows& rows) {
  if (!rows.chained()) return std::nullopt;
  std::optional<chain::Checker> checker;
  std::optional<Case> snapshot;
  std::optional<chain::Break> broken;
  const auto finish_case = [&] {
    if (checker && !broken) broken = checker->finish(snapshot->chain_head, snapshot->version);
  };
  rows.histories(
      [&](const std::string& id, const std::string& text) {
        finish_case();
        if (broken) return false;
        snapshot = rows.snapshot(text, id);
        checker.emplace(id);
        return true;
      },
      [&](std::int64_t seq, const std::string& json) {
        broken = checker->next(rows.event(json, snapshot->id, seq));
        return !broken;
      });
  finish_case();
  if (broken) return "hash chain broken: " + broken->describe();
  return std::nullopt;
}

// Each visit: its JSON is a visit with the row's id, the columns the filters read agree
// with it, and its visit_keys rows are exactly its parties' id_numbers and phones (a query
// by person would otherwise miss it or find it wrongly).
Problem check_visits(IntegrityRows& rows) {
  Problem found;
  rows.visits([&](const VisitRow& row) {
    const std::string in_visit = "visit \"" + row.id + "\" ";
    const Visit v = visit_from(row.json, row.id);
    if (v.id != row.id || to_seconds(v.at) != row.at || to_string(v.kind) != row.kind ||
        to_string(v.channel) != row.channel || v.case_id != row.case_id)
      found = in_visit + "has indexed columns that disagree with its record";
    else if (row.keys != visit_keys_of(v))
      found = in_visit + "has visit_keys rows that disagree with its parties";
    return !found;
  });
  if (found) return found;
  if (auto orphan = rows.orphan_visit_keys()) return "visit_keys name visit \"" + *orphan + "\", which has no row";
  return std::nullopt;
}

// Numbered 1..n without gaps (a commit's config_seq check relies on it), each reading
// back as the record of its row's seq and instant.
Problem check_configurations(IntegrityRows& rows) {
  Problem found;
  std::int64_t expected = 1;
  rows.configurations([&](const ConfigRow& row) {
    if (row.seq != expected) {
      found = "configuration records are not numbered 1, 2, ...: seq " + std::to_string(row.seq) + " follows " +
              std::to_string(expected - 1);
      return false;
    }
    const ConfigRecord r = config_from(row.json, row.seq);
    if (to_seconds(r.at) != row.at) {
      found = "configuration record " + std::to_string(row.seq) + " has an `at` column that disagrees with its record";
      return false;
    }
    ++expected;
    return true;
  });
  return found;
}

}  // namespace

std::optional<std::string> first_problem(IntegrityRows& rows) {
  for (Problem (*check)(IntegrityRows&) : {check_cases, check_chains, check_visits, check_configurations})
    if (Problem p = check(rows)) return p;
  return std::nullopt;
}

}  // namespace fengqiao::storage_detail
