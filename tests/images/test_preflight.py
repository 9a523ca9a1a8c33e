"""Unit tests for images/launcher/preflight.py: the pure decision function, then fact gathering.

Run from the repository root: /usr/bin/python3 -m unittest discover -s tests/images -t .
"""
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "images", "launcher")
sys.path.insert(0, os.path.abspath(LAUNCHER))

import catalog  # noqa: E402
import preflight  # noqa: E402

# The generated file the launcher ships (images/launcher/catalog.json, from the project's catalog/): the tests
# read the PyTorch builds' arch lists from it, as the preflight does, rather than keeping a copy.
with open(os.path.join(LAUNCHER, "catalog.json")) as _handle:
    CATALOG_JSON = json.load(_handle)
ARCH_LISTS = {build["cudaRuntime"]: list(build["archList"]) for build in CATALOG_JSON["builds"]}
CU126 = ARCH_LISTS["12.6"]
CU128 = ARCH_LISTS["12.8"]
GiB = 1024 ** 3


def gpu_facts(name, capability, count=1, build="12.8", driver="580.65.06", arch=None):
    return {
        "torch_version": "2.8.0+cu%s" % build.replace(".", ""), "cuda_runtime": build,
        "arch_list": arch if arch is not None else (CU128 if build == "12.8" else CU126),
        "gpus": [{"index": i, "name": name, "capability": list(capability)} for i in range(count)],
        "driver_version": driver, "shm_bytes": 8 * GiB, "uid": 1000, "datasets": [],
    }


def requirements(expect_gpus=1, **extra):
    base = {"expect_gpus": expect_gpus, "min_shm_mib": 1024, "datasets": [], "output": None}
    base.update(extra)
    return base


class TorchIsInstalled(unittest.TestCase):
    def test_torch_imports(self):
        import torch  # a missing torch must fail the suite, not skip it
        self.assertTrue(hasattr(torch, "distributed"))


class ArchCoverage(unittest.TestCase):
    def test_parse_arch(self):
        self.assertEqual(preflight.parse_arch("sm_86"), ("sm", 8, 6, ""))
        self.assertEqual(preflight.parse_arch("sm_120"), ("sm", 12, 0, ""))
        self.assertEqual(preflight.parse_arch("compute_90a"), ("compute", 9, 0, "a"))
        self.assertIsNone(preflight.parse_arch("gfx90a"))

    def test_lower_minor_of_same_major_runs(self):
        self.assertEqual(preflight.arch_coverage((8, 9), CU126), ("sass", "sm_80"))
        self.assertEqual(preflight.arch_coverage((8, 9), ["sm_86"]), ("sass", "sm_86"))
        self.assertEqual(preflight.arch_coverage((9, 0), ["sm_86"]), (None, None))
        self.assertEqual(preflight.arch_coverage((8, 0), ["sm_86"]), (None, None))

    def test_ptx_and_arch_specific_entries(self):
        self.assertEqual(preflight.arch_coverage((12, 0), ["sm_80", "compute_90"]), ("ptx", "compute_90"))
        self.assertEqual(preflight.arch_coverage((8, 6), ["compute_90"]), (None, None))
        self.assertEqual(preflight.arch_coverage((9, 0), ["sm_90a"]), ("sass", "sm_90a"))
        self.assertEqual(preflight.arch_coverage((10, 0), ["sm_90a", "compute_90a"]), (None, None))

    def test_driver_thresholds(self):
        self.assertEqual(preflight.driver_thresholds("12.8"), ("525.60.13", "570.26"))
        self.assertEqual(preflight.driver_thresholds("12.9"), ("525.60.13", "575.51.03"))  # its own catalog entry
        self.assertEqual(preflight.driver_thresholds("12.7"), ("525.60.13", "560.28.03"))  # nearest lower entry
        self.assertEqual(preflight.driver_thresholds("13.0"), ("580.65.06", "580.65.06"))
        self.assertEqual(preflight.driver_thresholds("11.8"), (None, None))


class GpuDecisions(unittest.TestCase):
    def ok(self, facts, expect=1):
        verdict = preflight.evaluate(facts, requirements(expect))
        self.assertEqual(verdict.errors, [])
        return verdict

    def test_t4_runs_on_both_builds(self):
        self.assertEqual(self.ok(gpu_facts("Tesla T4", (7, 5), build="12.6")).warnings, [])
        self.assertEqual(self.ok(gpu_facts("Tesla T4", (7, 5), build="12.8")).warnings, [])

    def test_a100_h100_and_rtx4090(self):
        self.ok(gpu_facts("NVIDIA A100-SXM4-40GB", (8, 0), count=8), expect=8)
        self.ok(gpu_facts("NVIDIA H100 80GB HBM3", (9, 0), build="12.6"))
        self.ok(gpu_facts("NVIDIA H100 80GB HBM3", (9, 0)))
        self.ok(gpu_facts("NVIDIA GeForce RTX 4090", (8, 9), build="12.6"))  # 8.9 runs sm_86 code

    def test_rtx5090_on_cu126_fails_with_exact_message(self):
        verdict = preflight.evaluate(gpu_facts("NVIDIA GeForce RTX 5090", (12, 0), build="12.6"), requirements())
        self.assertEqual(verdict.errors, [
            "GPU 0 (NVIDIA GeForce RTX 5090, sm_120) is not supported by this PyTorch build (torch 2.8.0+cu126, "
            "CUDA 12.6, arch list sm_50 sm_60 sm_70 sm_75 sm_80 sm_86 sm_90): its first kernel would fail with "
            "'no kernel image is available for execution on the device'; fix: use the CUDA 12.8 build of PyTorch "
            "2.8 (pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime), which includes sm_120"])

    def test_rtx5090_on_cu128_runs(self):
        self.ok(gpu_facts("NVIDIA GeForce RTX 5090", (12, 0)))

    def test_one_message_for_eight_identical_gpus_and_driver_hint(self):
        facts = gpu_facts("NVIDIA B200", (10, 0), count=8, build="12.6", driver="560.35.03")
        errors = preflight.evaluate(facts, requirements(8)).errors
        self.assertEqual(len(errors), 1)
        self.assertIn("GPUs 0,1,2,3,4,5,6,7 (NVIDIA B200, sm_100)", errors[0])
        self.assertIn("and a node driver >= 570.26), which includes sm_100", errors[0])

    def test_old_gpus_get_the_right_advice(self):
        errors = preflight.evaluate(gpu_facts("Tesla P100", (6, 0)), requirements()).errors
        self.assertIn("use the CUDA 12.6 build of PyTorch 2.8 (pytorch/pytorch:2.8.0-cuda12.6-cudnn9-runtime)",
                      errors[0])
        errors = preflight.evaluate(gpu_facts("Tesla K80", (3, 7)), requirements()).errors
        self.assertIn("no PyTorch 2.8 build ships code for sm_37", errors[0])

    def test_ptx_only_is_a_warning(self):
        verdict = self.ok(gpu_facts("NVIDIA GeForce RTX 5090", (12, 0), arch=["sm_80", "sm_90", "compute_90"]))
        self.assertEqual(len(verdict.warnings), 1)
        self.assertIn("runs only by JIT-compiling compute_90 PTX", verdict.warnings[0])

    def test_gpu_count_mismatch(self):
        facts = gpu_facts("NVIDIA A100-SXM4-40GB", (8, 0), count=4)
        self.assertEqual(preflight.evaluate(facts, requirements(8)).errors, [
            "expected 8 GPU(s), 4 visible; fix: set the container's nvidia.com/gpu limit to 8 and check that the "
            "NVIDIA device plugin runs on this node"])
        errors = preflight.evaluate(facts, requirements(2)).errors
        self.assertIn("make --expect-gpus match the container's nvidia.com/gpu limit", errors[0])

    def test_zero_visible_includes_torch_reason(self):
        facts = gpu_facts("x", (8, 0), count=0)
        facts["cuda_notes"] = ["UserWarning: CUDA initialization: The NVIDIA driver on your system is too old"]
        errors = preflight.evaluate(facts, requirements(1)).errors
        self.assertIn("expected 1 GPU(s), 0 visible (UserWarning: CUDA initialization: The NVIDIA driver", errors[0])

    def test_cpu_only_build_when_gpus_expected(self):
        facts = {"torch_version": "2.8.0+cpu", "cuda_runtime": None, "gpus": [], "shm_bytes": 8 * GiB}
        errors = preflight.evaluate(facts, requirements(1)).errors
        self.assertEqual(len(errors), 1)
        self.assertIn("CPU-only build (torch 2.8.0+cpu, CPU-only build)", errors[0])

    def test_expect_zero_skips_gpu_checks(self):
        facts = {"torch_version": "1.13.0", "cuda_runtime": None, "shm_bytes": 8 * GiB}
        self.assertEqual(preflight.evaluate(facts, requirements(0)), preflight.Verdict([], []))

    def test_missing_torch(self):
        errors = preflight.evaluate({"torch_error": "ModuleNotFoundError: No module named 'torch'"},
                                    requirements(0, min_shm_mib=0)).errors
        self.assertEqual(errors, ["torch cannot be imported (ModuleNotFoundError: No module named 'torch'); fix: run "
                                  "on a PyTorch image such as pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime"])


class DriverDecisions(unittest.TestCase):
    def verdict(self, driver, build="12.8"):
        return preflight.evaluate(gpu_facts("NVIDIA H100 80GB HBM3", (9, 0), build=build, driver=driver),
                                  requirements())

    def test_below_the_12x_floor_is_an_error(self):
        self.assertEqual(self.verdict("520.61.05").errors, [
            "NVIDIA driver 520.61.05 is older than 525.60.13, the minimum for any CUDA 12.x runtime (this image's "
            "PyTorch uses CUDA 12.8); fix: upgrade the node's NVIDIA driver to >= 570.26 (the EKS "
            "AL2023_x86_64_NVIDIA AMI ships 580)"])

    def test_below_the_exact_minor_is_a_warning_with_the_older_image(self):
        verdict = self.verdict("565.57.01")
        self.assertEqual(verdict.errors, [])
        self.assertEqual(verdict.warnings, [
            "NVIDIA driver 565.57.01 is older than 570.26, the minimum for CUDA 12.8; it runs under minor-version "
            "compatibility, but PTX JIT and newer CUDA features fail; fix: upgrade the node's NVIDIA driver to "
            ">= 570.26 or use the cuda12.6 image (pytorch/pytorch:2.8.0-cuda12.6-cudnn9-runtime)"])
        self.assertNotIn("cuda12.6", self.verdict("550.54.15").warnings[0])  # 550 is too old for 12.6 as well

    def test_new_enough_drivers(self):
        for driver in ("570.26", "570.124.06", "580.65.06"):
            self.assertEqual(self.verdict(driver), preflight.Verdict([], []), driver)
        self.assertEqual(self.verdict("560.28.03", build="12.6"), preflight.Verdict([], []))

    def test_cuda13_floor(self):
        self.assertIn("the minimum for any CUDA 13.x runtime", self.verdict("575.51.03", build="13.0").errors[0])

    def test_unparseable_driver_is_a_warning_not_a_crash(self):
        verdict = self.verdict("unknown")
        self.assertEqual(verdict.errors, [])
        self.assertIn("driver not checked", verdict.warnings[0])

    def test_unknown_driver_is_a_warning(self):
        facts = gpu_facts("NVIDIA H100 80GB HBM3", (9, 0), driver=None)
        facts["driver_error"] = "FileNotFoundError: no such file"
        verdict = preflight.evaluate(facts, requirements())
        self.assertEqual(verdict.errors, [])
        self.assertIn("could not read the NVIDIA driver version (FileNotFoundError", verdict.warnings[0])


class ShmAndPaths(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def decide(self, **req):
        reqs = requirements(0, **req)
        return preflight.evaluate(preflight.gather_facts(reqs), reqs)

    def test_small_shm_exact_message(self):
        facts = {"torch_version": "2.8.0", "shm_bytes": 64 * 1024 * 1024}
        self.assertEqual(preflight.evaluate(facts, requirements(0)).errors, [
            "/dev/shm is 64 MiB, less than the required 1024 MiB; fix: mount an emptyDir with medium: Memory and "
            "sizeLimit >= 1024Mi at /dev/shm (containers get 64 MB by default; DataLoader workers and NCCL die "
            "with bus errors when it fills)"])
        self.assertEqual(preflight.evaluate(facts, requirements(0, min_shm_mib=0)).errors, [])

    def test_readable_dataset_and_writable_output(self):
        data = os.path.join(self.tmp.name, "data")
        os.mkdir(data)
        with open(os.path.join(data, "part-0000"), "wb") as handle:
            handle.write(b"x" * 10)
        out = os.path.join(self.tmp.name, "out", "run-1")  # a missing subdirectory is created
        self.assertEqual(self.decide(datasets=[data], output=out, min_shm_mib=1), preflight.Verdict([], []))
        self.assertEqual(os.listdir(out), [])  # the probe file is gone

    def test_missing_dataset_exact_message(self):
        path = os.path.join(self.tmp.name, "nope")
        self.assertEqual(self.decide(datasets=[path]).errors, [
            "dataset path %s does not exist; fix: check the volume's mountPath and the dataset path in the stack "
            "config" % path])

    def test_empty_dataset_is_a_warning(self):
        verdict = self.decide(datasets=[self.tmp.name])
        self.assertEqual(verdict.errors, [])
        self.assertIn("is an empty directory", verdict.warnings[0])

    def test_unreadable_dataset(self):
        with mock.patch.object(preflight.os, "scandir", side_effect=PermissionError(13, "Permission denied")):
            errors = self.decide(datasets=[self.tmp.name]).errors
        self.assertEqual(len(errors), 1)
        self.assertIn("exists but cannot be read (PermissionError: [Errno 13] Permission denied)", errors[0])
        if os.geteuid() != 0:  # root ignores modes, so the real chmod check only means something for others
            locked = os.path.join(self.tmp.name, "locked")
            os.mkdir(locked)
            os.chmod(locked, 0)
            self.addCleanup(os.chmod, locked, stat.S_IRWXU)
            self.assertIn("cannot be read", self.decide(datasets=[locked]).errors[0])

    def test_unwritable_output(self):
        blocker = os.path.join(self.tmp.name, "a-file")
        open(blocker, "w").close()
        out = os.path.join(blocker, "out")  # a path under a regular file fails even for root
        errors = self.decide(output=out).errors
        self.assertEqual(len(errors), 1)
        self.assertTrue(errors[0].startswith("output path %s is not writable (NotADirectoryError" % out), errors[0])
        self.assertTrue(errors[0].endswith("fix: mount a writable volume there (not readOnly) that uid %d can write "
                                           "to (fsGroup)" % os.getuid()), errors[0])


class FactGathering(unittest.TestCase):
    def test_driver_from_proc(self):
        text = ("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.65.06  Release Build  "
                "(dvs-builder@U16-I3-B03-4-3)  Sun Jul 27 06:54:38 UTC 2025\nGCC version:  gcc version 11.4.0\n")
        facts = {}
        with mock.patch("builtins.open", mock.mock_open(read_data=text)):
            preflight._gather_driver(facts)
        self.assertEqual(facts["driver_version"], "580.65.06")

    def test_driver_from_nvidia_smi(self):
        facts = {}
        with mock.patch("builtins.open", side_effect=FileNotFoundError(2, "No such file")), \
                mock.patch.object(preflight.subprocess, "check_output", return_value="570.86.15\n570.86.15\n"):
            preflight._gather_driver(facts)
        self.assertEqual(facts["driver_version"], "570.86.15")

    def test_cuda_failure_becomes_a_message(self):
        class FakeCuda:
            @staticmethod
            def device_count():
                raise RuntimeError("CUDA driver initialization failed\nsecond line")

        fake = type("FakeTorch", (), {"__version__": "2.8.0+cu128", "cuda": FakeCuda,
                                      "version": type("V", (), {"cuda": "12.8"}), "_C": object()})
        stderr = io.StringIO()
        with mock.patch.object(preflight, "_import_torch", return_value=fake):
            status = preflight.run(requirements(1, min_shm_mib=0), stdout=io.StringIO(), stderr=stderr)
        self.assertEqual(status, 2)
        self.assertIn("expected 1 GPU(s), 0 visible (RuntimeError: CUDA driver initialization failed)",
                      stderr.getvalue())
        self.assertNotIn("Traceback", stderr.getvalue())

    def test_internal_error_is_one_line(self):
        stderr = io.StringIO()
        with mock.patch.object(preflight, "evaluate", side_effect=KeyError("boom")):
            self.assertEqual(preflight.run(requirements(0), stdout=io.StringIO(), stderr=stderr), 2)
        self.assertEqual(stderr.getvalue().count("\n"), 1)
        self.assertIn("internal error in preflight (KeyError: 'boom')", stderr.getvalue())

    def test_real_cpu_run_prints_ok(self):
        stdout = io.StringIO()
        self.assertEqual(preflight.run(requirements(0, min_shm_mib=1), stdout=stdout, stderr=io.StringIO()), 0)
        self.assertTrue(stdout.getvalue().startswith("preflight: ok gpus=0 "), stdout.getvalue())


class CatalogFile(unittest.TestCase):
    """The tables come from catalog.json next to preflight.py, never from a copy of its own."""

    def test_tables_are_the_generated_file(self):
        self.assertIsNone(preflight.CATALOG_ERROR)
        self.assertEqual(catalog.CATALOG_PATH, os.path.join(os.path.abspath(LAUNCHER), "catalog.json"))
        self.assertEqual({"%d.%d" % k: v for k, v in preflight.CATALOG.driver_minimum.items()},
                         CATALOG_JSON["driverMinimum"])
        self.assertEqual([b["key"] for b in preflight.CATALOG.builds], [b["key"] for b in CATALOG_JSON["builds"]])
        self.assertEqual(preflight.CATALOG.default_build["key"], CATALOG_JSON["defaultBuild"])
        for name in ("DRIVER_MINIMUM", "KNOWN_BUILDS"):
            self.assertFalse(hasattr(preflight, name), name)

    def test_cuda_12_9_gets_its_minimum_from_the_catalog(self):
        # 570.x passes CUDA 12.8 but is below 12.9's own minimum, 575.51.03. The preflight's former copy
        # of the table had no 12.9 row and judged it by 12.8's minimum: no warning at all.
        facts = gpu_facts("NVIDIA H100 80GB HBM3", (9, 0), build="12.9", driver="570.124.06", arch=CU128)
        verdict = preflight.evaluate(facts, requirements())
        self.assertEqual(verdict.errors, [])
        self.assertEqual(len(verdict.warnings), 1)
        self.assertTrue(verdict.warnings[0].startswith(
            "NVIDIA driver 570.124.06 is older than 575.51.03, the minimum for CUDA 12.9;"), verdict.warnings[0])
        self.assertIn("or use the cuda12.8 image (pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime)", verdict.warnings[0])

    def test_missing_or_malformed_file_is_one_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "catalog.json")
            cases = [None, "{", "[]", json.dumps(dict(CATALOG_JSON, driverMinimum={"12": "x"})),
                     json.dumps({k: v for k, v in CATALOG_JSON.items() if k != "builds"})]
            for text in cases:
                if text is not None:
                    with open(path, "w") as handle:
                        handle.write(text)
                with self.assertRaises(catalog.CatalogError) as caught:
                    catalog.load(path)
                message = str(caught.exception)
                self.assertEqual(message.count("\n"), 0, message)
                self.assertTrue(message.startswith("cannot read the launcher catalog %s (" % path), message)
                self.assertIn("fix: ship the generated catalog.json next to preflight.py", message)

    def test_run_without_the_file_stops_with_one_line(self):
        with tempfile.TemporaryDirectory() as tmp:  # the launcher directory as a pod would see it, minus the file
            for name in os.listdir(LAUNCHER):
                if name.endswith(".py"):
                    shutil.copy(os.path.join(LAUNCHER, name), tmp)
            done = subprocess.run([sys.executable, os.path.join(tmp, "preflight.py"), "--expect-gpus", "0"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertEqual(done.stdout, "")
        self.assertEqual(done.stderr.count("\n"), 1, done.stderr)
        self.assertTrue(done.stderr.startswith("preflight: error: cannot read the launcher catalog %s (FileNotFoundError"
                                               % os.path.join(tmp, "catalog.json")), done.stderr)
        self.assertTrue(done.stderr.endswith("; training not started\n"), done.stderr)


if __name__ == "__main__":
    unittest.main()
