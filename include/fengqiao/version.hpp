// The library's version. The numbers below are the single source: CMakeLists.txt reads
// them for project(VERSION), the package files and the shared libraries' SOVERSION.
//
// Compatibility while the major version is 0: a minor release may change the API and the
// ABI (CHANGELOG.md says how); a patch release changes neither. The SOVERSION is
// "<major>.<minor>" accordingly.
#pragma once

// The major version: 0 while the API may still change in a minor release.
#define FENGQIAO_VERSION_MAJOR 0
// The minor version.
#define FENGQIAO_VERSION_MINOR 2
// The patch version.
#define FENGQIAO_VERSION_PATCH 0
// "major.minor.patch".
#define FENGQIAO_VERSION_STRING "0.2.0"
// One number that orders versions: 0.2.0 is 200, 1.4.12 is 10412.
#define FENGQIAO_VERSION (FENGQIAO_VERSION_MAJOR * 10000 + FENGQIAO_VERSION_MINOR * 100 + FENGQIAO_VERSION_PATCH)

namespace fengqiao {

// The version of the library linked in (with shared libraries, possibly not the one whose
// header the program was compiled against: compare with FENGQIAO_VERSION_STRING).
const char* version() noexcept;

}  // namespace fengqiao
