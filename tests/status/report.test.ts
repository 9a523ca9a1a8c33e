/** The pure status report: from the objects a cluster serves to state, queue, pods, cost, progress and verdict. */
import type { RunObjects } from "../../status/objects";
import { costSoFar } from "../../status/cost";
import { renderStatus, duration, statusJson } from "../../status/render";
import { buildStatus } from "../../status/report";
import { ADMITTED, JOB_UID, NODE, SMOKE_LOG, T4_NODE, ago, trainerPod, trainingJob, workload } from "./fixtures";

const NOW = new Date("2026-11-29T10:00:00Z");

function objects(over: Record<string, unknown> = {}): RunObjects {
  return {
    experiment: "t4-smoke",
    namespace: "default",
    jobs: [trainingJob(NOW)],
    jobSets: [],
    pods: [trainerPod(NOW)],
    nodes: new Map([[NODE, T4_NODE]]),
    workloads: [workload(NOW, ADMITTED(NOW))],
    logs: new Map([["t4-smoke-x7k2p", SMOKE_LOG]]),
    ...over,
  } as unknown as RunObjects;
}

const failedContainer = (terminated: object) => ({ phase: "Failed", containerStatuses: [{ name: "trainer", image: "", imageID: "", ready: false, restartCount: 0, state: { terminated } }] });

describe("a running experiment", () => {
  const s = buildStatus(objects(), NOW)!;

  it("is running, since its pod started, on a g4dn.xlarge, admitted by Kueue", () => {
    expect(s.state).toBe("running");
    expect(s.elapsedSeconds).toBe(42 * 60);
    expect(s.pods).toEqual([expect.objectContaining({ rank: 0, name: "t4-smoke-x7k2p", node: NODE, instanceType: "g4dn.xlarge", phase: "Running", restarts: 0 })]);
    expect(s.queue).toMatchObject({ state: "admitted", clusterQueue: "gpu-t4", localQueue: "t4-smoke", workload: "job-t4-smoke-3b1f7" });
    expect(s.verdict).toBeUndefined();
  });

  it("costs the node's price for the time its pod has run", () => {
    expect(s.cost.dollars).toBeCloseTo(0.526 * 0.7, 6);
    expect(s.cost.perHour).toBe(0.526);
  });

  it("reports rank 0's latest throughput line, not the bandwidth line after it", () => {
    expect(s.progress).toEqual({
      rank: 0,
      pod: "t4-smoke-x7k2p",
      line: "smoke: total 10537.4 samples/s over 1 ranks (nccl, batch 256 per rank, 1582090 parameters)",
      throughput: { value: 10537.4, unit: "samples/s" },
    });
  });

  it("renders every fact on a line of its own", () => {
    const text = renderStatus(s, NOW);
    expect(text).toContain("experiment t4-smoke  (Job default/t4-smoke)");
    expect(text).toMatch(/state\s+running for 42m 0s \(since 2026-11-29T09:18:00.000Z\)/);
    expect(text).toMatch(/queue\s+admitted to ClusterQueue gpu-t4 \(LocalQueue t4-smoke\)/);
    expect(text).toMatch(/where\s+ip-10-0-1-23.ec2.internal \(g4dn.xlarge\)/);
    expect(text).toMatch(/cost\s+\$0\.37 so far \(1 node: g4dn.xlarge at \$0\.526\/h/);
    expect(text).toMatch(/throughput 10537.4 samples\/s \(rank 0\)/);
    expect(text).toMatch(/0\s+t4-smoke-x7k2p\s+ip-10-0-1-23.ec2.internal\s+g4dn.xlarge\s+Running\s+0\s+42m 0s/);
  });

  it("has a JSON form with ISO dates", () => {
    const json = statusJson(s) as Record<string, unknown>;
    expect(json).toMatchObject({ experiment: "t4-smoke", state: "running", startedAt: "2026-11-29T09:18:00.000Z", elapsedSeconds: 2520, cost: { dollars: 0.3682 } });
  });
});

describe("queue states from Kueue's Workload", () => {
  const pendingJob = trainingJob(NOW, { status: { active: 0 } });
  const suspended = { ...pendingJob, spec: { ...(pendingJob as { spec: object }).spec, suspend: true } };
  const waiting = [{ type: "QuotaReserved", status: "False", reason: "Pending", message: "couldn't assign flavors to pod set main: insufficient unused quota for nvidia.com/gpu in flavor t4, 1 more needed" }];

  it("queued: its 1-based position in the LocalQueue from the visibility API, and why it waits", () => {
    const s = buildStatus(objects({ jobs: [suspended], pods: [], workloads: [workload(NOW, waiting, { admitted: false })], pending: [{ metadata: { name: "other" }, positionInLocalQueue: 0, positionInClusterQueue: 0 }, { metadata: { name: "job-t4-smoke-3b1f7" }, positionInLocalQueue: 1, positionInClusterQueue: 4 }], logs: new Map() }), NOW)!;
    expect(s.state).toBe("queued");
    expect(s.queue).toMatchObject({ state: "queued", position: 2, positionInClusterQueue: 5, reason: "Pending" });
    expect(s.queue.text).toBe("queued: position 2 in LocalQueue t4-smoke (5 in its ClusterQueue) (Pending: couldn't assign flavors to pod set main: insufficient unused quota for nvidia.com/gpu in flavor t4, 1 more needed)");
    expect(s.elapsedSeconds).toBe(45 * 60);
    expect(s.cost.dollars).toBeUndefined();
    expect(renderStatus(s, NOW)).toMatch(/cost\s+n\/a: no pod has started on a node yet/);
  });

  it("queued without the visibility API: no position", () => {
    const s = buildStatus(objects({ jobs: [suspended], pods: [], workloads: [workload(NOW, waiting, { admitted: false })], logs: new Map() }), NOW)!;
    expect(s.queue.position).toBeUndefined();
    expect(s.queue.text).toMatch(/^queued in LocalQueue t4-smoke \(Pending: /);
  });

  it("evicted (pods not ready in time): requeued, with the reason", () => {
    const evicted = [{ type: "Evicted", status: "True", reason: "PodsReadyTimeout", message: "Exceeded the PodsReady timeout default/job-t4-smoke-3b1f7" }, { type: "Admitted", status: "False", reason: "NoReservation" }];
    const s = buildStatus(objects({ jobs: [suspended], pods: [], workloads: [workload(NOW, evicted)], logs: new Map() }), NOW)!;
    expect(s.state).toBe("evicted");
    expect(s.queue.text).toBe("evicted by Kueue (PodsReadyTimeout: Exceeded the PodsReady timeout default/job-t4-smoke-3b1f7); queued to be admitted again");
    expect(s.verdict).toBeUndefined();
  });

  it("deactivated: an end, with Kueue's reason as the verdict", () => {
    const evicted = [{ type: "Evicted", status: "True", reason: "EvictedDueToDeactivatedDueToRequeuingLimitExceeded", message: "The workload is deactivated due to exceeding the maximum number of re-queuing retries" }];
    const s = buildStatus(objects({ jobs: [suspended], pods: [], workloads: [workload(NOW, evicted, { active: false })], logs: new Map() }), NOW)!;
    expect(s.state).toBe("deactivated");
    expect(s.verdict).toMatchObject({ outcome: "deactivated", cause: "deactivated" });
    expect(s.verdict!.reason).toContain("EvictedDueToDeactivatedDueToRequeuingLimitExceeded");
  });

  it("finds the Workload by the job-uid label or its name when the owner reference is missing", () => {
    const w = workload(NOW, ADMITTED(NOW)) as { metadata: Record<string, unknown> };
    const byLabel = { ...w, metadata: { ...w.metadata, ownerReferences: [] } };
    expect(buildStatus(objects({ workloads: [byLabel] }), NOW)!.queue.state).toBe("admitted");
    const byName = { ...w, metadata: { name: "job-t4-smoke-3b1f7", namespace: "default" } };
    expect(buildStatus(objects({ workloads: [byName] }), NOW)!.queue.state).toBe("admitted");
    expect(buildStatus(objects({ workloads: [] }), NOW)!.queue).toMatchObject({ state: "none", text: "no Kueue Workload for Job t4-smoke (LocalQueue t4-smoke)" });
  });
});

describe("verdicts", () => {
  const failedJob = (reason: string, message = "") => trainingJob(NOW, { status: { active: 0, conditions: [{ type: "Failed", status: "True", reason, message, lastTransitionTime: ago(NOW, 2) }] } });

  it("succeeded: the smoke result's throughput, and the run's duration", () => {
    const log = `${SMOKE_LOG}\nSMOKE_RESULT {"ok": true, "problems": [], "samples_per_s_total": 10537.4, "world_size": 1}\n`;
    const done = trainingJob(NOW, { status: { active: 0, succeeded: 1, completionTime: ago(NOW, 30), conditions: [{ type: "Complete", status: "True" }] } });
    const pod = trainerPod(NOW, { phase: "Succeeded", status: failedContainer({ exitCode: 0, reason: "Completed", finishedAt: ago(NOW, 30) }) });
    const s = buildStatus(objects({ jobs: [done], pods: [{ ...pod, status: { ...(pod as { status: object }).status, phase: "Succeeded" } }], logs: new Map([["t4-smoke-x7k2p", log]]) }), NOW)!;
    expect(s.state).toBe("succeeded");
    expect(s.verdict).toEqual({ outcome: "succeeded", cause: "completed", reason: "smoke workload passed, 10537.4 samples/s over 1 rank(s)" });
    expect(s.elapsedSeconds).toBe(12 * 60);
    expect(s.cost.dollars).toBeCloseTo(0.526 * 0.2, 6);
    expect(s.progress?.line).toMatch(/^SMOKE_RESULT \{"ok": true/);
  });

  it("failed in the preflight: its first error line, naming the rank", () => {
    const log = "preflight: error: GPU 0 is Tesla T4 (sm_75) but the image's PyTorch has no sm_75 kernels; fix: use a cuda12.6 image\npreflight: error: /dev/shm is 64 MiB; fix: ...\npreflight: failed with 2 problem(s); training not started\n";
    const pod = trainerPod(NOW, { status: failedContainer({ exitCode: 2, reason: "Error", finishedAt: ago(NOW, 40) }) });
    const s = buildStatus(objects({ jobs: [failedJob("PodFailurePolicy", "Container trainer for pod default/t4-smoke-x7k2p failed with exit code 2 matching FailJob rule at index 1")], pods: [pod], logs: new Map([["t4-smoke-x7k2p", log]]) }), NOW)!;
    expect(s.state).toBe("failed");
    expect(s.verdict).toEqual({ outcome: "failed", cause: "preflight", reason: "rank 0: preflight: GPU 0 is Tesla T4 (sm_75) but the image's PyTorch has no sm_75 kernels; fix: use a cuda12.6 image (and 1 more)" });
    expect(s.pods[0]).toMatchObject({ phase: "Failed", detail: "exit code 2" });
  });

  it("OOMKilled: the rank and its memory limit", () => {
    const pod = trainerPod(NOW, { status: failedContainer({ exitCode: 137, reason: "OOMKilled", finishedAt: ago(NOW, 3) }) });
    const s = buildStatus(objects({ jobs: [failedJob("PodFailurePolicy")], pods: [pod], logs: new Map() }), NOW)!;
    expect(s.verdict).toEqual({ outcome: "failed", cause: "oom", reason: "OOMKilled: rank 0 (pod t4-smoke-x7k2p) went over its memory limit of 12288Mi" });
    expect(s.pods[0].detail).toBe("OOMKilled, exit code 137");
  });

  it("deadline: the Job's DeadlineExceeded condition, with maxRunTimeMinutes", () => {
    const pod = trainerPod(NOW, { status: failedContainer({ exitCode: 143, reason: "Error", finishedAt: ago(NOW, 2) }) });
    const s = buildStatus(objects({ jobs: [failedJob("DeadlineExceeded", "Job was active longer than specified deadline")], pods: [pod] }), NOW)!;
    expect(s.verdict).toEqual({ outcome: "failed", cause: "deadline", reason: "deadline exceeded: the run passed its maxRunTimeMinutes (activeDeadlineSeconds 1800, 30 min) and its pods were stopped" });
  });

  it("a failed smoke check, and otherwise the exit code with the Job's reason", () => {
    const pod = trainerPod(NOW, { status: failedContainer({ exitCode: 1, reason: "Error", finishedAt: ago(NOW, 2) }) });
    const smokeLog = 'SMOKE_RESULT {"ok": false, "problems": ["all_reduce returned wrong values"]}';
    expect(buildStatus(objects({ jobs: [failedJob("PodFailurePolicy")], pods: [pod], logs: new Map([["t4-smoke-x7k2p", smokeLog]]) }), NOW)!.verdict).toEqual({
      outcome: "failed",
      cause: "smoke",
      reason: "smoke workload failed: all_reduce returned wrong values",
    });
    expect(buildStatus(objects({ jobs: [failedJob("BackoffLimitExceeded", "Job has reached the specified backoff limit")], pods: [pod], logs: new Map() }), NOW)!.verdict).toEqual({
      outcome: "failed",
      cause: "exit",
      reason: "rank 0 (pod t4-smoke-x7k2p) exit code 1; BackoffLimitExceeded: Job has reached the specified backoff limit",
    });
  });
});

describe("multi-node runs", () => {
  const indexed = (i: number, node: string) => trainerPod(NOW, { name: `llm-a100-2x8-${i}-abcde`, index: i, node, jobName: "llm-a100-2x8" });

  it("an Indexed Job: ranks from the completion index, one p4d.24xlarge each", () => {
    const job = trainingJob(NOW, { name: "llm-a100-2x8" });
    const nodes = new Map(["a", "b"].map((n) => [n, { metadata: { name: n, labels: { "node.kubernetes.io/instance-type": "p4d.24xlarge" } } }]));
    const s = buildStatus(objects({ jobs: [job], pods: [indexed(1, "b"), indexed(0, "a")], nodes, workloads: [], logs: new Map([["llm-a100-2x8-0-abcde", SMOKE_LOG]]) }), NOW)!;
    expect(s.pods.map((p) => `${p.rank}:${p.node}`)).toEqual(["0:a", "1:b"]);
    expect(s.cost.dollars).toBeCloseTo(2 * 21.96 * 0.7, 6);
    expect(s.progress?.pod).toBe("llm-a100-2x8-0-abcde");
  });

  it("a JobSet: pods by its jobset-name label; a replaced pod counts as a restart", () => {
    const jobSet = { metadata: { name: "llm-a100-2x8", namespace: "default", uid: "js-1", creationTimestamp: ago(NOW, 50), labels: { "gpu-training-clusters.io/experiment": "llm-a100-2x8" } }, spec: {}, status: {} };
    const pod = (i: number, name: string, phase: string, node: string) => {
      const p = trainerPod(NOW, { name, index: i, node, phase }) as { metadata: { labels: Record<string, string> } };
      return { ...p, metadata: { ...p.metadata, labels: { ...p.metadata.labels, "batch.kubernetes.io/job-name": "llm-a100-2x8-workers-0", "jobset.sigs.k8s.io/jobset-name": "llm-a100-2x8" } } };
    };
    const nodes = new Map([["a", { metadata: { name: "a", labels: { "eks.amazonaws.com/compute-type": "hybrid" } } }]]);
    const s = buildStatus(objects({ jobs: [], jobSets: [jobSet], pods: [pod(0, "w-0-old", "Failed", "a"), pod(0, "w-0-new", "Running", "a"), pod(1, "w-1", "Running", "gone")], nodes, workloads: [], logs: new Map() }), NOW)!;
    expect(s.kind).toBe("JobSet");
    expect(s.pods.map((p) => `${p.rank}:${p.name}:${p.restarts}:${p.instanceType}`)).toEqual(["0:w-0-new:1:hybrid", "1:w-1:0:undefined"]);
    expect(s.cost.dollars).toBeUndefined();
    expect(s.cost.nodes.map((n) => n.unpriced)).toEqual(["hybrid node (your own machine)", "node no longer listed"]);
  });
});

describe("no run", () => {
  it("is undefined: nothing labelled with the experiment", () => {
    expect(buildStatus(objects({ jobs: [], pods: [], workloads: [] }), NOW)).toBeUndefined();
  });

  it("the newest Job is the run; older ones are counted", () => {
    const old = trainingJob(NOW, { name: "t4-smoke-0a1b2c", uid: "old", createdMin: 300 });
    const s = buildStatus(objects({ jobs: [trainingJob(NOW), old] }), NOW)!;
    expect(s.name).toBe("t4-smoke");
    expect(s.earlierRuns).toBe(1);
    expect(JOB_UID).toBeTruthy();
  });
});

describe("pieces", () => {
  it("durations read like a clock a person uses", () => {
    expect([5, 65, 3600 + 120, 86400 * 2 + 3600].map(duration)).toEqual(["5s", "1m 5s", "1h 2m", "2d 1h 0m"]);
  });

  it("spot nodes are priced on demand: the cost is an upper bound and says so", () => {
    const spot = { metadata: { name: NODE, labels: { ...T4_NODE.metadata.labels, "eks.amazonaws.com/capacityType": "SPOT" } } };
    const s = buildStatus(objects({ nodes: new Map([[NODE, spot]]) }), NOW)!;
    expect(s.cost).toMatchObject({ upperBound: true, nodes: [expect.objectContaining({ spot: true, pricePerHour: 0.526 })] });
    expect(renderStatus(s, NOW)).toMatch(/cost +at most \$0\.37 so far \(1 node: g4dn\.xlarge at \$0\.526\/h; on-demand, us-east-1; spot nodes cost less\)/);
    expect(buildStatus(objects(), NOW)!.cost.upperBound).toBe(false);
  });

  it("cost spans a node from its first pod's start to its last pod's end", () => {
    const early = trainerPod(NOW, { name: "a", phase: "Failed", startedMin: 60, status: failedContainer({ exitCode: 1, finishedAt: ago(NOW, 50) }) });
    const late = trainerPod(NOW, { name: "b", startedMin: 30 });
    const c = costSoFar([early as never, late as never], new Map([[NODE, T4_NODE as never]]), NOW);
    expect(c.nodes).toEqual([expect.objectContaining({ node: NODE, hours: 1, pricePerHour: 0.526 })]);
  });
});
