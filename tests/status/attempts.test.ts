import { attemptsLine, attemptsOf } from "../../status/attempts";
import { TEST_NOW } from "../helpers/clock";

const at = (minutesAgo: number) => new Date(TEST_NOW.getTime() - minutesAgo * 60_000).toISOString();

describe("a run's attempts", () => {
  const jobSet = { spec: { failurePolicy: { maxRestarts: 2 } }, status: { restarts: 3, restartsCountTowardsMax: 1 } };
  const workload = {
    status: {
      conditions: [{ type: "Admitted", status: "True", lastTransitionTime: at(20) }],
      requeueState: { count: 1 },
      accumulatedPastExecutionTimeSeconds: 600,
    },
  };

  it("counts group restarts by kind and requeues, and prices all admitted time", () => {
    const a = attemptsOf({ jobSet, workload, currentStart: new Date(at(5)), perHour: 60, now: TEST_NOW });
    // 10 min admitted before this admission + 20 min of it; 15 of those before the current pods started.
    expect(a).toEqual({ restarts: 3, countedRestarts: 1, maxRestarts: 2, requeues: 1, admittedSeconds: 1800, beforeCurrentSeconds: 1500, dollars: 30 });
    expect(attemptsLine(a)).toBe(
      "3 group restarts (1 training failure of maxRestarts 2, 2 disruptions); 1 Kueue requeue; admitted 30.0 min over all attempts, 25.0 min of it before the current attempt; $30.00 over all attempts",
    );
  });

  it("says only what it knows: a Job without a Workload", () => {
    const a = attemptsOf({ now: TEST_NOW });
    expect(a).toEqual({ restarts: 0, countedRestarts: 0, maxRestarts: undefined, requeues: 0, admittedSeconds: undefined, beforeCurrentSeconds: undefined, dollars: undefined });
    expect(attemptsLine(a)).toBe("0 group restarts (0 training failures, 0 disruptions); 0 Kueue requeues");
  });
});
