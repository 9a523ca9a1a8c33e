"""Tests for images/launcher/supervise.py: the exit code a failed run gets, and the peer answers it is
read from, over real sockets."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

from tests.images.test_launch import LAUNCHER

sys.path.insert(0, LAUNCHER)

import supervise  # noqa: E402


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Attribution(unittest.TestCase):
    def test_sigterm_wins_over_everything(self):
        self.assertEqual(supervise.attribute(1, True, {1: "gone: refused"}), 143)
        self.assertEqual(supervise.attribute(0, True, {}), 143)

    def test_success_is_success(self):
        self.assertEqual(supervise.attribute(0, False, {1: "gone: refused"}), 0)

    def test_a_peer_gone_or_stopping_makes_it_a_disruption(self):
        self.assertEqual(supervise.attribute(1, False, {1: "ok", 2: "gone: timed out"}), 75)
        self.assertEqual(supervise.attribute(1, False, {1: "stopping"}), 75)

    def test_every_peer_alive_makes_it_a_training_failure_with_torchruns_code(self):
        self.assertEqual(supervise.attribute(1, False, {1: "ok", 2: "ok"}), 1)
        self.assertEqual(supervise.attribute(137, False, {}), 137)  # a single node has no peers

    def test_a_training_failure_never_reads_as_one_of_the_reserved_codes(self):
        for code in (75, 76, 143):
            self.assertEqual(supervise.attribute(code, False, {1: "ok"}), 1)

    def test_signal_deaths_read_as_a_shell_would(self):
        self.assertEqual(supervise.exit_code(-9), 137)
        self.assertEqual(supervise.exit_code(3), 3)

    def test_restart_attempt_comes_from_the_pod_label(self):
        self.assertEqual(supervise.restart_attempt({"GTC_RESTART_ATTEMPT": "4"}), 4)
        self.assertEqual(supervise.restart_attempt({}), 0)
        self.assertEqual(supervise.restart_attempt({"GTC_RESTART_ATTEMPT": ""}), 0)

    def test_peers_parse_as_host_port(self):
        self.assertEqual(supervise.parse_peer("run-node-0-1.run:29501"), ("run-node-0-1.run", 29501))
        for bad in ("host", "host:", ":1", "host:http", "host:70000"):
            with self.assertRaises(ValueError):
                supervise.parse_peer(bad)


class PeerAnswers(unittest.TestCase):
    def test_a_live_launcher_answers_ok_then_stopping_after_sigterm(self):
        supervisor = supervise.Supervisor()
        port = free_port()
        server = supervise.PeerServer(port, supervisor, host="127.0.0.1")
        try:
            self.assertEqual(supervise.ask_peer("127.0.0.1", port), "ok")
            supervisor.stopping = True
            self.assertEqual(supervise.ask_peer("127.0.0.1", port), "stopping")
        finally:
            server.close()

    def test_a_port_nobody_serves_is_gone_after_the_retries(self):
        slept = []
        answer = supervise.ask_peer("127.0.0.1", free_port(), timeout=1.0, attempts=3, sleep=slept.append)
        self.assertTrue(answer.startswith("gone: "), answer)
        self.assertEqual(slept, [1.0, 1.0])

    def test_a_name_that_does_not_resolve_is_gone(self):
        answer = supervise.ask_peer("gtc-peer.invalid", 29501, timeout=1.0, attempts=1)
        self.assertTrue(answer.startswith("gone: "), answer)

    def test_peer_states_skips_this_node(self):
        asked = []
        states = supervise.peer_states([("a", 1), ("b", 2), ("c", 3)], 1, ask=lambda h, p: asked.append(h) or "ok")
        self.assertEqual((asked, states), (["a", "c"], {0: "ok", 2: "ok"}))

    def test_the_log_line_names_how_it_was_read(self):
        self.assertIn("a disruption", supervise.describe(75, {1: "gone: refused"}))
        self.assertIn("node 1 gone: refused", supervise.describe(75, {1: "gone: refused"}))
        self.assertIn("a training failure", supervise.describe(1, {}))


class StoppingAChild(unittest.TestCase):
    def run_stopped(self, idle_stop_wait):
        """SIGTERM this process while the Supervisor runs a child that ignores SIGTERM and has no children."""
        previous = signal.getsignal(signal.SIGTERM)
        supervisor = supervise.Supervisor().install()
        child = [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"]
        timer = threading.Timer(1.0, os.kill, args=(os.getpid(), signal.SIGTERM))
        try:
            timer.start()
            start = time.monotonic()
            with self.assertRaises(supervise.Stopped):
                supervisor.run(child, 6, idle_stop_wait=idle_stop_wait)
            return time.monotonic() - start
        finally:
            timer.cancel()
            signal.signal(signal.SIGTERM, previous)

    def test_a_child_without_processes_of_its_own_goes_after_the_idle_wait(self):
        self.assertLess(self.run_stopped(idle_stop_wait=1), 4)

    def test_otherwise_after_the_stop_wait(self):
        self.assertGreaterEqual(self.run_stopped(idle_stop_wait=None), 6)

    def test_child_processes_reads_proc(self):
        proc = subprocess.Popen(["sh", "-c", "sleep 5 & wait"])
        try:
            deadline = time.monotonic() + 5
            while not supervise.child_processes(proc.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertEqual(len(supervise.child_processes(proc.pid)), 1)
        finally:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    unittest.main()
