"""Each rank's log, kept under the run's output directory, so it outlives the pod and the cluster.

torch.distributed.run writes every worker's stdout and stderr to files when given --log_dir and
--tee (torch/distributed/run.py: "--log-dir"/"--log_dir", "-t"/"--tee", "3" = both streams of every
local rank; the console still gets them, each line prefixed `[default<local rank>]:` by the tee, which
`npm run status` strips). Its layout is
<log_dir>/<rdzv_id>_<random>/attempt_<n>/<local rank>/{stdout,stderr}.log (DefaultLogsSpecs in
torch/distributed/elastic/multiprocessing/api.py). Those files go to a local directory first:
the tee reads them back while they grow, and an S3 output (Mountpoint) cannot read a file still
being written (awslabs/mountpoint-s3 doc/SEMANTICS.md, "New files that are being written are not
available for reading until the writing application closes the file"). When torchrun has ended,
however it ended, each file is copied once, sequentially, to
<keep dir>/<pod name>/<the same relative path>: a new file written start to end, which every
output kind accepts. A pod killed outright (SIGKILL, node loss) leaves no copy of its attempt.
"""
import os
import shutil
import socket
import sys
import tempfile

#: Every local rank's stdout and stderr (torch's Std.ALL).
TEE_ALL = "3"


def torchrun_flags(local_dir):
    """The flags put before the other torch.distributed.run arguments."""
    return ["--log_dir", local_dir, "--tee", TEE_ALL]


def local_dir():
    return tempfile.mkdtemp(prefix="gtc-rank-logs-")


def keep(local, keep_dir, pod=None):
    """Copy every log file under `local` to keep_dir/<pod>/; returns (files copied, problem or None)."""
    target = os.path.join(keep_dir, pod or socket.gethostname())
    copied = 0
    try:
        for root, _dirs, files in os.walk(local):
            for name in sorted(files):
                source = os.path.join(root, name)
                dest = os.path.join(target, os.path.relpath(source, local))
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                shutil.copyfile(source, dest)
                copied += 1
    except OSError as exc:
        return copied, "could not keep the rank logs under %s: %s" % (target, exc)
    return copied, None


def report(local, keep_dir, pod=None):
    """keep() and one line saying what it did; a problem never changes the run's result."""
    copied, problem = keep(local, keep_dir, pod)
    if problem:
        sys.stderr.write("launch: warning: %s\n" % problem)
    else:
        print("launch: kept %d rank log file%s under %s" % (copied, "" if copied == 1 else "s",
                                                               os.path.join(keep_dir, pod or socket.gethostname())),
              flush=True)
