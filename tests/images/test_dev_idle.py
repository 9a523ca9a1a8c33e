"""Tests for images/launcher/dev_idle.py: the idle clock, the process count, and a real run that ends once idle."""
import os
import subprocess
import sys
import time
import unittest

from tests.images.processes import run_process

LAUNCHER = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "images", "launcher"))
sys.path.insert(0, LAUNCHER)

import dev_idle  # noqa: E402


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def sleep(self, seconds):
        self.now += seconds

    def clock(self):
        return self.now


class IdleClock(unittest.TestCase):
    def test_any_use_restarts_the_idle_count(self):
        c = FakeClock()
        busy_until = 100  # a shell open for the first 100 s
        waited = dev_idle.wait_until_idle(60, lambda: c.now < busy_until, sleep=c.sleep, clock=c.clock, poll=15)
        # Looks every 15 s: the last busy one at 90 s, so idle from 90 s, and 60 s of it at 150 s.
        self.assertEqual(waited, 150)

    def test_never_used_ends_after_the_idle_time(self):
        c = FakeClock()
        self.assertEqual(dev_idle.wait_until_idle(60, lambda: False, sleep=c.sleep, clock=c.clock, poll=15), 60)

    def test_other_processes_leaves_out_this_one(self):
        me = os.getpid()
        others = dev_idle.other_processes(me=me)
        self.assertNotIn(me, others)
        self.assertTrue(all(isinstance(p, int) for p in others))


class Zombies(unittest.TestCase):
    def test_an_exited_child_is_not_use_once_reaped(self):
        child = subprocess.Popen(["true"])
        deadline = time.monotonic() + 10
        while dev_idle._state("/proc", child.pid) != "Z" and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(dev_idle._state("/proc", child.pid), "Z")  # exited, not yet reaped
        self.assertNotIn(child.pid, dev_idle.other_processes())  # a zombie is no use
        dev_idle.reap()
        self.assertIsNone(dev_idle._state("/proc", child.pid))  # gone from /proc
        child.returncode = 0  # reaped above: keep Popen from waiting on it again


class RealRun(unittest.TestCase):
    """As PID 1 of its own PID namespace when `unshare` may make one, as in a container."""

    def test_exits_zero_once_idle(self):
        argv = [sys.executable, os.path.join(LAUNCHER, "dev_idle.py"), "--idle-minutes", "0.01"]
        pidns = ["unshare", "-fp", "--mount-proc"]
        can_unshare = subprocess.run(pidns + ["true"], capture_output=True).returncode == 0
        started = time.monotonic()
        done = run_process((pidns if can_unshare else []) + argv, 60)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("dev: ready; exits after 0.01 idle minutes", done.stdout)
        self.assertIn("exiting, which frees the GPU", done.stdout)
        if can_unshare:
            # Alone in its namespace, it is idle from the start: one poll at most.
            self.assertLess(time.monotonic() - started, dev_idle.POLL_SECONDS + 10)


if __name__ == "__main__":
    unittest.main()
