// Result<T> (error.hpp): value() on an error throws fengqiao::Exception carrying that
// error, and value() on a temporary Result gives the value itself, so that code holding
// on to it past the full expression (a range-for over a query, a const reference) never
// reads the destroyed Result.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fengqiao/engine.hpp>
#include <fengqiao/memory_storage.hpp>

#include "fixtures.hpp"

using namespace fengqiao;
using fengqiao::testing::Bench;

namespace {

Result<std::vector<std::string>> names(bool ok) {
  if (!ok) return make_error(ErrorCode::unknown_case, "no such list");
  return std::vector<std::string>{"alpha", "beta", std::string(200, 'g')};  // past any small-string buffer
}

// The error a call threw, failing the check if it threw anything else or nothing.
Error thrown_by(void (*call)()) {
  try {
    call();
  } catch (const Exception& e) {
    return e.error();
  } catch (const std::exception& e) {
    FAIL("not a fengqiao::Exception: " << e.what());
  }
  FAIL("nothing was thrown");
  return {};
}

}  // namespace

TEST_CASE("a temporary Result's value() is the value itself, not a reference into the temporary") {
  static_assert(std::is_same_v<decltype(names(true).value()), std::vector<std::string>>);
  static_assert(std::is_same_v<decltype(*names(true)), std::vector<std::string>>);
  Result<std::vector<std::string>> held = names(true);
  static_assert(std::is_same_v<decltype(held.value()), std::vector<std::string>&>);
  static_assert(std::is_same_v<decltype(std::as_const(held).value()), const std::vector<std::string>&>);

  // Each element is read after the Result is gone: through a reference into it, this
  // read freed memory.
  std::vector<std::string> seen;
  for (const std::string& n : names(true).value()) seen.push_back(n);
  CHECK(seen == std::vector<std::string>{"alpha", "beta", std::string(200, 'g')});
  const std::vector<std::string>& kept = names(true).value();  // lifetime extended
  CHECK(kept.size() == 3);
  CHECK(kept[2] == std::string(200, 'g'));

  // The same over a storage query, the case that motivated it.
  Bench bench;
  bench->register_case("R-1", fengqiao::testing::intake, fengqiao::testing::registration());
  bench->register_case("R-2", fengqiao::testing::intake, fengqiao::testing::registration());
  std::vector<std::string> ids;
  for (const Case& c : bench.storage->query(CaseQuery{}).value()) ids.push_back(c.id);
  CHECK(ids == std::vector<std::string>{"R-1", "R-2"});
}

TEST_CASE("value() on an error throws fengqiao::Exception with that error, on every overload") {
  Error e = thrown_by([] { (void)names(false).value(); });
  CHECK(e.code == ErrorCode::unknown_case);
  CHECK(e.message == "no such list");
  e = thrown_by([] {
    auto r = names(false);
    (void)r.value();
  });
  CHECK(e.code == ErrorCode::unknown_case);
  e = thrown_by([] {
    const auto r = names(false);
    (void)r.value();
  });
  CHECK(e.code == ErrorCode::unknown_case);
  e = thrown_by([] { (void)*names(false); });
  CHECK(e.message == "no such list");
  e = thrown_by([] {
    const auto r = names(false);
    (void)r->size();
  });
  CHECK(e.code == ErrorCode::unknown_case);
  e = thrown_by([] { (void)names(false).value_or_throw(); });
  CHECK(e.code == ErrorCode::unknown_case);

  // The thrown text is the error's describe(), as everywhere else.
  try {
    (void)names(false).value();
  } catch (const Exception& ex) {
    CHECK(std::string(ex.what()) == ex.error().describe());
  }
  // And a temporary's error can be kept.
  const Error kept = names(false).error();
  CHECK(kept.message == "no such list");
}
