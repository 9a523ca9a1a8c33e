"""The entrypoint of a dev pod (`npm run dev`): unpack the workdir, then stay up while someone uses the
pod and exit once it has been idle for --idle-minutes, so it never holds a GPU idle for long.

Use is any process in the container besides this one: a shell opened through the Kubernetes exec API,
Jupyter or TensorBoard started from it, a training run. The container's processes are the numbered
entries of /proc (the container has its own PID namespace). On exit the Job completes, its GPU is free
and the Job controller deletes it after its TTL. SIGTERM ends it at once. Standard library only.
"""
import argparse
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import workdir  # noqa: E402

#: Seconds between two looks at /proc.
POLL_SECONDS = 15


def _state(proc, pid):
    """The process's state letter from /proc/PID/stat (R, S, Z, ...), or None once it is gone."""
    try:
        with open(os.path.join(proc, str(pid), "stat")) as handle:
            return handle.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def reap():
    """Collect every exited child. As PID 1 this process inherits the orphans of the exec sessions; unreaped
    they stay zombies, which would look like use for ever."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def other_processes(proc="/proc", me=None):
    """PIDs in `proc` other than this process, zombies left out."""
    me = os.getpid() if me is None else me
    pids = (int(e) for e in os.listdir(proc) if e.isdigit() and int(e) != me)
    return sorted(pid for pid in pids if _state(proc, pid) not in (None, "Z"))


def wait_until_idle(idle_seconds, busy, sleep=time.sleep, clock=time.monotonic, poll=POLL_SECONDS):
    """Return once `busy()` has been false for idle_seconds without a break; returns the seconds waited."""
    start = clock()
    idle_since = start
    while True:
        now = clock()
        if busy():
            idle_since = now
        elif now - idle_since >= idle_seconds:
            return now - start
        sleep(poll)


def parse(argv):
    parser = argparse.ArgumentParser(prog="dev_idle.py", allow_abbrev=False,
                                     description="Keep a dev pod up until it has been idle for --idle-minutes.")
    parser.add_argument("--idle-minutes", type=float, required=True, metavar="N")
    parser.add_argument("--workdir", metavar="DIR")
    parser.add_argument("--workdir-archive", metavar="FILE")
    parser.add_argument("--workdir-sha256", metavar="HEX")
    return parser.parse_args(argv)


def main(argv=None):
    options = parse(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if options.workdir_archive:
        count, problem = workdir.unpack(options.workdir_archive, options.workdir_sha256, options.workdir)
        if problem:
            sys.stderr.write("dev: error: %s\n" % problem)
            return 2
        print("dev: workdir: %d files unpacked into %s" % (count, options.workdir), flush=True)
    print("dev: ready; exits after %g idle minutes (no process in the container but this one)" % options.idle_minutes,
          flush=True)
    def busy():
        reap()
        return bool(other_processes())
    waited = wait_until_idle(options.idle_minutes * 60, busy)
    print("dev: idle for %g minutes after %d s up; exiting, which frees the GPU" % (options.idle_minutes, waited), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
