"""The project's catalog facts the preflight needs, read from catalog.json next to this file.

catalog.json is generated from the project's catalog/ (catalog/launcher-facts.ts, `npm run generate`) and
travels in the launcher ConfigMap with the scripts, so the launcher never keeps a copy of its own (the copy it
once kept lacked CUDA 12.9). Standard library only.

  load(path) -> Catalog          raises CatalogError, whose message is one line with its fix
  load_or_error(path)            (Catalog, None), or (an empty Catalog, that line): for use at import time

Catalog fields: driver_minimum {(12, 8): "570.26", ...}, the minimum Linux driver per CUDA runtime (CUDA
Toolkit release notes); builds ({key, cuda, image, torch, arch_list}, ...), the default image first;
default_build, that first build; ami_driver_branch, the driver branch of the EKS AL2023 NVIDIA AMI;
gpu_health {"t4": {model, matmulTflops, memoryGBs, peerGBs}, ...}, the datasheet figures the GPU health
check (gpu_health.py) judges each GPU model against.
"""
import json
import os
import re
from collections import namedtuple

CATALOG_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "catalog.json")

Catalog = namedtuple("Catalog", ["driver_minimum", "builds", "default_build", "ami_driver_branch", "gpu_health"])
EMPTY = Catalog({}, (), None, "?", {})

_RUNTIME = re.compile(r"^(\d+)\.(\d+)$")
_DRIVER = re.compile(r"^\d+(\.\d+){0,2}$")


class CatalogError(Exception):
    """catalog.json is missing or malformed."""


def _first_line(exc):
    lines = str(exc).strip().splitlines() or [""]
    return ": ".join(part for part in (type(exc).__name__, lines[0]) if part)[:300]


def _build(entry):
    return {"key": str(entry["key"]), "cuda": str(entry["cudaRuntime"]), "image": str(entry["image"]),
            "torch": str(entry.get("torchVersion") or ""), "arch_list": tuple(str(a) for a in entry["archList"])}


def load(path=CATALOG_PATH):
    try:
        with open(path) as handle:
            data = json.load(handle)
        driver_minimum = {}
        for runtime, driver in data["driverMinimum"].items():
            match = _RUNTIME.match(runtime)
            if not match or not _DRIVER.match(str(driver)):
                raise ValueError("driverMinimum has %r: %r, not a CUDA version and a driver version" % (runtime, driver))
            driver_minimum[(int(match.group(1)), int(match.group(2)))] = str(driver)
        builds = tuple(_build(entry) for entry in data["builds"])
        if not builds or builds[0]["key"] != data["defaultBuild"]:
            raise ValueError("the first build is not the defaultBuild %r" % data["defaultBuild"])
        for build in builds:  # the driver advice needs each build's X.0 floor
            match = _RUNTIME.match(build["cuda"])
            if not match or (int(match.group(1)), 0) not in driver_minimum:
                raise ValueError("build %s has CUDA %r, with no driverMinimum for its major" % (build["key"], build["cuda"]))
        gpu_health = {}
        for key, figures in data["gpuHealth"].items():
            gpu_health[str(key)] = {"model": str(figures["model"]), "matmulTflops": float(figures["matmulTflops"]),
                                    "memoryGBs": float(figures["memoryGBs"]),
                                    "peerGBs": None if figures.get("peerGBs") is None else float(figures["peerGBs"])}
        return Catalog(driver_minimum, builds, builds[0], str(data["eksNvidiaAmiDriverBranch"]), gpu_health)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:  # a JSONDecodeError is a ValueError
        raise CatalogError("cannot read the launcher catalog %s (%s); fix: ship the generated catalog.json next to "
                           "preflight.py (npm run generate writes it from catalog/, and the launcher ConfigMap carries "
                           "it), or pass --skip-preflight to launch.py to bypass the checks" % (path, _first_line(exc)))


def load_or_error(path=CATALOG_PATH):
    try:
        return load(path), None
    except CatalogError as exc:
        return EMPTY, str(exc)
