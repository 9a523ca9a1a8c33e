/**
 * The real KubeView over @kubernetes/client-node, and the pure mapping from Kubernetes objects to
 * the reaper's GpuPod / GpuJob / GpuNode. The client is ESM-only while this project compiles to
 * CommonJS, so it is loaded with a real dynamic import() at run time (TypeScript would otherwise
 * turn `import()` into `require()`).
 */
import type { V1Job, V1Node, V1Pod } from "@kubernetes/client-node";
import { GPU_PRESENT_LABEL, POOL_LABEL } from "../config/names";
import { QUEUE_NAME_LABEL } from "../k8s/local-queue";
import { gpuRequest, toDate } from "./gpu-request";
import { JobSetObject, WorkloadObject, jobSetFrom, workloadFrom } from "./kueue";
import { clusterLeftovers } from "./leftovers";
import { GPU_RESOURCE, GpuJob, GpuJobSet, GpuNode, GpuPod, KubeAccessError, KubeConnector, KubeView, PodPhase, QueuedWorkload } from "./types";

export { gpuRequest } from "./gpu-request";

/** Set by the Job controller on a Job's pods (https://kubernetes.io/docs/reference/labels-annotations-taints/#batch-kubernetes-io-job-name). */
const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
/** Set by JobSet on its Jobs and their pods (kubernetes-sigs/jobset v0.12.0 api/jobset/v1alpha2/jobset_types.go). */
const JOBSET_NAME_LABEL = "jobset.sigs.k8s.io/jobset-name";
/** Kueue's Workload API: v1beta2 in Kueue 0.19 (storage version), v1beta1 before (still served, deprecated). */
const KUEUE_VERSIONS = ["v1beta2", "v1beta1"] as const;

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
    let custom: InstanceType<ClientModule["CustomObjectsApi"]>;
    let server: string;
    try {
      kc.loadFromString(kubeconfig);
      const cluster = kc.getCurrentCluster();
      if (!cluster) throw new Error("it names no current cluster");
      server = cluster.server;
      core = kc.makeApiClient(k8s.CoreV1Api);
      batch = kc.makeApiClient(k8s.BatchV1Api);
      custom = kc.makeApiClient(k8s.CustomObjectsApi);
    } catch (e) {
      throw new KubeAccessError("invalid-kubeconfig", `the kubeconfig output cannot be used: ${e instanceof Error ? e.message : String(e)}`);
    }
    const call = <T>(what: string, fn: () => Promise<T>) => withTimeout(fn(), what, server).catch((e: unknown) => Promise.reject(kubeError(e, what, server)));
    return {
      listGpuPods: async () => (await call("list pods in all namespaces", () => core.listPodForAllNamespaces())).items.map(gpuPodFrom).filter((p): p is GpuPod => p !== undefined),
      listGpuJobs: async () => (await call("list jobs in all namespaces", () => batch.listJobForAllNamespaces())).items.map(gpuJobFrom).filter((j): j is GpuJob => j !== undefined),
      listGpuNodes: async () => (await call("list nodes", () => core.listNode())).items.map(gpuNodeFrom).filter((n): n is GpuNode => n !== undefined),
      listGpuJobSets: async () => {
        const items = await optionalList<JobSetObject>(call, "list jobsets.jobset.x-k8s.io in all namespaces", () => custom.listClusterCustomObject({ group: "jobset.x-k8s.io", version: "v1alpha2", plural: "jobsets" }));
        return (items ?? []).map(jobSetFrom).filter((j): j is GpuJobSet => j !== undefined);
      },
      listWorkloads: async () => {
        for (const version of KUEUE_VERSIONS) {
          const items = await optionalList<WorkloadObject>(call, `list workloads.kueue.x-k8s.io/${version} in all namespaces`, () => custom.listClusterCustomObject({ group: "kueue.x-k8s.io", version, plural: "workloads" }));
          if (items) return items.map(workloadFrom).filter((w): w is QueuedWorkload => w !== undefined);
        }
        return [];
      },
      listLeftovers: async () => {
        // A report only: what cannot be listed is said, and decides nothing.
        try {
          const [pvcs, pvs, services] = await Promise.all([
            call("list persistentvolumeclaims in all namespaces", () => core.listPersistentVolumeClaimForAllNamespaces()),
            call("list persistentvolumes", () => core.listPersistentVolume()),
            call("list services in all namespaces", () => core.listServiceForAllNamespaces()),
          ]);
          return clusterLeftovers(pvcs.items, pvs.items, services.items);
        } catch (e) {
          return [{ what: "volumes and load balancers made outside the stack", why: `not listed: ${e instanceof Error ? e.message : String(e)}` }];
        }
      },
    };
  },
};

/** A custom resource's items, or undefined where the cluster does not serve that API (404). */
async function optionalList<T>(call: <R>(what: string, fn: () => Promise<R>) => Promise<R>, what: string, fn: () => Promise<unknown>): Promise<T[] | undefined> {
  try {
    return ((await call(what, fn)) as { items?: T[] }).items ?? [];
  } catch (e) {
    if (e instanceof KubeAccessError && e.status === 404) return undefined;
    throw e;
  }
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
    createdAt: toDate(pod.metadata?.creationTimestamp),
    waitingReason: phase === "Pending" ? waitingReason(pod) : undefined,
    jobName: pod.metadata?.labels?.[JOB_NAME_LABEL] ?? pod.metadata?.ownerReferences?.find((o) => o.kind === "Job")?.name,
    jobSetName: pod.metadata?.labels?.[JOBSET_NAME_LABEL],
    queueName: pod.metadata?.labels?.[QUEUE_NAME_LABEL],
  };
}

/** A container's waiting reason (ImagePullBackOff, ...), else why the scheduler cannot place it. */
function waitingReason(pod: V1Pod): string | undefined {
  const waiting = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].map((s) => s.state?.waiting?.reason).find((r) => r && r !== "ContainerCreating" && r !== "PodInitializing");
  if (waiting) return waiting;
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
  return scheduled?.reason;
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
  const base = {
    namespace: job.metadata?.namespace ?? "default",
    name: job.metadata?.name ?? "(unnamed)",
    queueName: job.metadata?.labels?.[QUEUE_NAME_LABEL],
    jobSetName: job.metadata?.labels?.[JOBSET_NAME_LABEL] ?? job.metadata?.ownerReferences?.find((o) => o.kind === "JobSet")?.name,
    createdAt: toDate(job.metadata?.creationTimestamp),
  };
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
    return new KubeAccessError("forbidden", `permission denied (403) to ${what} on ${server}: the reaper needs list on pods and jobs in all namespaces, on nodes, and on jobsets.jobset.x-k8s.io and workloads.kueue.x-k8s.io`);
  }
  if (/spawn \S+ ENOENT/.test(text)) {
    return new KubeAccessError("unauthorized", `cannot get credentials for ${server} to ${what}: the kubeconfig's credential command is not installed (${/spawn \S+ ENOENT/.exec(text)![0]}); EKS kubeconfigs run \`aws eks get-token\``);
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|socket hang up|fetch failed/i.test(text)) {
    return new KubeAccessError("unreachable", `cannot reach ${server} to ${what}: ${text.trim().split("\n")[0]}`);
  }
  return new KubeAccessError("other", `cannot ${what} on ${server}${status ? ` (HTTP ${status})` : ""}: ${text.trim().split("\n")[0]}`, status);
}
