"""Prints where a `cmake --install` under a prefix should put a Python package so that this
interpreter finds it, relative to the prefix (bindings/CMakeLists.txt reads it).

Debian's python3 puts /usr/local/lib/python3.X/dist-packages on sys.path (its own
`posix_local` install scheme, which is written for base /usr and adds the "local" itself),
not /usr/local/lib/python3/dist-packages, which is Debian's directory for its own
packages under /usr. Other interpreters (a venv, a python built from source) use their
default scheme's platlib under the prefix.
"""
import os
import sysconfig

scheme = sysconfig.get_default_scheme() if hasattr(sysconfig, "get_default_scheme") else "posix_prefix"
if scheme == "posix_local":
    base, prefix = "/usr", "/usr/local"
else:
    base = prefix = "/PREFIX"
path = sysconfig.get_path("platlib", scheme, vars={"base": base, "platbase": base})
print(os.path.relpath(path, prefix), end="")
