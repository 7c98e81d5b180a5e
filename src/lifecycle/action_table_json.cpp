// The action table in JSON: what bindings, tools and diagrams read.
#include <nlohmann/json.hpp>

#include "fengqiao/action_table.hpp"

namespace fengqiao {
namespace {

template <class E>
nlohmann::json names_in(EnumSet<E> set) {
  nlohmann::json out = nlohmann::json::array();
  for (E e : all_of<E>())
    if (set.contains(e)) out.push_back(std::string(to_string(e)));
  return out;
}

std::string text(std::string_view s) { return std::string(s); }

}  // namespace

void to_json(nlohmann::json& j, const ActionSpec& spec) {
  nlohmann::json rows = nlohmann::json::array();
  for (const ActionRow* r = spec.begin_rows(); r != spec.end_rows(); ++r)
    rows.push_back({{"from", names_in(r->from)},
                    {"to", r->to ? nlohmann::json(text(to_string(*r->to))) : nlohmann::json(nullptr)},
                    {"when", text(to_string(r->when))},
                    {"clock", text(to_string(r->clock))}});
  nlohmann::json fields = nlohmann::json::array();
  for (const Field* f = spec.begin_fields(); f != spec.end_fields(); ++f)
    fields.push_back({{"name", text(f->name)}, {"type", text(to_string(f->type))}, {"required", f->required}});
  j = {{"action", text(to_string(spec.action))},
       {"since_version", spec.since_version},
       {"rows", std::move(rows)},
       {"who",
        {{"roles", names_in(spec.who.roles)},
         {"lead_handler", spec.who.lead_handler},
         {"first_responder", spec.who.first_responder},
         {"involved_handler", spec.who.involved_handler},
         {"own_case_citizen", spec.who.own_case_citizen}}},
       {"fields", std::move(fields)},
       {"rule", text(to_string(spec.rule))},
       {"data_check", text(to_string(spec.data_check))},
       {"outcome", spec.outcome ? nlohmann::json(text(to_string(*spec.outcome))) : nlohmann::json(nullptr)},
       {"raises_supervision", spec.raises_supervision}};
}

}  // namespace fengqiao
