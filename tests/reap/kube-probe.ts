/**
 * Run by kube.test.ts with tsx (the client is ESM-only and Jest's CommonJS sandbox cannot import
 * it): serves a fake Kubernetes API on localhost and reads it through the real client, printing
 * one JSON object with what the reaper's KubeView returned or threw.
 */
import { kubeConnector } from "../../reap/kube";
import { summarizeActivity } from "../../reap/activity";
import { startFakeKubeApi } from "./fake-kube-api";
import { KUEUE_CLUSTER, PROBE_NOW } from "./kueue-objects";

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
    const [pods, jobs, nodes, jobSets, workloads, leftovers] = [await view.listGpuPods(), await view.listGpuJobs(), await view.listGpuNodes(), await view.listGpuJobSets(), await view.listWorkloads(), await view.listLeftovers()];
    const a = summarizeActivity({ pods, jobs, nodes, jobSets, workloads, leftovers }, { now: PROBE_NOW, pendingBoundMinutes: 30 });
    return { pods, jobs, nodes, jobSets, workloads, activity: a };
  } catch (e) {
    return { error: { name: (e as Error).name, problem: (e as { problem?: string }).problem, message: (e as Error).message } };
  }
}

(async () => {
  const ok = await startFakeKubeApi(LISTS);
  const forbidden = await startFakeKubeApi({ status: 403 });
  const closed = await startFakeKubeApi({});
  await closed.close();
  const kueue = await startFakeKubeApi(KUEUE_CLUSTER);
  const kueueV1beta1 = await startFakeKubeApi({ ...KUEUE_CLUSTER, kueueVersion: "v1beta1" });
  const result = {
    ok: await attempt(ok.kubeconfig),
    kueue: await attempt(kueue.kubeconfig),
    kueueV1beta1: await attempt(kueueV1beta1.kubeconfig),
    gone: await attempt(ok.kubeconfig.replace(/http:\/\/127\.0\.0\.1:\d+/, "https://0123456789abcdef.gr7.us-east-1.eks.invalid")),
    forbidden: await attempt(forbidden.kubeconfig),
    unreachable: await attempt(closed.kubeconfig),
    invalid: await attempt("just: text"),
  };
  await ok.close();
  await forbidden.close();
  await kueue.close();
  await kueueV1beta1.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
})();
