/** The reaper's decisions and actions against fake Pulumi, Kubernetes and clock. */
import { KubeAccessError, StackResource } from "../../reap/types";
import { NOW, World, decisionOf, gpuJob, gpuPod, minutesAgo } from "./fakes";

const idleCluster = (w: World, name = "lab") => w.cluster(name, { lastUpdate: minutesAgo(300), state: { jobs: [gpuJob("train", "succeeded", minutesAgo(90))], pods: [gpuPod("train-0", "Succeeded", { finishedAt: minutesAgo(90) })] } });

describe("an idle cluster", () => {
  it("is destroyed with --yes", async () => {
    const w = idleCluster(new World());
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ action: "destroy", code: "idle" });
    expect(w.workspace.destroyed).toEqual(["lab"]);
    expect(r.destroyed).toEqual(["lab"]);
    expect(r.exitCode).toBe(0);
    expect(r.text).toContain("destroyed lab");
  });

  it("is only reported without --yes: destroy is never called", async () => {
    const w = idleCluster(new World());
    const r = await w.run(false);
    expect(decisionOf(r, "lab").action).toBe("destroy");
    expect(w.workspace.calls.filter((c) => c.startsWith("destroy"))).toEqual([]);
    expect(r.destroyed).toEqual([]);
    expect(r.text).toContain("Dry run: nothing was destroyed; `npm run reap -- --yes` would destroy 1 stack.");
    expect(r.exitCode).toBe(0);
  });

  it("counts idle time from the later of the last GPU work and the last update", async () => {
    // Last job 90 min ago, but the stack was updated 20 min ago: idle 20 min, under the 60-min default.
    const w = new World().cluster("lab", { lastUpdate: minutesAgo(20), state: { jobs: [gpuJob("train", "succeeded", minutesAgo(90))] } });
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ action: "keep", code: "recent", reason: "idle 20 min, under the 60-min limit" });
    expect(decisionOf(r, "lab").idle?.idleMinutes).toBe(20);
    expect(w.workspace.destroyed).toEqual([]);
  });

  it("waits for its own clusterIdleMinutes", async () => {
    const w = new World().cluster("lab", { idle: { clusterIdleMinutes: 240 }, lastUpdate: minutesAgo(200) });
    expect(decisionOf(await w.run(false), "lab")).toMatchObject({ code: "recent", reason: "idle 3h 20m, under the 240-min limit" });
    const later = new World().cluster("lab", { idle: { clusterIdleMinutes: 240 }, lastUpdate: minutesAgo(240) });
    expect(decisionOf(await later.run(false), "lab")).toMatchObject({ action: "destroy", reason: "no GPU work running, pending or queued in Kueue, idle 4h 00m >= the 240-min limit" });
  });
});

describe("a busy cluster is kept", () => {
  it("with a running GPU pod", async () => {
    const w = new World().cluster("lab", { lastUpdate: minutesAgo(600), state: { pods: [gpuPod("train-0", "Running", { nodeName: "ip-10-0-1-5" })] } });
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ action: "keep", code: "busy", reason: "1 GPU pod running (default/train-0 on ip-10-0-1-5)" });
    expect(w.workspace.destroyed).toEqual([]);
    expect(r.exitCode).toBe(0);
  });

  it("with a pending GPU pod (waiting for a node to scale up)", async () => {
    const w = new World().cluster("lab", { lastUpdate: minutesAgo(600), state: { pods: [gpuPod("train-0", "Pending")] } });
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ action: "keep", code: "pending", reason: "1 GPU pod pending (default/train-0)" });
    expect(w.workspace.destroyed).toEqual([]);
  });

  it("with a GPU Job that has not finished, even between pods", async () => {
    const w = new World().cluster("lab", { lastUpdate: minutesAgo(600), state: { jobs: [gpuJob("train", "running")] } });
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ action: "keep", code: "busy", reason: "1 GPU Job not finished (default/train)" });
    expect(w.workspace.destroyed).toEqual([]);
  });

  it("but finished and suspended Jobs hold nothing", async () => {
    const w = new World().cluster("lab", {
      lastUpdate: minutesAgo(600),
      state: { jobs: [gpuJob("a", "failed", minutesAgo(100)), gpuJob("b", "suspended")], pods: [gpuPod("a-0", "Failed", { finishedAt: minutesAgo(100) })] },
    });
    expect(decisionOf(await w.run(false), "lab")).toMatchObject({ action: "destroy" });
  });
});

describe("a protected stack", () => {
  it("is never destroyed, however long idle", async () => {
    const w = new World().cluster("lab", { idle: { protected: true }, lastUpdate: minutesAgo(10 * 24 * 60) });
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ action: "keep", code: "protected", reason: "idle.protected is true" });
    expect(decisionOf(r, "lab").idle?.idleMinutes).toBe(10 * 24 * 60);
    expect(w.workspace.destroyed).toEqual([]);
  });
});

describe("a cluster whose activity cannot be read is kept, and the run exits 1", () => {
  it("when the API server refuses (permission denied)", async () => {
    const w = new World().cluster("lab", { lastUpdate: minutesAgo(600), state: new KubeAccessError("forbidden", "permission denied (403) to list pods in all namespaces") });
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ action: "keep", code: "unreadable", reason: "cannot read its GPU activity: permission denied (403) to list pods in all namespaces" });
    expect(w.workspace.destroyed).toEqual([]);
    expect(r.exitCode).toBe(1);
    expect(r.text).toContain("Could not check: lab (kept; see why above).");
  });

  it("when the stack has no kubeconfig output", async () => {
    const w = new World().cluster("lab", { lastUpdate: minutesAgo(600), outputs: { clusterName: "lab-eks" } });
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ code: "unreadable", reason: "cannot read its GPU activity: the stack has no kubeconfig output (was its last `pulumi up` complete?)" });
    expect(w.kube.connected).toEqual([]);
    expect(w.workspace.destroyed).toEqual([]);
  });

  it("when its outputs cannot be read", async () => {
    const w = new World().cluster("lab", { lastUpdate: minutesAgo(600), outputs: new Error("failed to decrypt: incorrect passphrase") });
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ code: "unreadable", reason: "cannot read its GPU activity: its stack outputs cannot be read: failed to decrypt: incorrect passphrase" });
    expect(w.workspace.destroyed).toEqual([]);
  });

  it("when its state cannot be read", async () => {
    const w = new World().cluster("lab", { lastUpdate: minutesAgo(600), resources: new Error("export failed") });
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ code: "unreadable", reason: "its state cannot be read: export failed" });
    expect(w.workspace.destroyed).toEqual([]);
  });

  it("when its stack file is gone", async () => {
    const w = new World().cluster("lab", { lastUpdate: minutesAgo(600) });
    w.configs.delete("lab");
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ code: "unreadable", reason: "cannot read its configuration: no stack file stacks/Pulumi.lab.yaml" });
    expect(w.workspace.destroyed).toEqual([]);
  });

  it("when an update is running on it", async () => {
    const w = new World().cluster("lab", { lastUpdate: minutesAgo(600), updateInProgress: true });
    expect(decisionOf(await w.run(true), "lab")).toMatchObject({ action: "keep", code: "updating" });
    expect(w.workspace.destroyed).toEqual([]);
  });
});

describe("a cluster other experiment stacks reuse", () => {
  const shared = (w: World, state = {}) => w.cluster("shared", { lastUpdate: minutesAgo(500), state });

  it("goes with its idle experiments, experiments first, in the order destroy is called", async () => {
    const w = shared(new World()).experiment("sweep-b", "shared").experiment("sweep-a", "shared");
    const r = await w.run(true);
    expect(r.plan.groups).toEqual([{ cluster: "shared", stacks: ["sweep-a", "sweep-b", "shared"] }]);
    expect(w.workspace.calls.filter((c) => c.startsWith("destroy"))).toEqual(["destroy sweep-a", "destroy sweep-b", "destroy shared"]);
    expect(decisionOf(r, "sweep-a")).toMatchObject({ role: "experiment", action: "destroy", code: "idle" });
    expect(r.text).toContain("Destroy order: sweep-a, sweep-b, shared");
  });

  it("stays, with everything on it, while an experiment's pod runs", async () => {
    const w = shared(new World(), { pods: [gpuPod("sweep-a-0", "Running", { namespace: "sweep-a" })] }).experiment("sweep-a", "shared").experiment("sweep-b", "shared");
    const r = await w.run(true);
    expect(decisionOf(r, "shared")).toMatchObject({ action: "keep", code: "busy", reason: "1 GPU pod running (sweep-a/sweep-a-0)" });
    expect(decisionOf(r, "sweep-b")).toMatchObject({ action: "keep", code: "kept-with-cluster", reason: "kept with its cluster shared (1 GPU pod running (sweep-a/sweep-a-0))" });
    expect(w.workspace.calls.filter((c) => c.startsWith("destroy"))).toEqual([]);
  });

  it("stays while one experiment on it is protected, and says which", async () => {
    const w = shared(new World()).experiment("sweep-a", "shared", { idle: { protected: true } }).experiment("sweep-b", "shared");
    const r = await w.run(true);
    expect(decisionOf(r, "shared")).toMatchObject({ action: "keep", code: "blocked-by-dependent", reason: "experiment stack sweep-a (runs on this cluster) has idle.protected: true" });
    expect(decisionOf(r, "sweep-a")).toMatchObject({ action: "keep", code: "protected" });
    expect(decisionOf(r, "sweep-b")).toMatchObject({ action: "keep", code: "kept-with-cluster" });
    expect(w.workspace.destroyed).toEqual([]);
  });

  it("stays while an experiment on it is being updated", async () => {
    const w = shared(new World()).experiment("sweep-a", "shared", { updateInProgress: true });
    const r = await w.run(true);
    expect(decisionOf(r, "shared")).toMatchObject({ code: "blocked-by-dependent", reason: "experiment stack sweep-a (runs on this cluster): an update is in progress" });
    expect(w.workspace.destroyed).toEqual([]);
  });

  it("stays while an experiment on it cannot be read", async () => {
    const w = shared(new World()).experiment("sweep-a", "shared");
    w.configs.set("sweep-a", { "gpu-training-clusters:cluster": JSON.stringify({ mode: "reuse", stack: "shared" }), "gpu-training-clusters:experiment": "{not json" });
    const r = await w.run(true);
    expect(decisionOf(r, "shared").code).toBe("blocked-by-dependent");
    expect(decisionOf(r, "sweep-a")).toMatchObject({ code: "unreadable" });
    expect(w.workspace.destroyed).toEqual([]);
    expect(r.exitCode).toBe(1);
  });

  it("waits for the longest clusterIdleMinutes among its experiments", async () => {
    const w = shared(new World()).experiment("sweep-a", "shared", { idle: { clusterIdleMinutes: 720 } });
    const r = await w.run(true);
    expect(decisionOf(r, "shared")).toMatchObject({ code: "recent", reason: "idle 8h 20m, under the 720-min limit (the clusterIdleMinutes of sweep-a)" });
    expect(w.workspace.destroyed).toEqual([]);
  });

  it("counts an experiment's recent update as activity", async () => {
    const w = shared(new World()).experiment("sweep-a", "shared", { lastUpdate: minutesAgo(5) });
    expect(decisionOf(await w.run(true), "shared")).toMatchObject({ code: "recent", reason: "idle 5 min, under the 60-min limit" });
  });

  it("keeps its cluster if destroying an experiment fails, and exits 1", async () => {
    const w = shared(new World()).experiment("sweep-a", "shared").experiment("sweep-b", "shared");
    w.workspace.stacks.get("sweep-a")!.destroyError = new Error("kubernetes:batch/v1:Job deletion timed out");
    const r = await w.run(true);
    expect(w.workspace.calls.filter((c) => c.startsWith("destroy"))).toEqual(["destroy sweep-a"]);
    expect(r.failed).toEqual([{ stack: "sweep-a", error: "kubernetes:batch/v1:Job deletion timed out", kind: "other" }]);
    expect(r.text).toContain("FAILED to destroy sweep-a (other); kept: sweep-b, shared:\n  kubernetes:batch/v1:Job deletion timed out\n  next: read the error above");
    expect(r.exitCode).toBe(1);
  });

  it("is looked at again right before destroying: new GPU work stops the group", async () => {
    const w = shared(new World()).experiment("sweep-a", "shared");
    // Between the report and the destroy, someone submits a job.
    const original = w.workspace.outputs.bind(w.workspace);
    let reads = 0;
    w.workspace.outputs = async (stack: string) => {
      if (stack === "shared" && ++reads === 2) w.kube.clusters.set("kubeconfig-of-shared", { pods: [gpuPod("new-0", "Pending")] });
      return original(stack);
    };
    const r = await w.run(true);
    expect(decisionOf(r, "shared").action).toBe("destroy");
    expect(w.workspace.destroyed).toEqual([]);
    expect(r.aborted).toEqual([{ cluster: "shared", reason: "shared has GPU work again: 1 GPU pod pending (default/new-0)", unreadable: false }]);
    expect(r.text).toContain("NOT destroying sweep-a, shared: shared has GPU work again");
    expect(r.exitCode).toBe(0);
  });
});

describe("stacks that own no cluster of their own", () => {
  it("mode existing: reported, never destroyed, its cluster never contacted", async () => {
    const w = new World().existing("lab4090");
    const r = await w.run(true);
    expect(decisionOf(r, "lab4090")).toMatchObject({ role: "existing", action: "skip", code: "existing" });
    expect(decisionOf(r, "lab4090").reason).toMatch(/^cluster.mode is existing: the cluster is not this project's, so reap never destroys it/);
    expect(w.kube.connected).toEqual([]);
    expect(w.workspace.calls).toEqual(["listStacks"]);
    expect(w.workspace.destroyed).toEqual([]);
    expect(r.exitCode).toBe(0);
  });

  it("an experiment whose cluster stack is not deployed is kept and explained", async () => {
    const w = new World().experiment("sweep-a", "gone");
    const r = await w.run(true);
    expect(decisionOf(r, "sweep-a")).toMatchObject({ action: "keep", code: "orphan", reason: "its cluster stack gone is not deployed here, so there is no cluster to reap with it" });
    expect(w.workspace.destroyed).toEqual([]);
  });

  it("an experiment is never destroyed without its cluster, even when the cluster is kept only for time", async () => {
    const w = new World().cluster("shared", { lastUpdate: minutesAgo(30) }).experiment("sweep-a", "shared");
    const r = await w.run(true);
    expect(decisionOf(r, "sweep-a")).toMatchObject({ action: "keep", code: "kept-with-cluster" });
    expect(w.workspace.destroyed).toEqual([]);
  });

  it("a stack whose cluster cannot be told keeps every cluster: it might run on any", async () => {
    const w = idleCluster(new World()).experiment("mystery", "lab", { file: false });
    w.workspace.stacks.get("mystery")!.outputs = new Error("decrypt failed");
    const r = await w.run(true);
    expect(decisionOf(r, "mystery")).toMatchObject({ role: "unknown", action: "keep", code: "unreadable" });
    expect(decisionOf(r, "lab")).toMatchObject({ action: "keep", code: "unknown-dependent", reason: "stack mystery cannot be read and may run on this cluster" });
    expect(w.workspace.destroyed).toEqual([]);
    expect(r.exitCode).toBe(1);
  });

  it("a stack without a file still counts as an experiment on the cluster its outputs name", async () => {
    const w = idleCluster(new World()).experiment("old-sweep", "lab", { file: false });
    const r = await w.run(true);
    // Its configuration is unreadable, so its cluster is kept; the relation came from its outputs.
    expect(decisionOf(r, "old-sweep")).toMatchObject({ role: "experiment", clusterStack: "lab", code: "unreadable" });
    expect(decisionOf(r, "lab").code).toBe("blocked-by-dependent");
    expect(w.workspace.destroyed).toEqual([]);
  });

  it("a destroyed stack (0 resources) is skipped without reading anything", async () => {
    const w = idleCluster(new World());
    w.workspace.stacks.get("lab")!.deployed = { name: "lab", updateInProgress: false, resourceCount: 0, lastUpdate: minutesAgo(5) };
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ action: "skip", code: "empty" });
    expect(w.workspace.calls).toEqual(["listStacks"]);
  });
});

describe("nothing lost: the state is checked before destroy", () => {
  const bucket = (retainOnDelete: boolean): StackResource => ({ type: "aws:s3/bucketV2:BucketV2", urn: "urn:pulumi:lab::p::aws:s3/bucketV2:BucketV2::outputs", retainOnDelete, protect: false });

  it("refuses a stack whose destroy would delete a bucket", async () => {
    const w = idleCluster(new World());
    w.workspace.stacks.get("lab")!.resources = [bucket(false)];
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ action: "keep", code: "unsafe-storage" });
    expect(decisionOf(r, "lab").reason).toContain("urn:pulumi:lab::p::aws:s3/bucketV2:BucketV2::outputs holds data and has no retainOnDelete");
    expect(w.workspace.destroyed).toEqual([]);
  });

  it("destroys one whose storage is retained", async () => {
    const w = idleCluster(new World());
    const pv: StackResource = { type: "kubernetes:core/v1:PersistentVolume", urn: "urn:pv", retainOnDelete: false, protect: false, outputs: { metadata: { name: "outputs-pv" }, spec: { persistentVolumeReclaimPolicy: "Retain" } } };
    const pvc: StackResource = { type: "kubernetes:core/v1:PersistentVolumeClaim", urn: "urn:pvc", retainOnDelete: false, protect: false, inputs: { spec: { volumeName: "outputs-pv" } } };
    w.workspace.stacks.get("lab")!.resources = [bucket(true), pv, pvc];
    const r = await w.run(true);
    expect(decisionOf(r, "lab").action).toBe("destroy");
    expect(w.workspace.destroyed).toEqual(["lab"]);
  });

  it("refuses an experiment whose claim could take its volume with it, and so keeps the cluster", async () => {
    const w = new World().cluster("shared", { lastUpdate: minutesAgo(500) }).experiment("sweep-a", "shared", {
      resources: [{ type: "kubernetes:core/v1:PersistentVolumeClaim", urn: "urn:claim", retainOnDelete: false, protect: false, inputs: { spec: { storageClassName: "gp3" } } }],
    });
    const r = await w.run(true);
    expect(decisionOf(r, "sweep-a")).toMatchObject({ code: "unsafe-storage" });
    expect(decisionOf(r, "shared")).toMatchObject({ code: "blocked-by-dependent" });
    expect(w.workspace.destroyed).toEqual([]);
  });

  it("refuses a stack with a protected resource (destroy would stop half done)", async () => {
    const w = idleCluster(new World());
    w.workspace.stacks.get("lab")!.resources = [{ type: "aws:eks/cluster:Cluster", urn: "urn:eks", retainOnDelete: false, protect: true }];
    expect(decisionOf(await w.run(true), "lab")).toMatchObject({ code: "unsafe-storage" });
    expect(w.workspace.destroyed).toEqual([]);
  });
});

describe("the clock", () => {
  it("is the only source of now", async () => {
    const w = new World().cluster("lab", { lastUpdate: minutesAgo(300) });
    w.clock.current = new Date(NOW.getTime() - 250 * 60_000); // 50 min after the last update
    const r = await w.run(false);
    expect(decisionOf(r, "lab")).toMatchObject({ code: "recent", reason: "idle 50 min, under the 60-min limit" });
  });
});
