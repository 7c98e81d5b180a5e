#include "fengqiao/rules.hpp"

#include <array>
#include <cstdint>
#include <limits>

#include <nlohmann/json.hpp>

#include "model/json_errors.hpp"
#include "rules/stored_rules.hpp"

namespace fengqiao {
namespace {

constexpr int kStages = 6;
constexpr int kUrgencies = 3;
constexpr int kMaxLevelCap = 20;  // keeps every clock's schedule small

// What one level of configuration says about one stage and urgency; unset fields
// inherit from the level below (spec defaults <- "stages" <- "categories.<c>.stages").
struct PartialRule {
  std::optional<Span> limit, warn_before, escalate_every, max_extension;
  std::optional<int> max_level;
};

using Grid = std::array<std::array<PartialRule, kUrgencies>, kStages>;

// LIFECYCLE.md "Deadline rules (defaults)".
Grid spec_defaults() {
  const Span wd1 = Span::working_days(1), h4 = Span::hours(4), m30 = Span::minutes(30);
  const std::array<std::array<Span, kUrgencies>, kStages> limits = {{
      {wd1, h4, m30},                                                         // dispatch
      {wd1, h4, m30},                                                         // accept
      {Span::working_days(15), Span::working_days(5), wd1},                   // handling
      {Span::working_days(10), Span::working_days(3), wd1},                   // consulting
      {Span::working_days(3), wd1, wd1},                                      // feedback
      {Span::working_days(10), Span::working_days(10), Span::working_days(5)}  // follow_up
  }};
  const std::array<Span, kUrgencies> escalate_every = {Span::working_days(3), Span::working_days(1), Span::hours(2)};
  Grid g;
  for (int s = 0; s < kStages; ++s)
    for (int u = 0; u < kUrgencies; ++u) {
      g[s][u].limit = limits[s][u];
      g[s][u].escalate_every = escalate_every[u];
      g[s][u].max_level = 3;
    }
  return g;
}

void overlay(PartialRule& base, const PartialRule& top) {
  if (top.limit) base.limit = top.limit;
  if (top.warn_before) base.warn_before = top.warn_before;
  if (top.escalate_every) base.escalate_every = top.escalate_every;
  if (top.max_extension) base.max_extension = top.max_extension;
  if (top.max_level) base.max_level = top.max_level;
}

Error config_error(const std::string& path, const std::string& why) {
  return make_error(ErrorCode::invalid_config, path + ": " + why);
}

// How large an amount of its unit a span may be. A rules document is written by people,
// so its amounts are held to a plausible size: a typo such as {"hours": 4000000} is
// refused. A clock in a stored snapshot is not configuration: its limit has grown by every
// stop and by its extension, so any amount it holds must read back (a case that no longer
// loads cannot be acted on) and only overflow is refused.
enum class SpanBound { configuration, stored };
constexpr std::int64_t kPlausibleAmount = 100000;
constexpr std::int64_t kMaxAmount = std::numeric_limits<std::int64_t>::max();

Result<Span> parse_span(const nlohmann::json& j, const std::string& path, bool allow_days,
                        SpanBound bound = SpanBound::configuration) {
  if (!j.is_object() || j.size() != 1)
    return config_error(path, "must be an object with one key: working_days, hours or minutes, e.g. {\"hours\":4}");
  // Through an iterator held here: `*j.items().begin()` is a reference into a temporary
  // that is gone by the next statement.
  const auto first = j.begin();
  const std::string& key = first.key();
  const nlohmann::json& value = first.value();
  // nlohmann keeps a number above INT64_MAX as unsigned: refused here rather than wrapped.
  const bool too_big_for_int64 =
      value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxAmount);
  if (!value.is_number_integer() || too_big_for_int64)
    return config_error(path + "." + key, "must be a whole number, got " + value.dump());
  std::int64_t n = value.get<std::int64_t>();
  if (n < 0) return config_error(path + "." + key, "must not be negative, got " + std::to_string(n));
  if (bound == SpanBound::configuration && n > kPlausibleAmount)
    return config_error(path + "." + key, "is implausibly large: " + std::to_string(n));
  const std::int64_t seconds_per = key == "hours" ? 3600 : key == "minutes" ? 60 : 1;
  if (n > kMaxAmount / seconds_per)
    return config_error(path + "." + key, "is too large to count in seconds: " + std::to_string(n));
  if (key == "working_days") {
    if (!allow_days) return config_error(path, "must be elapsed time (hours or minutes), not working days");
    return Span::working_days(n);
  }
  if (key == "hours") return Span::hours(n);
  if (key == "minutes") return Span::minutes(n);
  if (key == "seconds") return Span::seconds(n);
  return config_error(path + "." + key, "unknown unit (expected working_days, hours or minutes)");
}

Status parse_rule(const nlohmann::json& j, const std::string& path, PartialRule& out) {
  if (!j.is_object()) return config_error(path, "must be an object");
  for (const auto& [key, value] : j.items()) {
    const std::string p = path + "." + key;
    if (key == "max_level") {
      if (!value.is_number_integer() || value.get<long long>() < 0 || value.get<long long>() > kMaxLevelCap)
        return config_error(p, "must be a whole number from 0 to " + std::to_string(kMaxLevelCap));
      out.max_level = value.get<int>();
      continue;
    }
    std::optional<Span>* slot = key == "limit"            ? &out.limit
                                : key == "warn_before"    ? &out.warn_before
                                : key == "escalate_every" ? &out.escalate_every
                                : key == "max_extension"  ? &out.max_extension
                                                          : nullptr;
    if (!slot)
      return config_error(p, "unknown key (expected limit, warn_before, escalate_every, max_level, max_extension)");
    auto span = parse_span(value, p, true);
    if (!span) return span.error();
    *slot = *span;
  }
  return Status::success();
}

// "stages": {"<stage>": {"<urgency>"|"all": {rule}}}
Status parse_stages(const nlohmann::json& j, const std::string& path, Grid& grid) {
  if (!j.is_object()) return config_error(path, "must be an object keyed by stage");
  for (const auto& [stage_name, by_urgency] : j.items()) {
    auto stage = parse<Stage>(stage_name);
    const std::string sp = path + "." + stage_name;
    if (!stage)
      return config_error(sp, "unknown stage (expected dispatch, accept, handling, consulting, feedback, follow_up)");
    if (!by_urgency.is_object()) return config_error(sp, "must be an object keyed by urgency or \"all\"");
    // "all" first, so that a specific urgency given beside it wins.
    if (by_urgency.contains("all")) {
      PartialRule all;
      if (Status st = parse_rule(by_urgency["all"], sp + ".all", all); !st) return st;
      for (auto& cell : grid[static_cast<int>(*stage)]) overlay(cell, all);
    }
    for (const auto& [urgency_name, rule] : by_urgency.items()) {
      if (urgency_name == "all") continue;
      auto urgency = parse<Urgency>(urgency_name);
      if (!urgency)
        return config_error(sp + "." + urgency_name, "unknown urgency (expected normal, urgent, emergency or all)");
      PartialRule partial;
      if (Status st = parse_rule(rule, sp + "." + urgency_name, partial); !st) return st;
      overlay(grid[static_cast<int>(*stage)][static_cast<int>(*urgency)], partial);
    }
  }
  return Status::success();
}

// Fills the derived defaults and checks that the rule is coherent.
Result<StageRule> resolve(const PartialRule& p, const std::string& path) {
  StageRule r;
  r.limit = *p.limit;
  r.escalate_every = *p.escalate_every;
  r.max_level = *p.max_level;
  if (r.limit.amount <= 0) return config_error(path + ".limit", "must be positive");
  if (r.escalate_every.amount <= 0) return config_error(path + ".escalate_every", "must be positive");
  if (p.warn_before) {
    r.warn_before = *p.warn_before;
  } else if (r.limit.in_days()) {
    r.warn_before = Span::working_days(r.limit.amount >= 5 ? 2 : 1);
  } else {
    r.warn_before = Span::seconds(r.limit.amount / 4);
  }
  if (r.limit.in_days() && r.warn_before.in_days() && r.warn_before.amount > r.limit.amount)
    return config_error(path + ".warn_before", "is more working days than the limit (" +
                                                  std::to_string(r.warn_before.amount) + " > " +
                                                  std::to_string(r.limit.amount) + ")");
  if (!r.limit.in_days() && r.warn_before.in_days())
    return config_error(path + ".warn_before", "is in working days but the limit is elapsed time");
  if (!r.limit.in_days() && r.warn_before.amount >= r.limit.amount)
    return config_error(path + ".warn_before", "must be shorter than the limit");
  if (p.max_extension) {
    r.max_extension = *p.max_extension;
    if (r.max_extension.in_days() != r.limit.in_days())
      return config_error(path + ".max_extension", std::string("must be in ") +
                                                       (r.limit.in_days() ? "working_days" : "hours or minutes") +
                                                       ", like the limit");
  } else {
    r.max_extension = r.limit.in_days() ? Span::working_days(15) : Span::hours(120);
  }
  return r;
}

}  // namespace

struct DeadlineRules::Table {
  std::array<std::array<StageRule, kUrgencies>, kStages> rules;
  Seconds reopen_window{30 * 24 * 3600};
};

namespace {

Result<std::shared_ptr<const DeadlineRules::Table>> build(const Grid& grid, Seconds reopen_window,
                                                          const std::string& path) {
  auto table = std::make_shared<DeadlineRules::Table>();
  table->reopen_window = reopen_window;
  for (int s = 0; s < kStages; ++s)
    for (int u = 0; u < kUrgencies; ++u) {
      auto r = resolve(grid[s][u], path + ".stages." + std::string(to_string(static_cast<Stage>(s))) + "." +
                                       std::string(to_string(static_cast<Urgency>(u))));
      if (!r) return r.error();
      table->rules[s][u] = *r;
    }
  return std::shared_ptr<const DeadlineRules::Table>(std::move(table));
}

// Top-level keys shared by the document and each category: max_level, reopen_window, stages.
Status parse_level(const nlohmann::json& j, const std::string& path, Grid& grid, Seconds& reopen_window,
                   bool allow_categories) {
  if (!j.is_object()) return config_error(path, "must be an object");
  for (const auto& [key, value] : j.items()) {
    if (key == "max_level" || key == "reopen_window" || key == "stages" ||
        (allow_categories && (key == "categories" || key == "notices")))
      continue;
    return config_error(path + "." + key, std::string("unknown key (expected max_level, reopen_window, stages") +
                                              (allow_categories ? ", categories, notices)" : ")"));
  }
  if (j.contains("max_level")) {
    PartialRule all;
    if (Status st = parse_rule({{"max_level", j["max_level"]}}, path, all); !st) return st;
    for (auto& row : grid)
      for (auto& cell : row) overlay(cell, all);
  }
  if (j.contains("reopen_window")) {
    auto span = parse_span(j["reopen_window"], path + ".reopen_window", false);
    if (!span) return span.error();
    reopen_window = Seconds(span->amount);
  }
  if (j.contains("stages")) return parse_stages(j["stages"], path + ".stages", grid);
  return Status::success();
}

using Notices = std::map<std::string, std::vector<std::string>, std::less<>>;

std::shared_ptr<const Notices> default_notices() {
  static const auto notices = std::make_shared<const Notices>(Notices{
      {"*", {"identity document of each party", "a written account of the claim",
             "evidence held: contracts, receipts, photos"}}});
  return notices;
}

// "notices": {category: [text, ...], "*": [...]}; it replaces the default whole.
Result<std::shared_ptr<const Notices>> parse_notices(const nlohmann::json& j) {
  if (!j.is_object()) return config_error("rules.notices", "must be an object mapping a category (or \"*\") to an array of strings");
  auto out = std::make_shared<Notices>();
  for (const auto& item : j.items()) {
    const std::string path = "rules.notices." + item.key();
    if (item.key().empty()) return config_error("rules.notices", "a category name is empty");
    if (!item.value().is_array()) return config_error(path, "must be an array of strings, got " + item.value().dump());
    std::vector<std::string> lines;
    for (const auto& line : item.value()) {
      if (!line.is_string()) return config_error(path, "must be an array of strings, got an element " + line.dump());
      lines.push_back(line.get<std::string>());
    }
    out->emplace(item.key(), std::move(lines));
  }
  return std::shared_ptr<const Notices>(std::move(out));
}

}  // namespace

DeadlineRules::DeadlineRules()
    : base_(build(spec_defaults(), Seconds(30 * 24 * 3600), "rules").value()),
      notices_(default_notices()),
      source_(std::make_shared<const nlohmann::json>(nlohmann::json::object())) {}

Result<DeadlineRules> DeadlineRules::from_json(const nlohmann::json& overrides) {
  DeadlineRules out;
  if (overrides.is_null()) return out;
  Grid grid = spec_defaults();
  Seconds reopen{30 * 24 * 3600};
  if (Status st = parse_level(overrides, "rules", grid, reopen, true); !st) return st.error();
  auto base = build(grid, reopen, "rules");
  if (!base) return base.error();
  out.base_ = *base;
  if (overrides.contains("notices")) {
    auto notices = parse_notices(overrides["notices"]);
    if (!notices) return notices.error();
    out.notices_ = *notices;
  }
  if (overrides.contains("categories")) {
    const auto& cats = overrides["categories"];
    if (!cats.is_object()) return config_error("rules.categories", "must be an object keyed by category");
    for (const auto& [name, body] : cats.items()) {
      const std::string path = "rules.categories." + name;
      if (name.empty()) return config_error("rules.categories", "a category name is empty");
      Grid cat_grid = grid;
      Seconds cat_reopen = reopen;
      if (Status st = parse_level(body, path, cat_grid, cat_reopen, false); !st) return st.error();
      auto table = build(cat_grid, cat_reopen, path);
      if (!table) return table.error();
      out.by_category_.emplace(name, *table);
    }
  }
  out.source_ = std::make_shared<const nlohmann::json>(overrides);
  return out;
}

nlohmann::json DeadlineRules::to_json() const { return *source_; }

const StageRule& DeadlineRules::rule(Stage stage, Urgency urgency, std::string_view category) const {
  const Table* t = base_.get();
  if (!by_category_.empty()) {
    auto it = by_category_.find(category);
    if (it != by_category_.end()) t = it->second.get();
  }
  return t->rules[static_cast<int>(stage)][static_cast<int>(urgency)];
}

const std::vector<std::string>& DeadlineRules::notice(std::string_view category) const {
  static const std::vector<std::string> kNone;
  if (auto it = notices_->find(category); it != notices_->end()) return it->second;
  if (auto it = notices_->find(std::string_view("*")); it != notices_->end()) return it->second;
  return kNone;
}

Seconds DeadlineRules::reopen_window(std::string_view category) const {
  auto it = by_category_.find(category);
  return it != by_category_.end() ? it->second->reopen_window : base_->reopen_window;
}

void to_json(nlohmann::json& j, const Span& s) {
  if (s.in_days()) j = {{"working_days", s.amount}};
  else if (s.amount % 3600 == 0) j = {{"hours", s.amount / 3600}};
  else if (s.amount % 60 == 0) j = {{"minutes", s.amount / 60}};
  else j = {{"seconds", s.amount}};
}

// Spans and stage rules are configuration, so their errors are invalid_config, as
// DeadlineRules::from_json reports them; parse_span checks every JSON type itself.
void from_json(const nlohmann::json& j, Span& s) {
  auto r = parse_span(j, "span", true);
  if (!r) throw Exception(r.error());
  s = *r;
}

void to_json(nlohmann::json& j, const StageRule& r) {
  j = {{"limit", r.limit},
       {"warn_before", r.warn_before},
       {"escalate_every", r.escalate_every},
       {"max_level", r.max_level},
       {"max_extension", r.max_extension}};
}

namespace {

template <class ReadSpan>
void read_rule(const nlohmann::json& j, StageRule& r, ReadSpan read) {
  json_errors::decode(ErrorCode::invalid_config, "StageRule", [&] {
    r.limit = read(j.at("limit"), "limit");
    r.warn_before = read(j.at("warn_before"), "warn_before");
    r.escalate_every = read(j.at("escalate_every"), "escalate_every");
    j.at("max_level").get_to(r.max_level);
    r.max_extension = read(j.at("max_extension"), "max_extension");
  });
}

}  // namespace

void from_json(const nlohmann::json& j, StageRule& r) {
  read_rule(j, r, [](const nlohmann::json& v, const char*) { return v.get<Span>(); });
}

namespace detail {

Span stored_span_from_json(const nlohmann::json& j, const std::string& field) {
  auto r = parse_span(j, field, true, SpanBound::stored);
  if (!r) throw Exception(r.error());
  return *r;
}

void stored_rule_from_json(const nlohmann::json& j, StageRule& r) {
  read_rule(j, r, [](const nlohmann::json& v, const char* field) {
    return stored_span_from_json(v, std::string("rule.") + field);
  });
}

}  // namespace detail

}  // namespace fengqiao
