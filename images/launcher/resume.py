"""The checkpoint contract between the cluster and a training script (docs/training-job.md, "Restarts resume").

Every training pod with an output volume gets GTC_CHECKPOINT_DIR: a directory on that volume that
belongs to the run (it survives pod restarts, node reclaims and JobSet group restarts; a replaced
run gets a new one). A script saves its state there now and then and when it receives SIGTERM
(it then has about 30 s: torchrun, which receives the pod's SIGTERM, kills its workers 30 s after
passing it on, whatever the pod's grace period), and loads it on start. This module is
that contract for the smoke workload, and an example for your own scripts: stdlib and torch only.
"""
import os
import signal

import torch

ENV = "GTC_CHECKPOINT_DIR"
STATE_FILE = "state.pt"


def checkpoint_dir(explicit=None):
    """The directory to save to and resume from: the flag, else $GTC_CHECKPOINT_DIR, else None."""
    return explicit or os.environ.get(ENV) or None


def state_path(directory):
    return os.path.join(directory, STATE_FILE)


def load(directory):
    """The saved state dict, or None when the run has not saved yet."""
    path = state_path(directory)
    if not os.path.exists(path):
        return None
    return torch.load(path, map_location="cpu")


def save(directory, state):
    """Write atomically (a reader never sees half a file, even if the pod is killed mid-write); return the path."""
    os.makedirs(directory, exist_ok=True)
    path = state_path(directory)
    torch.save(state, path + ".tmp")
    os.replace(path + ".tmp", path)
    return path


class StopRequest:
    """Remembers SIGTERM (spot reclaim, drain, JobSet restart) so the training loop can save and stop."""

    def __init__(self):
        self.requested = False
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum, frame):  # noqa: ARG002 (signal handler signature)
        self.requested = True
