// The case timeline (fengqiao/timeline.hpp): every event a mark, the clocks those the case
// ran (checked against the snapshots and the samples' own expectations), pauses, a
// calendar update, and hostile text. The SVG's well-formedness is checked by a real XML
// parser in tests/cli (cli_timeline_*).
#include <doctest/doctest.h>

#include <fstream>
#include <memory>
#include <regex>

#include <fengqiao/engine.hpp>
#include <fengqiao/memory_storage.hpp>
#include <fengqiao/replay.hpp>
#include <fengqiao/timeline.hpp>

#include "timeline/xml_text.hpp"

using namespace fengqiao;

namespace {

const std::string kSamples = std::string(FENGQIAO_TEST_DATA) + "/histories/";

struct Replayed {
  std::shared_ptr<MemoryStorage> storage = std::make_shared<MemoryStorage>();
  std::vector<ConfigRecord> configuration;

  explicit Replayed(const std::string& file) {
    std::ifstream in(kSamples + file);
    REQUIRE(in);
    ReplayOptions options;
    options.storage = storage;
    const ReplayResult result = replay(in, options);
    REQUIRE_MESSAGE(result.clean(), result.describe());
    REQUIRE(storage->read_configurations(1, [&](const ConfigRecord& r) {
      configuration.push_back(r);
      return true;
    }));
  }
  std::vector<Event> events(const std::string& id) const {
    std::vector<Event> all;
    REQUIRE(storage->read_events(id, 1, [&](const Event& e) {
      all.push_back(e);
      return true;
    }));
    return all;
  }
  Case snapshot(const std::string& id) const { return storage->load(id).value(); }
  Timeline timeline(const std::string& id) const { return build_timeline(snapshot(id), events(id), configuration); }
};

// LIFECYCLE.md "Deadline rules", "starts at": the events that start a fresh clock.
bool starts_clock(const Event& e) {
  if (e.type != EventType::action) return false;
  switch (*e.action) {
    case Action::register_case: case Action::return_: case Action::dispatch: case Action::transfer:
    case Action::accept: case Action::start_consultation: case Action::resolve_on_spot: case Action::decline:
    case Action::resolve: case Action::refer: case Action::give_feedback: case Action::reopen: return true;
    case Action::follow_up: return e.state_after != State::closed;  // unsatisfied: reopened
    default: return false;
  }
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

std::string title_of_event(const std::string& svg, std::uint64_t seq) {
  const std::string start = "<g class=\"event";
  for (auto at = svg.find(start); at != std::string::npos; at = svg.find(start, at + 1)) {
    const auto open = svg.find("<title>", at), close = svg.find("</title>", at);
    const std::string title = svg.substr(open + 7, close - open - 7);
    if (title.rfind("#" + std::to_string(seq) + " ", 0) == 0) return title;
  }
  return {};
}

}  // namespace

TEST_CASE("every event of a case is a mark whose title names its kind and instant") {
  const Replayed r("random-v2/r8-0003.jsonl");
  const std::string id = "R507971-0";  // consultation, suspension, extension, escalations, reopen
  const std::vector<Event> events = r.events(id);
  const Timeline t = r.timeline(id);
  const std::string svg = timeline_svg(t);
  REQUIRE(t.marks.size() == events.size());
  CHECK(count(svg, "<g class=\"event") == events.size());
  for (const Event& e : events) {
    const std::string kind = e.type == EventType::action ? std::string(to_string(*e.action)) : std::string(to_string(e.type));
    const std::string title = title_of_event(svg, e.seq);
    INFO("event #" << e.seq << " " << kind);
    CHECK(title.find(" " + kind) != std::string::npos);
    CHECK(title.find(format_instant(e.at)) != std::string::npos);
  }
}

TEST_CASE("the clocks drawn are the ones each sample case ran, each with its deadline marker") {
  for (const char* file : {"01-closed-loop.jsonl", "02-holiday-deadlines-and-reopen.jsonl", "04-emergency.jsonl",
                           "05-assignment-and-notes.jsonl", "06-calendar-update.jsonl", "07-visits-and-notice.jsonl",
                           "random-v2/r8-0002.jsonl", "random-v2/r8-0003.jsonl", "random-v2/r8-0007.jsonl",
                           "random-v2/r8-0012.jsonl", "random-v2/r8-0016.jsonl"}) {
    const Replayed r(file);
    for (const Case& c : r.storage->query(CaseQuery{}).value()) {
      INFO(file << " case " << c.id);
      const std::vector<Event> events = r.events(c.id);
      const Timeline t = r.timeline(c.id);
      CHECK(t.caveat == "");
      const auto started = static_cast<std::size_t>(std::count_if(events.begin(), events.end(), starts_clock));
      CHECK(t.clocks.size() == started);
      // The clocks still open at the end are the snapshot's, with the same deadlines.
      std::vector<Instant> open, kept;
      for (const TimelineClock& k : t.clocks)
        if (k.open) open.push_back(k.deadline());
      for (const auto* k : {&c.clock, &c.held_clock})
        if (*k) kept.push_back((*k)->deadline());
      std::sort(open.begin(), open.end());
      std::sort(kept.begin(), kept.end());
      CHECK(open == kept);
      // Every warning, overdue and escalation fired while a clock of its stage was drawn
      // (and where that clock had the step then: the caveat would say otherwise).
      for (const Event& e : events) {
        if (e.type == EventType::action) continue;
        const bool placed = std::any_of(t.clocks.begin(), t.clocks.end(), [&](const TimelineClock& k) {
          return k.stage == *e.stage && k.started_at <= e.at && e.at <= k.ended_at;
        });
        CHECK_MESSAGE(placed, "event #" << e.seq);
      }
      const std::string svg = timeline_svg(t);
      CHECK(count(svg, "class=\"deadline\"") == t.clocks.size());
      // Bars cover the case from its first event to its last, without gaps.
      REQUIRE(!t.bars.empty());
      CHECK(t.bars.front().from == events.front().at);
      for (std::size_t i = 1; i < t.bars.size(); ++i) CHECK(t.bars[i].from == t.bars[i - 1].to);
    }
  }
}

TEST_CASE("an escalated case: its handling clock against the deadline the sample expects") {
  const Replayed r("02-holiday-deadlines-and-reopen.jsonl");
  const Timeline t = r.timeline("S2-2025-0002");
  const auto handling = std::find_if(t.clocks.begin(), t.clocks.end(),
                                     [](const TimelineClock& k) { return k.stage == Stage::handling; });
  REQUIRE(handling != t.clocks.end());
  CHECK(format_instant(handling->deadline()) == "2025-10-24T00:00:00+08:00");
  CHECK_FALSE(handling->open);
  CHECK(format_instant(handling->ended_at) == "2025-11-06T14:00:00+08:00");
  CHECK(format_instant(t.clocks.back().deadline()) == "2025-12-02T00:00:00+08:00");  // reopened
  CHECK(t.clocks.back().open);
  const bool level_3 = std::any_of(t.bars.begin(), t.bars.end(), [](const TimelineBar& b) {
    return b.state == State::handling && b.supervision == Supervision::escalated && b.level == 3;
  });
  CHECK(level_3);
  const std::string svg = timeline_svg(t);
  CHECK(svg.find("<title>#8 escalated handling level 3 at 2025-11-06T00:00:00+08:00 (engine)") != std::string::npos);
  CHECK(svg.find("class=\"bar handling overdue\"") != std::string::npos);
}

TEST_CASE("pauses: the handling clock held while consulting, clocks stopped while suspended") {
  const Replayed r("random-v2/r8-0003.jsonl");
  const std::string id = "R507971-0";
  const Timeline t = r.timeline(id);
  for (const Event& e : r.events(id)) {
    if (e.action != Action::suspend && e.action != Action::start_consultation) continue;
    INFO("event #" << e.seq);
    const State because = e.action == Action::suspend ? State::suspended : State::consulting;
    const bool shaded = std::any_of(t.pauses.begin(), t.pauses.end(), [&](const TimelinePause& p) {
      return p.from == e.at && p.because == because && p.to >= p.from;
    });
    CHECK(shaded);
  }
  const std::string svg = timeline_svg(t);
  CHECK(count(svg, "<rect class=\"pause\"") == t.pauses.size());
  CHECK(svg.find("clock stopped (suspended)") != std::string::npos);
  CHECK(svg.find("handling clock stopped (consulting)") != std::string::npos);
  // A stop moved a deadline: where it started is marked too.
  CHECK(svg.find("class=\"first-deadline\"") != std::string::npos);
}

TEST_CASE("a calendar update: clocks follow the configuration in force at each event") {
  const Replayed r("06-calendar-update.jsonl");
  const std::string id = "S6-2025-0006";
  REQUIRE(r.configuration.size() > 1);
  const Timeline t = r.timeline(id);
  CHECK(t.caveat == "");
  CHECK(format_instant(t.clocks.back().deadline()) == "2026-01-15T00:00:00+08:00");
  // With the first calendar only, the overdue the engine fired is not where that calendar
  // puts it: the picture says so instead of drawing it silently elsewhere.
  const Timeline first_only = build_timeline(r.snapshot(id), r.events(id), {r.configuration.front()});
  CHECK(first_only.caveat.find("the configuration given puts it at") != std::string::npos);
  CHECK(timeline_svg(first_only).find("class=\"caveat\"") != std::string::npos);
}

TEST_CASE("hostile text in ids, orgs and categories is escaped") {
  Engine engine;
  const Actor intake{"in<&\"'>", Role::intake, "center & co"};
  const std::string id = "C<&\"'>-1";
  engine.register_case(id, intake,
                       {{"channel", "walk_in"},
                        {"category", "邻里<纠纷>&"},
                        {"urgency", "normal"},
                        {"jurisdiction", {"daxinganling", "mohe"}},
                        {"parties", {{{"name", "王 <script>"}}}},
                        {"summary", "s"}});
  engine.act(id, Action::dispatch, {"d", Role::dispatcher, "center"},
             {{"route", "people_mediation"}, {"lead", "司法所 \"A&B\" <x>"}});
  const std::string svg = timeline_svg(build_timeline(engine.get(id), engine.history(id), engine.configuration_history()));
  CHECK(svg.find("C&lt;&amp;&quot;&apos;&gt;-1") != std::string::npos);
  CHECK(svg.find("司法所 &quot;A&amp;B&quot; &lt;x&gt;") != std::string::npos);
  CHECK(svg.find("邻里&lt;纠纷&gt;&amp;") != std::string::npos);
  CHECK(svg.find("C<&") == std::string::npos);
  CHECK(svg.find("<script>") == std::string::npos);
  CHECK(svg.find("王") == std::string::npos);  // parties are personal data: never drawn
  // Every & starts one of XML's entities; every < starts a tag, a declaration or an end tag.
  CHECK_FALSE(std::regex_search(svg, std::regex("&(?!(amp|lt|gt|quot|apos);)")));
  CHECK_FALSE(std::regex_search(svg, std::regex("<(?![a-z/?])")));
}

TEST_CASE("bytes XML cannot carry become U+FFFD") {
  using detail::xml_escaped;
  CHECK(xml_escaped("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&apos;");
  CHECK(xml_escaped("中文") == "中文");
  CHECK(xml_escaped("\x01x") == "\xEF\xBF\xBDx");
  CHECK(xml_escaped("tab\tline\n") == "tab\tline\n");
  CHECK(xml_escaped("\xFF") == "\xEF\xBF\xBD");
  CHECK(xml_escaped("\xE4\xB8") == "\xEF\xBF\xBD\xEF\xBF\xBD");          // cut short
  CHECK(xml_escaped("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");          // overlong '/'
  CHECK(xml_escaped("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  CHECK(xml_escaped("\xEF\xBF\xBF") == "\xEF\xBF\xBD");                  // U+FFFF
  CHECK(xml_escaped("\xF0\x9F\x98\x80") == "\xF0\x9F\x98\x80");          // U+1F600
}

TEST_CASE("no events, or another case's, is invalid_data") {
  Case c;
  c.id = "A";
  CHECK_THROWS_AS(build_timeline(c, {}, {}), Exception);
  Event e;
  e.case_id = "B";
  e.seq = 1;
  CHECK_THROWS_AS(build_timeline(c, {e}, {}), Exception);
}

TEST_CASE("until: the open state and its clock are drawn up to the instant asked for") {
  for (const char* file : {"01-closed-loop.jsonl", "02-holiday-deadlines-and-reopen.jsonl"}) {  // closed; reopened
    const Replayed r(file);
    for (const Case& c : r.storage->query(CaseQuery{}).value()) {
      INFO(c.id);
      TimelineOptions options;
      options.until = c.updated_at + Seconds(86400);
      const Timeline t = build_timeline(c, r.events(c.id), r.configuration, options);
      const bool ended = c.state == State::closed || c.state == State::withdrawn;
      CHECK(t.bars.back().to == (ended ? c.updated_at : *options.until));
      CHECK(t.bars.back().open == !ended);
      for (const TimelineClock& k : t.clocks)
        if (k.open) CHECK(k.ended_at == *options.until);
    }
  }
}

TEST_CASE("events the machine cannot follow: every mark and bar is drawn, the clocks stop with a caveat") {
  const Replayed r("02-holiday-deadlines-and-reopen.jsonl");
  const std::string id = "S2-2025-0002";
  std::vector<Event> events = r.events(id);
  events.erase(events.begin(), events.begin() + 3);  // from the handling clock's warning on: no clock runs
  const Timeline t = build_timeline(r.snapshot(id), events, r.configuration);
  CHECK(t.caveat.find("the clocks after event #4") != std::string::npos);
  CHECK(t.caveat.find("no clock runs") != std::string::npos);
  CHECK(t.marks.size() == events.size());
  CHECK(t.clocks.empty());
  const std::string svg = timeline_svg(t);
  CHECK(count(svg, "<g class=\"event") == events.size());
  CHECK(svg.find("class=\"caveat\"") != std::string::npos);
}
