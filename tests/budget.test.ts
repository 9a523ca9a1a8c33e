/**
 * experiment.budgetUSD: the plan's limit on admitted time keeps the worst case within the budget,
 * checked against a replay of every timeline Kueue allows, not against the formula itself.
 */
import fc from "fast-check";
import { KUEUE_MAX_EXEC_SECONDS, MAX_EXEC_TIME_LABEL, planBudget } from "../plan/budget";
import { planStack } from "../plan/plan";
import { renderPlan } from "../plan/render";
import { PodsReadyPlan, TERMINATION_GRACE_SECONDS } from "../plan/queueing";
import { buildExperimentObjects, experimentInput } from "../k8s/experiment";
import { readLauncherFiles } from "../components/launcher-files";
import { loadStack } from "./helpers/experiment";
import type { StackSpec } from "../config/spec";

const READY: PodsReadyPlan = { timeoutMinutes: 18, expectedMinutes: 12, source: "derived", requeueLimit: 3, backoffBaseSeconds: 60, backoffMaxSeconds: 3600 };

/**
 * Billed node-seconds of one timeline: admitted spans (Kueue stops the run once their sum reaches
 * maxExec), after each eviction a shutdown and the nodes idle until re-admission or scale-down,
 * after the last stop a shutdown and the scale-down tail. Kueue counts an evicted span in whole
 * seconds, dropping its fraction (kueue v0.19.2 pkg/workload/admissionchecks.go): each evicted
 * span here really ran `fraction` seconds longer than Kueue counted.
 */
function billedSeconds(admitted: number[], maxExec: number, ready: PodsReadyPlan, scaleDownMinutes: number, shutdowns: number[], fraction = 0.999): number {
  let used = 0;
  let billed = 0;
  const spans = admitted.slice(0, ready.requeueLimit + 1);
  for (const [n, span] of spans.entries()) {
    const take = Math.min(span, maxExec - used);
    used += take;
    billed += take + Math.min(shutdowns[n] ?? 0, TERMINATION_GRACE_SECONDS);
    // Deactivated at the limit, or done: no more admissions, the nodes go at scale-down.
    const last = n === spans.length - 1 || used >= maxExec;
    if (!last) billed += fraction;
    const backoff = Math.min(ready.backoffBaseSeconds * 2 ** n, ready.backoffMaxSeconds);
    billed += last ? scaleDownMinutes * 60 : Math.min(backoff, scaleDownMinutes * 60);
    if (last) break;
  }
  return billed;
}

describe("the budget's bound", () => {
  it("holds for every timeline Kueue allows, and is the largest limit that does", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20_000 }).map((c) => c / 100), // $/h
        fc.integer({ min: 10, max: 2_000_000 }).map((c) => c / 100), // budget
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 0, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 4 }),
        (rate, budgetUSD, maxRunTimeMinutes, scaleDownMinutes, admitted, shutdowns) => {
          const { budget, problem } = planBudget({ budgetUSD, costPerHour: rate, maxRunTimeMinutes, podsReady: READY, scaleDownMinutes });
          if (problem) {
            expect(problem.path).toBe("experiment.budgetUSD");
            return;
          }
          const b = budget!;
          expect(b.worstCaseUSD).toBeLessThanOrEqual(budgetUSD);
          expect(b.maxExecSeconds).toBeGreaterThanOrEqual(maxRunTimeMinutes * 60);
          // Every timeline, and the worst one (each span as long as Kueue lets it run, every shutdown the whole grace).
          const worst = billedSeconds([b.maxExecSeconds], b.maxExecSeconds, READY, scaleDownMinutes, [TERMINATION_GRACE_SECONDS]);
          // Every requeue used, each evicted span counted a second short: spans that add up to the limit.
          const requeued = billedSeconds(Array.from({ length: READY.requeueLimit + 1 }, (_, i) => (i < READY.requeueLimit ? 1 : b.maxExecSeconds)), b.maxExecSeconds, READY, scaleDownMinutes, Array(READY.requeueLimit + 1).fill(TERMINATION_GRACE_SECONDS));
          for (const seconds of [billedSeconds(admitted, b.maxExecSeconds, READY, scaleDownMinutes, shutdowns), worst, requeued]) {
            expect((rate * seconds) / 3600).toBeLessThanOrEqual(budgetUSD + 1e-9);
          }
          // A worse timeline than the replay's: every requeue used, each shutdown whole, each idle gap whole.
          expect(b.worstCaseUSD).toBeGreaterThanOrEqual(Math.floor(((rate * worst) / 3600) * 100) / 100);
          // One second more and the worst case passes the budget (in exact dollars, up to float noise).
          const outside = b.stops * b.graceSeconds + b.idleMinutes * 60 + b.uncountedSeconds;
          expect((rate * (b.maxExecSeconds + outside)) / 3600).toBeLessThanOrEqual(budgetUSD + 1e-9);
          // ...unless the limit is the largest one Kueue can read (an int32).
          if (b.maxExecSeconds < KUEUE_MAX_EXEC_SECONDS) expect((rate * (b.maxExecSeconds + 1 + outside)) / 3600).toBeGreaterThan(budgetUSD - 1e-9);
          expect(b.maxExecSeconds).toBeLessThanOrEqual(KUEUE_MAX_EXEC_SECONDS);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses a budget below one attempt, naming the field and the minimum", () => {
    const input = { costPerHour: 110.08, maxRunTimeMinutes: 720, podsReady: READY, scaleDownMinutes: 7 };
    const { problem } = planBudget({ ...input, budgetUSD: 100 });
    expect(problem!.path).toBe("experiment.budgetUSD");
    const minimum = Number(/at least \$([0-9.]+)/.exec(problem!.message)![1]);
    expect(problem!.message).toContain("$100.00 is below what one attempt needs");
    expect(planBudget({ ...input, budgetUSD: minimum }).budget?.fullAttempts).toBe(1);
    expect(planBudget({ ...input, budgetUSD: minimum - 0.01 }).problem).toBeDefined();
  });

  it("refuses a pool without a price, and a Kueue whose requeues it does not know", () => {
    expect(planBudget({ budgetUSD: 10, maxRunTimeMinutes: 1, podsReady: READY, scaleDownMinutes: 0 }).problem!.message).toContain("needs a price");
    expect(planBudget({ budgetUSD: 10, costPerHour: 1, maxRunTimeMinutes: 1, scaleDownMinutes: 0 }).problem!.message).toContain("requeue limit");
  });
});

describe("a budget in a real stack", () => {
  const withBudget = (stack: string, budgetUSD: number, maxRunTimeMinutes?: number) => {
    const { spec } = loadStack(stack);
    const e = { ...spec.experiment!, budgetUSD, ...(maxRunTimeMinutes ? { maxRunTimeMinutes } : {}) };
    return { ...spec, experiment: e } as StackSpec;
  };

  it("a100-2x8 with $3000: the limit, the bound next to the budget, and the label on the JobSet", () => {
    const spec = withBudget("a100-2x8", 3000);
    const { plan, problems } = planStack(spec);
    expect(problems).toEqual([]);
    const b = plan.experiment!.budget!;
    expect(b.worstCaseUSD).toBeLessThanOrEqual(3000);
    expect(renderPlan(plan)).toContain(`budget $3000.00: worst case $${b.worstCaseUSD.toFixed(2)} over all attempts — Kueue stops the run after ${b.maxExecSeconds} s admitted in all`);
    const objects = buildExperimentObjects(experimentInput(spec, plan, readLauncherFiles()));
    expect(objects.jobSet!.metadata.labels[MAX_EXEC_TIME_LABEL]).toBe(String(b.maxExecSeconds));
  });

  it("t4-smoke with $0.20 is refused with the minimum; with $5 it plans", () => {
    const refused = planStack(withBudget("t4-smoke", 0.2));
    expect(refused.problems.map((p) => p.path)).toEqual(["experiment.budgetUSD"]);
    const planned = planStack(withBudget("t4-smoke", 5));
    expect(planned.problems).toEqual([]);
    expect(planned.plan.experiment!.budget!.worstCaseUSD).toBeLessThanOrEqual(5);
  });

  it("a changed budget is a new run: Kueue refuses to change the label of a running workload", () => {
    const a = buildExperimentObjects(experimentInput(withBudget("t4-smoke", 5), planStack(withBudget("t4-smoke", 5)).plan, readLauncherFiles()));
    const b = buildExperimentObjects(experimentInput(withBudget("t4-smoke", 6), planStack(withBudget("t4-smoke", 6)).plan, readLauncherFiles()));
    expect(a.runName).not.toBe(b.runName);
    expect(a.job!.spec).toEqual(b.job!.spec);
    expect(a.job!.metadata!.labels![MAX_EXEC_TIME_LABEL]).not.toBe(b.job!.metadata!.labels![MAX_EXEC_TIME_LABEL]);
  });

  it("never writes a limit Kueue cannot read as an int32 (it would set none)", () => {
    const { budget } = planBudget({ budgetUSD: 1_000_000, costPerHour: 0.01, maxRunTimeMinutes: 60, podsReady: READY, scaleDownMinutes: 10 });
    expect(budget!.maxExecSeconds).toBe(KUEUE_MAX_EXEC_SECONDS);
    expect(budget!.worstCaseUSD).toBeLessThanOrEqual(1_000_000);
  });
});
