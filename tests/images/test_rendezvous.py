"""The launcher's wait for pod 0's DNS name, with a fake resolver and clock."""
import os
import socket
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
LAUNCHER = os.path.join(HERE, "..", "..", "images", "launcher")
sys.path.insert(0, LAUNCHER)

import rendezvous  # noqa: E402


class FakeClock:
    def __init__(self):
        self.t = 0.0

    def now(self):
        return self.t

    def sleep(self, s):
        self.t += s


class WaitForHost(unittest.TestCase):
    def test_returns_once_the_name_resolves(self):
        clock = FakeClock()
        answers = [socket.gaierror(-2, "Name or service not known")] * 3 + [[("ok",)]]

        def resolve(host, port):
            a = answers.pop(0)
            if isinstance(a, Exception):
                raise a
            return a

        self.assertIsNone(rendezvous.wait_for_host("job-0.job", 60, resolve=resolve, sleep=clock.sleep, now=clock.now))
        self.assertEqual(clock.t, 6.0)

    def test_gives_up_at_the_deadline_with_one_clear_line(self):
        clock = FakeClock()

        def resolve(host, port):
            raise socket.gaierror(-2, "Name or service not known")

        problem = rendezvous.wait_for_host("job-0.job", 10, resolve=resolve, sleep=clock.sleep, now=clock.now)
        self.assertIn("rendezvous host job-0.job did not resolve within 10 s (", problem)
        self.assertIn("fix: check that pod 0 of the Job is scheduled", problem)
        self.assertEqual(clock.t, 10.0)

    def test_launch_exits_2_without_starting_torchrun_when_the_host_never_resolves(self):
        run = subprocess.run(
            [sys.executable, os.path.join(LAUNCHER, "launch.py"), "--skip-preflight", "--wait-for-host", "gtc-no-such-host.invalid",
             "--wait-seconds", "1", "--", "--nproc_per_node=1", "x.py"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 2)
        self.assertIn("launch: error: rendezvous host gtc-no-such-host.invalid did not resolve within 1 s", run.stderr)
        self.assertNotIn("launch: run", run.stdout)
        self.assertNotIn("Traceback", run.stderr)


if __name__ == "__main__":
    unittest.main()
