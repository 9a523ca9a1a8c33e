"""Running launcher processes in tests: each in its own session, killed whole on timeout."""
import os
import signal
import subprocess


def run_process(argv, timeout):
    """Run argv in its own session; on timeout kill the whole group (torchrun's workers too) and fail."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError("timed out after %d s: %s\n%s%s" % (timeout, " ".join(argv), out, err))
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)
