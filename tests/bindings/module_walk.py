"""What the module offers, as the stub and docstring tests see it: its public names, each
class's public members, and the signatures pybind11 wrote for them (the first line of each
__doc__, which is also what help() prints)."""

import ast
import inspect

import fengqiao

# Special methods that are part of a class's interface (the others, like __module__ or
# __weakref__, are Python's machinery).
INTERFACE_DUNDERS = {"__init__", "__enter__", "__exit__", "__eq__", "__hash__", "__bool__", "__str__", "__repr__"}


def public_names():
    return sorted(n for n in dir(fengqiao) if not n.startswith("_")) + ["__version__"]


def is_pybind_function(value):
    # Methods in a pybind11 class's __dict__ are `instancemethod`s wrapping builtin functions;
    # module functions are builtins. Python's own slot wrappers (a class without a
    # constructor gets one for __init__) are neither.
    return type(value).__name__ in ("instancemethod", "builtin_function_or_method")


def members(cls):
    """name -> the raw class attribute, for the public interface of `cls`."""
    out = {}
    for name, value in vars(cls).items():
        if value is None:
            continue
        if name.startswith("_") and name not in INTERFACE_DUNDERS:
            continue
        if name.startswith("_") and not is_pybind_function(value):
            continue  # e.g. a class without a constructor: no __init__ of its own
        out[name] = value
    return out


def function_of(value):
    return value.__func__ if isinstance(value, staticmethod) else value


def signature_line(function):
    """pybind11's signature of `function` (`name(args) -> type`), or None."""
    doc = function.__doc__ or ""
    first = doc.split("\n", 1)[0]
    return first if "(" in first and "->" in first else None


def parse_signature(line, name=None):
    """A pybind11 signature line as an ast.FunctionDef (its types are Python expressions)."""
    if name is not None and line.startswith("("):
        line = name + line  # a property getter's signature has no name
    tree = ast.parse("def " + line + ": ...")
    return tree.body[0]


def docstring(function):
    """The docstring a pybind11 function was given, without the signature pybind11 adds."""
    doc = function.__doc__ or ""
    line = signature_line(function)
    if line is not None:
        doc = doc[len(line):]
    return doc.strip()


def classes():
    return [(n, getattr(fengqiao, n)) for n in public_names() if inspect.isclass(getattr(fengqiao, n))]
