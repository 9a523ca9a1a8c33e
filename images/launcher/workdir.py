"""The experiment's own code and setup: unpack the workdir archive, then run the setup commands.

The archive is a tar.gz built by the stack (workdir/tar.ts): regular files only, relative paths. It
arrives read-only (a ConfigMap) and is unpacked into a writable directory (an emptyDir), which becomes
torch.distributed.run's working directory. Its sha256 (of the uncompressed tar) is checked first, so a
pod never runs files other than the ones its Job was planned with. Setup commands run one by one with
/bin/sh in that directory, their output going to the pod's log; the first that fails ends the launch
with one line naming it and its exit code. Standard library only.
"""
import gzip
import hashlib
import io
import os
import subprocess
import sys
import tarfile


def _safe_member(name):
    """A relative path that stays inside the destination, or None."""
    if not name or name.startswith("/") or "\\" in name:
        return None
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return None
    return os.path.join(*parts)


def unpack(archive, expected_sha256, dest):
    """Unpack `archive` into `dest`; returns (number of files, None) or (0, one-line problem)."""
    try:
        with open(archive, "rb") as handle:
            tar = gzip.decompress(handle.read())
    except (OSError, EOFError) as exc:
        return 0, ("cannot read the workdir archive %s (%s); fix: check that the Job's workdir ConfigMap "
                   "exists and is mounted" % (archive, exc))
    digest = hashlib.sha256(tar).hexdigest()
    if digest != expected_sha256:
        return 0, ("the workdir archive %s has sha256 %s, not the %s this Job was planned with; fix: run "
                   "`pulumi up` again so the Job and its workdir ConfigMap match" % (archive, digest, expected_sha256))
    os.makedirs(dest, exist_ok=True)
    count = 0
    with tarfile.open(fileobj=io.BytesIO(tar), mode="r:") as members:
        for member in members:
            relative = _safe_member(member.name)
            if relative is None or not member.isfile():
                return count, "the workdir archive holds %r, which is not a relative regular file" % member.name
            target = os.path.join(dest, relative)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            source = members.extractfile(member)
            with open(target, "wb") as out:
                out.write(source.read())
            os.chmod(target, 0o755 if member.mode & 0o100 else 0o644)
            count += 1
    return count, None


def _shown(command):
    """A command on one line: the first line of a multi-line script, marked as cut."""
    lines = command.strip().splitlines() or [""]
    return lines[0] + (" ..." if len(lines) > 1 else "")


#: The names (comma-separated) of the pod's variables that come from the stack's secretEnv Secret.
#: The Job sets it (k8s/workdir.ts podAdditions); the values themselves arrive as ordinary variables.
SECRET_ENV_NAMES = "GTC_SECRET_ENV"


def secret_names(environ=None):
    """The secretEnv variable names the Job listed in GTC_SECRET_ENV (empty when it lists none)."""
    listed = (os.environ if environ is None else environ).get(SECRET_ENV_NAMES, "")
    return [n for n in (part.strip() for part in listed.split(",")) if n]


def setup_env(environ=None, python=None):
    """The environment of setup commands: `python3` and `pip` are those of the interpreter that runs
    torch.distributed.run (its directory first on PATH), so what setup installs is what training imports.
    The secretEnv variables are left out: setup installs code from the internet, and a malicious
    package's install script would read them; only torch.distributed.run's workers get them."""
    env = dict(os.environ if environ is None else environ)
    for name in secret_names(env):
        env.pop(name, None)
    bindir = os.path.dirname(python or sys.executable)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "") if env.get("PATH") else bindir
    return env


def run_setup(commands, cwd, env=None, shell="/bin/sh", call=subprocess.call):
    """Run each command with `sh -c` in `cwd`; returns None, or a one-line problem for the first failure.
    `call(argv, cwd=, env=)` runs one and returns its exit code (launch.py passes its Supervisor's, which
    forwards SIGTERM to the command)."""
    total = len(commands)
    for i, command in enumerate(commands, 1):
        print("launch: setup %d/%d: %s" % (i, total, _shown(command)), flush=True)
        sys.stderr.flush()
        try:
            status = call([shell, "-c", command], cwd=cwd, env=env)
        except OSError as exc:
            return "setup command %d/%d could not start (%s: %s)" % (i, total, shell, exc)
        if status != 0:
            how = "was killed by signal %d" % -status if status < 0 else "exited with %d" % status
            return "setup command %d/%d %s %s; fix the command or its inputs and run again" % (i, total, _shown(command), how)
    return None
