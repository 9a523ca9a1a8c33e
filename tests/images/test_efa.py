"""Unit tests for images/launcher/efa.py: the EFA half of the preflight, on fake filesystem roots.

Run from the repository root: /usr/bin/python3 -m unittest discover -s tests/images -t .
"""
import io
import os
import sys
import tempfile
import unittest
from unittest import mock

LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "images", "launcher")
sys.path.insert(0, os.path.abspath(LAUNCHER))

import efa  # noqa: E402
import preflight  # noqa: E402


def touch(root, relative):
    path = os.path.join(root, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "w").close()
    return path


class FakeRoot(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def efa_node(self, devices=4):
        for i in range(devices):
            touch(self.root, "dev/infiniband/uverbs%d" % i)

    def efa_image(self, plugin_dir="opt/amazon/ofi-nccl/lib/x86_64-linux-gnu", name="libnccl-net.so", libfabric=True):
        touch(self.root, os.path.join(plugin_dir, name))
        if libfabric:
            touch(self.root, "opt/amazon/efa/lib/libfabric.so.1")


class NotRequested(FakeRoot):
    def test_nothing_checked_without_the_env_var(self):
        facts = efa.gather(self.root, environ={})
        self.assertEqual(facts, {"efa_expected": 0})
        self.assertEqual(efa.evaluate(facts), [])
        self.assertIsNone(efa.summary(facts))

    def test_garbage_count_means_not_requested(self):
        self.assertEqual(efa.expected_devices({"GTC_EFA_DEVICES": "four"}), 0)
        self.assertEqual(efa.expected_devices({"GTC_EFA_DEVICES": "4"}), 4)


class Requested(FakeRoot):
    env = {"GTC_EFA_DEVICES": "4"}

    def test_node_and_image_ready(self):
        self.efa_node(4)
        self.efa_image()
        facts = efa.gather(self.root, environ=self.env)
        self.assertEqual(efa.evaluate(facts), [])
        self.assertEqual(efa.summary(facts), "efa=4 plugin=libnccl-net.so")

    def test_stock_image_without_plugin_fails_in_one_line_naming_the_fix(self):
        self.efa_node(4)
        problems = efa.evaluate(efa.gather(self.root, environ=self.env))
        self.assertEqual(len(problems), 1)
        self.assertNotIn("\n", problems[0])
        self.assertIn("aws-ofi-nccl", problems[0])
        self.assertIn("fall back to TCP", problems[0])
        self.assertIn("experiment.network: tcp", problems[0])

    def test_missing_devices(self):
        self.efa_node(1)
        self.efa_image()
        problems = efa.evaluate(efa.gather(self.root, environ=self.env))
        self.assertEqual(len(problems), 1)
        self.assertIn("EFA requested (4 devices) but 1 found", problems[0])
        self.assertIn("vpc.amazonaws.com/efa limit set to 4", problems[0])

    def test_plugin_found_through_ld_library_path(self):
        self.efa_node(4)
        self.efa_image(plugin_dir="opt/custom/lib", name="libnccl-net-ofi.so")
        env = dict(self.env, LD_LIBRARY_PATH="/usr/lib:/opt/custom/lib")
        self.assertEqual(efa.evaluate(efa.gather(self.root, environ=env)), [])
        # Not on the path and not in a known directory: missing.
        self.assertEqual(len(efa.evaluate(efa.gather(self.root, environ=self.env))), 1)

    def test_plugin_without_libfabric(self):
        self.efa_node(4)
        self.efa_image(libfabric=False)
        problems = efa.evaluate(efa.gather(self.root, environ=self.env))
        self.assertEqual(len(problems), 1)
        self.assertIn("libfabric is missing", problems[0])

    def test_probe_error_is_one_line(self):
        with mock.patch.object(efa.glob, "glob", side_effect=OSError("boom")):
            problems = efa.evaluate(efa.gather(self.root, environ=self.env))
        self.assertEqual(len(problems), 1)
        self.assertIn("OSError: boom", problems[0])


class PreflightIntegration(FakeRoot):
    """preflight.run() reports the EFA problem with the others and exits 2."""

    def test_run_fails_when_efa_is_requested_on_a_stock_image(self):
        facts = {"torch_version": "2.8.0", "cuda_runtime": None, "shm_bytes": 1 << 30, "uid": 0, "datasets": [],
                 "efa_expected": 4, "efa_devices": [], "ofi_nccl": None}
        with mock.patch.object(preflight, "gather_facts", return_value=facts):
            out, err = io.StringIO(), io.StringIO()
            status = preflight.run({"expect_gpus": 0, "min_shm_mib": 0, "datasets": [], "output": None}, out, err)
        self.assertEqual(status, 2)
        lines = [l for l in err.getvalue().splitlines() if l.startswith("preflight: error:")]
        self.assertEqual(len(lines), 2)  # devices and plugin, one line each
        self.assertTrue(any("aws-ofi-nccl" in l for l in lines))

    def test_gather_facts_reads_the_env_var(self):
        with mock.patch.dict(os.environ, {"GTC_EFA_DEVICES": "2"}), \
                mock.patch.object(preflight, "_gather_torch"), mock.patch.object(preflight, "_gather_driver"):
            facts = preflight.gather_facts({"expect_gpus": 0, "datasets": [], "output": None})
        self.assertEqual(facts["efa_expected"], 2)
        self.assertIn("ofi_nccl", facts)


if __name__ == "__main__":
    unittest.main()
