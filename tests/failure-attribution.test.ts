/**
 * Failure attribution in every order: each fault is turned into the failed pods it leaves (the exit
 * code each launcher chooses comes from the launcher's own code, images/launcher/supervise.py), and
 * the Job and JobSet controllers' decisions are replayed (tools/goodput/controllers.ts) for every
 * order and grouping in which the Job controller can list those pods.
 */
import { execFileSync } from "child_process";
import type { IPodFailurePolicy } from "kubernetes-models/batch/v1/PodFailurePolicy";
import * as path from "path";
import { childPodFailurePolicy, jobSetFailureRules, singleNodePodFailurePolicy } from "../k8s/failure-policy";
import { FailedPod, JobSetState, everyOrder, jobSetDecision, replayJob } from "../tools/goodput/controllers";

const LAUNCHER = path.join(__dirname, "..", "images", "launcher");
const PYTHON = process.env.GTC_TEST_PYTHON ?? "/usr/bin/python3";

/** What a launcher knows when its run ends: torchrun's code, whether it got SIGTERM, its peers' answers. */
interface LauncherView {
  readonly status: number;
  readonly stopping: boolean;
  readonly peers: Record<number, string>;
}

/** The launcher's exit code for each view, computed by supervise.attribute itself. */
function launcherCodes(views: readonly LauncherView[]): number[] {
  const program = "import json, sys, supervise\nviews = json.load(sys.stdin)\nprint(json.dumps([supervise.attribute(v['status'], v['stopping'], {int(k): a for k, a in v['peers'].items()}) for v in views]))";
  return JSON.parse(execFileSync(PYTHON, ["-c", program], { cwd: LAUNCHER, input: JSON.stringify(views), encoding: "utf8" }));
}

type Answer = "ok" | "stopping" | "gone: connection refused";
/** Peers of node `me` among `nodes`, each answering as `answer(peer)` says. */
function peers(nodes: number, me: number, answer: (peer: number) => Answer): Record<number, string> {
  return Object.fromEntries(Array.from({ length: nodes }, (_, i) => i).filter((i) => i !== me).map((i) => [i, answer(i)]));
}

interface Fault {
  readonly name: string;
  /** The failed pods the Job controller can list; a lost node's pod that is still Running is not among them. */
  readonly pods: FailedPod[];
  readonly expected: "NodeDisruption" | "TrainingFailure" | "RestartLimit" | "UnhealthyGpu" | "replaced";
}

/** Every fault on every node, with every answer a peer can get where timing decides it. */
function faults(nodes: number): Fault[] {
  const out: Fault[] = [];
  const pod = (i: number, code: number | undefined, disrupted = false): FailedPod => ({ name: `run-node-0-${i}`, exitCode: code, disrupted });
  for (let k = 0; k < nodes; k++) {
    const others = Array.from({ length: nodes }, (_, i) => i).filter((i) => i !== k);
    for (const seen of ["stopping", "gone: connection refused"] as const) {
      // Spot reclaim or drain of node k: its pod is evicted (DisruptionTarget) and its launcher SIGTERMed;
      // the others' runs fail on the lost peer, which answers "stopping", or nothing once it is gone.
      const codes = launcherCodes([
        { status: 1, stopping: true, peers: peers(nodes, k, () => "ok") },
        ...others.map((i) => ({ status: 1, stopping: false, peers: peers(nodes, i, (p) => (p === k ? seen : "ok")) })),
      ]);
      out.push({ name: `drain of node ${k}, peers see it ${seen}`, pods: [pod(k, codes[0], true), ...others.map((i, j) => pod(i, codes[j + 1]))], expected: "NodeDisruption" });
    }
    // Node k lost abruptly: the others see it gone. Its pod stays Running until evicted or garbage-
    // collected (then Failed with DisruptionTarget, no exit code), or is not seen at all yet.
    const lost = launcherCodes(others.map((i) => ({ status: 1, stopping: false, peers: peers(nodes, i, (p) => (p === k ? "gone: connection refused" : "ok")) })));
    out.push({ name: `node ${k} lost, its pod still Running`, pods: others.map((i, j) => pod(i, lost[j])), expected: "replaced" });
    out.push({ name: `node ${k} lost, its pod garbage-collected`, pods: [pod(k, undefined, true), ...others.map((i, j) => pod(i, lost[j]))], expected: "NodeDisruption" });
    // The application fails on node k: k sees every peer alive; a peer whose run fails within k's
    // linger sees k alive, a later one sees it gone. Every mix of the two.
    for (let late = 0; late < 2 ** others.length; late++) {
      const codes = launcherCodes([
        { status: 1, stopping: false, peers: peers(nodes, k, () => "ok") },
        ...others.map((i, j) => ({ status: 1, stopping: false, peers: peers(nodes, i, (p) => (p === k && late & (1 << j) ? "gone: connection refused" : "ok")) })),
      ]);
      out.push({ name: `training failure on node ${k} (late peers ${late.toString(2)})`, pods: [pod(k, codes[0]), ...others.map((i, j) => pod(i, codes[j + 1]))], expected: "TrainingFailure" });
    }
    // The container of node k is OOM-killed whole (launcher included): 137, and its peers see it gone.
    out.push({ name: `node ${k} OOM-killed`, pods: [pod(k, 137), ...others.map((i, j) => pod(i, lost[j]))], expected: "TrainingFailure" });
    // Pod k deleted by hand (SIGTERM, no condition): every pod is replaced in place and the run re-forms.
    const deleted = launcherCodes([
      { status: 1, stopping: true, peers: peers(nodes, k, () => "ok") },
      ...others.map((i) => ({ status: 1, stopping: false, peers: peers(nodes, i, (p) => (p === k ? "stopping" : "ok")) })),
    ]);
    out.push({ name: `pod ${k} deleted`, pods: [pod(k, deleted[0]), ...others.map((i, j) => pod(i, deleted[j + 1]))], expected: "replaced" });
    // Node k's GPU health check finds a sick GPU before training (77). The others are still waiting for
    // the group, or were already told to stop (143) when the Job controller looks.
    out.push({ name: `sick GPU on node ${k}`, pods: [pod(k, 77)], expected: "UnhealthyGpu" });
    out.push({ name: `sick GPU on node ${k}, the others stopping`, pods: [pod(k, 77), ...others.map((i) => pod(i, 143))], expected: "UnhealthyGpu" });
  }
  out.push({ name: "restart limit", pods: Array.from({ length: nodes }, (_, i) => pod(i, 76)), expected: "RestartLimit" });
  return out;
}

describe("a multi-node run's failures are attributed the same way in every order", () => {
  const rules = jobSetFailureRules();
  for (const nodes of [2, 3]) {
    for (const fault of faults(nodes)) {
      it(`${nodes} nodes: ${fault.name} -> ${fault.expected}`, () => {
        const orders = everyOrder(fault.pods);
        expect(orders.length).toBeGreaterThan(0);
        for (const syncs of orders) {
          const job = replayJob(childPodFailurePolicy(), 0, syncs);
          if (fault.expected === "replaced") {
            expect(job.failure).toBeUndefined();
            expect(job.counted).toBe(0);
            continue;
          }
          expect(job.failure).toBeDefined();
          const decided = jobSetDecision(rules, 1, { restarts: 0, restartsCountTowardsMax: 0 }, job.failure!);
          expect(decided.rule).toBe(fault.expected);
        }
      });
    }
  }
});

describe("the replay tells a policy that depends on order", () => {
  it("catches the policy that failed the child Job on any non-zero exit: a drain charged as a training failure", () => {
    const before: IPodFailurePolicy = { rules: [
      { action: "FailJob", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
      { action: "FailJob", onExitCodes: { containerName: "trainer", operator: "NotIn", values: [0] } },
    ] };
    const drained = [{ name: "a", exitCode: 143, disrupted: true }, { name: "b", exitCode: 1 }];
    const rules = everyOrder(drained).map((syncs) => jobSetDecision(jobSetFailureRules(), 1, { restarts: 0, restartsCountTowardsMax: 0 }, replayJob(before, 0, syncs).failure!).rule);
    expect(new Set(rules)).toEqual(new Set(["NodeDisruption", "TrainingFailure"]));
  });
});

describe("each kind of restart has its own bound", () => {
  const rules = jobSetFailureRules();
  const fail = (code: number | undefined, disrupted = false) => replayJob(childPodFailurePolicy(), 0, [[{ name: "p", exitCode: code, disrupted }]]).failure!;

  it("training failures stop after maxRestarts; disruptions and sick GPUs in between are not counted", () => {
    let state: JobSetState = { restarts: 0, restartsCountTowardsMax: 0 };
    for (const f of [fail(1), fail(143, true), fail(undefined, true), fail(77), fail(1)]) state = jobSetDecision(rules, 2, state, f).state;
    expect(state).toEqual({ restarts: 5, restartsCountTowardsMax: 2 });
    state = jobSetDecision(rules, 2, state, fail(1)).state;
    expect(state.failed).toBe("ReachedMaxRestarts");
  });

  it("disruptions stop at the launcher's restart limit (maxRestarts + maxDisruptionRestarts)", () => {
    const maxRestarts = 1;
    const limit = maxRestarts + 3;
    let state: JobSetState = { restarts: 0, restartsCountTowardsMax: 0 };
    // The launcher of each new attempt reads the attempt from its pod's label (launch.py --max-restarts).
    for (let attempt = 0; !state.failed; attempt++) {
      const code = launchAttempt(attempt, limit);
      if (attempt <= limit) expect(code).not.toBe(76);
      state = jobSetDecision(rules, maxRestarts, state, code === 76 ? fail(76) : fail(143, true)).state;
      expect(attempt).toBeLessThanOrEqual(limit + 1);
    }
    // limit + 1 attempts trained; the restart after them only ran the launcher's check.
    expect(state).toEqual({ restarts: limit + 1, restartsCountTowardsMax: 0, failed: "FailedByFailurePolicy" });
  });
});

/** The real launcher's first decision for a pod of restart attempt `attempt`: 76 above the limit, else it would go on (2 here: no "--"). */
function launchAttempt(attempt: number, limit: number): number {
  try {
    execFileSync(PYTHON, [path.join(LAUNCHER, "launch.py"), `--max-restarts=${limit}`, "--skip-preflight", "--wait-for-host=gtc.invalid", "--wait-seconds=0", "--", "never.py"], {
      env: { ...process.env, GTC_RESTART_ATTEMPT: String(attempt) },
      stdio: "pipe",
    });
    return 0;
  } catch (e) {
    return (e as { status: number }).status;
  }
}

describe("a single-node Job", () => {
  const policy = singleNodePodFailurePolicy();
  it("retries a disruption, at most maxDisruptionRestarts times, and fails at once on a training failure", () => {
    const disruption = { name: "p", exitCode: 143, disrupted: true };
    expect(replayJob(policy, 10, [[disruption]])).toEqual({ failure: undefined, counted: 1, replaced: ["p"] });
    expect(replayJob(policy, 10, Array.from({ length: 11 }, () => [disruption])).failure?.reason).toBe("BackoffLimitExceeded");
    expect(replayJob(policy, 10, [[{ name: "p", exitCode: 1 }]]).failure?.message).toBe("Container trainer for pod training/p failed with exit code 1 matching FailJob rule at index 2");
  });

  it("retries a pod whose GPU health check failed as a disruption, never as a training failure", () => {
    const sick = { name: "p", exitCode: 77 };
    expect(replayJob(policy, 10, [[sick]])).toEqual({ failure: undefined, counted: 1, replaced: ["p"] });
    expect(replayJob(policy, 2, Array.from({ length: 3 }, () => [sick])).failure?.reason).toBe("BackoffLimitExceeded");
  });
});
