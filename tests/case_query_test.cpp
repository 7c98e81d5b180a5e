// MemoryStorage's count() and query() against a plain filter over all cases (written from
// storage.hpp's description of CaseQuery) and against CaseQuery::matches, on random cases
// and random queries: every filter alone and combined, pagination, byte-wise id order.
#include <doctest/doctest.h>

#include <fengqiao/memory_storage.hpp>

#include "query_oracle.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;

TEST_CASE("MemoryStorage count and query agree with a plain filter over every case") {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    CAPTURE(seed);
    RandomValues gen(seed);
    const QueryPools pools = make_pools(gen);
    MemoryStorage storage;
    const std::vector<Case> cases = commit_random_cases(storage, gen, pools, 60);
    for (int i = 0; i < 150; ++i) check_query(storage, random_query(gen, pools, cases), cases);
  }
}

TEST_CASE("for_each_case visits exactly the matching cases, in id order, whatever the page size") {
  RandomValues gen(99);
  const QueryPools pools = make_pools(gen);
  MemoryStorage storage;
  std::vector<Case> cases;
  for (int i = 0; i < 80; ++i) {
    Case c = random_query_case(gen, pools, "K-" + std::to_string(1000 + i * 7 % 80));
    bool taken = false;
    for (const Case& other : cases) taken = taken || other.id == c.id;
    if (taken) continue;
    c.version = 1;
    REQUIRE(storage.commit(first_commit_of(c)));
    cases.push_back(c);
  }
  for (int i = 0; i < 100; ++i) {
    CaseQuery q = random_query(gen, pools, cases);
    CaseQuery unlimited = q;
    unlimited.limit = 0;  // for_each_case ignores the limit
    const std::vector<std::string> expected = oracle_query(unlimited, cases);
    std::vector<std::string> seen;
    const std::size_t page = static_cast<std::size_t>(gen.between(1, 9));
    REQUIRE(for_each_case(storage, q, [&](const Case& c) {
      seen.push_back(c.id);
      return true;
    }, page));
    CHECK(seen == expected);
  }
}
