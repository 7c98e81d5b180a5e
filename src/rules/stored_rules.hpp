// Reading the rule and limit of a clock kept in a case snapshot (model/json.cpp).
//
// These are the spans of configuration once a clock has run, not configuration: a limit
// grows by each stop and by the extension, so it may exceed what a rules document is
// allowed to say, and the snapshot must still load. The JSON form is Span's own; only the
// plausibility bound of rules documents is left out. Malformed spans are still refused
// with invalid_config, as from_json(Span) refuses them, the message naming the field.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "fengqiao/rules.hpp"

namespace fengqiao::detail {

Span stored_span_from_json(const nlohmann::json& j, const std::string& field);
void stored_rule_from_json(const nlohmann::json& j, StageRule& r);

}  // namespace fengqiao::detail
