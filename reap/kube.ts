/**
 * The real KubeView over @kubernetes/client-node, and the pure mapping from Kubernetes objects to
 * the reaper's GpuPod / GpuJob / GpuNode. The client is ESM-only while this project compiles to
 * CommonJS, so it is loaded with a real dynamic import() at run time (TypeScript would otherwise
 * turn `import()` into `require()`).
 */
import type { V1Container, V1Job, V1Node, V1Pod, V1PodSpec } from "@kubernetes/client-node";
import { GPU_PRESENT_LABEL, POOL_LABEL } from "../config/names";
import { GPU_RESOURCE, GpuJob, GpuNode, GpuPod, KubeAccessError, KubeConnector, KubeView, PodPhase } from "./types";

const INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type";
/** Long enough for a slow API server, short enough that one dead cluster does not stall a scheduled run. */
export const KUBE_TIMEOUT_MS = 30_000;

type ClientModule = typeof import("@kubernetes/client-node");
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<ClientModule>;

export const kubeConnector: KubeConnector = {
  async connect(kubeconfig: string): Promise<KubeView> {
    const k8s = await importEsm("@kubernetes/client-node");
    const kc = new k8s.KubeConfig();
    let core: InstanceType<ClientModule["CoreV1Api"]>;
    let batch: InstanceType<ClientModule["BatchV1Api"]>;
    let server: string;
    try {
      kc.loadFromString(kubeconfig);
      const cluster = kc.getCurrentCluster();
      if (!cluster) throw new Error("it names no current cluster");
      server = cluster.server;
      core = kc.makeApiClient(k8s.CoreV1Api);
      batch = kc.makeApiClient(k8s.BatchV1Api);
    } catch (e) {
      throw new KubeAccessError("invalid-kubeconfig", `the kubeconfig output cannot be used: ${e instanceof Error ? e.message : String(e)}`);
    }
    const call = <T>(what: string, fn: () => Promise<T>) => withTimeout(fn(), what, server).catch((e: unknown) => Promise.reject(kubeError(e, what, server)));
    return {
      listGpuPods: async () => (await call("list pods in all namespaces", () => core.listPodForAllNamespaces())).items.map(gpuPodFrom).filter((p): p is GpuPod => p !== undefined),
      listGpuJobs: async () => (await call("list jobs in all namespaces", () => batch.listJobForAllNamespaces())).items.map(gpuJobFrom).filter((j): j is GpuJob => j !== undefined),
      listGpuNodes: async () => (await call("list nodes", () => core.listNode())).items.map(gpuNodeFrom).filter((n): n is GpuNode => n !== undefined),
    };
  },
};

/** GPUs a pod spec asks for: the largest of its init containers, plus the sum of its containers. */
export function gpuRequest(spec: V1PodSpec | undefined): number {
  if (!spec) return 0;
  const of = (c: V1Container) => {
    // An extended resource's limit is also its request (requests may be omitted).
    const value = c.resources?.requests?.[GPU_RESOURCE] ?? c.resources?.limits?.[GPU_RESOURCE];
    const n = Number(value ?? 0);
    return Number.isFinite(n) ? n : 0;
  };
  const containers = (spec.containers ?? []).reduce((sum, c) => sum + of(c), 0);
  const init = Math.max(0, ...(spec.initContainers ?? []).map(of));
  return Math.max(containers, init);
}

export function gpuPodFrom(pod: V1Pod): GpuPod | undefined {
  const gpus = gpuRequest(pod.spec);
  if (gpus <= 0) return undefined;
  const phase = (pod.status?.phase ?? "Pending") as PodPhase;
  const terminal = phase === "Succeeded" || phase === "Failed";
  return {
    namespace: pod.metadata?.namespace ?? "default",
    name: pod.metadata?.name ?? "(unnamed)",
    phase: ["Pending", "Running", "Succeeded", "Failed"].includes(phase) ? phase : "Unknown",
    gpus,
    nodeName: pod.spec?.nodeName,
    finishedAt: terminal ? podEnd(pod) : undefined,
  };
}

/** The last container finish, else the last condition change (an evicted pod has no container state). */
function podEnd(pod: V1Pod): Date | undefined {
  const finished = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]
    .map((s) => toDate(s.state?.terminated?.finishedAt))
    .filter((d): d is Date => d !== undefined);
  const candidates = finished.length > 0 ? finished : (pod.status?.conditions ?? []).map((c) => toDate(c.lastTransitionTime)).filter((d): d is Date => d !== undefined);
  return candidates.length > 0 ? new Date(Math.max(...candidates.map((d) => d.getTime()))) : undefined;
}

export function gpuJobFrom(job: V1Job): GpuJob | undefined {
  if (gpuRequest(job.spec?.template?.spec) <= 0) return undefined;
  const conditions = job.status?.conditions ?? [];
  const done = (type: string) => conditions.find((c) => c.type === type && c.status === "True");
  const complete = done("Complete");
  const failed = done("Failed");
  const base = { namespace: job.metadata?.namespace ?? "default", name: job.metadata?.name ?? "(unnamed)" };
  if (complete) return { ...base, outcome: "succeeded", finishedAt: toDate(job.status?.completionTime) ?? toDate(complete.lastTransitionTime) };
  if (failed) return { ...base, outcome: "failed", finishedAt: toDate(failed.lastTransitionTime) };
  if (job.spec?.suspend && !(job.status?.active ?? 0)) return { ...base, outcome: "suspended" };
  return { ...base, outcome: "running" };
}

export function gpuNodeFrom(node: V1Node): GpuNode | undefined {
  const labels = node.metadata?.labels ?? {};
  const gpus = Number(node.status?.capacity?.[GPU_RESOURCE] ?? 0) || 0;
  // A GPU node counts before its device plugin advertises GPUs: our labels mark it too.
  if (gpus <= 0 && labels[GPU_PRESENT_LABEL] !== "true" && labels[POOL_LABEL] === undefined) return undefined;
  return { name: node.metadata?.name ?? "(unnamed)", instanceType: labels[INSTANCE_TYPE_LABEL], gpus };
}

function toDate(v: Date | string | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function withTimeout<T>(p: Promise<T>, what: string, server: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KubeAccessError("unreachable", `no answer from ${server} within ${KUBE_TIMEOUT_MS / 1000} s (${what})`)), KUBE_TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A KubeAccessError that says what failed and what to check. */
export function kubeError(e: unknown, what: string, server: string): KubeAccessError {
  if (e instanceof KubeAccessError) return e;
  const status = typeof (e as { code?: unknown })?.code === "number" ? (e as { code: number }).code : undefined;
  const text = e instanceof Error ? `${e.message} ${String((e as { cause?: unknown }).cause ?? "")}` : String(e);
  if (status === 401) {
    return new KubeAccessError("unauthorized", `${server} rejected the credentials (401) to ${what}: the kubeconfig's token command (aws eks get-token) needs AWS credentials of a principal with an EKS access entry`);
  }
  if (status === 403) {
    return new KubeAccessError("forbidden", `permission denied (403) to ${what} on ${server}: the reaper needs list on pods and jobs in all namespaces and on nodes`);
  }
  if (/spawn \S+ ENOENT/.test(text)) {
    return new KubeAccessError("unauthorized", `cannot get credentials for ${server} to ${what}: the kubeconfig's credential command is not installed (${/spawn \S+ ENOENT/.exec(text)![0]}); EKS kubeconfigs run \`aws eks get-token\``);
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|socket hang up|fetch failed/i.test(text)) {
    return new KubeAccessError("unreachable", `cannot reach ${server} to ${what}: ${text.trim().split("\n")[0]}`);
  }
  return new KubeAccessError("other", `cannot ${what} on ${server}${status ? ` (HTTP ${status})` : ""}: ${text.trim().split("\n")[0]}`);
}
