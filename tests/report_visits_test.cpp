// The report's visit figures (report.hpp: visits, by kind and channel, field leads,
// repeat visits) against counts made here from the raw visits of a generated data set.
#include <doctest/doctest.h>

#include <map>
#include <random>

#include <fengqiao/report.hpp>

#include "scenarios.hpp"

using namespace fengqiao;
using namespace fengqiao::testing;
using nlohmann::json;

namespace {

struct Raw {
  Instant at;
  std::string kind, channel;
  std::vector<std::pair<std::string, std::string>> parties;  // (id_number, phone), "" when absent
};

}  // namespace

TEST_CASE("report: visits received, by kind and channel, field leads and repeat visits") {
  Rig rig("2025-09-01T08:00:00+08:00");
  std::mt19937 random(20251201);
  auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
  const char* kinds[] = {"claim", "inquiry", "lead"};
  const char* channels[] = {"walk_in", "hotline", "online", "grid", "station", "referral"};
  std::vector<Raw> raw;
  for (int i = 0; i < 300; ++i) {
    rig.clock->advance(Seconds(60 * (1 + pick(600))));
    Raw r{rig.clock->now(), kinds[pick(3)], channels[pick(6)], {}};
    json parties = json::array();
    for (int p = 0, n = 1 + pick(2); p < n; ++p) {
      // A small pool of people, so that some come back; some give only a phone, some neither.
      const int who = pick(60);
      json party = {{"name", "P" + std::to_string(who)}};
      std::string id, phone;
      if (who % 3 != 0) id = "2300001990" + std::to_string(10000 + who);
      if (who % 3 != 1) phone = "1390000" + std::to_string(1000 + who);
      if (!id.empty()) party["id_number"] = id;
      if (!phone.empty()) party["phone"] = phone;
      parties.push_back(party);
      r.parties.emplace_back(id, phone);
    }
    rig->record_visit("V-" + std::to_string(i), intake,
                      {{"channel", r.channel}, {"kind", r.kind}, {"parties", parties}, {"summary", "s"}});
    raw.push_back(r);
  }

  // The expected figures for a period, counted from `raw` in recording order.
  auto expected = [&](std::optional<Instant> from, std::optional<Instant> to) {
    std::map<std::string, std::uint64_t> by_kind, by_channel;
    std::uint64_t total = 0, repeats = 0;
    std::vector<std::string> people;  // every key seen so far
    for (const Raw& r : raw) {
      if ((from && r.at < *from) || (to && !(r.at < *to))) continue;
      ++total;
      ++by_kind[r.kind];
      ++by_channel[r.channel];
      bool again = false;
      std::vector<std::string> keys;
      for (const auto& [id, phone] : r.parties)
        if (!id.empty()) keys.push_back("i" + id);
        else if (!phone.empty()) keys.push_back("p" + phone);
      for (const std::string& k : keys) {
        if (std::find(people.begin(), people.end(), k) != people.end()) again = true;
        people.push_back(k);
      }
      if (again) ++repeats;
    }
    return std::make_tuple(total, by_kind, by_channel, repeats);
  };

  SUBCASE("the whole record") {
    const Report r = compute_report(*rig.storage).value();
    const auto [total, by_kind, by_channel, repeats] = expected(std::nullopt, std::nullopt);
    CHECK(r.visits == 300);
    CHECK(r.visits == total);
    CHECK(r.visits_by_kind == by_kind);
    CHECK(r.visits_by_channel == by_channel);
    CHECK(r.field_leads == by_kind.at("lead"));
    CHECK(r.repeat_visits == repeats);
    CHECK(repeats > 0);
    CHECK(r.to_json()["visits"]["repeat"] == repeats);
  }
  SUBCASE("a period: only visits in [from, to), and repeats only within it") {
    ReportOptions o;
    o.from = raw[100].at;
    o.to = raw[200].at;
    const Report r = compute_report(*rig.storage, o).value();
    const auto [total, by_kind, by_channel, repeats] = expected(o.from, o.to);
    CHECK(total == 100);
    CHECK(r.visits == total);
    CHECK(r.visits_by_kind == by_kind);
    CHECK(r.visits_by_channel == by_channel);
    CHECK(r.repeat_visits == repeats);
  }
}
