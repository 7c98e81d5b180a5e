"""`cmake --install` puts the package where Python finds it (ctest py_install).

The issue: the installed module was not on sys.path for the default prefix. Here the python
component is installed into a temporary prefix and imported by a fresh interpreter whose
only extra path is that prefix's site directory (not the build tree); and the directory the
build computed for the default prefix, /usr/local, must be one the interpreter searches.
Run from CMake with FENGQIAO_BUILD_DIR, CMAKE_COMMAND, FENGQIAO_PYTHON_INSTALL_DIR and
FENGQIAO_PYTHON_DEFAULT_INSTALL_DIR in the environment."""

import os
import subprocess
import sys
import tempfile
import unittest

BUILD = os.environ["FENGQIAO_BUILD_DIR"]
CMAKE = os.environ["CMAKE_COMMAND"]
SITE_DIR = os.environ["FENGQIAO_PYTHON_INSTALL_DIR"]
DEFAULT_SITE_DIR = os.environ["FENGQIAO_PYTHON_DEFAULT_INSTALL_DIR"]

USE_IT = """
import fengqiao, os, sys
print(fengqiao.__file__)
engine = fengqiao.Engine(clock=fengqiao.ManualClock("2025-09-01T09:00:00+08:00"))
case = engine.register_case("C-1", fengqiao.Actor("u-1", "intake", "center"), {
    "channel": "walk_in", "category": "neighbour", "urgency": "normal",
    "jurisdiction": ["mohe"], "parties": [{"name": "Wang Li"}], "summary": "A fence."})
print(case.state)
"""


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(extra)
    return env


class InstalledPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.prefix = cls.tmp.name
        subprocess.run([CMAKE, "--install", BUILD, "--component", "python", "--prefix", cls.prefix],
                       check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        cls.site = os.path.join(cls.prefix, SITE_DIR)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_the_package_its_stub_and_py_typed_and_nothing_else(self):
        installed = sorted(os.path.relpath(os.path.join(d, f), self.site)
                           for d, _, files in os.walk(self.prefix) for f in files)
        self.assertEqual(len(installed), 3, installed)
        self.assertTrue(installed[0].startswith("fengqiao/__init__.") and installed[0].endswith(".so"), installed)
        self.assertEqual(installed[1:], ["fengqiao/__init__.pyi", "fengqiao/py.typed"])

    def test_imported_with_only_the_prefix_site_dir_on_pythonpath(self):
        # From the prefix, so that neither the source nor the build tree is the current directory.
        run = subprocess.run([sys.executable, "-c", USE_IT], cwd=self.prefix, env=clean_env(PYTHONPATH=self.site),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.assertEqual(run.returncode, 0, run.stdout)
        module_file, state = run.stdout.split()
        self.assertEqual(os.path.dirname(module_file), os.path.join(self.site, "fengqiao"))
        self.assertEqual(state, "registered")


class DefaultPrefix(unittest.TestCase):
    def test_the_default_site_dir_is_on_sys_path_for_usr_local(self):
        # CMake's default prefix is /usr/local; what it installs there must import as is.
        run = subprocess.run([sys.executable, "-c", "import sys; print('\\n'.join(sys.path))"], cwd="/",
                             env=clean_env(), stdout=subprocess.PIPE, text=True, check=True)
        self.assertIn(os.path.join("/usr/local", DEFAULT_SITE_DIR), run.stdout.split("\n"))


if __name__ == "__main__":
    unittest.main()
