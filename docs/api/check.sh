#!/usr/bin/env bash
# docs/api/check.sh OUT_DIR [HEADER...]: builds the API reference (docs/api/Doxyfile) into
# OUT_DIR/html and fails if Doxygen warned: an undocumented public function, class or enum,
# or a broken reference in a comment. HEADER...: other inputs than include/fengqiao (the
# test that proves an undocumented function fails uses it).
#
# WARN_AS_ERROR would stop at the first warning and say nothing of the others; this runs
# Doxygen to the end and prints them all. Data members are the one kind let through:
# Doxygen asks for a comment on each field of every struct, and most are named for what
# they hold (Case::id, Tally::resolved) and described with their struct.
set -euo pipefail
# The Doxyfile's paths are relative to the repository's root.
cd "$(dirname "$0")/../.."
out=$1
shift
if ! command -v doxygen >/dev/null; then
  echo "docs/api/check.sh: doxygen not found (Debian: apt-get install doxygen; ./dev installs it)" >&2
  exit 1
fi
mkdir -p "$out"
log="$out/warnings.log"
version=$(sed -n 's/^#define FENGQIAO_VERSION_[A-Z]* \([0-9]*\)$/\1/p' include/fengqiao/version.hpp | paste -sd.)
{
  cat docs/api/Doxyfile
  echo "OUTPUT_DIRECTORY = $out"
  echo "PROJECT_NUMBER = $version"
  echo "WARN_LOGFILE = $log"
  echo "WARN_AS_ERROR = NO"
  if [ $# -gt 0 ]; then echo "INPUT = $*"; fi
} | doxygen -
problems=$(grep -v -E '\(variable\) of (struct|class|union) [^ ]+ is not documented\.$' "$log" || true)
if [ -n "$problems" ]; then
  echo "$problems" >&2
  echo "docs/api/check.sh: FAILED: $(echo "$problems" | grep -c 'warning:') Doxygen warnings (document each; log $log)" >&2
  exit 1
fi
