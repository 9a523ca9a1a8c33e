/**
 * Runs as the cluster serves them: the t4-smoke experiment (stacks/Pulumi.t4-smoke.yaml) running on
 * one g4dn.xlarge, admitted by Kueue, its rank 0 printing the smoke workload's lines. Shaped like
 * the Job k8s/job.ts builds, with what the Job controller, the kubelet and Kueue add.
 */
import type { ClusterState } from "./fake-cluster";

export const ago = (now: Date, minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();

export const EXPERIMENT_LABELS = { "gpu-training-clusters.io/experiment": "t4-smoke", "gpu-training-clusters.io/stack": "t4-smoke", "app.kubernetes.io/component": "trainer" };
export const JOB_UID = "5863cf0e-b0e7-43bf-a445-f41fa1abedfa";
export const NODE = "ip-10-0-1-23.ec2.internal";

export const SMOKE_LOG = [
  "preflight: ok gpus=1 [Tesla T4 sm_75] driver=580.65.06 shm=7680MiB",
  "launch: exec /usr/bin/python3 -m torch.distributed.run --nproc_per_node 1 /opt/gtc/smoke.py",
  "smoke: rank 0/1 on cuda:0: 412 steps in 10.01 s, 10537.4 samples/s, loss 2.3011 -> 0.4123",
  "smoke: total 10537.4 samples/s over 1 ranks (nccl, batch 256 per rank, 1582090 parameters)",
  "smoke: all_reduce of 64.0 MiB x5: algbw 0.000 GB/s, busbw 0.000 GB/s",
].join("\n");

const container = (state: object, restartCount = 0) => ({ name: "trainer", image: "pytorch/pytorch@sha256:x", imageID: "", ready: true, restartCount, state });

/** The namespace of stack t4-smoke, where its objects live (config/names.ts stackNamespace). */
export const NAMESPACE = "t4-smoke";

export function trainerPod(now: Date, over: { name?: string; index?: number; phase?: string; node?: string; startedMin?: number; status?: object; jobName?: string; namespace?: string } = {}): object {
  const index = over.index;
  return {
    metadata: {
      name: over.name ?? "t4-smoke-x7k2p",
      namespace: over.namespace ?? NAMESPACE,
      creationTimestamp: ago(now, (over.startedMin ?? 42) + 1),
      labels: { ...EXPERIMENT_LABELS, "batch.kubernetes.io/job-name": over.jobName ?? "t4-smoke", "job-name": over.jobName ?? "t4-smoke", ...(index !== undefined ? { "batch.kubernetes.io/job-completion-index": String(index) } : {}) },
      ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: over.jobName ?? "t4-smoke", uid: JOB_UID, controller: true }],
    },
    spec: {
      nodeName: over.node ?? NODE,
      containers: [{ name: "trainer", image: "pytorch/pytorch@sha256:x", resources: { limits: { "nvidia.com/gpu": "1", memory: "12288Mi" } } }],
    },
    status: {
      phase: over.phase ?? "Running",
      startTime: ago(now, over.startedMin ?? 42),
      containerStatuses: [container({ running: { startedAt: ago(now, 41) } })],
      ...over.status,
    },
  };
}

export function trainingJob(now: Date, over: { status?: object; name?: string; uid?: string; createdMin?: number; activeDeadlineSeconds?: number; namespace?: string } = {}): object {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: over.name ?? "t4-smoke",
      namespace: over.namespace ?? NAMESPACE,
      uid: over.uid ?? JOB_UID,
      creationTimestamp: ago(now, over.createdMin ?? 45),
      labels: { ...EXPERIMENT_LABELS, "kueue.x-k8s.io/queue-name": "t4-smoke" },
    },
    spec: { completions: 1, parallelism: 1, activeDeadlineSeconds: over.activeDeadlineSeconds ?? 1800, template: { spec: { containers: [{ name: "trainer" }] } } },
    status: { active: 1, startTime: ago(now, 42), ...over.status },
  };
}

export function workload(now: Date, conditions: object[], over: { active?: boolean; name?: string; admitted?: boolean; namespace?: string } = {}): object {
  return {
    apiVersion: "kueue.x-k8s.io/v1beta2",
    kind: "Workload",
    metadata: {
      name: over.name ?? "job-t4-smoke-3b1f7",
      namespace: over.namespace ?? NAMESPACE,
      labels: { "kueue.x-k8s.io/job-uid": JOB_UID },
      ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "t4-smoke", uid: JOB_UID, controller: true }],
    },
    spec: { queueName: "t4-smoke", ...(over.active !== undefined ? { active: over.active } : {}) },
    status: { conditions, ...(over.admitted === false ? {} : { admission: { clusterQueue: "gpu-t4" } }) },
  };
}

export const ADMITTED = (now: Date) => [
  { type: "QuotaReserved", status: "True", reason: "QuotaReserved", message: "Quota reserved in ClusterQueue gpu-t4", lastTransitionTime: ago(now, 43) },
  { type: "Admitted", status: "True", reason: "Admitted", message: "The workload is admitted", lastTransitionTime: ago(now, 43) },
];

export const T4_NODE = {
  metadata: { name: NODE, labels: { "node.kubernetes.io/instance-type": "g4dn.xlarge", "gpu-training-clusters.io/pool": "t4", "nvidia.com/gpu.present": "true" } },
  status: { capacity: { "nvidia.com/gpu": "1" } },
};

/** A running t4-smoke, 42 minutes after its pod started. */
export function runningCluster(now: Date): ClusterState {
  return {
    jobs: [trainingJob(now)],
    pods: [trainerPod(now)],
    nodes: [T4_NODE, { metadata: { name: "ip-10-0-0-5.ec2.internal", labels: { "node.kubernetes.io/instance-type": "m6i.large" } } }],
    workloads: [workload(now, ADMITTED(now))],
    logs: { "t4-smoke-x7k2p": SMOKE_LOG },
  };
}
