// Fuzz target: action-data validation and everything an action goes through on its way
// (Engine::try_act, try_register_case, try_record_visit). The input is a few history
// lines without the header — each an action, visit or tick line of HISTORY-FORMAT.md —
// applied in order to a fresh engine, so that a mutated line meets a case in the state
// the lines before it brought it to (the seeds are the sample histories' bodies). Lines
// that do not read are skipped: the reader has a target of its own.
//
// Checked besides the sanitizers: a refusal changes nothing (the contract of try_act:
// no event, no snapshot change), nothing but a Result comes out of the try_* calls, and
// the stores' MessagePack writer writes each line's data as nlohmann's to_msgpack does.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <fengqiao/engine.hpp>
#include <fengqiao/history.hpp>
#include <fengqiao/memory_storage.hpp>

#include "storage/msgpack_writer.hpp"

namespace {

using Json = nlohmann::json;
namespace history = fengqiao::history;

// Enough lines for a case to reach every state and come back; more only slows a run.
constexpr int kMaxLines = 64;
// The engine's clock follows the lines' times, but never further than this past the
// start: far-off instants are the reader's business (its own limits), here they would
// only make every run fire years of escalations.
constexpr auto kMaxSpan = std::chrono::hours(24 * 400);

fengqiao::Instant instant(const char* iso) { return fengqiao::parse_instant(iso).value(); }

[[noreturn]] void broken(const std::string& what) {
  std::cerr << "action_data_fuzz: " << what << "\n";
  std::abort();
}

// What a refusal must leave as it was: the case's snapshot and its number of events.
struct CaseState {
  Json snapshot;
  std::size_t events = 0;
  bool operator==(const CaseState& o) const { return snapshot == o.snapshot && events == o.events; }
};

CaseState state_of(fengqiao::Engine& engine, const std::string& case_id) {
  CaseState s;
  auto c = engine.try_get(case_id);
  if (!c) return s;  // no such case (yet): a refused register must leave it so
  s.snapshot = *c;
  s.events = engine.history(case_id).size();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  // The calendar of the sample histories (2025 National Day), on a manual clock.
  const fengqiao::Instant start = instant("2025-09-01T00:00:00+08:00");
  auto clock = std::make_shared<fengqiao::ManualClock>(start);
  fengqiao::EngineOptions options;
  options.clock = clock;
  options.storage = std::make_shared<fengqiao::MemoryStorage>();
  options.calendar = fengqiao::BusinessCalendar::from_json(
                         Json::parse(R"({"weekend":["sat","sun"],
                             "holidays":["2025-10-01","2025-10-02","2025-10-03","2025-10-04",
                                         "2025-10-05","2025-10-06","2025-10-07","2025-10-08"],
                             "workdays":["2025-09-28","2025-10-11"]})"))
                         .value();
  fengqiao::Engine engine(std::move(options));

  std::size_t begin = 0;
  for (int n = 1; n <= kMaxLines && begin < text.size(); ++n) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    const std::string raw = text.substr(begin, end - begin);
    begin = end + 1;

    auto line = history::parse_line(raw, static_cast<std::size_t>(n), fengqiao::UtcOffset(), history::kHistoryVersion);
    if (!line) continue;
    {
      fengqiao::core_detail::Buf ours;
      fengqiao::storage_detail::put_msgpack(ours, line->data);
      const std::vector<std::uint8_t> theirs = Json::to_msgpack(line->data);
      if (ours.size() != theirs.size() || (ours.size() && std::memcmp(ours.data(), theirs.data(), ours.size()) != 0))
        broken("put_msgpack differs from to_msgpack for the data of line: " + raw);
    }
    // Time only goes forward, and not beyond kMaxSpan.
    const auto at = std::clamp(line->at, clock->now(), start + kMaxSpan);
    clock->set(at);

    switch (line->kind) {
      case history::Line::Kind::tick:
        engine.advance_to(at);
        break;
      case history::Line::Kind::visit:
        (void)engine.try_record_visit(line->visit_id, line->actor, line->data);
        break;
      case history::Line::Kind::action: {
        // What falls due by now fires first (and may be stored even when the action is
        // refused), so the comparison starts after it.
        engine.advance_to(at);
        const CaseState before = state_of(engine, line->case_id);
        auto result = line->action == fengqiao::Action::register_case
                          ? engine.try_register_case(line->case_id, line->actor, line->data)
                          : engine.try_act(line->case_id, line->action, line->actor, line->data);
        if (!result && !(state_of(engine, line->case_id) == before))
          broken("a refused action changed its case: " + result.error().describe() + "\nline: " + raw);
        break;
      }
      default:
        break;  // events, expectations and configuration lines are replay's business
    }
  }
  return 0;
}
