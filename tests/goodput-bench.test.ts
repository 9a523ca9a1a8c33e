import { DEFAULT_SCHEDULE, failedPods, parseFault } from "../tools/goodput/bench";
import { childPodFailurePolicy, jobSetFailureRules } from "../k8s/failure-policy";
import { jobSetDecision, replayJob } from "../tools/goodput/controllers";

describe("npm run bench:goodput", () => {
  it("reads a fault schedule and refuses what it cannot inject", () => {
    expect(parseFault("750:reclaim:1")).toEqual({ step: 750, kind: "reclaim", node: 1 });
    expect(() => parseFault("750:flood:1")).toThrow("--fault takes STEP:KIND:NODE");
    expect(() => parseFault("750:loss:2")).toThrow("NODE 0 or 1");
  });

  it("turns each fault into the pods the controllers would see, and they read it as intended", () => {
    const decide = (codes: (number | null)[], i: number) => {
      const job = replayJob(childPodFailurePolicy(), 0, [failedPods(codes, DEFAULT_SCHEDULE[i])]);
      return jobSetDecision(jobSetFailureRules(), 1, { restarts: 0, restartsCountTowardsMax: 0 }, job.failure!).rule;
    };
    // reclaim of node 1: its launcher 143 (evicted: DisruptionTarget), node 0 deleted by the restart.
    expect(decide([143, 143], 0)).toBe("NodeDisruption");
    // loss of node 0: its pod garbage-collected without an exit code; node 1 saw it gone.
    expect(decide([137, 75], 1)).toBe("NodeDisruption");
    // crash on node 1: both launchers saw every peer alive.
    expect(decide([1, 1], 2)).toBe("TrainingFailure");
    expect(failedPods([0, 0], undefined)).toEqual([]);
  });
});
