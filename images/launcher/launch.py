"""Container entrypoint for training pods: preflight checks, then exec torch.distributed.run.

    python3 /opt/gtc/launch.py [--expect-gpus N] [--min-shm-mib M] [--dataset PATH]... [--output PATH]
                               [--workdir DIR --workdir-archive FILE --workdir-sha256 HEX] [--setup CMD]...
                               [--wait-for-host HOST [--wait-seconds S]] [--skip-preflight]
                               -- <torch.distributed.run arguments...>

With --workdir the archive is checked and unpacked into DIR, and DIR becomes the working directory of
the setup commands and of torch.distributed.run (see workdir.py). Each --setup command runs in order
after the preflight; the first that fails ends the launch with exit code 2 and one line naming it.

Everything after the first "--" is handed to `python -m torch.distributed.run` untouched; this script
adds no launcher flags of its own (the Kubernetes Job builder decides them). Exit codes before the exec:
2 for a usage error or a failed preflight (one message per problem on stderr), 127 if the exec fails.
After the exec the exit code is torch.distributed.run's.

The files of this directory are mounted from a ConfigMap into a stock PyTorch image, so siblings are
imported from the script's own directory and nothing beyond the standard library and torch is used.
"""
import argparse
import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import preflight  # noqa: E402  (needs the sys.path entry above)
import rendezvous  # noqa: E402
import workdir  # noqa: E402


def parse(argv):
    """Split argv at the first "--"; returns (options, torchrun_args). Usage errors exit 2 via argparse."""
    # allow_abbrev=False: argparse would otherwise take "--expect" for "--expect-gpus" and a
    # misspelt flag would silently change meaning (https://docs.python.org/3/library/argparse.html#allow-abbrev).
    parser = argparse.ArgumentParser(
        prog="launch.py",
        allow_abbrev=False,
        usage="python3 launch.py [--expect-gpus N] [--min-shm-mib M] [--dataset PATH]... [--output PATH] "
              "[--wait-for-host HOST [--wait-seconds S]] [--skip-preflight] -- <torch.distributed.run arguments...>",
        description="Run the preflight checks, then exec python -m torch.distributed.run with the arguments after --.")
    preflight.add_arguments(parser)
    parser.add_argument("--skip-preflight", action="store_true", help="exec torch.distributed.run without checks")
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
    if "--" not in argv:
        parser.error("missing '--' before the torch.distributed.run arguments "
                     "(e.g. -- --nproc_per_node 8 train.py)")
    split = argv.index("--")
    options = parser.parse_args(argv[:split])
    if options.workdir_archive and not (options.workdir and options.workdir_sha256):
        parser.error("--workdir-archive needs --workdir and --workdir-sha256")
    rest = argv[split + 1:]
    if not rest:
        parser.error("nothing after '--': give the torch.distributed.run arguments and the training script")
    return options, rest


def command(rest):
    """The argv exec'd: the same interpreter, so the image's torch is the one that runs."""
    return [sys.executable, "-m", "torch.distributed.run"] + list(rest)


def main(argv=None):
    options, rest = parse(sys.argv[1:] if argv is None else argv)
    if options.skip_preflight:
        print("launch: preflight skipped (--skip-preflight)", flush=True)
    else:
        status = preflight.run(preflight.requirements_from_args(options))
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
        problem = workdir.run_setup(options.setup, os.getcwd(), workdir.setup_env())
        if problem:
            sys.stderr.write("launch: error: %s\n" % problem)
            return 2
    if options.wait_for_host:
        print("launch: waiting up to %d s for %s to resolve" % (options.wait_seconds, options.wait_for_host), flush=True)
        problem = rendezvous.wait_for_host(options.wait_for_host, options.wait_seconds)
        if problem:
            sys.stderr.write("launch: error: %s\n" % problem)
            return 2
    argv_out = command(rest)
    print("launch: exec %s" % " ".join(shlex.quote(a) for a in argv_out), flush=True)
    sys.stderr.flush()
    try:
        os.execv(argv_out[0], argv_out)
    except OSError as exc:
        sys.stderr.write("launch: error: cannot exec %s: %s\n" % (argv_out[0], exc))
        return 127


if __name__ == "__main__":
    sys.exit(main())
