// Visits in the engine (LIFECYCLE.md "Contract version 2", "Visits (接待登记)"): the
// refusals in the contract's order, each leaving nothing behind; every data field named
// when it is wrong; what a visit may link to; the instant it is stamped with; and the
// queries. Expected outcomes are read off the contract's text.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include <fengqiao/visit.hpp>

#include "fixtures.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;
using nlohmann::json;

namespace {

const Actor grid_worker{"u-grid-1", Role::grid_worker, "xilinji_grid"};

json visit_data() {
  return {{"channel", "walk_in"},
          {"kind", "claim"},
          {"parties", {{{"name", "Wang Li"}, {"id_number", "230000199001010000"}, {"phone", "13900000001"}}}},
          {"summary", "Came about a shared fence."}};
}

json with(json data, const std::string& key, json value) {
  data[key] = std::move(value);
  return data;
}

json without(json data, const std::string& key) {
  data.erase(key);
  return data;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

Error refused(Bench& bench, const std::string& id, const Actor& actor, const json& data, ErrorCode want) {
  const std::uint64_t before = bench->count_visits({});
  auto r = bench->try_record_visit(id, actor, data);
  REQUIRE_FALSE(r.ok());
  CHECK_MESSAGE(r.error().code == want, r.error().describe());
  // A refused visit records nothing.
  CHECK(bench->count_visits({}) == before);
  return r.error();
}

std::vector<std::string> ids(const std::vector<Visit>& visits) {
  std::vector<std::string> out;
  for (const Visit& v : visits) out.push_back(v.id);
  return out;
}

using Ids = std::vector<std::string>;

}  // namespace

TEST_SUITE("visits") {

TEST_CASE("a visit is recorded with every field, at the clock's now, and changes no case") {
  Bench bench;
  bench->register_case("C-1", intake, registration());
  const auto case_before = json(bench->get("C-1"));
  bench.set("2025-09-01T10:30:00+08:00");
  Visit v = bench->record_visit("V-1", grid_worker, with(visit_data(), "case", "C-1"));
  CHECK(v.id == "V-1");
  CHECK(v.at == at("2025-09-01T10:30:00+08:00"));
  CHECK(json(v.actor) == json(grid_worker));
  CHECK(v.channel == Channel::walk_in);
  CHECK(v.kind == VisitKind::claim);
  REQUIRE(v.parties.size() == 1);
  CHECK(v.parties[0].name == "Wang Li");
  CHECK(v.parties[0].id_number == "230000199001010000");
  CHECK(v.parties[0].phone == "13900000001");
  CHECK(v.summary == "Came about a shared fence.");
  CHECK(v.case_id == std::optional<std::string>("C-1"));
  CHECK(json(bench->get("C-1")) == case_before);
  CHECK(bench->history("C-1").size() == 1);
  const auto stored = bench->visits({});
  REQUIRE(stored.size() == 1);
  CHECK(json(stored[0]) == json(v));
  // The shape of HISTORY-FORMAT.md's visit line.
  CHECK(json(v) == json::parse(R"({"at":"2025-09-01T02:30:00+00:00","visit":"V-1",
      "actor":{"id":"u-grid-1","role":"grid_worker","org":"xilinji_grid"},
      "data":{"channel":"walk_in","kind":"claim","summary":"Came about a shared fence.","case":"C-1",
              "parties":[{"name":"Wang Li","id_number":"230000199001010000","phone":"13900000001"}]}})"));
  CHECK(json(json(v).get<Visit>()) == json(v));
}

TEST_CASE("refusals come in the contract's order, and each leaves the id free") {
  Bench bench;
  bench->register_case("C-1", intake, registration());
  bench->record_visit("V-1", intake, visit_data());
  const json bad = with(without(visit_data(), "summary"), "case", "C-404");

  SUBCASE("a duplicate id by a forbidden actor with bad data and an unknown case: duplicate_visit") {
    refused(bench, "V-1", lead_handler, bad, ErrorCode::duplicate_visit);
  }
  SUBCASE("a forbidden actor with bad data and an unknown case: not_permitted") {
    refused(bench, "V-2", lead_handler, bad, ErrorCode::not_permitted);
    bench->record_visit("V-2", intake, visit_data());
  }
  SUBCASE("bad data with an unknown case: invalid_data") {
    refused(bench, "V-2", intake, bad, ErrorCode::invalid_data);
    bench->record_visit("V-2", intake, visit_data());
  }
  SUBCASE("an unknown case: unknown_case") {
    refused(bench, "V-2", intake, with(visit_data(), "case", "C-404"), ErrorCode::unknown_case);
    bench->record_visit("V-2", intake, visit_data());
  }
  // The visit V-1 is the one recorded first, untouched by the refusals.
  CHECK(bench->visits({})[0].summary == "Came about a shared fence.");
  CHECK(bench->visits({})[0].case_id == std::nullopt);
}

TEST_CASE("visits and cases have separate ids") {
  Bench bench;
  bench->register_case("X-1", intake, registration());
  bench->record_visit("X-1", intake, with(visit_data(), "case", "X-1"));
  CHECK(bench->count_visits({}) == 1);
  auto again = bench->try_register_case("X-1", intake, registration());
  CHECK(again.error().code == ErrorCode::duplicate_case);
}

TEST_CASE("who may record a visit") {
  Bench bench;
  int n = 0;
  for (const Actor& a : {intake, grid_worker, citizen, dispatcher})
    CHECK(bench->try_record_visit("V-" + std::to_string(++n), a, visit_data()).ok());
  for (const Actor& a : {lead_handler, mediator, supervisor, admin}) {
    Error e = refused(bench, "V-x", a, visit_data(), ErrorCode::not_permitted);
    CHECK(contains(e.message, "intake, grid_worker, citizen, dispatcher"));
  }
}

TEST_CASE("a citizen may link a visit to any case, in any state") {
  Bench bench;
  bench->register_case("C-1", intake, registration());
  bench->act("C-1", Action::withdraw, party_citizen, {{"reason", "settled"}});
  bench->register_case("C-2", intake, registration());
  // `citizen` is no party of either case.
  CHECK(bench->record_visit("V-1", citizen, with(visit_data(), "case", "C-1")).case_id == "C-1");
  CHECK(bench->record_visit("V-2", citizen, with(visit_data(), "case", "C-2")).case_id == "C-2");
  CHECK(bench->get("C-1").state == State::withdrawn);
}

TEST_CASE("every invalid data field is named") {
  Bench bench;
  struct Bad {
    json data;
    const char* field;
  };
  const json party = {{"name", "Wang Li"}};
  const std::vector<Bad> cases = {
      {json::array(), "data must be a JSON object"},
      {without(visit_data(), "channel"), "data.channel is required"},
      {with(visit_data(), "channel", "fax"), "data.channel must be one of"},
      {with(visit_data(), "channel", 3), "data.channel must be one of"},
      {without(visit_data(), "kind"), "data.kind is required"},
      {with(visit_data(), "kind", "complaint"), "data.kind must be one of claim, inquiry, lead"},
      {without(visit_data(), "parties"), "data.parties must be a non-empty array"},
      {with(visit_data(), "parties", json::array()), "data.parties must be a non-empty array"},
      {with(visit_data(), "parties", {"Wang Li"}), "data.parties[0] must be an object"},
      {with(visit_data(), "parties", {party, json::object()}), "data.parties[1].name"},
      {with(visit_data(), "parties", {{{"name", ""}}}), "data.parties[0].name"},
      {with(visit_data(), "parties", {{{"name", "A"}, {"id_number", ""}}}), "data.parties[0].id_number"},
      {with(visit_data(), "parties", {{{"name", "A"}, {"id_number", 7}}}), "data.parties[0].id_number"},
      {with(visit_data(), "parties", {{{"name", "A"}, {"phone", ""}}}), "data.parties[0].phone"},
      {with(visit_data(), "parties", {{{"name", "A"}, {"account", ""}}}), "data.parties[0].account"},
      {with(visit_data(), "parties", {{{"name", "A"}, {"email", "a@b"}}}), "data.parties[0].email is not a party key"},
      {without(visit_data(), "summary"), "data.summary is required"},
      {with(visit_data(), "summary", ""), "data.summary must be a non-empty string"},
      {with(visit_data(), "summary", json::array()), "data.summary must be a non-empty string"},
      {with(visit_data(), "case", 12), "data.case must be a string"},
  };
  for (const Bad& b : cases) {
    INFO(b.data.dump());
    Error e = refused(bench, "V-1", intake, b.data, ErrorCode::invalid_data);
    CHECK_MESSAGE(contains(e.message, b.field), e.message);
  }
  // The id itself, as a case id is.
  refused(bench, "", intake, visit_data(), ErrorCode::invalid_data);
  refused(bench, std::string(257, 'v'), intake, visit_data(), ErrorCode::invalid_data);
  // null data is an empty object; a null case is no case.
  refused(bench, "V-1", intake, json(), ErrorCode::invalid_data);
  CHECK(!bench->record_visit("V-1", intake, with(visit_data(), "case", nullptr)).case_id);
}

TEST_CASE("a visit first fires what is due, and is stamped with the same now") {
  Bench bench;
  bench->register_case("C-1", intake, registration());
  const auto due = bench->next_due();
  REQUIRE(due);
  bench.clock->set(*due);
  bench->record_visit("V-1", intake, visit_data());
  CHECK(bench->history("C-1").size() == 2);  // the deadline event fired before the visit
  CHECK(bench->history("C-1").back().at == *due);
  CHECK(bench->visits({})[0].at == *due);
}

TEST_CASE("a visit in a rolled-back batch is gone, its id free") {
  Bench bench;
  {
    auto batch = bench->batch();
    bench->record_visit("V-1", intake, visit_data());
    CHECK(bench->count_visits({}) == 1);
    batch.rollback();
  }
  CHECK(bench->count_visits({}) == 0);
  bench->record_visit("V-1", intake, visit_data());
  CHECK(bench->count_visits({}) == 1);
}

TEST_CASE("of threads racing to record one visit id, exactly one records it") {
  Bench bench;
  constexpr int kThreads = 8;
  std::atomic<int> recorded{0}, duplicates{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&] {
      auto r = bench->try_record_visit("V-race", intake, visit_data());
      if (r) ++recorded;
      else if (r.error().code == ErrorCode::duplicate_visit) ++duplicates;
    });
  for (auto& t : threads) t.join();
  CHECK(recorded == 1);
  CHECK(duplicates == kThreads - 1);
  CHECK(bench->count_visits({}) == 1);
}

TEST_CASE("listeners hear nothing of visits") {
  Bench bench;
  int heard = 0;
  bench->subscribe([&](const Event&, const Case&) { ++heard; });
  bench->record_visit("V-1", intake, visit_data());
  CHECK(heard == 0);
}

TEST_CASE("queries: period, kind, channel, case, id_number, phone") {
  Bench bench;
  bench->register_case("C-1", intake, registration());
  auto record = [&](const std::string& id, const std::string& when, const char* kind, const char* channel,
                    json parties, std::optional<std::string> case_id = std::nullopt) {
    bench.set(when);
    json data = {{"channel", channel}, {"kind", kind}, {"parties", std::move(parties)}, {"summary", "s"}};
    if (case_id) data["case"] = *case_id;
    bench->record_visit(id, intake, data);
  };
  const json wang = {{{"name", "Wang Li"}, {"id_number", "230000199001010000"}, {"phone", "13900000001"}}};
  const json zhao = {{{"name", "Zhao Gang"}, {"phone", "13900000002"}}};
  const json both = {wang[0], zhao[0]};
  record("V-3", "2025-09-01T09:00:00+08:00", "claim", "walk_in", wang, "C-1");
  record("V-1", "2025-09-02T09:00:00+08:00", "inquiry", "hotline", zhao);
  record("V-2", "2025-09-03T09:00:00+08:00", "lead", "grid", both);
  record("V-4", "2025-09-04T09:00:00+08:00", "claim", "online", zhao, "C-1");

  auto find = [&](VisitQuery q) {
    const auto found = ids(bench->visits(q));
    if (q.limit == 0) CHECK(bench->count_visits(q) == found.size());
    return found;
  };
  VisitQuery q;
  CHECK(find(q) == Ids{"V-1", "V-2", "V-3", "V-4"});  // by id, not by instant
  q.from = at("2025-09-02T09:00:00+08:00");
  q.to = at("2025-09-04T09:00:00+08:00");
  CHECK(find(q) == Ids{"V-1", "V-2"});  // [from, to)
  q = {};
  q.kind = VisitKind::claim;
  CHECK(find(q) == Ids{"V-3", "V-4"});
  q = {};
  q.channel = Channel::grid;
  CHECK(find(q) == Ids{"V-2"});
  q = {};
  q.case_id = "C-1";
  CHECK(find(q) == Ids{"V-3", "V-4"});
  q = {};
  q.id_number = "230000199001010000";
  CHECK(find(q) == Ids{"V-2", "V-3"});
  q = {};
  q.phone = "13900000002";
  CHECK(find(q) == Ids{"V-1", "V-2", "V-4"});
  q.kind = VisitKind::claim;
  CHECK(find(q) == Ids{"V-4"});
  q = {};
  q.limit = 2;
  q.after_id = "V-1";
  CHECK(find(q) == Ids{"V-2", "V-3"});
  CHECK(bench->count_visits(q) == 3);
}

}  // TEST_SUITE
