// Text as XML may carry it: what an SVG's text nodes and attribute values need.
#pragma once

#include <string>
#include <string_view>

namespace fengqiao::detail {

// `text` with & < > " ' as entities, and every byte sequence XML 1.0 cannot carry —
// invalid UTF-8, control characters other than tab and line feed, U+FFFE, U+FFFF — as
// U+FFFD, so that any case id, org or actor written into a document keeps it well-formed.
std::string xml_escaped(std::string_view text);

}  // namespace fengqiao::detail
