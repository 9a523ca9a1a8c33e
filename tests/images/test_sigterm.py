"""The launcher as PID 1 of its own PID namespace (`unshare -fp`, the way a container entrypoint runs)
gets the pod's SIGTERM in every phase: it forwards it to a running setup command, stops waiting for
pod 0, stops torch.distributed.run, and exits 143 within seconds.

The signal comes from the parent namespace, as the container runtime sends it. A control case shows
the kernel rule the launcher must meet: a PID 1 without a SIGTERM handler ignores the signal.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from tests.images.test_launch import DEBIAN_FLAGS, LAUNCHER

UNSHARE = shutil.which("unshare")
#: What "within seconds" means here: far below the pod's 120 s grace period.
PROMPT_SECONDS = 5.0


def namespace_init(unshare_pid, timeout=10.0):
    """PID (in our namespace) of the process unshare -f forked: PID 1 of the new namespace."""
    deadline = time.monotonic() + timeout
    path = "/proc/%d/task/%d/children" % (unshare_pid, unshare_pid)
    while time.monotonic() < deadline:
        try:
            with open(path) as handle:
                children = handle.read().split()
        except OSError:
            children = []
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise AssertionError("unshare %d forked no child" % unshare_pid)


class AsPid1:
    """Runs argv as PID 1 of a new PID namespace with its output in a file."""

    def __init__(self, argv):
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log")
        self.proc = subprocess.Popen([UNSHARE, "-fp", "--mount-proc"] + argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.init = namespace_init(self.proc.pid)

    def output(self):
        with open(self.log.name) as handle:
            return handle.read()

    def wait_for(self, text, timeout=60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.kill()
        raise AssertionError("never printed %r:\n%s" % (text, self.output()))

    def terminate(self, timeout):
        """SIGTERM to the namespace's init; returns (exit code or None if still alive, seconds)."""
        start = time.monotonic()
        os.kill(self.init, signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        return code, time.monotonic() - start

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()


def launcher(*args):
    return [sys.executable, os.path.join(LAUNCHER, "launch.py"), "--expect-gpus", "0"] + list(args)


@unittest.skipUnless(UNSHARE and os.geteuid() == 0, "needs unshare and root (a new PID namespace)")
class SigtermAsPid1(unittest.TestCase):
    def stop(self, run, phase_line, timeout=PROMPT_SECONDS + 5):
        try:
            run.wait_for(phase_line)
            time.sleep(0.5)  # well inside the phase
            code, seconds = run.terminate(timeout)
            return code, seconds, run.output()
        finally:
            run.kill()

    def test_control_a_pid_1_without_a_handler_ignores_sigterm(self):
        run = AsPid1([sys.executable, "-c", "import time; print('up', flush=True); time.sleep(30)"])
        code, seconds, out = self.stop(run, "up")
        self.assertIsNone(code, "PID 1 without a handler exited on SIGTERM (%s s): the test proves nothing" % seconds)

    def test_during_setup_the_command_gets_sigterm_and_the_launcher_exits_143(self):
        with tempfile.TemporaryDirectory() as tmp:
            mark = os.path.join(tmp, "setup-got-sigterm")
            # `wait` returns on a trapped signal, so the shell reports it at once.
            script = "trap 'echo yes > %s; exit 0' TERM; echo setup-running; sleep 60 & wait" % mark
            run = AsPid1(launcher("--setup", script, "--", "--standalone", "--nproc_per_node", "1", "never.py"))
            code, seconds, out = self.stop(run, "setup-running")
            self.assertEqual(code, 143, out)
            self.assertLess(seconds, PROMPT_SECONDS, out)
            self.assertTrue(os.path.exists(mark), "the setup command never got SIGTERM:\n" + out)
        self.assertIn("launch: stopped by SIGTERM; exit 143", out)
        self.assertNotIn("launch: run", out)

    def test_a_setup_command_that_ignores_sigterm_is_killed_after_the_stop_wait(self):
        run = AsPid1(launcher("--setup", "trap '' TERM; echo stubborn; sleep 60", "--", "never.py"))
        code, seconds, out = self.stop(run, "stubborn", timeout=30)
        self.assertEqual(code, 143, out)
        self.assertLess(seconds, 10 + PROMPT_SECONDS, out)  # launch.py SETUP_STOP_SECONDS, then SIGKILL

    def test_while_waiting_for_pod_0_it_stops_waiting_and_exits_143(self):
        run = AsPid1(launcher("--wait-for-host", "gtc-pod-0.invalid", "--wait-seconds", "1200", "--",
                              "--nnodes", "2", "never.py"))
        code, seconds, out = self.stop(run, "launch: waiting up to 1200 s for gtc-pod-0.invalid")
        self.assertEqual(code, 143, out)
        self.assertLess(seconds, PROMPT_SECONDS, out)

    def test_during_training_torchrun_stops_its_workers_and_the_launcher_exits_143(self):
        with tempfile.TemporaryDirectory() as tmp:
            run = AsPid1(launcher(*(["--", "--standalone", "--nproc_per_node", "1"] + DEBIAN_FLAGS + [
                os.path.join(LAUNCHER, "smoke.py"), "--steps", "100000", "--input-dim", "16", "--hidden", "32",
                "--layers", "1", "--batch-size", "8", "--resume-dir", tmp, "--save-every", "1000000"])))
            code, seconds, out = self.stop(run, "launch: run ", timeout=60)
        self.assertEqual(code, 143, out)
        # The smoke workload saves on SIGTERM and stops; torchrun returns once its workers are gone.
        self.assertLess(seconds, 30, out)
        self.assertIn("launch: stopped by SIGTERM; exit 143", out)


if __name__ == "__main__":
    unittest.main()
