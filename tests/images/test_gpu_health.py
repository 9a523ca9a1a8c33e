"""Tests for images/launcher/gpu_health.py and launch.py --gpu-health.

The decision is pure and tested with figures; the measurements run for real on CPU with small sizes (the same
code the pod runs on its GPUs), the all-reduce under the real torch.distributed.run with gloo, and the node is
labelled on a stand-in Kubernetes API server on 127.0.0.1 that applies a JSON merge patch as the real one does.
"""
import contextlib
import io
import json
import os
import sys
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

LAUNCHER = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "images", "launcher"))
sys.path.insert(0, LAUNCHER)

import catalog  # noqa: E402
import gpu_health  # noqa: E402
import launch  # noqa: E402
import supervise  # noqa: E402

H100 = catalog.load().gpu_health["h100"]
SMALL = {"matmul_n": 128, "matmul_seconds": 0.05, "memory_mib": 4, "peer_mib": 1, "allreduce_mib": 1}


def healthy(index, tflops=700.0, gbs=2900.0):
    return {"index": index, "matmul_tflops": tflops, "memory_gbs": gbs, "memory_errors": 0}


class Evaluate(unittest.TestCase):
    def test_a_healthy_node_passes(self):
        measured = {"gpus": [healthy(i, 700 + i, 2900 - i) for i in range(8)],
                    "peers": [{"src": i, "dst": (i + 1) % 8, "gbs": 350.0} for i in range(8)], "busbw_gbs": 360.0}
        self.assertEqual(gpu_health.evaluate(measured, H100), [])

    def test_one_slow_gpu_among_its_siblings_is_named(self):
        measured = {"gpus": [healthy(i) for i in range(7)] + [healthy(7, tflops=400.0)], "peers": []}
        problems = gpu_health.evaluate(measured, H100)
        self.assertEqual(problems, ["GPU 7: matmul 400.0 TFLOPS, below 80% of this node's median 700.0 TFLOPS"])

    def test_a_gpu_far_below_the_datasheet_is_sick_even_alone(self):
        problems = gpu_health.evaluate({"gpus": [healthy(0, tflops=120.0)]}, H100)
        self.assertEqual(problems, ["GPU 0: matmul 120.0 TFLOPS, below 25% of the NVIDIA H100 80 GB's 989 TFLOPS"])
        # Alone, the same GPU at half its datasheet figure passes: a short test never reaches the peak.
        self.assertEqual(gpu_health.evaluate({"gpus": [healthy(0, tflops=495.0)]}, H100), [])

    def test_memory_that_reads_back_wrong_is_sick(self):
        gpu = dict(healthy(3), memory_errors=12)
        problems = gpu_health.evaluate({"gpus": [healthy(0), gpu]}, H100)
        self.assertEqual(problems, ["GPU 3: 12 memory words read back wrong after a pattern write; the GPU's memory is faulty"])

    def test_a_link_trained_down_and_a_slow_all_reduce_are_named(self):
        measured = {"gpus": [healthy(0), healthy(1)], "peers": [{"src": 0, "dst": 1, "gbs": 24.0}, {"src": 1, "dst": 0, "gbs": 340.0}],
                    "busbw_gbs": 20.0}
        problems = gpu_health.evaluate(measured, H100)
        self.assertEqual(problems, [
            "GPU 0 -> GPU 1: copy 24.0 GB/s, below 20% of the NVIDIA H100 80 GB link's 450 GB/s",
            "all-reduce across the node's 2 GPUs: bus bandwidth 20.0 GB/s, below 20% of the NVIDIA H100 80 GB link's 450 GB/s",
        ])

    def test_peers_are_not_judged_where_the_gpu_has_no_peer_to_peer(self):
        rtx = catalog.load().gpu_health["rtx4090"]
        self.assertIsNone(rtx["peerGBs"])
        measured = {"gpus": [healthy(0, 150, 900), healthy(1, 150, 900)], "peers": [{"src": 0, "dst": 1, "gbs": 3.0}], "busbw_gbs": 2.0}
        self.assertEqual(gpu_health.evaluate(measured, rtx), [])

    def test_an_all_reduce_that_failed_is_a_problem(self):
        measured = {"gpus": [healthy(0), healthy(1)], "busbw_error": "the all-reduce check did not finish in 60 s"}
        self.assertEqual(gpu_health.evaluate(measured, H100), ["all-reduce across the node's 2 GPUs: the all-reduce check did not finish in 60 s"])


class MeasureOnCpu(unittest.TestCase):
    """The pod's measuring code, run on this machine's CPU."""

    def test_one_device(self):
        import torch
        figures = gpu_health.measure_gpu(torch, "cpu", SMALL)
        self.assertGreater(figures["matmul_tflops"], 0)
        self.assertGreater(figures["memory_gbs"], 0)
        self.assertEqual(figures["memory_errors"], 0)

    def test_ring_copies(self):
        import torch
        pairs = gpu_health.measure_peers(torch, ["cpu", "cpu", "cpu"], 1)
        self.assertEqual([(p["src"], p["dst"]) for p in pairs], [(0, 1), (1, 2), (2, 0)])
        self.assertTrue(all(p["gbs"] > 0 for p in pairs))
        self.assertEqual(gpu_health.measure_peers(torch, ["cpu"], 1), [])

    def test_all_reduce_under_torchrun(self):
        import torch
        busbw, problem = gpu_health.allreduce_busbw(sys.executable, 2, 1, timeout=120, torchrun_flags=gpu_health.launcher_flags(torch))
        self.assertIsNone(problem)
        self.assertGreater(busbw, 0)

    def test_all_reduce_that_cannot_run_says_why(self):
        busbw, problem = gpu_health.allreduce_busbw(sys.executable, 2, 1, timeout=120, torchrun_flags=("--no-such-flag",))
        self.assertIsNone(busbw)
        self.assertRegex(problem, r"^the all-reduce check failed \(exit 2\): .*unrecognized arguments: --no-such-flag")


class MeasureInChild(unittest.TestCase):
    def test_no_gpu_visible_measures_nothing(self):
        measured, problem = gpu_health.measure_in_child(sys.executable, 120, SMALL)
        self.assertIsNone(problem)
        self.assertEqual(measured, {"gpus": [], "peers": []})

    def test_a_hung_check_is_killed_at_its_deadline_and_is_a_problem(self):
        hung = os.path.join(tempfile.mkdtemp(), "python")
        with open(hung, "w") as handle:
            handle.write("#!/bin/sh\nsleep 60 &\nexec sleep 60\n")
        os.chmod(hung, 0o755)
        measured, problem = gpu_health.measure_in_child(hung, 1)
        self.assertIsNone(measured)
        self.assertEqual(problem, "the GPU measurements did not finish in 1 s: a GPU or a link between GPUs hangs")
        problems, _, blame = gpu_health.check(hung, H100, timeout=1)
        self.assertEqual((problems, blame), ([problem], "gpu"))

    def test_a_check_that_cannot_run_blames_itself_not_the_gpu(self):
        broken = os.path.join(tempfile.mkdtemp(), "python")
        with open(broken, "w") as handle:
            handle.write("#!/bin/sh\necho 'ModuleNotFoundError: No module named torch' >&2\nexit 1\n")
        os.chmod(broken, 0o755)
        problems, _, blame = gpu_health.check(broken, H100, timeout=10)
        self.assertEqual((problems, blame), (["GPU check failed (exit 1): ModuleNotFoundError: No module named torch"], "check"))


class StandInNodeApi:
    """Serves GET and PATCH (application/merge-patch+json, RFC 7386) of /api/v1/nodes/<name> for one bearer token."""

    def __init__(self, token, nodes):
        self.nodes, self.requests = nodes, []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, code, body):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_PATCH(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                api.requests.append((self.path, self.headers.get("Content-Type"), json.loads(body)))
                if self.headers.get("Authorization") != "Bearer %s" % token:
                    return self._answer(401, {"kind": "Status", "code": 401, "reason": "Unauthorized"})
                if self.headers.get("Content-Type") != "application/merge-patch+json":
                    return self._answer(415, {"kind": "Status", "code": 415})
                name = self.path.rsplit("/", 1)[-1]
                if not self.path.startswith("/api/v1/nodes/") or name not in api.nodes:
                    return self._answer(404, {"kind": "Status", "code": 404, "reason": "NotFound"})
                api.nodes[name] = merge_patch(api.nodes[name], json.loads(body))
                return self._answer(200, api.nodes[name])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = "http://127.0.0.1:%d" % self.server.server_address[1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def merge_patch(target, patch):
    """RFC 7386: objects merge key by key, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def node(name):
    return {"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "node.kubernetes.io/instance-type": "p5.48xlarge"}},
            "spec": {"taints": [{"key": "nvidia.com/gpu", "effect": "NoSchedule"}]}}


class MarkNode(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.token_path = os.path.join(self.dir, "token")
        with open(self.token_path, "w") as handle:
            handle.write("secret-token\n")
        self.api = StandInNodeApi("secret-token", {"ip-10-0-1-5": node("ip-10-0-1-5")})
        self.addCleanup(self.api.close)

    def test_the_label_is_added_and_nothing_else_changes(self):
        api = {"base": self.api.base, "token_path": self.token_path, "ca_path": None}
        self.assertIsNone(gpu_health.mark_node(api, "ip-10-0-1-5", "GPU 3: 12 memory words read back wrong"))
        after = self.api.nodes["ip-10-0-1-5"]
        self.assertEqual(after["metadata"]["labels"], dict(node("ip-10-0-1-5")["metadata"]["labels"], **{gpu_health.UNHEALTHY_LABEL: "true"}))
        self.assertEqual(after["metadata"]["annotations"], {gpu_health.UNHEALTHY_LABEL: "GPU 3: 12 memory words read back wrong"})
        self.assertEqual(after["spec"], node("ip-10-0-1-5")["spec"])

    def test_refusals_and_missing_parts_are_one_line(self):
        with open(self.token_path, "w") as handle:
            handle.write("wrong")
        api = {"base": self.api.base, "token_path": self.token_path, "ca_path": None}
        self.assertEqual(gpu_health.mark_node(api, "ip-10-0-1-5", "x"), "not marked: the API server answered 401 Unauthorized")
        self.assertEqual(gpu_health.mark_node(None, "ip-10-0-1-5", "x"), "not marked: no service account token or node name in this pod")

    def test_the_in_cluster_api_is_found_as_client_go_finds_it(self):
        self.assertIsNone(gpu_health.api_from_env({}, self.dir))
        found = gpu_health.api_from_env({"KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"}, self.dir)
        self.assertEqual(found["base"], "https://[fd00::1]:443")
        self.assertEqual(found["token_path"], self.token_path)


class LaunchGpuHealth(unittest.TestCase):
    def run_check(self, model, **kwargs):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = launch.check_gpus(model, **kwargs)
        return code, out.getvalue(), err.getvalue()

    def test_a_sick_gpu_labels_the_node_and_exits_77(self):
        token_dir = tempfile.mkdtemp()
        with open(os.path.join(token_dir, "token"), "w") as handle:
            handle.write("t")
        stand_in = StandInNodeApi("t", {"node-a": node("node-a")})
        self.addCleanup(stand_in.close)
        sick = (["GPU 5: matmul 100.0 TFLOPS, below 25% of the NVIDIA H100 80 GB's 989 TFLOPS"], {"gpus": []}, "gpu")
        api = {"base": stand_in.base, "token_path": os.path.join(token_dir, "token"), "ca_path": None}
        with mock.patch.object(gpu_health, "check", return_value=sick), mock.patch.object(gpu_health, "api_from_env", return_value=api):
            code, _, err = self.run_check("h100", environ={launch.NODE_NAME_ENV: "node-a"})
        self.assertEqual(code, supervise.GPU_UNHEALTHY)
        self.assertIn("gpu-health: error: GPU 5: matmul 100.0 TFLOPS", err)
        self.assertIn("gpu-health: node node-a labelled %s=true; exit 77" % gpu_health.UNHEALTHY_LABEL, err)
        self.assertEqual(stand_in.nodes["node-a"]["metadata"]["labels"][gpu_health.UNHEALTHY_LABEL], "true")

    def test_a_check_that_could_not_run_exits_2_and_labels_nothing(self):
        failed = (["all-reduce across the node's 2 GPUs: the all-reduce check could not start: [Errno 2]"], {"gpus": []}, "check")
        with mock.patch.object(gpu_health, "check", return_value=failed), mock.patch.object(gpu_health, "mark_node") as mark:
            code, _, err = self.run_check("h100", environ={launch.NODE_NAME_ENV: "node-a"})
        self.assertEqual(code, 2)
        mark.assert_not_called()
        self.assertIn("gpu-health: the check could not run; exit 2", err)

    def test_no_gpus_visible_is_a_pass_with_nothing_measured(self):
        code, out, _ = self.run_check("t4", environ={})
        self.assertEqual(code, 0)
        self.assertRegex(out, r"^gpu-health: ok in \d+ s\n$")

    def test_an_unknown_gpu_is_a_usage_error(self):
        code, _, err = self.run_check("v100", environ={})
        self.assertEqual(code, 2)
        self.assertIn("--gpu-health v100: not a GPU of the catalog (known: a100-40gb, a100-80gb, a10g,", err)


if __name__ == "__main__":
    unittest.main()
