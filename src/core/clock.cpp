#include "fengqiao/clock.hpp"

namespace fengqiao {

Instant SystemClock::now() const {
  return std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
}

}  // namespace fengqiao
