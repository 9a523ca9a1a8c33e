"""Preflight checks run in every training pod before torch.distributed.run starts.

Two halves, so the decisions are unit-testable with plain dicts:
  gather_facts(requirements) -> facts       touches torch, /proc, /dev/shm and the mounts; never raises
  evaluate(facts, requirements) -> Verdict  pure; Verdict.errors stop the run (exit 2), .warnings do not

facts: torch_version, torch_error, cuda_runtime ("12.8"; None: CPU build), arch_list, gpus ([{index, name,
  capability: [major, minor]}]), gpu_error, cuda_notes, driver_version, driver_error, shm_bytes, shm_error, uid,
  datasets ([{path, exists, is_dir, readable, entries, error}]), output ({path, writable, error}).
requirements: expect_gpus (None: count not checked; 0: CPU run, GPU checks skipped), min_shm_mib, datasets, output.
Standard library plus torch only: this file is mounted from a ConfigMap into a stock PyTorch image.

The driver minimums and the PyTorch builds the advice names come from catalog.json next to this file,
generated from the project's catalog/ (npm run generate) and shipped in the same ConfigMap: the launcher
keeps no copy of its own, which drifted (CUDA 12.9 was missing from it).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import warnings
from collections import namedtuple

import catalog  # catalog.json next to this file: driver minimums and PyTorch builds (same directory)
import efa  # the EFA checks (same directory; runs only when the Job requests EFA)

Verdict = namedtuple("Verdict", ["errors", "warnings"])

# Policy: under minor-version compatibility any X.y runtime runs on the X.0 minimum, so that is the
# floor for the whole major; below it CUDA cannot initialise at all -> error. Between the floor and
# the exact minor's minimum training runs, but PTX JIT and newer-than-driver features fail -> warning.
# A minor missing from the table uses the nearest lower entry (a lower bound of the true minimum).
# https://docs.nvidia.com/deploy/cuda-compatibility/#minor-version-compatibility
# The tables come from catalog.json next to this file (catalog.py reads it). A missing or malformed file is
# reported by run() as one line, never as a traceback at import time.
CATALOG, CATALOG_ERROR = catalog.load_or_error()

SHM_PATH = "/dev/shm"
MiB = 1024 * 1024


# ---------------------------------------------------------------- pure helpers
def parse_version(text):
    """'570.26' -> (570, 26, 0), padded so that 570.26 == 570.26.0; None when there is no number."""
    nums = [int(p) for p in re.findall(r"\d+", str(text or ""))[:3]]
    return tuple(nums + [0] * (3 - len(nums))) if nums else None


def sm_name(capability):
    return "sm_%d%d" % (capability[0], capability[1])


def parse_arch(entry):
    """'sm_86' -> ('sm', 8, 6, ''); 'sm_120' -> ('sm', 12, 0, ''); 'compute_90a' -> ('compute', 9, 0, 'a')."""
    match = re.match(r"^(sm|compute)_(\d\d+)([af]?)$", entry.strip())
    if not match:
        return None
    digits = match.group(2)
    return match.group(1), int(digits[:-1]), int(digits[-1]), match.group(3)


def arch_coverage(capability, arch_list):
    """How a GPU runs a build: ('sass', entry), ('ptx', entry) or (None, None).

    CUDA C++ Programming Guide, "Binary Compatibility" / "Application Compatibility" (the Ada
    compatibility guide gives sm_86 cubins on 8.9 as its example):
      sm_XY runs on major X with minor >= Y; sm_XYa only on exactly X.Y; sm_XYf like sm_XY.
      compute_XY PTX is JIT-compiled by the driver for any card >= X.Y, newer majors included, at a
      start-up cost (minutes for PyTorch); compute_XYa only on X.Y. A card reached only through PTX
      is reported as 'ptx' so the caller warns instead of failing.
    """
    major, minor = int(capability[0]), int(capability[1])
    ptx = None
    for entry in arch_list:
        parsed = parse_arch(entry)
        if parsed is None:
            continue
        kind, a_major, a_minor, suffix = parsed
        if suffix == "a":
            fits = (a_major, a_minor) == (major, minor)
        elif kind == "sm":
            fits = a_major == major and a_minor <= minor
        else:
            fits = (a_major, a_minor) <= (major, minor)
        if fits and kind == "sm":
            return "sass", entry
        ptx = ptx or (entry if fits else None)
    return ("ptx", ptx) if ptx else (None, None)


def driver_thresholds(cuda_runtime):
    """(floor, exact) minimum drivers for a runtime like '12.8'; (None, None) for an unknown major."""
    table = CATALOG.driver_minimum
    version = parse_version(cuda_runtime)
    known = sorted(k for k in table if version and k[0] == version[0] and k[1] <= version[1])
    if not version or (version[0], 0) not in table:
        return None, None
    return table[(version[0], 0)], table[known[-1]]


def _older(driver, minimum):
    return parse_version(driver) < parse_version(minimum)


def _torch_series(builds):
    """'2.8' for builds of torch 2.8.x; '2.7/2.8' for several."""
    series = sorted({".".join(b["torch"].split(".")[:2]) for b in builds if b["torch"]}, key=parse_version)
    return "/".join(series)


def build_advice(capability, driver=None):
    """The fix for a GPU the current build cannot run: the catalog's PyTorch build that can."""
    card = sm_name(capability)
    for build in CATALOG.builds:
        kind, entry = arch_coverage(capability, build["arch_list"])
        if kind == "sass":
            need = driver_thresholds(build["cuda"])[1]
            note = " and a node driver >= %s" % need if driver and need and _older(driver, need) else ""
            has = entry if entry == card else "%s (which runs on %s)" % (entry, card)
            return "use the CUDA %s build of PyTorch %s (%s%s), which includes %s" % (
                build["cuda"], _torch_series([build]), build["image"], note, has)
    cudas = "/".join(sorted({b["cuda"] for b in CATALOG.builds}, key=parse_version))
    return ("no PyTorch %s build ships code for %s; use an image whose PyTorch was built with TORCH_CUDA_ARCH_LIST "
            "including %d.%d, or GPUs the %s builds cover" % (_torch_series(CATALOG.builds), card, capability[0],
                                                             capability[1], cudas))


def _default_image():
    return CATALOG.default_build["image"] if CATALOG.default_build else "the project's default image"


def _torch_label(facts):
    cuda = facts.get("cuda_runtime")
    return "torch %s, %s" % (facts.get("torch_version") or "?", "CUDA %s" % cuda if cuda else "CPU-only build")


# ---------------------------------------------------------------- the decision
def evaluate(facts, requirements):
    """Pure: facts + requirements -> Verdict(errors, warnings), one message per problem, each with its fix."""
    errors, notes = [], []
    if facts.get("torch_error"):
        errors.append("torch cannot be imported (%s); fix: run on a PyTorch image such as %s"
                      % (facts["torch_error"], _default_image()))
    elif requirements.get("expect_gpus") != 0:
        _check_gpus(facts, requirements.get("expect_gpus"), errors, notes)
    _check_shm(facts, int(requirements.get("min_shm_mib") or 0), errors)
    _check_paths(facts, requirements, errors, notes)
    errors.extend(efa.evaluate(facts))
    return Verdict(errors, notes)


def _check_gpus(facts, expect, errors, notes):
    gpus, cuda, driver = facts.get("gpus") or [], facts.get("cuda_runtime"), facts.get("driver_version")
    if expect and not cuda:
        errors.append("expected %d GPU(s) but this image's PyTorch is a CPU-only build (%s); fix: use a CUDA "
                      "build such as %s" % (expect, _torch_label(facts), _default_image()))
        return
    if expect is not None and len(gpus) != expect:
        why = "; ".join(([facts["gpu_error"]] if facts.get("gpu_error") else []) + (facts.get("cuda_notes") or []))
        fix = ("set the container's nvidia.com/gpu limit to %d and check that the NVIDIA device plugin runs on "
               "this node" % expect if len(gpus) < expect else "make --expect-gpus match the container's "
               "nvidia.com/gpu limit (a container sees extra GPUs when privileged or with NVIDIA_VISIBLE_DEVICES=all)")
        seen = "%d visible%s" % (len(gpus), " (%s)" % why if why else "")
        errors.append("expected %d GPU(s), %s; fix: %s" % (expect, seen, fix))
    if cuda and (gpus or expect):
        _check_driver(cuda, driver, facts.get("driver_error"), errors, notes)
    arch_list = list(facts.get("arch_list") or [])
    if gpus and not arch_list:
        notes.append("could not read the build's arch list (%s); GPU architecture not checked" % _torch_label(facts))
        return
    groups = {}  # one message per kind of GPU, not one per card
    for gpu in gpus:
        groups.setdefault((gpu.get("name") or "unknown GPU", tuple(gpu["capability"])), []).append(gpu["index"])
    for (name, capability), indices in sorted(groups.items(), key=lambda item: item[1][0]):
        kind, entry = arch_coverage(capability, arch_list)
        label = "GPU%s %s (%s, %s)" % ("s" if len(indices) > 1 else "", ",".join(map(str, indices)), name,
                                       sm_name(capability))
        if kind == "ptx":
            notes.append("%s has no compiled kernels in this PyTorch build (%s, arch list %s) and runs only by JIT-"
                         "compiling %s PTX, which can take many minutes at start-up; fix: %s" % (
                             label, _torch_label(facts), " ".join(arch_list), entry, build_advice(capability, driver)))
        elif kind is None:
            errors.append("%s is not supported by this PyTorch build (%s, arch list %s): its first kernel would fail "
                          "with 'no kernel image is available for execution on the device'; fix: %s" % (
                              label, _torch_label(facts), " ".join(arch_list), build_advice(capability, driver)))


def _check_driver(cuda, driver, driver_error, errors, notes):
    floor, exact = driver_thresholds(cuda)
    if parse_version(driver) is None:
        notes.append("could not read the NVIDIA driver version (%s); driver not checked"
                     % (driver_error or "no /proc/driver/nvidia/version and no nvidia-smi"))
    elif floor is None:
        notes.append("no driver table entry for CUDA %s; driver %s not checked" % (cuda, driver))
    elif _older(driver, floor):
        errors.append("NVIDIA driver %s is older than %s, the minimum for any CUDA %d.x runtime (this image's PyTorch "
                      "uses CUDA %s); fix: upgrade the node's NVIDIA driver to >= %s (the EKS AL2023_x86_64_NVIDIA "
                      "AMI ships %s)" % (driver, floor, parse_version(cuda)[0], cuda, exact, CATALOG.ami_driver_branch))
    elif _older(driver, exact):
        alt = [" or use the cuda%s image (%s)" % (b["cuda"], b["image"]) for b in CATALOG.builds
               if _older(b["cuda"], cuda) and not _older(driver, driver_thresholds(b["cuda"])[1])]
        notes.append("NVIDIA driver %s is older than %s, the minimum for CUDA %s; it runs under minor-version "
                     "compatibility, but PTX JIT and newer CUDA features fail; fix: upgrade the node's NVIDIA driver "
                     "to >= %s%s" % (driver, exact, cuda, exact, (alt or [""])[0]))


def _check_shm(facts, need_mib, errors):
    if need_mib <= 0:
        return
    fix = ("mount an emptyDir with medium: Memory and sizeLimit >= %dMi at %s (containers get 64 MB by default; "
           "DataLoader workers and NCCL die with bus errors when it fills)" % (need_mib, SHM_PATH))
    have = facts.get("shm_bytes")
    if have is None:
        errors.append("could not read the size of %s (%s); fix: %s" % (SHM_PATH, facts.get("shm_error"), fix))
    elif have < need_mib * MiB:
        errors.append("%s is %d MiB, less than the required %d MiB; fix: %s" % (SHM_PATH, have // MiB, need_mib, fix))


def _check_paths(facts, requirements, errors, notes):
    who = "uid %s" % facts["uid"] if facts.get("uid") is not None else "the container's user"
    probes = {d.get("path"): d for d in facts.get("datasets") or []}
    for path in requirements.get("datasets") or []:
        probe = probes.get(path) or {"exists": False}
        if not probe.get("exists"):
            errors.append("dataset path %s does not exist; fix: check the volume's mountPath and the dataset path "
                          "in the stack config" % path)
        elif not probe.get("readable"):
            errors.append("dataset path %s exists but cannot be read (%s); fix: make it readable by %s (volume "
                          "permissions, fsGroup, or the S3/FSx access policy)" % (path, probe.get("error"), who))
        elif probe.get("is_dir") and probe.get("entries") == 0:
            notes.append("dataset path %s is an empty directory; check the S3 prefix or the volume's contents" % path)
    out = requirements.get("output")
    probe = facts.get("output") or {"error": "not probed"}
    if out and not probe.get("writable"):
        errors.append("output path %s is not writable (%s); fix: mount a writable volume there (not readOnly) that "
                      "%s can write to (fsGroup)" % (out, probe.get("error"), who))


# ---------------------------------------------------------------- fact gathering (never raises)
def _one_line(exc):
    lines = str(exc).strip().splitlines() or [""]
    name = type(exc).__name__ if isinstance(exc, BaseException) else ""
    return ": ".join(part for part in (name, lines[0]) if part)[:300]


def _import_torch():
    import torch  # lazily, so that a broken torch becomes a message rather than a traceback
    return torch


def _gather_torch(facts, want_gpus):
    try:
        torch = _import_torch()
    except Exception as exc:  # ImportError, or OSError from a missing shared library
        facts["torch_error"] = _one_line(exc)
        return
    facts["torch_version"] = str(getattr(torch, "__version__", "?"))
    facts["cuda_runtime"] = getattr(getattr(torch, "version", None), "cuda", None)
    if not want_gpus:
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # torch reports e.g. "driver too old" as a warning and 0 devices
        try:
            count = torch.cuda.device_count()
            facts["gpus"] = [{"index": i, "name": torch.cuda.get_device_name(i),
                              "capability": list(torch.cuda.get_device_capability(i))} for i in range(count)]
            arch = list(torch.cuda.get_arch_list()) if count else []
            flags = getattr(torch._C, "_cuda_getArchFlags", None)
            facts["arch_list"] = arch or ((flags() or "").split() if flags else [])  # [] when no GPU is usable
        except Exception as exc:
            facts["gpu_error"] = _one_line(exc)
            facts.setdefault("gpus", [])
    facts["cuda_notes"] = [_one_line(w.message) for w in caught][:3]


def _gather_driver(facts):
    try:
        with open("/proc/driver/nvidia/version") as handle:  # "NVRM version: NVIDIA UNIX ... 580.65.06 ..."
            for line in handle:
                match = re.search(r"\s(\d{3,}\.\d+(?:\.\d+)?)\s", line) if line.startswith("NVRM") else None
                if match:
                    facts["driver_version"] = match.group(1)
                    return
    except OSError as exc:
        facts["driver_error"] = _one_line(exc)
    try:  # fallback: the NVIDIA container toolkit mounts nvidia-smi into GPU containers
        out = subprocess.check_output(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                                      stderr=subprocess.STDOUT, universal_newlines=True, timeout=10).split()
        facts["driver_version"] = out[0] if out else None
    except (OSError, subprocess.SubprocessError) as exc:
        facts["driver_error"] = "; ".join(filter(None, [facts.get("driver_error"), "nvidia-smi: " + _one_line(exc)]))


def _probe_dataset(path):
    probe = {"path": path, "exists": os.path.exists(path), "is_dir": os.path.isdir(path),
             "readable": False, "entries": None, "error": None}
    try:
        first_file = path if probe["exists"] and not probe["is_dir"] else None
        if probe["is_dir"]:
            probe["entries"] = 0
            with os.scandir(path) as entries:  # stop early: an S3 prefix may hold millions of objects
                for entry in entries:
                    probe["entries"] += 1
                    first_file = first_file or (entry.path if entry.is_file() else None)
                    if probe["entries"] >= 1000:
                        break
        if first_file:  # listing can be allowed while reading is not (S3 bucket policies)
            with open(first_file, "rb") as handle:
                handle.read(4096)
        probe["readable"] = probe["exists"]
    except Exception as exc:
        probe["error"] = _one_line(exc)
    return probe


def _probe_output(path):
    probe = {"path": path, "writable": False, "error": None}
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".gtc-preflight-") as handle:
            handle.write(b"ok")
            handle.flush()  # created, written and (on close) deleted
        probe["writable"] = True
    except Exception as exc:
        probe["error"] = _one_line(exc)
    return probe


def gather_facts(requirements):
    facts = {"uid": os.getuid() if hasattr(os, "getuid") else None}
    want_gpus = requirements.get("expect_gpus") != 0
    _gather_torch(facts, want_gpus)
    if want_gpus:
        _gather_driver(facts)
    try:
        stat = os.statvfs(SHM_PATH)
        facts["shm_bytes"] = stat.f_blocks * stat.f_frsize
    except OSError as exc:
        facts["shm_error"] = _one_line(exc)
    facts["datasets"] = [_probe_dataset(p) for p in requirements.get("datasets") or []]
    if requirements.get("output"):
        facts["output"] = _probe_output(requirements["output"])
    facts.update(efa.gather())
    return facts


# ---------------------------------------------------------------- command line
def summary(facts, requirements):
    gpus = facts.get("gpus") or []
    kinds = sorted({"%s %s" % (g["name"], sm_name(g["capability"])) for g in gpus})
    parts = ["preflight: ok", "gpus=%d%s" % (len(gpus), " [%s]" % ", ".join(kinds) if kinds else "")]
    if requirements.get("expect_gpus") != 0:
        parts += ["driver=%s" % facts.get("driver_version"), "arch=%s" % ",".join(facts.get("arch_list") or [])]
    parts.append("torch=%s cuda=%s shm=%sMiB" % (facts.get("torch_version"), facts.get("cuda_runtime") or "none",
                                                 (facts.get("shm_bytes") or 0) // MiB))
    parts += [p for p in [efa.summary(facts)] if p]
    parts += ["dataset=%s(%s)" % (d["path"], "file" if d["entries"] is None else "%d entries" % d["entries"])
              for d in facts.get("datasets") or []]
    return " ".join(parts + ["output=%s" % requirements["output"]] if requirements.get("output") else parts)


def add_arguments(parser):
    """Flags shared with launch.py; the TypeScript side builds them, so the names are a contract."""
    parser.add_argument("--expect-gpus", type=int, default=None, metavar="N",
                        help="GPUs this container must see; 0 = CPU run (GPU checks skipped); default: not checked")
    parser.add_argument("--min-shm-mib", type=int, default=0, metavar="M",
                        help="minimum size of /dev/shm in MiB (default 0: not checked)")
    parser.add_argument("--dataset", action="append", default=[], metavar="PATH",
                        help="a path that must exist and be readable (repeatable)")
    parser.add_argument("--output", default=None, metavar="PATH", help="a path that must be writable")


def requirements_from_args(args):
    return {"expect_gpus": args.expect_gpus, "min_shm_mib": args.min_shm_mib,
            "datasets": list(args.dataset), "output": args.output}


def run(requirements, stdout=None, stderr=None):
    """Gather, decide, report. Returns 0 (ok) or 2 (problems); no exception escapes."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    if CATALOG_ERROR:  # nothing can be judged without the tables: one line, then stop
        stderr.write("preflight: error: %s; training not started\n" % CATALOG_ERROR)
        stderr.flush()
        return 2
    try:
        facts = gather_facts(requirements)
        verdict = evaluate(facts, requirements)
        line = None if verdict.errors else summary(facts, requirements)
    except Exception as exc:  # a bug here must still read as one line
        stderr.write("preflight: error: internal error in preflight (%s); fix: report it, or pass --skip-preflight "
                     "to launch.py to bypass the checks\n" % _one_line(exc))
        return 2
    for note in verdict.warnings:
        stderr.write("preflight: warning: %s\n" % note)
    for problem in verdict.errors:
        stderr.write("preflight: error: %s\n" % problem)
    if verdict.errors:
        stderr.write("preflight: failed with %d problem(s); training not started\n" % len(verdict.errors))
    else:
        stdout.write(line + "\n")
    stdout.flush()
    stderr.flush()
    return 2 if verdict.errors else 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="preflight.py", allow_abbrev=False, description="Check a training container before training.")
    add_arguments(parser)
    return run(requirements_from_args(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
