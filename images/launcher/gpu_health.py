"""GPU health before training: a short measurement of every GPU of the pod, judged against the GPU model's
datasheet figures (catalog.json gpuHealth, generated from catalog/gpus.ts) and against the other GPUs of
the same node.

  measure_gpu(torch, device, sizes) -> {matmul_tflops, memory_gbs, memory_errors}   one device; torch only
  measure_peers(torch, devices, size) -> [{src, dst, gbs}]                            ring copies i -> i+1
  allreduce_busbw(python, nproc, size, timeout) -> (busbw_gbs, problem)                allreduce.py under torchrun
  evaluate(measured, expected) -> [problem]                                           pure: one line per sick GPU
  check(python, expected) -> (problems, measured, blame)                              all of it, in a child process

The measurements run in a child process (this file as a script) under a deadline: a hung GPU ends in a
timeout, which is itself a sick GPU, instead of holding the run to its deadline; and the CUDA contexts and
cached memory the measurements create go with the child, so the launcher, PID 1 for the whole run, holds
none of the training's GPU memory.

A GPU is sick when a figure is below FLOOR x the datasheet (a GPU stuck at a low clock, a link trained down
to x1, memory that returns what was not written), or, on a node of several GPUs, below OUTLIER x the
node's median (one GPU much slower than its siblings). The floors are deliberately loose: the datasheet
figures are peaks that a short test never reaches (a 70 W T4 throttles well below its 65 TFLOPS), and a
healthy GPU must never be refused. Bus bandwidth is nccl-tests' definition (doc/PERFORMANCE.md):
busbw = algbw * 2 (n - 1) / n for all-reduce, comparable to the link's own speed.

The node is then labelled (mark_node), so the replacement pod, whose affinity excludes the label, lands
elsewhere; the node's own pods are not touched. Standard library plus torch only.
"""
import json
import os
import re
import ssl
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

#: Below this fraction of the datasheet figure a GPU is sick, whatever its siblings do.
FLOOR = {"matmul_tflops": 0.25, "memory_gbs": 0.4, "peer_gbs": 0.2, "busbw_gbs": 0.2}
#: Below this fraction of the node's median (two GPUs or more) a GPU is sick.
OUTLIER = 0.8
#: The label a sick GPU's node gets; training pods require it absent (k8s/scheduling.ts).
UNHEALTHY_LABEL = "gpu-training-clusters.dev/gpu-unhealthy"

DEFAULT_SIZES = {"matmul_n": 8192, "matmul_seconds": 1.0, "memory_mib": 1024, "peer_mib": 256, "allreduce_mib": 256}
GB = 1e9
MiB = 1024 * 1024


def _sync(torch, device):
    if str(device).startswith("cuda"):
        torch.cuda.synchronize(device)


def _timed(torch, device, step, min_seconds, min_iterations=3):
    """Seconds per call of step(), after one warm-up, over at least min_seconds and min_iterations."""
    step()
    _sync(torch, device)
    count, start = 0, time.perf_counter()
    while True:
        step()
        count += 1
        _sync(torch, device)
        elapsed = time.perf_counter() - start
        if count >= min_iterations and elapsed >= min_seconds:
            return elapsed / count


def measure_gpu(torch, device, sizes=None):
    """Matmul throughput (bf16 where the device supports it, else fp16; fp32 on CPU), copy bandwidth, and a
    memory pattern test: two patterns written over memory_mib and read back."""
    sizes = dict(DEFAULT_SIZES, **(sizes or {}))
    n = sizes["matmul_n"]
    if str(device).startswith("cuda"):
        # BF16 tensor cores from compute capability 8.0; is_bf16_supported() also counts the slow emulation
        # older cards get, which would make a healthy T4 look sick.
        dtype = torch.bfloat16 if torch.cuda.get_device_capability(device)[0] >= 8 else torch.float16
    else:
        dtype = torch.float32
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    seconds = _timed(torch, device, lambda: torch.matmul(a, b), sizes["matmul_seconds"])
    matmul_tflops = 2.0 * n ** 3 / seconds / 1e12
    del a, b
    count = sizes["memory_mib"] * MiB // 4
    src = torch.arange(count, device=device, dtype=torch.int32)
    dst = torch.empty_like(src)
    seconds = _timed(torch, device, lambda: dst.copy_(src), sizes["matmul_seconds"] / 2)
    memory_gbs = 2.0 * count * 4 / seconds / GB  # a copy reads and writes every byte
    errors = int((dst != src).sum().item())
    dst.bitwise_not_()  # the complement pattern flips every bit the first one wrote
    errors += int((dst != torch.bitwise_not(src)).sum().item())
    return {"matmul_tflops": matmul_tflops, "memory_gbs": memory_gbs, "memory_errors": errors}


def measure_peers(torch, devices, size_mib=DEFAULT_SIZES["peer_mib"]):
    """Copy bandwidth from each device to the next (a ring): NVLink or PCIe, whichever the node has."""
    pairs = []
    if len(devices) < 2:
        return pairs
    for i, src_device in enumerate(devices):
        dst_device = devices[(i + 1) % len(devices)]
        src = torch.ones(size_mib * MiB // 4, device=src_device, dtype=torch.int32)
        dst = torch.empty_like(src, device=dst_device)

        def step():
            dst.copy_(src, non_blocking=True)
            _sync(torch, src_device)
        seconds = _timed(torch, dst_device, step, 0.2)
        pairs.append({"src": i, "dst": (i + 1) % len(devices), "gbs": size_mib * MiB / seconds / GB})
    return pairs


def allreduce_busbw(python, nproc, size_mib=DEFAULT_SIZES["allreduce_mib"], timeout=60, env=None, torchrun_flags=()):
    """Runs allreduce.py on nproc local processes under torch.distributed.run; (busbw GB/s, None) or
    (None, one line saying why not). torchrun_flags: what the local torch's launcher needs besides
    (the Debian torch 1.13 build crashes on Python 3.11 without --redirects and --tee; 2.x needs none)."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "allreduce.py")
    argv = [python, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=%d" % nproc,
            *torchrun_flags, script, "--mib=%d" % size_mib]
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                              timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return None, "the all-reduce check did not finish in %d s" % timeout
    except OSError as exc:
        return None, "the all-reduce check could not start: %s" % exc
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)["busbw_gbs"], None
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return None, "the all-reduce check failed (exit %d): %s" % (done.returncode, tail[:300])


# ---------------------------------------------------------------- pure decision
def _low(value, expected, key):
    return expected is not None and value is not None and value < FLOOR[key] * expected


def evaluate(measured, expected):
    """measured: {gpus: [{index, matmul_tflops, memory_gbs, memory_errors}], peers: [{src, dst, gbs}],
    busbw_gbs, busbw_error}; expected: {model, matmulTflops, memoryGBs, peerGBs} (catalog.json gpuHealth).
    Returns one line per problem, each naming the GPU, the figure and what was expected."""
    problems = []
    gpus = measured.get("gpus") or []
    model = expected.get("model", "this GPU")
    medians = {key: statistics.median(g[key] for g in gpus) for key in ("matmul_tflops", "memory_gbs")} if gpus else {}
    datasheet = {"matmul_tflops": (expected.get("matmulTflops"), "TFLOPS", "matmul"),
                 "memory_gbs": (expected.get("memoryGBs"), "GB/s", "memory copy")}
    for gpu in gpus:
        if gpu.get("memory_errors"):
            problems.append("GPU %d: %d memory words read back wrong after a pattern write; the GPU's memory is "
                            "faulty" % (gpu["index"], gpu["memory_errors"]))
        for key, (figure, unit, what) in datasheet.items():
            value = gpu[key]
            if _low(value, figure, key):
                problems.append("GPU %d: %s %.1f %s, below %d%% of the %s's %g %s" % (
                    gpu["index"], what, value, unit, FLOOR[key] * 100, model, figure, unit))
            elif len(gpus) > 1 and value < OUTLIER * medians[key]:
                problems.append("GPU %d: %s %.1f %s, below %d%% of this node's median %.1f %s" % (
                    gpu["index"], what, value, unit, OUTLIER * 100, medians[key], unit))
    peer_floor = expected.get("peerGBs")
    for pair in measured.get("peers") or []:
        if _low(pair["gbs"], peer_floor, "peer_gbs"):
            problems.append("GPU %d -> GPU %d: copy %.1f GB/s, below %d%% of the %s link's %g GB/s" % (
                pair["src"], pair["dst"], pair["gbs"], FLOOR["peer_gbs"] * 100, model, peer_floor))
    if measured.get("busbw_error"):
        problems.append("all-reduce across the node's %d GPUs: %s" % (len(gpus), measured["busbw_error"]))
    if _low(measured.get("busbw_gbs"), peer_floor, "busbw_gbs"):
        problems.append("all-reduce across the node's %d GPUs: bus bandwidth %.1f GB/s, below %d%% of the %s "
                        "link's %g GB/s" % (len(gpus), measured["busbw_gbs"], FLOOR["busbw_gbs"] * 100, model, peer_floor))
    return problems


def summary(measured):
    gpus = measured.get("gpus") or []
    parts = ["gpu-health: ok"]
    if gpus:
        parts.append("matmul=%s TFLOPS" % ",".join("%.0f" % g["matmul_tflops"] for g in gpus))
        parts.append("memory=%s GB/s" % ",".join("%.0f" % g["memory_gbs"] for g in gpus))
    if measured.get("peers"):
        parts.append("peer=%s GB/s" % ",".join("%.0f" % p["gbs"] for p in measured["peers"]))
    if measured.get("busbw_gbs") is not None:
        parts.append("allreduce busbw=%.1f GB/s" % measured["busbw_gbs"])
    if measured.get("seconds") is not None:
        parts.append("in %.0f s" % measured["seconds"])
    return " ".join(parts)


# ---------------------------------------------------------------- marking the node
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


def api_from_env(environ=None, account_dir=SERVICE_ACCOUNT_DIR):
    """The in-cluster API server, as client-go's rest.InClusterConfig finds it; None outside a cluster."""
    environ = os.environ if environ is None else environ
    host, port = environ.get("KUBERNETES_SERVICE_HOST"), environ.get("KUBERNETES_SERVICE_PORT")
    token_path = os.path.join(account_dir, "token")
    if not host or not port or not os.path.exists(token_path):
        return None
    host = "[%s]" % host if ":" in host else host
    return {"base": "https://%s:%s" % (host, port), "token_path": token_path,
            "ca_path": os.path.join(account_dir, "ca.crt")}


def mark_node(api, node, reason, timeout=10):
    """Labels the node unhealthy with a JSON merge patch (labels are a map: nothing else changes). Returns None
    or one line saying why it could not; the pod fails either way."""
    if api is None or not node:
        return "not marked: no service account token or node name in this pod"
    body = json.dumps({"metadata": {"labels": {UNHEALTHY_LABEL: "true"},
                                    "annotations": {UNHEALTHY_LABEL: reason[:1000]}}}).encode()
    request = urllib.request.Request("%s/api/v1/nodes/%s" % (api["base"], node), data=body, method="PATCH",
                                     headers={"Content-Type": "application/merge-patch+json"})
    try:
        with open(api["token_path"]) as handle:
            request.add_header("Authorization", "Bearer %s" % handle.read().strip())
        context = ssl.create_default_context(cafile=api["ca_path"]) if api["base"].startswith("https") else None
        with urllib.request.urlopen(request, timeout=timeout, context=context):
            return None
    except urllib.error.HTTPError as exc:
        return "not marked: the API server answered %d %s" % (exc.code, exc.reason)
    except (OSError, ssl.SSLError) as exc:
        return "not marked: %s" % exc


# ---------------------------------------------------------------- the whole check
#: The measurements' deadline. An 8-GPU node needs well under a minute; past this a GPU or a link hangs.
DEADLINE_SECONDS = 240


def launcher_flags(torch):
    """What this torch's torch.distributed.run needs besides: Debian's torch 1.13 build crashes on Python 3.11
    unless its output is redirected and teed (the same workaround as the project's tools/local-paths.ts);
    PyTorch 2.x, the image's, needs none."""
    major = int(str(torch.__version__).split(".")[0])
    return ("--redirects=2", "--tee=2") if major < 2 and sys.version_info >= (3, 11) else ()


def measure_all(torch, sizes=None, python=sys.executable, environ=None):
    """Every visible GPU, their ring of peer copies and, with two or more, one all-reduce across them."""
    sizes = dict(DEFAULT_SIZES, **(sizes or {}))
    measured = {"gpus": [], "peers": []}
    devices = ["cuda:%d" % i for i in range(torch.cuda.device_count())]
    for index, device in enumerate(devices):
        figures = measure_gpu(torch, device, sizes)
        figures["index"] = index
        measured["gpus"].append(figures)
        torch.cuda.empty_cache()
    measured["peers"] = measure_peers(torch, devices, sizes["peer_mib"])
    if len(devices) > 1:
        measured["busbw_gbs"], measured["busbw_error"] = allreduce_busbw(
            python, len(devices), sizes["allreduce_mib"], env=environ, torchrun_flags=launcher_flags(torch))
    return measured


def measure_in_child(python=sys.executable, timeout=DEADLINE_SECONDS, sizes=None, environ=None):
    """Runs this file as a script; (measured, None) or (None, one line saying what went wrong). The child and
    everything it started are killed at the deadline, or when the launcher is stopped."""
    argv = [python, os.path.abspath(__file__), "--sizes", json.dumps(sizes or {})]
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                             env=environ, start_new_session=True)
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(child)
        return None, "the GPU measurements did not finish in %d s: a GPU or a link between GPUs hangs" % timeout
    except BaseException:  # the launcher was stopped (supervise.Stopped): nothing of the check outlives it
        _kill_group(child)
        raise
    for line in reversed(out.splitlines()):
        if line.startswith("{"):
            result = json.loads(line)
            return (None, "GPU check failed: %s" % result["error"]) if "error" in result else (result, None)
    tail = (err.strip().splitlines() or ["no output"])[-1]
    return None, "GPU check failed (exit %d): %s" % (child.returncode, tail[:300])


def _kill_group(child):
    try:
        os.killpg(child.pid, 9)
    except OSError:
        pass
    child.communicate()


#: An error that comes from the GPU, its driver or its links, not from the check's own software.
HARDWARE_ERROR = re.compile(r"CUDA|CUBLAS|NCCL|ECC|Xid|did not finish", re.IGNORECASE)


def check(python, expected, timeout=DEADLINE_SECONDS, sizes=None, environ=None):
    """Measures every visible GPU in a child process and judges them. Returns (problems, measured, blame):
    blame "gpu" when the figures, the memory or a CUDA/NCCL error or hang point at the hardware (the node is
    to be avoided), "check" when the check itself could not run (say a bad environment): that is no reason
    to shun a node."""
    started = time.perf_counter()
    measured, problem = measure_in_child(python, timeout, sizes, environ)
    if problem:
        return [problem], {"gpus": [], "peers": []}, "gpu" if HARDWARE_ERROR.search(problem) else "check"
    measured["seconds"] = time.perf_counter() - started
    problems = evaluate(measured, expected)
    error = measured.get("busbw_error")
    only_error = problems == ["all-reduce across the node's %d GPUs: %s" % (len(measured["gpus"]), error)]
    return problems, measured, "check" if only_error and not HARDWARE_ERROR.search(error) else "gpu"


def main(argv=None):
    """The child: measure, print one JSON line. A GPU that faults is reported as {"error": ...}, never a traceback."""
    import argparse
    parser = argparse.ArgumentParser(prog="gpu_health.py", allow_abbrev=False)
    parser.add_argument("--sizes", default="{}")
    options = parser.parse_args(argv)
    try:
        import torch
        measured = measure_all(torch, json.loads(options.sizes))
    except Exception as exc:  # a GPU that faults under a matmul is the sickest of all
        measured = {"error": (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]}
    print(json.dumps(measured), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
