/**
 * Run by kube.test.ts with tsx (the client is ESM-only and Jest's CommonJS sandbox cannot import
 * it): serves a fake Kubernetes API on localhost and reads it through the real client, printing
 * one JSON object with what the reaper's KubeView returned or threw.
 */
import { kubeConnector } from "../../reap/kube";
import { summarizeActivity } from "../../reap/activity";
import { startFakeKubeApi } from "./fake-kube-api";

const gpu = { requests: { "nvidia.com/gpu": "1" }, limits: { "nvidia.com/gpu": "1" } };
const LISTS = {
  pods: [
    { metadata: { name: "train-0", namespace: "exp" }, spec: { nodeName: "n1", containers: [{ name: "c", image: "x", resources: gpu }] }, status: { phase: "Running" } },
    { metadata: { name: "coredns", namespace: "kube-system" }, spec: { containers: [{ name: "c", image: "x", resources: { requests: { cpu: "100m" } } }] }, status: { phase: "Running" } },
    {
      metadata: { name: "old-0", namespace: "exp" },
      spec: { containers: [{ name: "c", image: "x", resources: { limits: { "nvidia.com/gpu": "8" } } }] },
      status: { phase: "Succeeded", containerStatuses: [{ name: "c", image: "x", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, finishedAt: "2026-11-20T10:15:00Z" } } }] },
    },
  ],
  jobs: [
    {
      metadata: { name: "old", namespace: "exp" },
      spec: { template: { spec: { containers: [{ name: "c", image: "x", resources: gpu }] } } },
      status: { completionTime: "2026-11-20T10:15:30Z", conditions: [{ type: "Complete", status: "True", lastTransitionTime: "2026-11-20T10:15:30Z" }] },
    },
    { metadata: { name: "cpu-only", namespace: "exp" }, spec: { template: { spec: { containers: [{ name: "c", image: "x" }] } } }, status: {} },
  ],
  nodes: [
    { metadata: { name: "n1", labels: { "node.kubernetes.io/instance-type": "g4dn.xlarge" } }, status: { capacity: { "nvidia.com/gpu": "1", cpu: "4" } } },
    { metadata: { name: "sys", labels: { "node.kubernetes.io/instance-type": "m6i.large" } }, status: { capacity: { cpu: "2" } } },
  ],
};

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
  const ok = await startFakeKubeApi(LISTS);
  const forbidden = await startFakeKubeApi({ status: 403 });
  const closed = await startFakeKubeApi({});
  await closed.close();
  const result = {
    ok: await attempt(ok.kubeconfig),
    forbidden: await attempt(forbidden.kubeconfig),
    unreachable: await attempt(closed.kubeconfig),
    invalid: await attempt("just: text"),
  };
  await ok.close();
  await forbidden.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
})();
