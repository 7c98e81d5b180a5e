#include "fengqiao/version.hpp"

namespace fengqiao {

const char* version() noexcept { return FENGQIAO_VERSION_STRING; }

}  // namespace fengqiao
