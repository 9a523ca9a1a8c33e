"""Tests for images/launcher/keep_logs.py: each rank's log kept under the output directory, with the real
torch.distributed.run on CPU.

The Debian torch 1.13 launcher crashes on Python 3.11 unless given `--redirects 2 --tee 2` (a packaging bug:
`--tee 3` fails in its Std parsing); those flags come after the launcher's own `--log_dir DIR --tee 3`, so there
torchrun keeps only stderr in its files. Torch 2.8 in the image takes `--tee 3` (both streams).
"""
import os
import sys
import tempfile
import textwrap
import unittest

from tests.images.processes import run_process

LAUNCHER = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "images", "launcher"))
sys.path.insert(0, LAUNCHER)

import keep_logs  # noqa: E402

DEBIAN_FLAGS = ["--redirects", "2", "--tee", "2"]
SCRIPT = textwrap.dedent("""\
    import os, sys
    rank = os.environ["RANK"]
    print("stdout of rank %s" % rank, flush=True)
    sys.stderr.write("stderr of rank %s\\n" % rank)
    sys.exit(int(os.environ.get("EXIT_CODE", "0")))
""")


def files_under(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


class KeepLogsWithTorchrun(unittest.TestCase):
    def launch(self, keep, code="0"):
        work = tempfile.mkdtemp()
        script = os.path.join(work, "ranks.py")
        with open(script, "w") as f:
            f.write(SCRIPT)
        env_code = {"EXIT_CODE": code}
        argv = [sys.executable, os.path.join(LAUNCHER, "launch.py"), "--skip-preflight", "--keep-logs", keep, "--",
                "--standalone", "--nproc_per_node", "2"] + DEBIAN_FLAGS + [script]
        os.environ.update(env_code)
        try:
            return run_process(argv, 180)
        finally:
            del os.environ["EXIT_CODE"]

    def test_every_ranks_log_is_copied_under_the_pod_name_and_the_console_keeps_it(self):
        with tempfile.TemporaryDirectory() as keep:
            done = self.launch(keep)
            self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
            self.assertIn("stdout of rank 0", done.stdout)  # the console (kubectl logs) still has it
            self.assertIn("stderr of rank 1", done.stderr)
            pods = os.listdir(keep)
            self.assertEqual(pods, [os.uname().nodename])
            kept = files_under(os.path.join(keep, pods[0]))
            # <rdzv id>_<random>/attempt_0/<local rank>/stderr.log, torch's own layout under the pod's name.
            self.assertEqual([k.split(os.sep, 1)[1] for k in kept], ["attempt_0/0/stderr.log", "attempt_0/1/stderr.log"])
            with open(os.path.join(keep, pods[0], kept[1])) as f:
                self.assertEqual(f.read(), "stderr of rank 1\n")
            self.assertIn("launch: kept 2 rank log files under %s" % os.path.join(keep, pods[0]), done.stdout)
            self.assertIn("--log_dir", done.stdout)

    def test_a_failed_run_keeps_its_logs_and_its_exit_code(self):
        with tempfile.TemporaryDirectory() as keep:
            done = self.launch(keep, code="3")
            self.assertNotEqual(done.returncode, 0)
            kept = files_under(keep)
            self.assertEqual(len([k for k in kept if k.endswith("stderr.log")]), 2, kept)
            self.assertIn("launch: kept", done.stdout)


class KeepWithoutTorchrun(unittest.TestCase):
    def test_copies_the_tree_and_reports_a_destination_it_cannot_write(self):
        with tempfile.TemporaryDirectory() as local, tempfile.TemporaryDirectory() as keep:
            os.makedirs(os.path.join(local, "run_x", "attempt_0", "0"))
            with open(os.path.join(local, "run_x", "attempt_0", "0", "stdout.log"), "w") as f:
                f.write("line\n")
            self.assertEqual(keep_logs.keep(local, keep, pod="p-0"), (1, None))
            self.assertEqual(files_under(keep), [os.path.join("p-0", "run_x", "attempt_0", "0", "stdout.log")])
            blocked = os.path.join(keep, "file")
            open(blocked, "w").close()
            copied, problem = keep_logs.keep(local, blocked, pod="p-0")
            self.assertEqual(copied, 0)
            self.assertIn("could not keep the rank logs under %s" % os.path.join(blocked, "p-0"), problem)

    def test_flags_put_before_the_other_torchrun_arguments(self):
        self.assertEqual(keep_logs.torchrun_flags("/tmp/x"), ["--log_dir", "/tmp/x", "--tee", "3"])


if __name__ == "__main__":
    unittest.main()
