/**
 * Run by kube.test.ts with tsx (the client is ESM-only and Jest's CommonJS sandbox cannot import
 * it): serves a fake Kubernetes API on localhost and reads it through the real client, printing
 * one JSON object with what the reaper's KubeView returned or threw.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { kubeConnector } from "../../reap/kube";
import { summarizeActivity } from "../../reap/activity";

const t = (iso: string) => iso;
const gpu = { requests: { "nvidia.com/gpu": "1" }, limits: { "nvidia.com/gpu": "1" } };
const LISTS: Record<string, unknown> = {
  "/api/v1/pods": {
    apiVersion: "v1",
    kind: "PodList",
    items: [
      { metadata: { name: "train-0", namespace: "exp" }, spec: { nodeName: "n1", containers: [{ name: "c", image: "x", resources: gpu }] }, status: { phase: "Running" } },
      { metadata: { name: "coredns", namespace: "kube-system" }, spec: { containers: [{ name: "c", image: "x", resources: { requests: { cpu: "100m" } } }] }, status: { phase: "Running" } },
      {
        metadata: { name: "old-0", namespace: "exp" },
        spec: { containers: [{ name: "c", image: "x", resources: { limits: { "nvidia.com/gpu": "8" } } }] },
        status: { phase: "Succeeded", containerStatuses: [{ name: "c", image: "x", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, finishedAt: t("2026-11-20T10:15:00Z") } } }] },
      },
    ],
  },
  "/apis/batch/v1/jobs": {
    apiVersion: "batch/v1",
    kind: "JobList",
    items: [
      {
        metadata: { name: "old", namespace: "exp" },
        spec: { template: { spec: { containers: [{ name: "c", image: "x", resources: gpu }] } } },
        status: { completionTime: t("2026-11-20T10:15:30Z"), conditions: [{ type: "Complete", status: "True", lastTransitionTime: t("2026-11-20T10:15:30Z") }] },
      },
      { metadata: { name: "cpu-only", namespace: "exp" }, spec: { template: { spec: { containers: [{ name: "c", image: "x" }] } } }, status: {} },
    ],
  },
  "/api/v1/nodes": {
    apiVersion: "v1",
    kind: "NodeList",
    items: [
      { metadata: { name: "n1", labels: { "node.kubernetes.io/instance-type": "g4dn.xlarge" } }, status: { capacity: { "nvidia.com/gpu": "1", cpu: "4" } } },
      { metadata: { name: "sys", labels: { "node.kubernetes.io/instance-type": "m6i.large" } }, status: { capacity: { cpu: "2" } } },
    ],
  },
};

function serve(status: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    res.setHeader("content-type", "application/json");
    if (status !== 200) {
      res.statusCode = status;
      res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message: `pods is forbidden: User "reaper" cannot list resource "pods"`, reason: "Forbidden", code: status }));
      return;
    }
    const body = LISTS[path];
    res.statusCode = body ? 200 : 404;
    res.end(JSON.stringify(body ?? { kind: "Status", code: 404 }));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const kubeconfigFor = (port: number) => `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t0k3n } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`;

async function attempt(kubeconfig: string) {
  try {
    const view = await kubeConnector.connect(kubeconfig);
    const [pods, jobs, nodes] = [await view.listGpuPods(), await view.listGpuJobs(), await view.listGpuNodes()];
    const a = summarizeActivity(pods, jobs, nodes);
    return { pods, jobs, nodes, lastJob: a.lastJob, lastGpuWorkEnd: a.lastGpuWorkEnd, gpuNodesPerHour: a.gpuNodesPerHour };
  } catch (e) {
    return { error: { name: (e as Error).name, problem: (e as { problem?: string }).problem, message: (e as Error).message } };
  }
}

(async () => {
  const ok = await serve(200);
  const forbidden = await serve(403);
  const closed = await serve(200);
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const result = {
    ok: await attempt(kubeconfigFor((ok.address() as AddressInfo).port)),
    forbidden: await attempt(kubeconfigFor((forbidden.address() as AddressInfo).port)),
    unreachable: await attempt(kubeconfigFor(closedPort)),
    invalid: await attempt("just: text"),
  };
  ok.close();
  forbidden.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
})();
