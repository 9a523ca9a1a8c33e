"""Tests for images/launcher/launch.py: argv contract, then real end-to-end runs on CPU.

The Debian torch 1.13 launcher needs `--redirects 2 --tee 2` on Python 3.11 (a packaging bug); the tests pass
them explicitly after "--", exactly as a caller would, because launch.py must not add flags of its own.
"""
import contextlib
import io
import os
import subprocess
import sys
import tempfile
import unittest

from tests.images.processes import run_process

LAUNCHER = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "images", "launcher"))
sys.path.insert(0, LAUNCHER)

import launch  # noqa: E402

DEBIAN_FLAGS = ["--redirects", "2", "--tee", "2"]
TINY_SMOKE = ["--steps", "2", "--warmup-steps", "1", "--input-dim", "16", "--hidden", "32", "--layers", "1",
              "--batch-size", "8", "--allreduce-mib", "1", "--allreduce-iters", "2"]


def run_launch(args, script=None, timeout=120):
    return run_process([sys.executable, script or os.path.join(LAUNCHER, "launch.py")] + args, timeout)


class TorchIsInstalled(unittest.TestCase):
    def test_torch_imports(self):
        import torch.distributed.run as torchrun  # a missing torch must fail the suite, not skip it
        self.assertTrue(callable(torchrun.main))


class ArgvContract(unittest.TestCase):
    def usage_error(self, argv):
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr), self.assertRaises(SystemExit) as caught:
            launch.parse(argv)
        self.assertEqual(caught.exception.code, 2)
        return stderr.getvalue()

    def test_options_and_rest(self):
        options, rest = launch.parse(["--expect-gpus", "8", "--min-shm-mib", "4096", "--dataset", "/data/a",
                                      "--dataset", "/data/b", "--output", "/out", "--",
                                      "--nnodes", "2", "--nproc_per_node", "8", "train.py", "--", "--lr", "3"])
        self.assertEqual((options.expect_gpus, options.min_shm_mib, options.dataset, options.output),
                         (8, 4096, ["/data/a", "/data/b"], "/out"))
        self.assertFalse(options.skip_preflight)
        self.assertEqual(rest, ["--nnodes", "2", "--nproc_per_node", "8", "train.py", "--", "--lr", "3"])

    def test_command_is_torch_distributed_run_under_the_same_python(self):
        self.assertEqual(launch.command(["--nproc_per_node", "2", "smoke.py"]),
                         [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "smoke.py"])

    def test_usage_errors(self):
        self.assertIn("missing '--' before the torch.distributed.run arguments",
                      self.usage_error(["--expect-gpus", "0"]))
        self.assertIn("nothing after '--'", self.usage_error(["--expect-gpus", "0", "--"]))
        self.assertIn("unrecognized arguments: --bogus", self.usage_error(["--bogus", "--", "x.py"]))
        self.assertIn("argument --expect-gpus: invalid int value", self.usage_error(["--expect-gpus", "x", "--", "a"]))

    def test_abbreviated_flags_are_refused(self):
        # argparse's default would read --expect as --expect-gpus and --min as --min-shm-mib.
        self.assertIn("unrecognized arguments: --expect 8", self.usage_error(["--expect", "8", "--", "x.py"]))
        self.assertIn("unrecognized arguments: --min 4096", self.usage_error(["--min", "4096", "--", "x.py"]))


class EndToEnd(unittest.TestCase):
    def test_preflight_then_torchrun_runs_the_smoke_test(self):
        with tempfile.TemporaryDirectory() as out:
            done = run_launch(["--expect-gpus", "0", "--min-shm-mib", "1", "--dataset", LAUNCHER, "--output", out,
                               "--", "--standalone", "--nproc_per_node", "1"] + DEBIAN_FLAGS
                              + [os.path.join(LAUNCHER, "smoke.py")] + TINY_SMOKE)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        lines = done.stdout.splitlines()
        self.assertTrue(lines[0].startswith("preflight: ok gpus=0 "), lines[0])
        self.assertEqual(lines[1], "launch: run %s -m torch.distributed.run --standalone --nproc_per_node 1 "
                                   "--redirects 2 --tee 2 %s %s" % (sys.executable, os.path.join(LAUNCHER, "smoke.py"),
                                                                    " ".join(TINY_SMOKE)))
        self.assertIn('"ok": true', done.stdout)

    def test_missing_dataset_exits_2_without_exec(self):
        done = run_launch(["--expect-gpus", "0", "--dataset", "/nonexistent/gtc-data", "--", "--standalone",
                           "--nproc_per_node", "1", "smoke.py"])
        self.assertEqual(done.returncode, 2)
        self.assertEqual(done.stdout, "")
        self.assertEqual(done.stderr.splitlines(), [
            "preflight: error: dataset path /nonexistent/gtc-data does not exist; fix: check the volume's mountPath "
            "and the dataset path in the stack config",
            "preflight: failed with 1 problem(s); training not started"])

    def test_skip_preflight_runs_anyway(self):
        done = run_launch(["--expect-gpus", "0", "--dataset", "/nonexistent", "--skip-preflight", "--", "--help"])
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("launch: run %s -m torch.distributed.run --help" % sys.executable, done.stdout)
        self.assertIn("--nproc_per_node", done.stdout)  # torch.distributed.run's own help text

    def test_runs_from_a_configmap_style_symlinked_directory(self):
        # A ConfigMap volume exposes each key as a symlink into a hidden ..data directory; the
        # program puts every launcher module in it, and catalog.json (components/launcher-files.ts).
        modules = sorted(n for n in os.listdir(LAUNCHER) if n.endswith(".py") or n == "catalog.json")
        with tempfile.TemporaryDirectory() as mount:
            os.mkdir(os.path.join(mount, "..2025_01_01"))
            for name in modules:
                with open(os.path.join(LAUNCHER, name)) as src, \
                        open(os.path.join(mount, "..2025_01_01", name), "w") as dst:
                    dst.write(src.read())
            os.symlink("..2025_01_01", os.path.join(mount, "..data"))
            for name in modules:
                os.symlink(os.path.join("..data", name), os.path.join(mount, name))
            done = run_launch(["--expect-gpus", "0", "--", "--help"], script=os.path.join(mount, "launch.py"))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("preflight: ok", done.stdout)


if __name__ == "__main__":
    unittest.main()
