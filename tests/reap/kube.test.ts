/** Kubernetes objects to the reaper's view: pure mapping, and the real client against a local fake API server. */
import { spawnSync } from "child_process";
import * as path from "path";
import type { V1Job, V1Node, V1Pod } from "@kubernetes/client-node";
import { clusterRefFromConfig, clusterRefFromOutputs } from "../../reap/gather";
import { gpuJobFrom, gpuNodeFrom, gpuPodFrom, gpuRequest, kubeError } from "../../reap/kube";
import { destroyHazards } from "../../reap/storage";
import { raw } from "../helpers/config";

const ROOT = path.resolve(__dirname, "../..");
const gpuContainer = (n: string) => ({ name: "c", image: "x", resources: { limits: { "nvidia.com/gpu": n } } });

describe("GPU requests", () => {
  it("counts requests or limits of nvidia.com/gpu, containers summed, init containers at most", () => {
    expect(gpuRequest({ containers: [gpuContainer("2"), gpuContainer("1")] })).toBe(3);
    expect(gpuRequest({ containers: [{ name: "c", resources: { requests: { "nvidia.com/gpu": "4" } } }] })).toBe(4);
    expect(gpuRequest({ containers: [{ name: "c" }], initContainers: [gpuContainer("1")] })).toBe(1);
    expect(gpuRequest({ containers: [{ name: "c", resources: { requests: { cpu: "2" } } }] })).toBe(0);
    expect(gpuRequest(undefined)).toBe(0);
  });
});

describe("pods", () => {
  const pod = (phase: string, status: Partial<NonNullable<V1Pod["status"]>> = {}): V1Pod => ({
    metadata: { name: "p", namespace: "ns" },
    spec: { nodeName: "n1", containers: [gpuContainer("1")] },
    status: { phase, ...status },
  });

  it("ignores pods without GPUs", () => {
    expect(gpuPodFrom({ metadata: { name: "dns" }, spec: { containers: [{ name: "c" }] }, status: { phase: "Running" } })).toBeUndefined();
  });

  it("keeps the phase, and maps anything unexpected to Unknown (busy, fail safe)", () => {
    expect(gpuPodFrom(pod("Running"))).toEqual({ namespace: "ns", name: "p", phase: "Running", gpus: 1, nodeName: "n1", finishedAt: undefined });
    expect(gpuPodFrom(pod("Pending"))?.phase).toBe("Pending");
    expect(gpuPodFrom(pod("Weird"))?.phase).toBe("Unknown");
  });

  it("ends at the last container's finish, or the last condition change of an evicted pod", () => {
    const finished = pod("Succeeded", {
      containerStatuses: [
        { name: "a", image: "", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, finishedAt: new Date("2026-11-20T10:00:00Z") } } },
        { name: "b", image: "", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, finishedAt: new Date("2026-11-20T10:05:00Z") } } },
      ],
    });
    expect(gpuPodFrom(finished)?.finishedAt).toEqual(new Date("2026-11-20T10:05:00Z"));
    const evicted = pod("Failed", { conditions: [{ type: "Ready", status: "False", lastTransitionTime: new Date("2026-11-20T09:00:00Z") }] });
    expect(gpuPodFrom(evicted)?.finishedAt).toEqual(new Date("2026-11-20T09:00:00Z"));
    expect(gpuPodFrom(pod("Running", { conditions: [{ type: "Ready", status: "True", lastTransitionTime: new Date() }] }))?.finishedAt).toBeUndefined();
  });
});

describe("jobs", () => {
  const job = (status: V1Job["status"], suspend = false): V1Job => ({ metadata: { name: "j", namespace: "ns" }, spec: { suspend, template: { spec: { containers: [gpuContainer("8")] } } }, status });

  it("reads complete, failed, suspended and running", () => {
    expect(gpuJobFrom(job({ completionTime: new Date("2026-11-20T10:00:00Z"), conditions: [{ type: "Complete", status: "True" }] }))).toEqual({
      namespace: "ns",
      name: "j",
      outcome: "succeeded",
      finishedAt: new Date("2026-11-20T10:00:00Z"),
    });
    expect(gpuJobFrom(job({ conditions: [{ type: "Failed", status: "True", lastTransitionTime: new Date("2026-11-20T11:00:00Z") }] }))).toMatchObject({
      outcome: "failed",
      finishedAt: new Date("2026-11-20T11:00:00Z"),
    });
    expect(gpuJobFrom(job({}, true))?.outcome).toBe("suspended");
    expect(gpuJobFrom(job({ active: 1 }, true))?.outcome).toBe("running");
    expect(gpuJobFrom(job({ conditions: [{ type: "Failed", status: "False" }] }))?.outcome).toBe("running");
  });

  it("ignores Jobs that ask for no GPU", () => {
    expect(gpuJobFrom({ metadata: { name: "cpu" }, spec: { template: { spec: { containers: [{ name: "c" }] } } } })).toBeUndefined();
  });
});

describe("nodes", () => {
  it("counts nodes with GPU capacity, or with our GPU labels before the device plugin has started", () => {
    const node = (capacity: Record<string, string>, labels: Record<string, string> = {}): V1Node => ({ metadata: { name: "n", labels }, status: { capacity } });
    expect(gpuNodeFrom(node({ "nvidia.com/gpu": "8" }, { "node.kubernetes.io/instance-type": "p4d.24xlarge" }))).toEqual({ name: "n", instanceType: "p4d.24xlarge", gpus: 8 });
    expect(gpuNodeFrom(node({}, { "gpu-training-clusters.io/pool": "a100" }))).toEqual({ name: "n", instanceType: undefined, gpus: 0 });
    expect(gpuNodeFrom(node({ cpu: "2" }, { "node.kubernetes.io/instance-type": "m6i.large" }))).toBeUndefined();
  });
});

describe("Kubernetes errors", () => {
  it("say what failed and what to check", () => {
    expect(kubeError(Object.assign(new Error("HTTP-Code: 401"), { code: 401 }), "list pods", "https://eks").problem).toBe("unauthorized");
    expect(kubeError(Object.assign(new Error("HTTP-Code: 403"), { code: 403 }), "list pods", "https://eks").message).toBe(
      "permission denied (403) to list pods on https://eks: the reaper needs list on pods and jobs in all namespaces, on nodes, and on jobsets.jobset.x-k8s.io and workloads.kueue.x-k8s.io",
    );
    expect(kubeError(new Error("getaddrinfo ENOTFOUND abc.eks.amazonaws.com"), "list pods", "https://eks").problem).toBe("unreachable");
    const noAws = kubeError(new Error("spawn aws ENOENT"), "list pods", "https://eks");
    expect(noAws.problem).toBe("unauthorized");
    expect(noAws.message).toBe("cannot get credentials for https://eks to list pods: the kubeconfig's credential command is not installed (spawn aws ENOENT); EKS kubeconfigs run `aws eks get-token`");
  });
});

describe("the real client, against a fake API server on localhost", () => {
  // tsx, not Jest: @kubernetes/client-node is ESM-only and is loaded with a real import().
  let run: ReturnType<typeof spawnSync>;
  beforeAll(() => {
    run = spawnSync("npx", ["tsx", path.join(__dirname, "kube-probe.ts")], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  });
  const result = () => {
    expect(run.status).toBe(0);
    return JSON.parse(String(run.stdout).trim().split("\n").pop()!);
  };

  it("lists only GPU pods, GPU Jobs and GPU nodes, with times and prices", () => {
    const r = result();
    expect(r.ok.pods.map((p: { name: string; phase: string }) => `${p.name}:${p.phase}`)).toEqual(["train-0:Running", "old-0:Succeeded"]);
    expect(r.ok.pods[1]).toMatchObject({ gpus: 8, finishedAt: "2026-11-20T10:15:00.000Z" });
    expect(r.ok.jobs).toEqual([{ namespace: "exp", name: "old", outcome: "succeeded", finishedAt: "2026-11-20T10:15:30.000Z" }]);
    expect(r.ok.nodes).toEqual([{ name: "n1", instanceType: "g4dn.xlarge", gpus: 1 }]);
    expect(r.ok.activity.lastJob).toMatchObject({ name: "old", outcome: "succeeded" });
    expect(r.ok.activity.gpuNodesPerHour).toBe(0.526);
    // A cluster without JobSet or Kueue answers 404 on their paths: nothing queued, no error.
    expect(r.ok.jobSets).toEqual([]);
    expect(r.ok.workloads).toEqual([]);
  });

  it("reads what Kueue and JobSet leave: queued, backed-off and deactivated work, suspended Jobs", () => {
    const { kueue } = result();
    expect(kueue.error).toBeUndefined();
    // The CPU-only Workload and JobSet are not GPU work.
    expect(kueue.workloads.map((w: { name: string; state: string; cause: string }) => `${w.name}:${w.state}:${w.cause}`)).toEqual([
      "job-sweep-a-3f2c1:waiting:quota",
      "job-train-b-9d8e7:waiting:backoff",
      "jobset-big-run-77aa1:inadmissible:deactivated",
    ]);
    expect(kueue.workloads[1]).toMatchObject({ requeueAt: "2026-12-01T12:03:00.000Z", requeueCount: 2, evictedAt: "2026-12-01T11:48:00.000Z", waitingSince: "2026-12-01T11:48:00.000Z" });
    expect(kueue.jobSets).toEqual([{ namespace: "ml", name: "big-run", queueName: "team-a", createdAt: "2026-12-01T07:00:00.000Z", outcome: "suspended" }]);
    expect(kueue.jobs.map((j: { name: string; outcome: string; queueName?: string; jobSetName?: string }) => [j.name, j.outcome, j.queueName, j.jobSetName])).toEqual([
      ["sweep-a", "suspended", "team-a", null],
      ["train-b", "suspended", "team-a", null],
      ["big-run-workers-0", "suspended", null, "big-run"],
    ].map((row) => row.map((v) => v ?? undefined)));
    const a = kueue.activity;
    // Two owed (quota, backoff), one a person must decide on, the dev pod stuck past the bound.
    expect(a.queued.map((w: { name: string }) => w.name)).toEqual(["job-sweep-a-3f2c1", "job-train-b-9d8e7"]);
    expect(a.inadmissible.map((w: { name: string }) => w.name)).toEqual(["jobset-big-run-77aa1"]);
    expect(a.stuckPending).toEqual([expect.objectContaining({ name: "dev-0", waitingReason: "ImagePullBackOff" })]);
    expect(a.pending).toEqual([]);
    expect(a.lastGpuWork).toEqual({ at: "2026-12-01T11:48:00.000Z", signal: "Kueue Workload ml/job-train-b-9d8e7 evicted (its pods deleted)" });
    // What would outlive the cluster: the hand-made claim's EBS volume (500 GiB x $0.08) and the NLB; not the stack's own claim.
    expect(a.leftovers).toEqual([
      {
        what: "EBS volume vol-0a1b2c3d4e5f60718 (500 GiB) of claim ml/a100-outputs, made outside the stack",
        why: "stays after the cluster (reclaim policy Delete; nothing deletes it once the cluster is gone): delete it by hand when its data is no longer needed",
        perMonth: 40,
      },
      expect.objectContaining({ what: "LoadBalancer Service ml/tensorboard (a1b2-tensorboard.elb.us-east-1.amazonaws.com)", perMonth: 16.43 }),
    ]);
  });

  it("reads Workloads from kueue.x-k8s.io/v1beta1 where v1beta2 is not served (Kueue before 0.19)", () => {
    expect(result().kueueV1beta1.workloads).toHaveLength(3);
  });

  it("says the name does not resolve (ENOTFOUND) for an endpoint whose cluster is gone", () => {
    const { gone } = result();
    expect(gone.error).toMatchObject({ name: "KubeAccessError", problem: "unreachable" });
    expect(gone.error.message).toMatch(/getaddrinfo ENOTFOUND 0123456789abcdef\.gr7\.us-east-1\.eks\.invalid/);
  });

  it("turns 403, a closed port and a bad kubeconfig into KubeAccessErrors", () => {
    const r = result();
    expect(r.forbidden.error).toMatchObject({ name: "KubeAccessError", problem: "forbidden" });
    expect(r.unreachable.error).toMatchObject({ name: "KubeAccessError", problem: "unreachable" });
    expect(r.unreachable.error.message).toMatch(/ECONNREFUSED/);
    expect(r.invalid.error).toMatchObject({ name: "KubeAccessError", problem: "invalid-kubeconfig" });
  });
});

describe("which cluster a stack uses", () => {
  it("comes from its file, leniently", () => {
    expect(clusterRefFromConfig(raw({ cluster: { mode: "reuse", stack: "shared" } }))).toEqual({ mode: "reuse", stack: "shared" });
    expect(clusterRefFromConfig(raw({ nodePools: [] }))).toEqual({ mode: "create" });
    expect(clusterRefFromConfig(raw({ cluster: { mode: "existing" } }))).toEqual({ mode: "existing" });
    // An unknown key fails the schema, but the reference is still clear.
    expect(clusterRefFromConfig(raw({ cluster: { mode: "reuse", stack: "shared", typo: 1 } }))).toEqual({ mode: "reuse", stack: "shared" });
    expect(clusterRefFromConfig({ "gpu-training-clusters:cluster": "{broken" })).toBeUndefined();
  });

  it("or from its deployed outputs", () => {
    expect(clusterRefFromOutputs({ clusterStack: "acme/shared" })).toEqual({ mode: "reuse", stack: "shared" });
    expect(clusterRefFromOutputs({ kubeconfig: "..." })).toEqual({ mode: "create" });
    expect(clusterRefFromOutputs({})).toBeUndefined();
  });
});

describe("destroy hazards", () => {
  const r = (type: string, extra: object = {}) => ({ type, urn: `urn:${type}`, retainOnDelete: false, protect: false, ...extra });
  it("flag data resources without retainOnDelete, non-Retain volumes, and unbound claims", () => {
    expect(destroyHazards([r("aws:fsx/lustreFileSystem:LustreFileSystem")]).map((h) => h.message)).toEqual(["holds data and has no retainOnDelete: destroy would delete it"]);
    // A file system the program only reads (external in the state) is never deleted by destroy.
    expect(destroyHazards([r("aws:fsx/lustreFileSystem:LustreFileSystem", { external: true })])).toEqual([]);
    expect(destroyHazards([r("kubernetes:core/v1:PersistentVolume", { outputs: { spec: { persistentVolumeReclaimPolicy: "Delete" } } })])[0].message).toBe(
      "has reclaim policy Delete and no retainOnDelete: destroy could delete its volume",
    );
    expect(destroyHazards([r("kubernetes:core/v1:PersistentVolumeClaim")])).toHaveLength(1);
  });

  it("pass retained storage and everything that holds no data", () => {
    expect(
      destroyHazards([
        r("aws:s3/bucketV2:BucketV2", { retainOnDelete: true }),
        r("kubernetes:core/v1:PersistentVolumeClaim", { retainOnDelete: true }),
        r("kubernetes:batch/v1:Job"),
        r("aws:eks/cluster:Cluster"),
      ]),
    ).toEqual([]);
  });
});
