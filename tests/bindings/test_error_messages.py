"""Error messages speak Python: the library's messages name its C++ options
("SqliteOptions::create_if_missing is off"), which a Python caller never wrote. Each
message below is one the library really produces; the bindings must say it with the
keyword argument or method a Python caller uses, and leave the caller's own text alone."""

import os
import re
import tempfile
import unittest

import fengqiao
from fixtures import Bench, dispatch_during_a_batch, intake, registration

CPP_NAME = re.compile(r"[A-Za-z_]::[A-Za-z_]|\b\w+Options\b")


class SpeaksPython(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "center.db")

    def tearDown(self):
        self.dir.cleanup()

    def assert_python_message(self, error, *expected):
        for text in (error.message, str(error)):
            self.assertIsNone(CPP_NAME.search(text), text)
            for phrase in expected:
                self.assertIn(phrase, text)

    def test_a_missing_file_without_create_if_missing(self):
        with self.assertRaises(fengqiao.StorageError) as caught:
            fengqiao.SqliteStorage(self.path, create_if_missing=False)
        self.assert_python_message(caught.exception, "does not exist", "create_if_missing=False")

    def test_a_write_to_a_store_opened_read_only(self):
        Bench(storage=fengqiao.SqliteStorage(self.path))  # records the configuration
        engine = fengqiao.Engine(storage=fengqiao.SqliteStorage(self.path, read_only=True))
        with self.assertRaises(fengqiao.StorageError) as caught:
            engine.register_case("C-1", intake, registration())
        self.assert_python_message(caught.exception, "read-only", "read_only=True")

    def test_a_calendar_that_differs_from_the_stores(self):
        Bench(storage=fengqiao.SqliteStorage(self.path))
        with self.assertRaises(fengqiao.InvalidConfig) as caught:
            fengqiao.Engine(storage=fengqiao.SqliteStorage(self.path), calendar={"holidays": ["2025-05-01"]})
        self.assert_python_message(caught.exception, "adopt_stored_configuration=True", "Engine.update_configuration()")

    def busy_while_a_batch_is_open(self, storage):
        b = Bench(storage=storage)
        b.engine.register_case("C-1", intake, registration())
        busy = dispatch_during_a_batch(b)
        self.assertIsNotNone(busy)
        return busy

    def test_busy_on_a_memory_storage(self):
        error = self.busy_while_a_batch_is_open(fengqiao.MemoryStorage(busy_timeout=0.1))
        self.assert_python_message(error, "busy_timeout")

    def test_busy_on_a_sqlite_connection(self):
        error = self.busy_while_a_batch_is_open(fengqiao.SqliteStorage(self.path, busy_timeout=0.1))
        self.assert_python_message(error, "busy_timeout")

    def test_the_callers_own_text_comes_back_as_given(self):
        # An id is the caller's: a "::" in it is not a C++ name to rewrite.
        with self.assertRaises(fengqiao.UnknownCase) as caught:
            Bench().engine.get("Mohe::C-1")
        self.assertIn('"Mohe::C-1"', caught.exception.message)


if __name__ == "__main__":
    unittest.main()
