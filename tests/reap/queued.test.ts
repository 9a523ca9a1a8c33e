/** Queued work is work: Kueue Workloads, suspended Jobs and JobSets, stuck pods, and what idle counts from. */
import { NOW, World, decisionOf, gpuJob, gpuJobSet, gpuPod, minutesAgo, workload } from "./fakes";

const QUEUE = { queueName: "team-a" };
const quiet = (state: object) => new World().cluster("lab", { lastUpdate: minutesAgo(600), state });

describe("a cluster with work queued in Kueue is kept", () => {
  it("while a Workload waits for quota: named, with why and how long", async () => {
    const w = quiet({
      jobs: [{ ...gpuJob("sweep-a", "suspended"), ...QUEUE }],
      workloads: [workload("job-sweep-a-3f2c1", "waiting", { owner: "Job sweep-a", cause: "quota", detail: "WaitingForQuota: insufficient unused quota for nvidia.com/gpu in flavor t4", createdAt: minutesAgo(40), waitingSince: minutesAgo(40) })],
    });
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({
      action: "keep",
      code: "queued",
      reason: "1 GPU workload queued in Kueue (default/job-sweep-a-3f2c1 (Job sweep-a): waiting for quota [WaitingForQuota: insufficient unused quota for nvidia.com/gpu in flavor t4], waiting 40 min)",
    });
    expect(w.workspace.destroyed).toEqual([]);
    expect(r.text).toContain("  idle:      no: GPU work queued");
    expect(r.exitCode).toBe(0);
  });

  it("in the requeue backoff after a waitForPodsReady eviction (its pods deleted, its Job suspended again)", async () => {
    const w = quiet({
      jobs: [{ ...gpuJob("train-b", "suspended"), ...QUEUE }],
      workloads: [workload("job-train-b-9d8e7", "waiting", { owner: "Job train-b", cause: "backoff", requeueAt: new Date(NOW.getTime() + 3 * 60_000), requeueCount: 2, waitingSince: minutesAgo(12), evictedAt: minutesAgo(12) })],
    });
    const d = decisionOf(await w.run(true), "lab");
    expect(d).toMatchObject({ action: "keep", code: "queued" });
    expect(d.reason).toContain("in requeue backoff after an eviction until 2026-11-20 12:03 UTC (requeue 2)");
    expect(w.workspace.destroyed).toEqual([]);
  });

  it("while a Job with a queue label is suspended and Kueue has made no Workload (Kueue down)", async () => {
    const w = quiet({ jobs: [{ ...gpuJob("sweep-c", "suspended"), ...QUEUE, createdAt: minutesAgo(15) }] });
    const d = decisionOf(await w.run(true), "lab");
    expect(d).toMatchObject({ action: "keep", code: "queued" });
    expect(d.reason).toContain("default/job/sweep-c (Job sweep-c): pending in Kueue [suspended for LocalQueue team-a and Kueue has made no Workload for it (is the Kueue controller running?)], waiting 15 min");
    expect(w.workspace.destroyed).toEqual([]);
  });

  it("while a JobSet with a queue label is suspended; its child Jobs (suspended, no queue label) are its own", async () => {
    const w = quiet({
      jobSets: [gpuJobSet("big", "suspended", QUEUE)],
      jobs: [{ ...gpuJob("big-workers-0", "suspended"), jobSetName: "big" }],
    });
    const d = decisionOf(await w.run(true), "lab");
    expect(d).toMatchObject({ code: "queued", reason: expect.stringMatching(/^1 GPU workload queued in Kueue \(default\/jobset\/big \(JobSet big\)/) });
    expect(w.workspace.destroyed).toEqual([]);
  });

  it("while a JobSet runs", async () => {
    const w = quiet({ jobSets: [gpuJobSet("big", "running")] });
    expect(decisionOf(await w.run(true), "lab")).toMatchObject({ code: "busy", reason: "1 GPU JobSet not finished (default/big)" });
  });

  it("and is looked at again before destroying: newly queued work stops the group", async () => {
    const w = quiet({});
    w.workspace.beforeDestroy = () => undefined;
    const original = w.workspace.outputs.bind(w.workspace);
    let reads = 0;
    w.workspace.outputs = async (stack: string) => {
      if (++reads === 2) w.kube.clusters.set("kubeconfig-of-lab", { workloads: [workload("job-x", "waiting", { cause: "quota" })] });
      return original(stack);
    };
    const r = await w.run(true);
    expect(w.workspace.destroyed).toEqual([]);
    expect(r.aborted[0].reason).toMatch(/^lab has GPU work again: 1 GPU workload queued in Kueue \(default\/job-x: waiting for quota/);
  });

  it("but a suspended Job without a queue label holds nothing (suspended by hand, not queued)", async () => {
    const w = quiet({ jobs: [gpuJob("paused", "suspended")] });
    expect(decisionOf(await w.run(false), "lab")).toMatchObject({ action: "destroy" });
  });
});

describe("work Kueue will never admit", () => {
  it("is reported with how long it has waited, keeps the cluster, and turns the run red for a person to decide", async () => {
    const w = quiet({
      jobSets: [gpuJobSet("big-run", "suspended", QUEUE)],
      workloads: [
        workload("jobset-big-run-77aa1", "inadmissible", {
          owner: "JobSet big-run",
          cause: "deactivated",
          detail: "Deactivated: The workload is deactivated due to Exceeded the maximum number of re-queuing retries",
          waitingSince: minutesAgo(200),
        }),
      ],
    });
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({
      action: "keep",
      code: "needs-decision",
      reason:
        "Kueue will not admit default/jobset-big-run-77aa1 (JobSet big-run): deactivated [Deactivated: The workload is deactivated due to Exceeded the maximum number of re-queuing retries], waiting 3h 20m; kept for a person to decide: fix the queue or reactivate it (spec.active: true), or delete its Job or JobSet, and a later run reaps the cluster",
    });
    expect(w.workspace.destroyed).toEqual([]);
    expect(r.exitCode).toBe(1);
  });

  it("turns the run red even while other work keeps the cluster busy", async () => {
    const w = quiet({
      pods: [gpuPod("train-0", "Running")],
      workloads: [workload("job-stuck", "inadmissible", { cause: "no-flavor", detail: "NoMatchingFlavor: no flavor matches", waitingSince: minutesAgo(30) })],
    });
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ code: "busy", attention: ["needs-decision"] });
    expect(r.text).toContain("Needs a person: lab (kept; see why above).");
    expect(r.exitCode).toBe(1);
  });

  it("covers a Workload no flavor fits", async () => {
    const w = quiet({ workloads: [workload("job-huge", "inadmissible", { cause: "over-max-quota", detail: "ExceedsMaxQuota: request > maximum capacity", waitingSince: minutesAgo(30) })] });
    const d = decisionOf(await w.run(false), "lab");
    expect(d.code).toBe("needs-decision");
    expect(d.reason).toContain("asks for more than its ClusterQueue can ever give [ExceedsMaxQuota: request > maximum capacity], waiting 30 min");
  });
});

describe("a GPU pod outside Kueue stuck Pending", () => {
  const stuck = (minutes: number) => gpuPod("dev-0", "Pending", { createdAt: minutesAgo(minutes), waitingReason: "ImagePullBackOff" });

  it("counts as busy within the bound", async () => {
    expect(decisionOf(await quiet({ pods: [stuck(20)] }).run(false), "lab")).toMatchObject({ code: "pending", reason: "1 GPU pod pending (default/dev-0)" });
  });

  it("no longer counts past the bound (default 30 min), and the report says so", async () => {
    const r = await quiet({ pods: [stuck(45)] }).run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ action: "destroy", code: "idle" });
    expect(decisionOf(r, "lab").idle?.notCounted).toBe("default/dev-0 Pending 45 min (ImagePullBackOff): over the 30-min bound for a Pending GPU pod outside Kueue");
    expect(r.text).toContain("  not busy:  default/dev-0 Pending 45 min (ImagePullBackOff)");
  });

  it("nor does the Job whose only pod it is", async () => {
    const r = await quiet({ pods: [{ ...stuck(45), jobName: "dev" }], jobs: [gpuJob("dev", "running")] }).run(false);
    expect(decisionOf(r, "lab")).toMatchObject({ action: "destroy" });
  });

  it("but a Pending pod of a Job in Kueue stays busy: Kueue's waitForPodsReady bounds it", async () => {
    const r = await quiet({ pods: [{ ...stuck(45), jobName: "train" }], jobs: [{ ...gpuJob("train", "running"), ...QUEUE }] }).run(false);
    expect(decisionOf(r, "lab")).toMatchObject({ action: "keep", code: "busy" });
  });

  it("takes its bound from the caller", async () => {
    const w = quiet({ pods: [stuck(45)] });
    const r = await w.runWith({ yes: false, pendingBoundMinutes: 60 });
    expect(decisionOf(r, "lab")).toMatchObject({ code: "pending" });
  });
});

describe("idle since", () => {
  it("counts from the last evicted or finished Workload when its pods are gone, and says which signal", async () => {
    const w = new World().cluster("lab", {
      lastUpdate: minutesAgo(600),
      state: { workloads: [workload("job-old", "finished", { finishedAt: minutesAgo(300) }), workload("job-deact", "finished", { finishedAt: minutesAgo(400), evictedAt: minutesAgo(90) })] },
    });
    const r = await w.run(false);
    expect(decisionOf(r, "lab")).toMatchObject({ code: "idle" });
    expect(decisionOf(r, "lab").idle).toMatchObject({ idleMinutes: 90, idleSince: { at: minutesAgo(90), signal: "Kueue Workload default/job-deact evicted (its pods deleted)" } });
    expect(r.text).toContain("  since:     2026-11-20 10:30 UTC (Kueue Workload default/job-deact evicted (its pods deleted))");
  });

  it("falls back to the last update, and says so", async () => {
    const r = await new World().cluster("lab", { lastUpdate: minutesAgo(70) }).run(false);
    expect(decisionOf(r, "lab").idle?.idleSince).toEqual({ at: minutesAgo(70), signal: "last update of stack lab" });
  });
});
