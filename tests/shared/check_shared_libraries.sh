#!/usr/bin/env bash
# A tree built with BUILD_SHARED_LIBS=ON (./dev test's ThreadSanitizer tree is one) must
# give what a distribution packages: each library as lib<name>.so.<major>.<minor>.<patch>
# with the SONAME lib<name>.so.<major>.<minor> (while the major version is 0, a minor
# release may break the ABI: include/fengqiao/version.hpp) and the two symlinks, and
# programs linked against the SONAME, so that they keep working across patch releases.
#   check_shared_libraries.sh VERSION MAJOR.MINOR PROGRAM LIBRARY...
set -euo pipefail
version=$1 soversion=$2 program=$3
shift 3
status=0
fail() { echo "FAIL: $*"; status=1; }

needed=$(readelf -d "$program" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
for library in "$@"; do
  dir=$(dirname "$library") name=$(basename "$library")
  real="$dir/$name.so.$version" soname_link="$dir/$name.so.$soversion" dev_link="$dir/$name.so"
  [ -f "$real" ] && [ ! -L "$real" ] || { fail "$real is missing (or not a file)"; continue; }
  soname=$(readelf -d "$real" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  [ "$soname" = "$name.so.$soversion" ] || fail "$real has SONAME '$soname', expected $name.so.$soversion"
  [ "$(readlink "$soname_link" || true)" = "$name.so.$version" ] || fail "$soname_link does not point to $name.so.$version"
  [ "$(readlink "$dev_link" || true)" = "$name.so.$soversion" ] || fail "$dev_link does not point to $name.so.$soversion"
  grep -qx "$name.so.$soversion" <<<"$needed" || fail "$(basename "$program") does not need $name.so.$soversion (needs: $(echo $needed))"
done
# The program starts against them (its loader finds the SONAMEs through the build RPATH);
# doctest's --count lists its tests without running them.
"$program" --count >/dev/null || fail "$(basename "$program") does not start"
[ $status -eq 0 ] && echo "shared libraries $* : SONAME $soversion, symlinks and links correct"
exit $status
