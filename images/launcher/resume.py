"""The checkpoint contract between the cluster and a training script (docs/training-job.md, "Restarts resume").

Every training pod with an output volume gets GTC_CHECKPOINT_DIR: a directory on that volume that
belongs to the experiment, not the run. It survives pod restarts, node reclaims, JobSet group
restarts and edits of the stack (a changed run resumes from the experiment's last state), unless
`experiment.freshStart` gives the run a directory of its own. A script saves its state there now and
then and when it receives SIGTERM, and loads it on start. This module is that contract for the smoke
workload, and an example for your own scripts: stdlib and torch only.

Saves are write-once files, never renamed or rewritten: `state-<step>.pt`, written sequentially and
closed. Mountpoint for Amazon S3 does not support rename (awslabs/mountpoint-s3 doc/SEMANTICS.md),
so "write a temporary file, then rename it" fails on an S3 output; a file written sequentially and
closed becomes one object there, and a writer killed midway leaves none. On other volumes a killed
writer can leave a partial file, which does not load: the newest file that loads wins. Older files
beyond the newest KEEP are deleted after each save where the volume allows it.

Stopping: SIGTERM (spot reclaim, drain, JobSet restart) has about 30 s to save (torchrun SIGKILLs
its workers 30 s after passing SIGTERM on). In a multi-node run only the disrupted node's ranks get
SIGTERM, so the ranks must agree to stop: every step, all-reduce a stop flag (MAX), and stop together
at the step where any rank saw SIGTERM (smoke.py train() does this); otherwise the other ranks block
in their next collective while the stopped ones save.
"""
import os
import re
import signal

import torch

ENV = "GTC_CHECKPOINT_DIR"
KEEP = 2
_STATE = re.compile(r"^state-(\d{12})\.pt$")


def checkpoint_dir(explicit=None):
    """The directory to save to and resume from: the flag, else $GTC_CHECKPOINT_DIR, else None."""
    return explicit or os.environ.get(ENV) or None


def state_path(directory, step):
    return os.path.join(directory, "state-%012d.pt" % step)


def saved_steps(directory):
    """Steps with a state file in `directory`, newest first."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    return sorted((int(m.group(1)) for m in map(_STATE.match, names) if m), reverse=True)


def latest(directory):
    """(state dict, path) of the newest state that loads, or (None, None) when there is none."""
    for step in saved_steps(directory):
        path = state_path(directory, step)
        try:
            return torch.load(path, map_location="cpu"), path
        except Exception:  # a partial file from a writer killed midway: take the one before
            continue
    return None, None


def _loads(path):
    try:
        torch.load(path, map_location="cpu")
        return True
    except Exception:
        return False


def load(directory):
    """The newest saved state dict, or None when the experiment has not saved yet."""
    return latest(directory)[0]


def save(directory, state):
    """Write `state` (with its "step") to a new file, never renaming or overwriting; return the path."""
    os.makedirs(directory, exist_ok=True)
    path = state_path(directory, int(state["step"]))
    try:
        handle = open(path, "xb")  # write-once: a step already saved is the same state
    except FileExistsError:
        if _loads(path):
            return path
        os.remove(path)  # a partial file left by a killed writer
        handle = open(path, "xb")
    with handle:
        torch.save(state, handle)
    prune(directory)
    return path


def prune(directory, keep=KEEP):
    """Delete all but the newest `keep` states; a volume that refuses deletes keeps them all."""
    for step in saved_steps(directory)[keep:]:
        try:
            os.remove(state_path(directory, step))
        except OSError:
            return


class StopRequest:
    """Remembers SIGTERM (spot reclaim, drain, JobSet restart) so the training loop can save and stop."""

    def __init__(self):
        self.requested = False
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum, frame):  # noqa: ARG002 (signal handler signature)
        self.requested = True
