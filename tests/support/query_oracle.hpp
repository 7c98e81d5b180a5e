// CaseQuery against a plain filter over every case (storage.hpp's words: filters ANDed,
// the path starts with the query's elements, next_due() at or before due_before, ids
// strictly greater byte-wise than after_id, ordered by id, at most limit), and random
// cases and queries that make each filter both match and miss.
#pragma once

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <fengqiao/storage.hpp>

#include "fields.hpp"
#include "random_values.hpp"

namespace fengqiao::testing {

inline bool bytewise_less(const std::string& a, const std::string& b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x != y) return x < y;
  }
  return a.size() < b.size();
}

inline bool oracle_matches(const CaseQuery& q, const Case& c) {
  bool ok = true;
  if (q.state) ok = ok && c.state == *q.state;
  if (q.supervision) ok = ok && c.supervision == *q.supervision;
  if (q.lead) ok = ok && c.lead.has_value() && *c.lead == *q.lead;
  ok = ok && q.jurisdiction.size() <= c.jurisdiction.size() &&
       std::equal(q.jurisdiction.begin(), q.jurisdiction.end(), c.jurisdiction.begin());
  if (q.due_before) {
    const auto next = c.next_due();
    ok = ok && next.has_value() && next->at <= *q.due_before;
  }
  if (!q.after_id.empty()) ok = ok && bytewise_less(q.after_id, c.id);
  return ok;
}

// The ids query(q) must return, in order.
inline std::vector<std::string> oracle_query(const CaseQuery& q, const std::vector<Case>& cases) {
  std::vector<std::string> ids;
  for (const Case& c : cases)
    if (oracle_matches(q, c)) ids.push_back(c.id);
  std::sort(ids.begin(), ids.end(), bytewise_less);
  if (q.limit && ids.size() > q.limit) ids.resize(q.limit);
  return ids;
}

// Pools small enough that random cases share paths, leads and due instants.
struct QueryPools {
  std::vector<std::string> leads = {"justice_mohe", "police_mohe", "a/b", "a%2Fb", "\xE5\x8F\xB8\xE6\xB3\x95", ""};
  std::vector<std::vector<std::string>> paths = {
      {},
      {"daxinganling"},
      {"daxinganling", "mohe"},
      {"daxinganling", "mohe", "xilinji"},
      {"daxinganling", "mohe", "xilinji", "3"},
      {"daxinganling", "mohe/xilinji"},
      {"daxinganling", "mohe%2Fxilinji"},
      {"daxinganling", "mohe", "xilinji2"},
      {"daxinganling", "moh"},
      {"\xE5\xA4\xA7\xE5\x85\xB4\xE5\xAE\x89\xE5\xB2\xAD", "mohe"},
  };
  std::vector<Instant> instants;
};

inline QueryPools make_pools(RandomValues& gen) {
  QueryPools p;
  for (int i = 0; i < 6; ++i) p.instants.push_back(Instant(Seconds(1756688400 + gen.between(-3, 3) * 86400)));
  return p;
}

// A random case whose query-relevant fields come from the pools.
inline Case random_query_case(RandomValues& gen, const QueryPools& p, const std::string& id) {
  Case c = gen.make<Case>();
  c.id = id;
  c.lead = gen.chance(0.2) ? std::nullopt : std::optional<std::string>(gen.pick(p.leads));
  c.jurisdiction = gen.pick(p.paths);
  // The clock decides next_due(): running or stopped, steps at the pooled instants, some
  // fired, armed after some of them, the level above some escalations.
  if (gen.chance(0.8)) {
    StageClock& k = c.clock ? *c.clock : c.clock.emplace();
    k.rule.max_level = static_cast<int>(gen.between(0, 3));
    k.schedule.clear();
    for (int i = 0; i < 2 + k.rule.max_level; ++i) k.schedule.push_back(gen.pick(p.instants));
    std::sort(k.schedule.begin(), k.schedule.end());
    k.next_step = static_cast<std::uint8_t>(gen.between(0, 2 + k.rule.max_level));
    k.armed_after = gen.pick(p.instants) - Seconds(gen.between(0, 1));
    if (gen.chance(0.2)) k.stopped_at = gen.pick(p.instants);
    else k.stopped_at.reset();
    c.level = static_cast<int>(gen.between(0, 3));
  } else {
    c.clock.reset();
  }
  return c;
}

// `c` as a new case's first commit (version 1, one bare event).
inline CaseCommit first_commit_of(const Case& c) {
  CaseCommit out;
  out.snapshot = c;
  out.snapshot.version = 1;
  Event e;
  e.case_id = c.id;
  e.seq = 1;
  out.events.push_back(e);
  return out;
}

// Up to `n` random cases with distinct ids, each committed to `storage`; returns them as stored.
inline std::vector<Case> commit_random_cases(Storage& storage, RandomValues& gen, const QueryPools& pools, int n) {
  std::vector<Case> cases;
  for (int i = 0; i < n; ++i) {
    std::string id = gen.nonempty_text(3);
    bool taken = false;
    for (const Case& c : cases) taken = taken || c.id == id;
    if (taken) continue;
    const CaseCommit commit = first_commit_of(random_query_case(gen, pools, id));
    REQUIRE(storage.commit(commit));
    cases.push_back(commit.snapshot);
  }
  return cases;
}

inline CaseQuery random_query(RandomValues& gen, const QueryPools& p, const std::vector<Case>& cases) {
  CaseQuery q;
  if (gen.chance(0.3)) q.state = static_cast<State>(gen.between(0, enumerator_count<State>() - 1));
  if (gen.chance(0.3)) q.supervision = static_cast<Supervision>(gen.between(0, enumerator_count<Supervision>() - 1));
  if (gen.chance(0.3)) q.lead = gen.pick(p.leads);
  if (gen.chance(0.4)) {
    q.jurisdiction = gen.pick(p.paths);
    q.jurisdiction.resize(static_cast<std::size_t>(gen.between(0, static_cast<long long>(q.jurisdiction.size()))));
  }
  if (gen.chance(0.3)) q.due_before = gen.pick(p.instants) + Seconds(gen.between(-1, 1));
  if (gen.chance(0.3) && !cases.empty()) {
    q.after_id = gen.pick(cases).id;
    if (gen.chance(0.3)) q.after_id += gen.text(1);
  }
  if (gen.chance(0.4)) q.limit = static_cast<std::size_t>(gen.between(1, 10));
  return q;
}

// count(q) and query(q) of `s`, which holds exactly `cases`, agree with the oracle, and
// with CaseQuery::matches (the library's reference semantics) applied to every case.
inline void check_query(const Storage& s, const CaseQuery& q, const std::vector<Case>& cases) {
  CAPTURE(fields::describe(q));
  const std::vector<std::string> expected = oracle_query(q, cases);

  std::size_t by_matches = 0, by_oracle = 0;
  for (const Case& c : cases) {
    const bool m = q.matches(c);
    CHECK_MESSAGE(m == oracle_matches(q, c), "CaseQuery::matches disagrees on case " << fields::describe(c.id));
    by_matches += m;
    by_oracle += oracle_matches(q, c);
  }

  auto n = s.count(q);
  REQUIRE(n.ok());
  CHECK(*n == by_oracle);  // count ignores limit
  CHECK(*n == by_matches);

  auto rows = s.query(q);
  REQUIRE(rows.ok());
  std::vector<std::string> got;
  for (const Case& c : *rows) got.push_back(c.id);
  CHECK(got == expected);
}

}  // namespace fengqiao::testing
