"""EFA checks of the preflight: run only when the Job asks for EFA devices (GTC_EFA_DEVICES=<n>).

Without the EFA devices or without the NCCL network plugin, NCCL does not fail: it quietly uses TCP sockets
between nodes at a fraction of the bandwidth the EFA instance is paid for. So the preflight fails instead,
in one line that names the fix. Standard library only.

Facts (checked against their sources):
- The EFA device plugin gives the container one /dev/infiniband/uverbs<N> per EFA device it was allotted
  (https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html; resource vpc.amazonaws.com/efa).
- NCCL reaches EFA only through the aws-ofi-nccl plugin over libfabric. The plugin library is always built as
  libnccl-net-ofi.so, by default also as libnccl-net.so (the name NCCL loads without NCCL_NET_PLUGIN), and for
  older NGC images as libnccl-net-aws-ofi.so (github.com/aws/aws-ofi-nccl, src/Makefile.am and configure.ac,
  --disable-nccl-net-library). The EFA installer puts it under /opt/amazon/ofi-nccl (lib/x86_64-linux-gnu on
  Ubuntu, lib or lib64 elsewhere); source builds often use /opt/aws-ofi-nccl/lib. libfabric with the EFA
  provider lives in /opt/amazon/efa/lib.
"""
import glob
import os

ENV_EFA_DEVICES = "GTC_EFA_DEVICES"
DEVICE_GLOB = "dev/infiniband/uverbs*"
PLUGIN_NAMES = ("libnccl-net-ofi.so", "libnccl-net.so", "libnccl-net-aws-ofi.so")
PLUGIN_DIRS = ("opt/amazon/ofi-nccl/lib/x86_64-linux-gnu", "opt/amazon/ofi-nccl/lib", "opt/amazon/ofi-nccl/lib64",
               "opt/aws-ofi-nccl/lib", "opt/amazon/aws-ofi-nccl/lib", "usr/local/lib", "usr/lib/x86_64-linux-gnu")
LIBFABRIC_DIRS = ("opt/amazon/efa/lib", "opt/amazon/efa/lib64")
IMAGE_FIX = ("use an EFA-capable image (images/efa/Dockerfile, or an AWS Deep Learning Container for EC2) and "
             "declare it with efa: true, or set experiment.network: tcp to run over TCP on purpose")


def expected_devices(environ=None):
    """EFA devices the Job asked for (0: EFA not requested, nothing to check)."""
    value = (environ if environ is not None else os.environ).get(ENV_EFA_DEVICES, "")
    try:
        return max(0, int(value))
    except ValueError:
        return 0


def _under(root, relative):
    return os.path.join(root, relative)


def find_plugin(root="/", environ=None):
    """Path of the aws-ofi-nccl library the dynamic loader would find, or None."""
    environ = environ if environ is not None else os.environ
    dirs = [d for d in (environ.get("LD_LIBRARY_PATH") or "").split(":") if d]
    candidates = [_under(root, d.lstrip("/")) for d in dirs] + [_under(root, d) for d in PLUGIN_DIRS]
    for directory in candidates:
        for name in PLUGIN_NAMES:
            path = os.path.join(directory, name)
            if os.path.exists(path):
                return path
    return None


def gather(root="/", environ=None):
    """Facts for evaluate(); never raises."""
    facts = {"efa_expected": expected_devices(environ)}
    if not facts["efa_expected"]:
        return facts
    try:
        facts["efa_devices"] = sorted(glob.glob(_under(root, DEVICE_GLOB)))
        facts["ofi_nccl"] = find_plugin(root, environ)
        facts["libfabric"] = next((p for d in LIBFABRIC_DIRS for p in glob.glob(_under(root, d) + "/libfabric.so*")), None)
    except Exception as exc:  # a probe must not crash the preflight
        facts["efa_error"] = "%s: %s" % (type(exc).__name__, exc)
    return facts


def evaluate(facts):
    """Problems (each one line with its fix) for the EFA facts; [] when EFA was not requested."""
    want = facts.get("efa_expected") or 0
    if not want:
        return []
    if facts.get("efa_error"):
        return ["could not probe the EFA devices (%s); fix: %s" % (facts["efa_error"], IMAGE_FIX)]
    problems = []
    devices = facts.get("efa_devices") or []
    if len(devices) < want:
        problems.append("EFA requested (%d device%s) but %d found under /dev/infiniband (uverbs*); NCCL would fall back "
                        "to TCP; fix: run on a node with EFA interfaces and the EFA device plugin, with the container's "
                        "vpc.amazonaws.com/efa limit set to %d" % (want, "" if want == 1 else "s", len(devices), want))
    if not facts.get("ofi_nccl"):
        problems.append("EFA requested but the image has no NCCL network plugin for it (aws-ofi-nccl: %s not found in "
                        "LD_LIBRARY_PATH or /opt/amazon/ofi-nccl); NCCL would fall back to TCP; fix: %s"
                        % (" / ".join(PLUGIN_NAMES), IMAGE_FIX))
    elif not facts.get("libfabric"):
        problems.append("EFA requested but libfabric is missing from /opt/amazon/efa/lib (aws-ofi-nccl at %s cannot "
                        "load the EFA provider); fix: %s" % (facts["ofi_nccl"], IMAGE_FIX))
    return problems


def summary(facts):
    if not facts.get("efa_expected"):
        return None
    return "efa=%d plugin=%s" % (len(facts.get("efa_devices") or []), os.path.basename(facts.get("ofi_nccl") or "none"))
