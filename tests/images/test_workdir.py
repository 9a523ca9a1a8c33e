"""Tests for images/launcher/workdir.py and the launcher's --workdir/--setup path, end to end on CPU."""
import gzip
import hashlib
import io
import os
import sys
import tarfile
import tempfile
import unittest

from tests.images.processes import run_process

LAUNCHER = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "images", "launcher"))
sys.path.insert(0, LAUNCHER)

import workdir  # noqa: E402

DEBIAN_FLAGS = ["--redirects", "2", "--tee", "2"]


def make_archive(directory, files, raw_names=()):
    """Write files (name -> (bytes, mode)) as workdir.tar.gz; returns (path, sha256 of the tar)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, (data, mode) in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))
        for name, kind in raw_names:
            info = tarfile.TarInfo(name)
            info.type = kind
            if kind == tarfile.SYMTYPE:
                info.linkname = "/etc/passwd"
            tar.addfile(info)
    data = buffer.getvalue()
    path = os.path.join(directory, "workdir.tar.gz")
    with open(path, "wb") as handle:
        handle.write(gzip.compress(data))
    return path, hashlib.sha256(data).hexdigest()


class Unpack(unittest.TestCase):
    def test_unpacks_files_with_their_modes(self):
        with tempfile.TemporaryDirectory() as tmp:
            archive, digest = make_archive(tmp, {"train.py": (b"print(1)\n", 0o644), "bin/run.sh": (b"#!/bin/sh\n", 0o755)})
            dest = os.path.join(tmp, "w")
            count, problem = workdir.unpack(archive, digest, dest)
            self.assertEqual((count, problem), (2, None))
            with open(os.path.join(dest, "train.py"), "rb") as handle:
                self.assertEqual(handle.read(), b"print(1)\n")
            self.assertTrue(os.access(os.path.join(dest, "bin", "run.sh"), os.X_OK))
            self.assertFalse(os.access(os.path.join(dest, "train.py"), os.X_OK))

    def test_a_different_archive_than_planned_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            archive, _ = make_archive(tmp, {"train.py": (b"x", 0o644)})
            count, problem = workdir.unpack(archive, "0" * 64, os.path.join(tmp, "w"))
            self.assertEqual(count, 0)
            self.assertIn("not the %s this Job was planned with" % ("0" * 64), problem)
            self.assertFalse(os.path.exists(os.path.join(tmp, "w")))

    def test_links_and_escaping_paths_are_refused(self):
        for name, kind in [("evil", tarfile.SYMTYPE), ("../outside.py", tarfile.REGTYPE), ("/abs.py", tarfile.REGTYPE)]:
            with tempfile.TemporaryDirectory() as tmp:
                archive, digest = make_archive(tmp, {}, raw_names=[(name, kind)])
                _, problem = workdir.unpack(archive, digest, os.path.join(tmp, "w"))
                self.assertIn("not a relative regular file", problem or "", name)
                self.assertFalse(os.path.exists(os.path.join(tmp, "outside.py")))

    def test_a_missing_archive_is_one_line(self):
        _, problem = workdir.unpack("/nonexistent/workdir.tar.gz", "0" * 64, "/tmp/never")
        self.assertIn("cannot read the workdir archive /nonexistent/workdir.tar.gz", problem)
        self.assertNotIn("\n", problem)


class Setup(unittest.TestCase):
    def test_commands_run_in_order_in_the_directory(self):
        with tempfile.TemporaryDirectory() as tmp:
            problem = workdir.run_setup(["echo one > log", "echo two >> log"], tmp)
            self.assertIsNone(problem)
            with open(os.path.join(tmp, "log")) as handle:
                self.assertEqual(handle.read(), "one\ntwo\n")

    def test_the_first_failure_stops_with_one_line_naming_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            problem = workdir.run_setup(["true", "exit 3", "touch never"], tmp)
            self.assertEqual(problem, "setup command 2/3 exit 3 exited with 3; fix the command or its inputs and run again")
            self.assertFalse(os.path.exists(os.path.join(tmp, "never")))

    def test_a_multi_line_script_is_named_by_its_first_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            problem = workdir.run_setup(["echo start\nfalse\n"], tmp)
            self.assertIn("setup command 1/1 echo start ... exited with 1", problem)

    def test_the_training_python_comes_first_on_path(self):
        env = workdir.setup_env({"PATH": "/usr/bin"}, python="/opt/venv/bin/python3")
        self.assertEqual(env["PATH"], "/opt/venv/bin" + os.pathsep + "/usr/bin")

    def test_the_secret_variables_the_job_lists_are_left_out(self):
        env = workdir.setup_env({"PATH": "/usr/bin", "HF_TOKEN": "t", "WANDB_API_KEY": "k", "WANDB_PROJECT": "p",
                                 "GTC_SECRET_ENV": "HF_TOKEN, WANDB_API_KEY,"}, python="/usr/bin/python3")
        self.assertEqual(sorted(env), ["GTC_SECRET_ENV", "PATH", "WANDB_PROJECT"])
        self.assertEqual(workdir.setup_env({"HF_TOKEN": "t"}, python="/usr/bin/python3")["HF_TOKEN"], "t")


class LaunchWithWorkdir(unittest.TestCase):
    SCRIPT = (b"import os, torch.distributed as dist\n"
              b"dist.init_process_group('gloo')\n"
              b"print('TRAINED in %s with %s' % (os.getcwd(), open('dep.txt').read().strip()), flush=True)\n"
              b"dist.destroy_process_group()\n")

    def launch(self, tmp, setup, digest=None):
        archive, real = make_archive(tmp, {"train.py": (self.SCRIPT, 0o644)})
        dest = os.path.join(tmp, "workdir")
        argv = [sys.executable, os.path.join(LAUNCHER, "launch.py"), "--expect-gpus", "0", "--min-shm-mib", "1",
                "--workdir", dest, "--workdir-archive", archive, "--workdir-sha256", digest or real]
        for command in setup:
            argv += ["--setup", command]
        argv += ["--", "--standalone", "--nproc_per_node", "1"] + DEBIAN_FLAGS + [os.path.join(dest, "train.py")]
        return run_process(argv, 120), dest

    def test_unpacks_runs_setup_then_trains_in_the_workdir(self):
        with tempfile.TemporaryDirectory() as tmp:
            done, dest = self.launch(tmp, ["%s -c \"open('dep.txt', 'w').write('the dependency')\"" % sys.executable])
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("launch: workdir: 1 files unpacked into %s" % dest, done.stdout)
        self.assertIn("launch: setup 1/1: ", done.stdout)
        self.assertIn("TRAINED in %s with the dependency" % dest, done.stdout)

    def test_a_failing_setup_fails_the_launch_before_torchrun(self):
        with tempfile.TemporaryDirectory() as tmp:
            done, _ = self.launch(tmp, ["pip-that-does-not-exist install -r requirements.txt"])
        self.assertEqual(done.returncode, 2)
        self.assertNotIn("launch: run", done.stdout)
        errors = [l for l in done.stderr.splitlines() if l.startswith("launch: error:")]
        self.assertEqual(len(errors), 1, done.stderr)
        self.assertIn("setup command 1/1 pip-that-does-not-exist install -r requirements.txt exited with 127", errors[0])
        self.assertNotIn("Traceback", done.stderr)

    def test_a_changed_archive_never_runs(self):
        with tempfile.TemporaryDirectory() as tmp:
            done, _ = self.launch(tmp, [], digest="f" * 64)
        self.assertEqual(done.returncode, 2)
        self.assertIn("this Job was planned with", done.stderr)
        self.assertNotIn("launch: run", done.stdout)


if __name__ == "__main__":
    unittest.main()
