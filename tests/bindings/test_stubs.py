"""The stubs shipped beside the module (fengqiao/__init__.pyi, with py.typed) describe the
module as built: every public name is in the stub and nothing else is, and every function
has the same parameters (names, kinds, defaults) and types as the module's own signature.
A stub that drifts from the bindings makes type checkers lie to users; this catches it."""

import ast
import os
import typing
import unittest

import fengqiao
import module_walk as walk

PACKAGE = os.path.dirname(fengqiao.__file__)
STUB = os.path.join(PACKAGE, "__init__.pyi")


def load_stub():
    with open(STUB, encoding="utf-8") as f:
        return ast.parse(f.read(), STUB)


def normalized(node):
    """An annotation or default as text, with the module's own prefix dropped (pybind11 writes
    fengqiao.Case where the stub, inside the module, writes Case)."""
    return None if node is None else ast.unparse(node).replace("fengqiao.", "")


def parameters(function):
    """[(kind, name, annotation, default)] of an ast.FunctionDef; self's annotation ignored."""
    a = function.args
    out = []
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    for i, (arg, default) in enumerate(zip(positional, defaults)):
        annotation = None if (i == 0 and arg.arg == "self") else normalized(arg.annotation)
        out.append(("positional", arg.arg, annotation, normalized(default)))
    if a.vararg:
        out.append(("*args", a.vararg.arg, normalized(a.vararg.annotation), None))
    for arg, default in zip(a.kwonlyargs, a.kw_defaults):
        out.append(("keyword", arg.arg, normalized(arg.annotation), normalized(default)))
    if a.kwarg:
        out.append(("**kwargs", a.kwarg.arg, normalized(a.kwarg.annotation), None))
    return out


def stub_namespace():
    """The names a stub annotation may use, for evaluating it against a real value."""
    ns = {name: getattr(typing, name) for name in typing.__all__}
    ns.update({name: getattr(fengqiao, name) for name in dir(fengqiao)})
    return ns


def conforms(value, annotation):
    """Whether `value` is of the (evaluated) typing annotation; enough for the module's constants."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is typing.Any:
        return True
    if origin is typing.ClassVar:
        return conforms(value, args[0])
    if origin is typing.Union:
        return any(conforms(value, a) for a in args)
    if annotation is type(None):
        return value is None
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(conforms(v, args[0]) for v in value)
        return len(args) == len(value) and all(conforms(v, a) for v, a in zip(value, args))
    if origin is dict:
        return isinstance(value, dict) and all(conforms(k, args[0]) and conforms(v, args[1]) for k, v in value.items())
    if origin is list:
        return isinstance(value, list) and all(conforms(v, args[0]) for v in value)
    return isinstance(value, annotation)


class StubFiles(unittest.TestCase):
    def test_the_stub_and_py_typed_are_beside_the_module(self):
        # PEP 561: a package is typed when py.typed is in it; its stub is __init__.pyi.
        self.assertTrue(os.path.isfile(os.path.join(PACKAGE, "py.typed")), PACKAGE)
        self.assertTrue(os.path.isfile(STUB), STUB)
        self.assertEqual(os.path.basename(os.path.splitext(fengqiao.__file__)[0]).split(".")[0], "__init__")


class StubMatchesModule(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stub = load_stub()
        cls.top = {}
        for node in cls.stub.body:
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
                cls.top[node.name] = node
            elif isinstance(node, ast.AnnAssign):
                cls.top[node.target.id] = node
        cls.ns = stub_namespace()

    def assert_same_function(self, where, real, stub):
        line = walk.signature_line(real)
        self.assertIsNotNone(line, f"{where}: the module gives no signature")
        module_def = walk.parse_signature(line)
        self.assertEqual(parameters(stub), parameters(module_def), f"{where}: parameters differ from the module's\n  {line}")
        self.assertEqual(normalized(stub.returns), normalized(module_def.returns), f"{where}: return type differs\n  {line}")

    def test_every_public_name_and_nothing_else(self):
        self.assertEqual(sorted(self.top), sorted(walk.public_names()))

    def test_constants_have_their_annotated_types(self):
        for name, node in self.top.items():
            if isinstance(node, ast.AnnAssign):
                annotation = eval(compile(ast.Expression(node.annotation), STUB, "eval"), self.ns)
                self.assertTrue(conforms(getattr(fengqiao, name), annotation), f"{name}: not a {ast.unparse(node.annotation)}")

    def test_module_functions(self):
        for name, node in self.top.items():
            if isinstance(node, ast.FunctionDef):
                self.assert_same_function(name, getattr(fengqiao, name), node)

    def test_classes(self):
        raised = self.raised_error()
        for name, cls in walk.classes():
            node = self.top[name]
            with self.subTest(cls=name):
                self.assertIsInstance(node, ast.ClassDef)
                real_bases = [b.__name__ for b in cls.__bases__ if b.__name__ != "pybind11_object"]
                self.assertEqual([ast.unparse(b) for b in node.bases], real_bases, f"{name}: bases")
                self.assert_same_members(name, cls, node, raised)

    def assert_same_members(self, name, cls, node, raised):
        real = walk.members(cls)
        stub = {}
        for item in node.body:
            if isinstance(item, ast.FunctionDef):
                stub[item.name] = item
            elif isinstance(item, ast.AnnAssign):
                stub[item.target.id] = item
        instance_only = {n for n, item in stub.items() if isinstance(item, ast.AnnAssign) and n not in real}
        # An error's `message` is set on each raised instance, not on the class.
        for attr in instance_only:
            self.assertTrue(issubclass(cls, fengqiao.Error) and hasattr(raised, attr),
                            f"{name}.{attr}: in the stub, not in the module")
        self.assertEqual(sorted(set(stub) - instance_only), sorted(real), f"{name}: members differ")
        for member, value in real.items():
            where = f"{name}.{member}"
            item = stub[member]
            decorators = [ast.unparse(d) for d in getattr(item, "decorator_list", [])]
            if isinstance(value, property):
                self.assertEqual(decorators, ["property"], f"{where}: a property in the module")
                getter = walk.parse_signature(walk.signature_line(value.fget), member)
                self.assertEqual(normalized(item.returns), normalized(getter.returns), f"{where}: type differs")
            elif isinstance(item, ast.AnnAssign):
                annotation = eval(compile(ast.Expression(item.annotation), STUB, "eval"), self.ns)
                self.assertTrue(conforms(value, annotation), f"{where}: {value!r} is not a {ast.unparse(item.annotation)}")
            else:
                self.assertEqual(decorators, ["staticmethod"] if isinstance(value, staticmethod) else [],
                                 f"{where}: static or not as in the module")
                self.assert_same_function(where, walk.function_of(getattr(cls, member)), item)

    @staticmethod
    def raised_error():
        try:
            fengqiao.Engine().get("no-such-case")
        except fengqiao.Error as e:
            return e
        raise AssertionError("get() of an unknown case did not raise")


class StubIsValidPython(unittest.TestCase):
    def test_it_compiles_and_names_only_what_it_imports(self):
        # A stub is never imported; compiling it is what a type checker's parser does first.
        with open(STUB, encoding="utf-8") as f:
            compile(f.read(), STUB, "exec")


if __name__ == "__main__":
    unittest.main()
