"""Tests for images/launcher/smoke.py: real DDP runs with gloo on CPU (kept small: CI has 2 cores)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

from tests.images.processes import run_process

LAUNCHER = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "images", "launcher"))
SMOKE = os.path.join(LAUNCHER, "smoke.py")
SMALL = ["--input-dim", "32", "--hidden", "64", "--layers", "2", "--batch-size", "32", "--allreduce-mib", "2",
         "--allreduce-iters", "3", "--warmup-steps", "1"]
KEYS = {"world_size", "backend", "device", "steps", "samples_per_s_total", "samples_per_s_per_rank",
        "allreduce_algbw_gbps", "allreduce_busbw_gbps", "seconds", "ok"}


def smoke_result(stdout):
    """The JSON of the one line containing 'SMOKE_RESULT ' (torchrun may prefix lines, so search, not match)."""
    lines = [line for line in stdout.splitlines() if "SMOKE_RESULT " in line]
    if len(lines) != 1:
        raise AssertionError("expected one SMOKE_RESULT line, got %d in:\n%s" % (len(lines), stdout))
    return json.loads(lines[0].split("SMOKE_RESULT ", 1)[1])


def run(argv, timeout=120):
    return run_process([sys.executable] + argv, timeout)


class TorchIsInstalled(unittest.TestCase):
    def test_torch_imports(self):
        import torch.distributed  # noqa: F401  (a missing torch must fail the suite, not skip it)
        self.assertTrue(torch.distributed.is_available())


class TwoRankGloo(unittest.TestCase):
    def test_torchrun_two_ranks(self):
        with tempfile.TemporaryDirectory() as tmp:
            data, ckpt = os.path.join(tmp, "data"), os.path.join(tmp, "ckpt")
            os.makedirs(os.path.join(data, "sub"))
            for index, size in enumerate((1000, 2000, 3000)):
                with open(os.path.join(data, "sub" if index else "", "part-%d" % index), "wb") as handle:
                    handle.write(os.urandom(size))
            # --redirects/--tee: needed only by Debian's torch 1.13 launcher on Python 3.11.
            done = run(["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "--redirects", "2",
                        "--tee", "2", SMOKE, "--seconds", "3", "--data", data, "--checkpoint-dir", ckpt] + SMALL)
            self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
            result = smoke_result(done.stdout)
            written = os.listdir(ckpt)
            self.assertEqual(len(written), 1, written)
            self.assertTrue(written[0].startswith("smoke-checkpoint-"), written)
            self.assertTrue(os.path.getsize(os.path.join(ckpt, written[0])) > 0)
        self.assertLessEqual(KEYS, set(result))
        self.assertEqual((result["world_size"], result["backend"], result["device"], result["ok"]),
                         (2, "gloo", "cpu", True), result)
        self.assertEqual(result["problems"], [])
        self.assertEqual(len(result["samples_per_s_per_rank"]), 2)
        self.assertTrue(all(rate > 0 for rate in result["samples_per_s_per_rank"]))
        self.assertAlmostEqual(result["samples_per_s_total"], sum(result["samples_per_s_per_rank"]), places=1)
        self.assertGreaterEqual(result["steps"], 1)
        self.assertGreaterEqual(result["seconds"], 3.0)
        self.assertGreater(result["allreduce_algbw_gbps"], 0)
        self.assertAlmostEqual(result["allreduce_busbw_gbps"], result["allreduce_algbw_gbps"], places=3)  # n=2
        self.assertEqual((result["data"]["files"], result["data"]["bytes"]), (3, 6000))
        self.assertGreater(result["checkpoint"]["bytes"], 0)
        self.assertIn("smoke: rank 0/2 on cpu:", done.stdout + done.stderr)


class SingleProcess(unittest.TestCase):
    def test_exact_steps_without_torchrun(self):
        done = run([SMOKE, "--steps", "3"] + SMALL)
        self.assertEqual(done.returncode, 0, done.stderr)
        result = smoke_result(done.stdout)
        self.assertEqual((result["world_size"], result["steps"], result["ok"]), (1, 3, True))
        self.assertEqual(result["allreduce_busbw_gbps"], 0.0)  # 2(n-1)/n is 0 for one rank
        self.assertIsNone(result["data"])

    def test_unreadable_data_is_reported_not_crashed(self):
        done = run([SMOKE, "--steps", "1", "--data", "/nonexistent/gtc-data"] + SMALL)
        self.assertEqual(done.returncode, 1)
        result = smoke_result(done.stdout)
        self.assertFalse(result["ok"])
        self.assertEqual(result["problems"], ["no readable files under /nonexistent/gtc-data"])

    def test_bad_flags_are_usage_errors(self):
        done = run([SMOKE, "--seconds", "0"])
        self.assertEqual(done.returncode, 2)
        self.assertIn("argument --seconds: must be > 0, got 0", done.stderr)


if __name__ == "__main__":
    unittest.main()
