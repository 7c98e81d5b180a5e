// A header with one public function left undocumented: ctest
// api_reference_rejects_undocumented feeds it to docs/api/check.sh, which must fail on it.
#pragma once

namespace fengqiao {

// A class whose only fault is its second member function.
struct Sample {
  // Documented, so not reported.
  int documented() const;

  int undocumented() const;
};

}  // namespace fengqiao
