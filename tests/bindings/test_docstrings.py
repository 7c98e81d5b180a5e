"""help(fengqiao) documents everything: a docstring on the module, every class, every
function and method and every property, and parameters under their real names and types
(the issue saw `actor: handle` and 17 functions without a word)."""

import pydoc
import re
import unittest

import fengqiao
import module_walk as walk


def undocumented():
    """Every public function, method, property and class without a docstring, by name."""
    missing = []
    for name in walk.public_names():
        value = getattr(fengqiao, name)
        if isinstance(value, type):
            if not (value.__doc__ or "").strip():
                missing.append(name)
            for member, raw in walk.members(value).items():
                if isinstance(raw, property):
                    text = (raw.__doc__ or "").strip()
                elif callable(walk.function_of(raw)):
                    text = walk.docstring(walk.function_of(getattr(value, member)))
                else:
                    continue  # a class constant (an error's code)
                if not text:
                    missing.append(f"{name}.{member}")
        elif callable(value) and not walk.docstring(value):
            missing.append(name)
    return missing


def signatures():
    """(where, signature line) of every public function and method."""
    out = []
    for name in walk.public_names():
        value = getattr(fengqiao, name)
        if isinstance(value, type):
            for member, raw in walk.members(value).items():
                if not isinstance(raw, property) and callable(walk.function_of(raw)):
                    line = walk.signature_line(walk.function_of(getattr(value, member)))
                    if line:
                        out.append((f"{name}.{member}", line))
        elif callable(value) and walk.signature_line(value):
            out.append((name, walk.signature_line(value)))
    return out


class Docstrings(unittest.TestCase):
    def test_module_class_function_and_property_each_have_one(self):
        self.assertTrue((fengqiao.__doc__ or "").strip())
        self.assertEqual(undocumented(), [])

    def test_the_walk_sees_the_whole_module(self):
        # A walk that found nothing would pass the test above: it must reach these.
        where = {w for w, _ in signatures()}
        for expected in ("Engine.act", "Engine.__init__", "Batch.__exit__", "BusinessCalendar.from_dict", "replay"):
            self.assertIn(expected, where)

    def test_parameters_have_their_names(self):
        # pybind11 names an argument arg0, arg1, ... when the binding gives no py::arg.
        for where, line in signatures():
            self.assertIsNone(re.search(r"\barg\d+\b", line), f"{where}: {line}")

    def test_help_shows_no_cpp_types(self):
        text = pydoc.render_doc(fengqiao, renderer=pydoc.plaintext)
        for cpp in (r": handle\b", r"-> handle\b", r": object = ", r"\w::\w", r"\bnlohmann\b"):
            found = re.search(cpp, text)
            self.assertIsNone(found, found and text[max(0, found.start() - 200):found.end() + 50])
        self.assertIn("actor: Union[fengqiao.Actor, Dict[str, str]]", text)


if __name__ == "__main__":
    unittest.main()
