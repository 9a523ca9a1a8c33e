"""SIGTERM in every phase, and the exit code that tells the controllers what failed.

The launcher is the container's entrypoint, PID 1 of the pod's PID namespace. The kernel delivers a
signal to a namespace's init only if init handles it (pid_namespaces(7): "the init process ... can
be sent signals only if it has established a handler"; SIGKILL aside), so without a handler the
pod's SIGTERM is dropped and the pod holds its GPUs until the grace period ends in SIGKILL. The
Supervisor installs one before anything else: with no child running, SIGTERM raises Stopped, which
ends the launch at once with 143; with a child running (a setup command, torch.distributed.run) it
is forwarded to the child, and the launcher exits 143 once the child is gone, or after `stop_wait`
seconds with the child SIGKILLed.

The exit code of a failed run is chosen so that the Job's podFailurePolicy can tell a node
disruption from a training failure whatever order the Job controller meets the failed pods in
(docs/training-job.md, "What a failure costs"):

  STOPPED (143)        this pod was told to stop (SIGTERM): a drain, a reclaim, a deletion.
  PEER_LOST (75)       torch.distributed.run failed and a peer launcher did not answer or was
                       stopping: the failure came from another node. Replaced, never counted.
  RESTART_LIMIT (76)   the run has been restarted more often than --max-restarts: it fails for good.
  GPU_UNHEALTHY (77)   the GPU health check found a sick GPU (gpu_health.py) and labelled the node: the
                       machine's fault, not the application's; the run restarts on another node.
  anything else        a training failure; torch.distributed.run's own code, or 1 where that code is
                       one of the above.

Peers answer on a small TCP port each launcher serves from its first second to its last: one line,
"ok" or "stopping". A launcher whose run failed asks every peer; all alive means the failure is the
application's (every node sees the same peers alive, so every node says so); one gone means a node was
lost or stopped. It then keeps answering for `linger` seconds, so a peer that fails a little later
still finds it alive. Standard library only.
"""
import os
import signal
import socket
import subprocess
import sys
import threading
import time

STOPPED = 128 + signal.SIGTERM
PEER_LOST = 75  # EX_TEMPFAIL in sysexits.h: try again, elsewhere
RESTART_LIMIT = 76
GPU_UNHEALTHY = 77
RESERVED = (STOPPED, PEER_LOST, RESTART_LIMIT, GPU_UNHEALTHY)


class Stopped(BaseException):
    """SIGTERM arrived while no child was running (BaseException: no `except Exception` swallows it)."""


def exit_code(status):
    """A subprocess returncode as a shell would report it: -9 (killed by SIGKILL) is 137."""
    return 128 - status if status < 0 else status


class Supervisor:
    """Owns SIGTERM: raises Stopped between children, forwards it to a running child."""

    def __init__(self, clock=time.monotonic):
        self.stopping = False
        self._child = None
        self._group = False
        self._clock = clock

    def install(self):
        signal.signal(signal.SIGTERM, self._on_sigterm)
        return self

    def _on_sigterm(self, signum, frame):  # noqa: ARG002 (signal handler signature)
        self.stopping = True
        child = self._child
        if child is not None and child.poll() is None:
            self._signal(child, signal.SIGTERM)
            return
        raise Stopped()

    def _signal(self, child, sig):
        try:
            if self._group:
                os.killpg(child.pid, sig)
            else:
                os.kill(child.pid, sig)
        except ProcessLookupError:
            pass

    def run(self, argv, stop_wait, group=False, idle_stop_wait=None, **popen):
        """Run argv to its end; returns its exit code (exit_code form). With `group`, the child leads its
        own process group and SIGTERM reaches everything it started (a setup shell's pip); without, only
        the child gets it (torch.distributed.run passes it to its workers itself). Raises Stopped when
        SIGTERM came before or during the run. With `idle_stop_wait`, a stopping child that has no
        processes of its own left is SIGKILLed after that many seconds instead of `stop_wait`:
        torch.distributed.run whose workers are gone has nothing left to save, yet can sit in its exit
        barrier for minutes waiting for agents that are gone."""
        if self.stopping:
            raise Stopped()
        if group:
            popen["start_new_session"] = True
        child = subprocess.Popen(argv, **popen)
        self._child, self._group = child, group
        try:
            deadline = idle_since = None
            while True:
                try:
                    status = child.wait(timeout=0.2)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if self.stopping:
                    deadline = deadline if deadline is not None else self._clock() + stop_wait
                    if idle_stop_wait is not None and child_processes(child.pid) == []:
                        idle_since = idle_since if idle_since is not None else self._clock()
                        deadline = min(deadline, idle_since + idle_stop_wait)
                    else:
                        idle_since = None
                    if self._clock() >= deadline:
                        self._signal(child, signal.SIGKILL)
        finally:
            self._child = None
        if self.stopping:
            raise Stopped()
        return exit_code(status)


def child_processes(pid):
    """PIDs of the direct children of `pid` (Linux /proc), or None where the kernel does not say
    (the file needs CONFIG_PROC_CHILDREN): unknown is never "no workers left"."""
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as handle:
            return [int(p) for p in handle.read().split()]
    except (OSError, ValueError):
        return None


class PeerServer:
    """Answers each connection with one line: "stopping" once SIGTERM came, else "ok"."""

    def __init__(self, port, supervisor, host="0.0.0.0"):
        self._supervisor = supervisor
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.listen(16)
        self._thread = threading.Thread(target=self._serve, name="peer-server", daemon=True)
        self._thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                try:
                    conn.sendall(b"stopping\n" if self._supervisor.stopping else b"ok\n")
                except OSError:
                    pass

    def close(self):
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()


def parse_peer(text):
    """"host:port" -> (host, port); ValueError with the reason otherwise."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("%r is not HOST:PORT" % text)
    return host, int(port)


def ask_peer(host, port, timeout=3.0, attempts=3, sleep=time.sleep):
    """The peer's answer ("ok", "stopping"), or "gone: <why>" when it does not answer."""
    why = "no answer"
    for attempt in range(attempts):
        try:
            with socket.create_connection((host, port), timeout=timeout) as conn:
                conn.settimeout(timeout)
                line = conn.makefile("rb").readline().decode("ascii", "replace").strip()
                if line in ("ok", "stopping"):
                    return line
                why = "answered %r" % line
        except OSError as exc:
            why = str(exc) or type(exc).__name__
        if attempt + 1 < attempts:
            sleep(1.0)
    return "gone: " + why


def peer_states(peers, self_index, ask=ask_peer):
    """{index: answer} for every peer but this node."""
    return {i: ask(host, port) for i, (host, port) in enumerate(peers) if i != self_index}


def attribute(status, stopping, states):
    """The launcher's exit code for torch.distributed.run's `status` (exit_code form)."""
    if stopping:
        return STOPPED
    if status == 0:
        return 0
    if any(answer != "ok" for answer in states.values()):
        return PEER_LOST
    return 1 if status in RESERVED or not 0 < status < 256 else status


def describe(code, states):
    """One line for the log saying how the failure was read."""
    others = ", ".join("node %d %s" % (i, a) for i, a in sorted(states.items())) or "no peers"
    if code == PEER_LOST:
        return "launch: another node failed or stopped (%s): exit %d, a disruption" % (others, code)
    return "launch: torch.distributed.run failed with every peer alive (%s): exit %d, a training failure" % (others, code)


def restart_attempt(environ=None):
    """The JobSet restart attempt this pod belongs to (GTC_RESTART_ATTEMPT, from the pod's
    jobset.sigs.k8s.io/restart-attempt label); 0 outside a JobSet."""
    value = (os.environ if environ is None else environ).get("GTC_RESTART_ATTEMPT", "0")
    return int(value) if value.isdigit() else 0


def flush():
    sys.stdout.flush()
    sys.stderr.flush()
