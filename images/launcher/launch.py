"""Container entrypoint for training pods: preflight checks, then torch.distributed.run under supervision.

    python3 /opt/gtc/launch.py [--expect-gpus N] [--min-shm-mib M] [--dataset PATH]... [--output PATH]
                               [--workdir DIR --workdir-archive FILE --workdir-sha256 HEX] [--setup CMD]...
                               [--wait-for-host HOST [--wait-seconds S]] [--skip-preflight]
                               [--peer HOST:PORT... --node-rank N [--peer-linger-seconds S]] [--max-restarts N]
                               -- <torch.distributed.run arguments...>

With --workdir the archive is checked and unpacked into DIR, and DIR becomes the working directory of
the setup commands and of torch.distributed.run (see workdir.py). Each --setup command runs in order
after the preflight; the first that fails ends the launch with exit code 2 and one line naming it.

Everything after the first "--" is handed to `python -m torch.distributed.run` untouched; this script
adds no launcher flags of its own (the Kubernetes Job builder decides them), but for --keep-logs DIR, which
puts `--log_dir <local dir> --tee 3` first and copies each rank's log under DIR when torchrun ends
(keep_logs.py). torch.distributed.run runs
as a child, not exec'd: the launcher stays PID 1, handles SIGTERM in every phase (supervise.py) and
chooses the exit code. Exit codes: 0 when training succeeded; 2 for a usage error, a failed preflight
or setup (one message per problem on stderr); 127 if torch.distributed.run cannot start; 143 after
SIGTERM; 75 when a multi-node run failed because another node (--peer) was lost or stopping; 76 when
GTC_RESTART_ATTEMPT exceeds --max-restarts; 77 when --gpu-health found a sick GPU (the node is labelled); otherwise torch.distributed.run's own code (1 in place of
75, 76 or 143), a training failure.

The files of this directory are mounted from a ConfigMap into a stock PyTorch image, so siblings are
imported from the script's own directory and nothing beyond the standard library and torch is used.
"""
import argparse
import os
import shlex
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gpu_health  # noqa: E402  (needs the sys.path entry above)
import preflight  # noqa: E402
import rendezvous  # noqa: E402
import keep_logs  # noqa: E402
import supervise  # noqa: E402
import workdir  # noqa: E402

#: The pod's node name, from the downward API (spec.nodeName): the node a sick GPU's check labels.
NODE_NAME_ENV = "GTC_NODE_NAME"
#: Seconds a setup command gets to end after the forwarded SIGTERM before it is SIGKILLed.
SETUP_STOP_SECONDS = 10
#: torch.distributed.run gives its workers 30 s after SIGTERM (plan/queueing.ts TORCHRUN_SHUTDOWN_SECONDS);
#: then it needs a moment to reap them.
TORCHRUN_STOP_SECONDS = 40
#: ... but once its workers are gone it has nothing to save: it goes after this long.
TORCHRUN_IDLE_STOP_SECONDS = 2


def parse(argv):
    """Split argv at the first "--"; returns (options, torchrun_args). Usage errors exit 2 via argparse."""
    # allow_abbrev=False: argparse would otherwise take "--expect" for "--expect-gpus" and a
    # misspelt flag would silently change meaning (https://docs.python.org/3/library/argparse.html#allow-abbrev).
    parser = argparse.ArgumentParser(
        prog="launch.py",
        allow_abbrev=False,
        usage="python3 launch.py [--expect-gpus N] [--min-shm-mib M] [--dataset PATH]... [--output PATH] "
              "[--wait-for-host HOST [--wait-seconds S]] [--skip-preflight] -- <torch.distributed.run arguments...>",
        description="Run the preflight checks, then python -m torch.distributed.run with the arguments after --.")
    preflight.add_arguments(parser)
    parser.add_argument("--skip-preflight", action="store_true", help="exec torch.distributed.run without checks")
    parser.add_argument("--gpu-health", metavar="GPU",
                        help="after the preflight, measure every GPU against this catalog GPU's figures (gpu_health.py); "
                             "a sick GPU labels the node and exits 77")
    parser.add_argument("--wait-for-host", metavar="HOST",
                        help="multi-node runs: wait until pod 0's DNS name resolves before starting torchrun")
    parser.add_argument("--wait-seconds", type=int, default=900, metavar="S",
                        help="how long --wait-for-host waits (default 900)")
    parser.add_argument("--workdir", metavar="DIR",
                        help="unpack --workdir-archive here and run setup and torchrun in it")
    parser.add_argument("--workdir-archive", metavar="FILE", help="the workdir's tar.gz")
    parser.add_argument("--workdir-sha256", metavar="HEX", help="sha256 of the archive's uncompressed tar")
    parser.add_argument("--setup", action="append", default=[], metavar="CMD",
                        help="a shell command to run before torchrun (repeatable, in order)")
    parser.add_argument("--peer", action="append", default=[], metavar="HOST:PORT",
                        help="multi-node runs: every node's launcher, in node-rank order (this one included)")
    parser.add_argument("--node-rank", type=int, metavar="N", help="this node's index in --peer")
    parser.add_argument("--peer-linger-seconds", type=float, default=30.0, metavar="S",
                        help="after a failure, keep answering peers this long before exiting (default 30)")
    parser.add_argument("--keep-logs", metavar="DIR",
                        help="copy each rank's stdout and stderr under DIR/<pod name>/ when torchrun ends")
    parser.add_argument("--max-restarts", type=int, metavar="N",
                        help="exit 76 at once when GTC_RESTART_ATTEMPT is above N")
    if "--" not in argv:
        parser.error("missing '--' before the torch.distributed.run arguments "
                     "(e.g. -- --nproc_per_node 8 train.py)")
    split = argv.index("--")
    options = parser.parse_args(argv[:split])
    if options.workdir_archive and not (options.workdir and options.workdir_sha256):
        parser.error("--workdir-archive needs --workdir and --workdir-sha256")
    if options.peer:
        try:
            options.peer = [supervise.parse_peer(p) for p in options.peer]
        except ValueError as exc:
            parser.error("--peer: %s" % exc)
        if options.node_rank is None or not 0 <= options.node_rank < len(options.peer):
            parser.error("--peer needs --node-rank between 0 and %d" % (len(options.peer) - 1))
    rest = argv[split + 1:]
    if not rest:
        parser.error("nothing after '--': give the torch.distributed.run arguments and the training script")
    return options, rest


def check_gpus(model, environ=None):
    """The GPU health check (gpu_health.py): 0 when every GPU is healthy; 77 after labelling the node when
    one is not; 2 when the model is not in the catalog or the check itself could not run."""
    environ = os.environ if environ is None else environ
    expected = preflight.CATALOG.gpu_health.get(model)
    if expected is None:
        sys.stderr.write("launch: error: --gpu-health %s: not a GPU of the catalog (known: %s)\n"
                         % (model, ", ".join(sorted(preflight.CATALOG.gpu_health)) or "none"))
        return 2
    problems, measured, blame = gpu_health.check(sys.executable, expected, environ=dict(environ))
    if not problems:
        print(gpu_health.summary(measured), flush=True)
        return 0
    for problem in problems:
        sys.stderr.write("gpu-health: error: %s\n" % problem)
    if blame == "check":  # the check's own software failed: no reason to shun the node, and no GPU was judged
        sys.stderr.write("gpu-health: the check could not run; exit 2 (set experiment.gpuHealthCheck: false to skip it)\n")
        return 2
    node = environ.get(NODE_NAME_ENV)
    marked = gpu_health.mark_node(gpu_health.api_from_env(environ), node, "; ".join(problems))
    sys.stderr.write("gpu-health: node %s %s; exit %d, the run restarts on another node\n" % (
        node or "?", marked or "labelled %s=true" % gpu_health.UNHEALTHY_LABEL, supervise.GPU_UNHEALTHY))
    return supervise.GPU_UNHEALTHY


def command(rest):
    """The argv exec'd: the same interpreter, so the image's torch is the one that runs."""
    return [sys.executable, "-m", "torch.distributed.run"] + list(rest)


def keep_environment_private():
    """Make this process non-dumpable (prctl PR_SET_DUMPABLE 0). Its environment holds the secretEnv
    values, and /proc/<pid>/environ is readable by any process of the same user (proc(5)); a
    non-dumpable process's /proc files are owned by root and need CAP_SYS_PTRACE to read through
    ptrace_may_access (ptrace(2), "Ptrace access mode checking", step 4), which the training
    container drops with every other capability. So a setup command, which runs as the same user,
    cannot read the values back from the launcher. Children are dumpable again after execve
    (prctl(2) PR_SET_DUMPABLE). Returns False where the call is unavailable (not Linux)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


#: linux/prctl.h
PR_SET_DUMPABLE = 4


def main(argv=None):
    options, rest = parse(sys.argv[1:] if argv is None else argv)
    keep_environment_private()
    supervisor = supervise.Supervisor().install()
    server = None
    try:
        if options.peer:
            server = supervise.PeerServer(options.peer[options.node_rank][1], supervisor)
        return launch(options, rest, supervisor)
    except supervise.Stopped:
        print("launch: stopped by SIGTERM; exit %d" % supervise.STOPPED, flush=True)
        return supervise.STOPPED
    finally:
        if server is not None:
            server.close()


def launch(options, rest, supervisor):
    attempt = supervise.restart_attempt()
    if options.max_restarts is not None and attempt > options.max_restarts:
        sys.stderr.write("launch: error: restart attempt %d is above the run's limit of %d restarts (training "
                         "failures and disruptions together); the run fails for good\n" % (attempt, options.max_restarts))
        return supervise.RESTART_LIMIT
    if options.skip_preflight:
        print("launch: preflight skipped (--skip-preflight)", flush=True)
    else:
        status = preflight.run(preflight.requirements_from_args(options))
        if status != 0:
            return status
        if options.gpu_health:
            status = check_gpus(options.gpu_health)
            if status != 0:
                return status
    if options.workdir_archive:
        count, problem = workdir.unpack(options.workdir_archive, options.workdir_sha256, options.workdir)
        if problem:
            sys.stderr.write("launch: error: %s\n" % problem)
            return 2
        print("launch: workdir: %d files unpacked into %s (sha256 %s)" % (count, options.workdir, options.workdir_sha256),
              flush=True)
    if options.workdir:
        os.chdir(options.workdir)
    if options.setup:
        hidden = workdir.secret_names()
        if hidden:
            print("launch: setup runs without the secretEnv variables %s; torch.distributed.run's workers get them"
                  % ", ".join(hidden), flush=True)

        def call(argv, **popen):
            return supervisor.run(argv, SETUP_STOP_SECONDS, group=True, **popen)
        problem = workdir.run_setup(options.setup, os.getcwd(), workdir.setup_env(), call=call)
        if problem:
            sys.stderr.write("launch: error: %s\n" % problem)
            return 2
    if options.wait_for_host:
        print("launch: waiting up to %d s for %s to resolve" % (options.wait_seconds, options.wait_for_host), flush=True)
        problem = rendezvous.wait_for_host(options.wait_for_host, options.wait_seconds)
        if problem:
            sys.stderr.write("launch: error: %s\n" % problem)
            return 2
    rank_logs = keep_logs.local_dir() if options.keep_logs else None
    argv_out = command((keep_logs.torchrun_flags(rank_logs) if rank_logs else []) + list(rest))
    print("launch: run %s" % " ".join(shlex.quote(a) for a in argv_out), flush=True)
    supervise.flush()
    try:
        status = supervisor.run(argv_out, TORCHRUN_STOP_SECONDS, idle_stop_wait=TORCHRUN_IDLE_STOP_SECONDS)
    except OSError as exc:
        sys.stderr.write("launch: error: cannot run %s: %s\n" % (argv_out[0], exc))
        return 127
    finally:
        # After torchrun, whatever its end (a SIGTERM included): the pod's grace period has room.
        if rank_logs:
            keep_logs.report(rank_logs, options.keep_logs)
    if status == 0:
        return 0
    states = supervise.peer_states(options.peer, options.node_rank) if options.peer else {}
    code = supervise.attribute(status, supervisor.stopping, states)
    print(supervise.describe(code, states), flush=True)
    if options.peer:
        # Stay reachable, so that a peer whose run fails a moment later finds this node alive.
        time.sleep(options.peer_linger_seconds)
    return code


if __name__ == "__main__":
    sys.exit(main())
