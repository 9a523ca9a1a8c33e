/**
 * What Kueue v0.19.2 and JobSet v0.12.0 leave on a cluster, as their API serves it, for the
 * stand-in API server:
 * - a Job Kueue has not admitted: `spec.suspend: true` (Kueue's webhook), its Workload
 *   QuotaReserved=False WaitingForQuota (kueue apis/kueue/v1beta2/workload_types.go);
 * - a Job evicted by waitForPodsReady: suspended again, pods deleted, Workload Evicted=True and
 *   Requeued=False PodsReadyTimeout with status.requeueState.requeueAt in the future
 *   (pkg/controller/jobframework/reconciler.go, pkg/controller/core/workload_controller.go);
 * - a JobSet deactivated after its requeuing limit: `spec.active: false`, Evicted=True Deactivated
 *   "The workload is deactivated due to ..." (workload_controller.go); JobSet creates its child
 *   Jobs suspended while the JobSet is, with the template's labels, not the JobSet's
 *   (jobset pkg/controllers/jobset_controller.go constructJob);
 * - a dev pod outside Kueue stuck in ImagePullBackOff for 45 minutes;
 * - a claim made by hand (the a100-2x8 example's output claim) on a dynamically provisioned EBS
 *   volume, a claim and volume the stack manages (labelled by Pulumi), and a LoadBalancer Service.
 */
export const PROBE_NOW = new Date("2026-12-01T12:00:00Z");
const ago = (minutes: number) => new Date(PROBE_NOW.getTime() - minutes * 60_000).toISOString();
const QUEUE = "kueue.x-k8s.io/queue-name";
const gpuSpec = (n: string) => ({ containers: [{ name: "trainer", image: "x", resources: { limits: { "nvidia.com/gpu": n } } }], restartPolicy: "Never" });
const owner = (kind: string, name: string, apiVersion: string) => [{ apiVersion, kind, name, uid: `uid-${name}`, controller: true, blockOwnerDeletion: true }];
const condition = (type: string, status: string, reason: string, message: string, minutes: number) => ({ type, status, reason, message, lastTransitionTime: ago(minutes), observedGeneration: 1 });

const job = (name: string, extra: { labels?: Record<string, string>; suspend?: boolean; minutes: number; owner?: unknown[] }) => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name, namespace: "ml", uid: `uid-${name}`, creationTimestamp: ago(extra.minutes), labels: extra.labels ?? {}, ...(extra.owner ? { ownerReferences: extra.owner } : {}) },
  spec: { suspend: extra.suspend ?? false, completionMode: "Indexed", completions: 1, parallelism: 1, template: { spec: gpuSpec("1") } },
  status: {},
});

const ebsPv = (name: string, claim: string, volume: string, labels: Record<string, string> = {}) => ({
  metadata: { name, labels },
  spec: { capacity: { storage: "500Gi" }, accessModes: ["ReadWriteOnce"], persistentVolumeReclaimPolicy: "Delete", storageClassName: "gp3", claimRef: { namespace: "ml", name: claim }, csi: { driver: "ebs.csi.aws.com", volumeHandle: volume, fsType: "ext4" } },
  status: { phase: "Bound" },
});

export const KUEUE_CLUSTER = {
  pvcs: [
    { metadata: { name: "a100-outputs", namespace: "ml" }, spec: { storageClassName: "gp3", resources: { requests: { storage: "500Gi" } }, volumeName: "pvc-7f3a" }, status: { phase: "Bound" } },
    { metadata: { name: "datasets", namespace: "ml", labels: { "app.kubernetes.io/managed-by": "pulumi" } }, spec: { volumeName: "pvc-ours" }, status: { phase: "Bound" } },
  ],
  pvs: [ebsPv("pvc-7f3a", "a100-outputs", "vol-0a1b2c3d4e5f60718"), ebsPv("pvc-ours", "datasets", "vol-0ffffffffffffffff")],
  services: [
    {
      metadata: { name: "tensorboard", namespace: "ml", annotations: { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" } },
      spec: { type: "LoadBalancer", ports: [{ port: 80 }] },
      status: { loadBalancer: { ingress: [{ hostname: "a1b2-tensorboard.elb.us-east-1.amazonaws.com" }] } },
    },
    { metadata: { name: "kubernetes", namespace: "default" }, spec: { type: "ClusterIP", ports: [{ port: 443 }] } },
  ],
  pods: [
    {
      metadata: { name: "dev-0", namespace: "ml", creationTimestamp: ago(45) },
      spec: { containers: [{ name: "dev", image: "registry.example/dev:typo", resources: { limits: { "nvidia.com/gpu": "1" } } }], nodeName: "ip-10-0-1-5" },
      status: {
        phase: "Pending",
        conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: ago(44) }],
        containerStatuses: [{ name: "dev", image: "registry.example/dev:typo", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ImagePullBackOff", message: "Back-off pulling image" } } }],
      },
    },
  ],
  jobs: [
    job("sweep-a", { labels: { [QUEUE]: "team-a" }, suspend: true, minutes: 40 }),
    job("train-b", { labels: { [QUEUE]: "team-a" }, suspend: true, minutes: 90 }),
    job("big-run-workers-0", { labels: { "jobset.sigs.k8s.io/jobset-name": "big-run" }, suspend: true, minutes: 300, owner: owner("JobSet", "big-run", "jobset.x-k8s.io/v1alpha2") }),
  ],
  nodes: [],
  jobSets: [
    {
      apiVersion: "jobset.x-k8s.io/v1alpha2",
      kind: "JobSet",
      metadata: { name: "big-run", namespace: "ml", creationTimestamp: ago(300), labels: { [QUEUE]: "team-a" } },
      spec: { suspend: true, replicatedJobs: [{ name: "workers", replicas: 1, template: { spec: { template: { spec: gpuSpec("8") } } } }] },
      status: { conditions: [condition("Suspended", "True", "SuspendedJobs", "jobset is suspended", 290)] },
    },
    {
      apiVersion: "jobset.x-k8s.io/v1alpha2",
      kind: "JobSet",
      metadata: { name: "cpu-prep", namespace: "ml", creationTimestamp: ago(20) },
      spec: { replicatedJobs: [{ name: "prep", replicas: 1, template: { spec: { template: { spec: { containers: [{ name: "c", image: "x" }] } } } } }] },
      status: {},
    },
  ],
  workloads: [
    {
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "Workload",
      metadata: { name: "job-sweep-a-3f2c1", namespace: "ml", creationTimestamp: ago(40), ownerReferences: owner("Job", "sweep-a", "batch/v1"), labels: { "kueue.x-k8s.io/job-uid": "uid-sweep-a" } },
      spec: { active: true, queueName: "team-a", podSets: [{ name: "main", count: 1, template: { spec: gpuSpec("1") } }] },
      status: {
        conditions: [
          condition("QuotaReserved", "False", "WaitingForQuota", "couldn't assign flavors to pod set main: insufficient unused quota for nvidia.com/gpu in flavor t4, 1 more needed", 39),
          condition("Admitted", "False", "NoReservation", "The workload has no reservation", 39),
        ],
      },
    },
    {
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "Workload",
      metadata: { name: "job-train-b-9d8e7", namespace: "ml", creationTimestamp: ago(90), ownerReferences: owner("Job", "train-b", "batch/v1") },
      spec: { active: true, queueName: "team-a", podSets: [{ name: "main", count: 1, template: { spec: gpuSpec("1") } }] },
      status: {
        requeueState: { count: 2, requeueAt: ago(-3) },
        conditions: [
          condition("QuotaReserved", "False", "PendingEvaluation", "Exceeded the PodsReady timeout ml/job-train-b-9d8e7", 12),
          condition("Admitted", "False", "NoReservation", "The workload has no reservation", 12),
          condition("PodsReady", "False", "WaitForStart", "Not all pods are ready or succeeded", 20),
          condition("Evicted", "True", "PodsReadyTimeout", "Exceeded the PodsReady timeout ml/job-train-b-9d8e7", 12),
          condition("Requeued", "False", "PodsReadyTimeout", "Exceeded the PodsReady timeout ml/job-train-b-9d8e7", 12),
        ],
      },
    },
    {
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "Workload",
      metadata: { name: "jobset-big-run-77aa1", namespace: "ml", creationTimestamp: ago(300), ownerReferences: owner("JobSet", "big-run", "jobset.x-k8s.io/v1alpha2") },
      spec: { active: false, queueName: "team-a", podSets: [{ name: "workers", count: 1, template: { spec: gpuSpec("8") } }] },
      status: {
        requeueState: { count: 5 },
        conditions: [
          condition("QuotaReserved", "False", "Deactivated", "The workload is deactivated", 200),
          condition("Admitted", "False", "NoReservation", "The workload has no reservation", 200),
          condition("Evicted", "True", "Deactivated", "The workload is deactivated due to Exceeded the maximum number of re-queuing retries", 200),
          condition("Requeued", "False", "Deactivated", "The workload is deactivated due to Exceeded the maximum number of re-queuing retries", 200),
        ],
      },
    },
    {
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "Workload",
      metadata: { name: "job-cpu-etl-1b2c3", namespace: "ml", creationTimestamp: ago(10), ownerReferences: owner("Job", "cpu-etl", "batch/v1") },
      spec: { active: true, queueName: "team-a", podSets: [{ name: "main", count: 1, template: { spec: { containers: [{ name: "c", image: "x", resources: { requests: { cpu: "2" } } }] } } }] },
      status: { conditions: [condition("QuotaReserved", "False", "WaitingForQuota", "insufficient unused quota for cpu", 9)] },
    },
  ],
};
