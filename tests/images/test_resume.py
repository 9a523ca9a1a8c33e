"""Restarts resume: a real torchrun DDP run (gloo, CPU) is killed midway and started again, and the
second run continues from the step the first one saved (images/launcher/resume.py, smoke.py)."""
import os
import shutil
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


def torchrun(checkpoints, preload=None):
    # A private rendezvous port (not --standalone's fixed one), so parallel test runs cannot collide.
    # --redirects/--tee: needed only by Debian's torch 1.13 launcher on Python 3.11.
    return [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", "--nproc_per_node=2", "--rdzv_backend=c10d",
            "--rdzv_endpoint=127.0.0.1:%d" % free_port(), "--redirects", "2", "--tee", "2", SMOKE,
            "--steps", str(TOTAL_STEPS), "--save-every", str(SAVE_EVERY), "--warmup-steps", "1"] + SMALL[:-2] + [
            "--cpu"], dict(os.environ, GTC_CHECKPOINT_DIR=checkpoints, **({"LD_PRELOAD": preload} if preload else {}))


def run_until_saved(argv, env, at_least, stop_signal, timeout=120):
    """Start a run, wait until it reports a save at step >= at_least, then stop it.

    SIGKILL goes to every process (a killed container); SIGTERM to torchrun alone: in a pod the launcher, PID 1,
    passes it to torchrun only, and torchrun's agent passes it on to its workers. Signalling the whole group would hide a broken hand-over.
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

NO_RENAME_C = r"""
#include <errno.h>
/* Every rename fails, as on Mountpoint for Amazon S3 (awslabs/mountpoint-s3 doc/SEMANTICS.md). */
int rename(const char *a, const char *b) { (void)a; (void)b; errno = ENOTSUP; return -1; }
int renameat(int fa, const char *a, int fb, const char *b) { (void)fa; (void)a; (void)fb; (void)b; errno = ENOTSUP; return -1; }
int renameat2(int fa, const char *a, int fb, const char *b, unsigned int f) { (void)fa; (void)a; (void)fb; (void)b; (void)f; errno = ENOTSUP; return -1; }
"""


def no_rename_library(directory):
    """An LD_PRELOAD library under which rename(2) and its relatives fail with ENOTSUP."""
    source, library = os.path.join(directory, "norename.c"), os.path.join(directory, "norename.so")
    with open(source, "w") as handle:
        handle.write(NO_RENAME_C)
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", library, source], check=True)
    return library


@unittest.skipUnless(shutil.which("gcc"), "needs gcc to build the no-rename library")
class WhereRenameFails(unittest.TestCase):
    def test_control_the_library_makes_rename_fail(self):
        with tempfile.TemporaryDirectory() as tmp:
            library = no_rename_library(tmp)
            program = "import os; open('a', 'w').close(); os.replace('a', 'b')"
            done = subprocess.run([sys.executable, "-c", program], cwd=tmp, env=dict(os.environ, LD_PRELOAD=library),
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
            self.assertNotEqual(done.returncode, 0)
            self.assertIn("Operation not supported", done.stdout)

    def test_the_smoke_workload_saves_stops_and_resumes_without_rename(self):
        with tempfile.TemporaryDirectory() as tmp:
            ckpt = os.path.join(tmp, "ckpt")
            argv, env = torchrun(ckpt, preload=no_rename_library(tmp))
            code, first = run_until_saved(argv, env, at_least=2 * SAVE_EVERY, stop_signal=signal.SIGTERM)
            self.assertNotEqual(code, 0, first)  # torchrun itself exits 1 on SIGTERM; the launcher makes it 143
            stopped_at = smoke_result(first)["last_step"]
            self.assertEqual(saved_steps(first)[-1], stopped_at)
            # Write-once files, the newest KEEP of them; nothing temporary left behind.
            self.assertEqual(sorted(os.listdir(ckpt))[-1], "state-%012d.pt" % stopped_at)
            self.assertEqual(len(os.listdir(ckpt)), 2, os.listdir(ckpt))

            code, second = run_to_end(argv, env)
            self.assertEqual(code, 0, second)
            result = smoke_result(second)
            self.assertEqual((result["resumed_from_step"], result["last_step"]), (stopped_at, TOTAL_STEPS))


class NewestCompleteStateWins(unittest.TestCase):
    def test_a_partial_newest_file_is_skipped_and_rewritten(self):
        sys.path.insert(0, os.path.dirname(SMOKE))
        import resume
        with tempfile.TemporaryDirectory() as ckpt:
            resume.save(ckpt, {"step": 100, "w": 1})
            resume.save(ckpt, {"step": 200, "w": 2})
            with open(resume.state_path(ckpt, 300), "wb") as partial:  # a writer killed midway
                partial.write(b"PK\x03\x04 truncated")
            state, path = resume.latest(ckpt)
            self.assertEqual((state["w"], path), (2, resume.state_path(ckpt, 200)))
            resume.save(ckpt, {"step": 300, "w": 3})
            self.assertEqual(resume.load(ckpt)["w"], 3)
            self.assertEqual(resume.saved_steps(ckpt), [300, 200])  # pruned to KEEP
            self.assertEqual(resume.save(ckpt, {"step": 300, "w": 99}), resume.state_path(ckpt, 300))
            self.assertEqual(resume.load(ckpt)["w"], 3)  # write-once: a saved step is never rewritten

    def test_an_empty_or_missing_directory_has_no_state(self):
        sys.path.insert(0, os.path.dirname(SMOKE))
        import resume
        with tempfile.TemporaryDirectory() as ckpt:
            self.assertEqual(resume.latest(ckpt), (None, None))
            self.assertIsNone(resume.load(os.path.join(ckpt, "never")))


if __name__ == "__main__":
    unittest.main()
