"""Restarts resume: a real torchrun DDP run (gloo, CPU) is killed midway and started again, and the
second run continues from the step the first one saved (images/launcher/resume.py, smoke.py)."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

from tests.images.test_smoke import SMALL, SMOKE, smoke_result

TOTAL_STEPS = 1000
SAVE_EVERY = 50


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def torchrun(checkpoints):
    # A private rendezvous port (not --standalone's fixed one), so parallel test runs cannot collide.
    # --redirects/--tee: needed only by Debian's torch 1.13 launcher on Python 3.11.
    return [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", "--nproc_per_node=2", "--rdzv_backend=c10d",
            "--rdzv_endpoint=127.0.0.1:%d" % free_port(), "--redirects", "2", "--tee", "2", SMOKE,
            "--steps", str(TOTAL_STEPS), "--save-every", str(SAVE_EVERY), "--warmup-steps", "1"] + SMALL[:-2] + [
            "--cpu"], dict(os.environ, GTC_CHECKPOINT_DIR=checkpoints)


def run_until_saved(argv, env, at_least, stop_signal, timeout=120):
    """Start a run, wait until it reports a save at step >= at_least, then stop it.

    SIGKILL goes to every process (a killed container); SIGTERM to torchrun alone: in a pod the kubelet signals PID 1, which is torchrun (launch.py execs it), and torchrun's
    agent passes SIGTERM on to its workers. Signalling the whole group would hide a broken hand-over.
    """
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                            start_new_session=True)
    deadline, seen = time.monotonic() + timeout, []
    try:
        for line in proc.stdout:
            seen.append(line)
            if "smoke: saved step " in line and int(line.split("saved step ")[1].split()[0]) >= at_least:
                if stop_signal == signal.SIGKILL:
                    os.killpg(proc.pid, stop_signal)  # the container is killed: every process in it dies
                else:
                    proc.send_signal(stop_signal)
                break
            if time.monotonic() > deadline:
                raise AssertionError("no save at step >= %d within %d s:\n%s" % (at_least, timeout, "".join(seen)))
        else:
            raise AssertionError("the run ended before it was stopped:\n%s" % "".join(seen))
        rest, _ = proc.communicate(timeout=timeout)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    return proc.returncode, "".join(seen) + rest


def saved_steps(output):
    return [int(line.split("saved step ")[1].split()[0]) for line in output.splitlines() if "smoke: saved step " in line]


def run_to_end(argv, env, timeout=180):
    done = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          timeout=timeout, start_new_session=True)
    return done.returncode, done.stdout


class KilledRunResumes(unittest.TestCase):
    def test_sigkill_midway_then_restart_continues_from_the_last_periodic_save(self):
        with tempfile.TemporaryDirectory() as tmp:
            argv, env = torchrun(os.path.join(tmp, "ckpt"))
            code, first = run_until_saved(argv, env, at_least=2 * SAVE_EVERY, stop_signal=signal.SIGKILL)
            self.assertNotEqual(code, 0, first)
            last_saved = saved_steps(first)[-1]
            self.assertEqual(last_saved % SAVE_EVERY, 0)
            self.assertLess(last_saved, TOTAL_STEPS)

            code, second = run_to_end(argv, env)
            self.assertEqual(code, 0, second)
            self.assertIn("resuming from step %d" % last_saved, second)
            result = smoke_result(second)
            self.assertEqual(result["resumed_from_step"], last_saved)
            self.assertEqual(result["last_step"], TOTAL_STEPS)
            self.assertEqual(result["steps"], TOTAL_STEPS - last_saved)  # nothing before the save is trained again
            self.assertTrue(result["ok"], result)

    def test_sigterm_saves_at_the_step_it_stops_and_the_restart_continues_there(self):
        with tempfile.TemporaryDirectory() as tmp:
            argv, env = torchrun(os.path.join(tmp, "ckpt"))
            code, first = run_until_saved(argv, env, at_least=SAVE_EVERY, stop_signal=signal.SIGTERM)
            self.assertNotEqual(code, 0, first)  # stopped before the end: not a success
            stopped = smoke_result(first)  # without the SIGTERM save the workers die silently: no result at all
            self.assertTrue(stopped["stopped_by_sigterm"], stopped)
            stopped_at = stopped["last_step"]
            self.assertGreater(stopped_at, SAVE_EVERY)  # it trained on after the save that triggered the signal
            self.assertLess(stopped_at, TOTAL_STEPS)
            self.assertEqual(saved_steps(first)[-1], stopped_at)  # saved at the step it stopped ...
            self.assertNotEqual(stopped_at % SAVE_EVERY, 0, first)  # ... which no periodic save would have hit

            code, second = run_to_end(argv, env)
            self.assertEqual(code, 0, second)
            result = smoke_result(second)
            self.assertEqual((result["resumed_from_step"], result["last_step"]), (stopped_at, TOTAL_STEPS))
            self.assertEqual(result["steps"], TOTAL_STEPS - stopped_at)

if __name__ == "__main__":
    unittest.main()
