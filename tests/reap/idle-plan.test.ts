/** The node-level idle bound the plan states: autoscaler settings, minutes and dollars. */
import fc from "fast-check";
import { SCALE_DOWN_OVERHEAD_MINUTES, autoscalerScaleDownArgs, buildPlan } from "../../plan/plan";
import { renderIdle } from "../../plan/render";
import { load, raw } from "../helpers/config";

const A100_POOL = { name: "a100", gpu: "a100-40gb", gpusPerNode: 8, maxNodes: 1 };
const T4_POOL = { name: "t4", gpu: "t4", maxNodes: 1 };

describe("idle GPU node bound", () => {
  it("is 2 minutes over nodeIdleMinutes", () => {
    expect(SCALE_DOWN_OVERHEAD_MINUTES).toBe(2);
  });

  it("prices an idle p4d.24xlarge at 5 min idle as $2.57 (21.96 $/h x 7 min, rounded up to the cent)", () => {
    const plan = buildPlan(load({ nodePools: [A100_POOL], idle: { nodeIdleMinutes: 5 } }));
    expect(plan.idle.nodeScaleDown).toEqual({
      stack: "test",
      idleMinutes: 5,
      boundMinutes: 7,
      autoscalerArgs: { "scale-down-unneeded-time": "5m", "scale-down-delay-after-add": "5m", "scale-down-delay-type-local": "true" },
    });
    expect(plan.idle.idleNodeCost).toEqual([{ pool: "a100", instanceType: "p4d.24xlarge", dollars: 2.57 }]);
  });

  it("follows nodeIdleMinutes: p4d at 15 min idle is $6.23, a g4dn.xlarge at the default 5 is $0.07", () => {
    const p4d = buildPlan(load({ nodePools: [A100_POOL], idle: { nodeIdleMinutes: 15 } }));
    expect(p4d.idle.idleNodeCost[0].dollars).toBe(6.23);
    expect(p4d.idle.nodeScaleDown?.autoscalerArgs["scale-down-delay-after-add"]).toBe("15m");
    const t4 = buildPlan(load({ nodePools: [T4_POOL] }));
    expect(t4.idle.idleNodeCost).toEqual([{ pool: "t4", instanceType: "g4dn.xlarge", dollars: 0.07 }]);
  });

  it("sets delay-after-add with unneeded-time, or a short job would keep its node for the 10-minute default", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), (minutes) => {
        const args = autoscalerScaleDownArgs(minutes);
        expect(args["scale-down-unneeded-time"]).toBe(`${minutes}m`);
        expect(args["scale-down-delay-after-add"]).toBe(`${minutes}m`);
        expect(args["scale-down-delay-type-local"]).toBe("true");
      }),
    );
  });

  it("is a bound: never below the price of the bound minutes, never a cent above", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.constantFrom(A100_POOL, T4_POOL), (minutes, pool) => {
        const plan = buildPlan(load({ nodePools: [pool], idle: { nodeIdleMinutes: minutes } }));
        const price = plan.pools[0].pricePerNodeHour!;
        const exact = (price * (minutes + SCALE_DOWN_OVERHEAD_MINUTES)) / 60;
        const dollars = plan.idle.idleNodeCost[0].dollars;
        expect(dollars).toBeGreaterThanOrEqual(exact - 1e-9);
        expect(dollars).toBeLessThan(exact + 0.01);
      }),
    );
  });

  it("uses the cluster stack's nodeIdleMinutes for an experiment that reuses its cluster", () => {
    const cluster = raw({ cluster: { mode: "create" }, nodePools: [A100_POOL], idle: { nodeIdleMinutes: 10 } });
    const plan = buildPlan(load({ cluster: { mode: "reuse", stack: "shared" }, idle: { nodeIdleMinutes: 3 } }, { shared: cluster }));
    expect(plan.idle.nodeIdleMinutes).toBe(3);
    expect(plan.idle.nodeScaleDown).toMatchObject({ stack: "shared", idleMinutes: 10, boundMinutes: 12 });
    // 21.96 $/h x 12 min = $4.392 -> $4.40
    expect(plan.idle.idleNodeCost).toEqual([{ pool: "a100", instanceType: "p4d.24xlarge", dollars: 4.4 }]);
  });

  it("claims no scale-down in an existing cluster", () => {
    const plan = buildPlan(load({ cluster: { mode: "existing" }, nodePools: [{ name: "rtx", gpu: "rtx4090", maxNodes: 1, driverVersion: "570.172.08" }] }));
    expect(plan.idle.nodeScaleDown).toBeUndefined();
    expect(plan.idle.idleNodeCost).toEqual([]);
  });
});

describe("the idle section of the plan", () => {
  it("states the window, the autoscaler flags, the node cost and what reap does", () => {
    const lines = renderIdle(buildPlan(load({ nodePools: [A100_POOL] })));
    expect(lines).toEqual([
      "GPU nodes are removed 5-7 min after their last GPU pod ends",
      "  cluster-autoscaler --scale-down-unneeded-time=5m --scale-down-delay-after-add=5m --scale-down-delay-type-local=true; up to 2 min more to notice and terminate",
      "an idle p4d.24xlarge node (pool a100) costs at most $2.57 after its last job",
      "`npm run reap` destroys the stack after 60 min without GPU work; datasets and outputs are kept",
    ]);
  });

  it("says whose autoscaler it is for a reused cluster, and that reap takes the experiment down only with it", () => {
    const cluster = raw({ cluster: { mode: "create" }, nodePools: [T4_POOL] });
    const lines = renderIdle(buildPlan(load({ cluster: { mode: "reuse", stack: "shared" } }, { shared: cluster })));
    expect(lines[0]).toBe("GPU nodes are removed 5-7 min after their last GPU pod ends (the autoscaler of stack shared)");
    expect(lines[lines.length - 1]).toMatch(/^`npm run reap` destroys this stack only together with the cluster of stack shared \(this stack first\)/);
  });

  it("says reap never touches an existing cluster, and never a protected stack", () => {
    const existing = renderIdle(buildPlan(load({ cluster: { mode: "existing" } })));
    expect(existing).toEqual([
      "GPU nodes scale by the existing cluster's own rules: this project runs no autoscaler there",
      "`npm run reap` never destroys this stack: the cluster is not this project's",
    ]);
    const protectedLines = renderIdle(buildPlan(load({ nodePools: [T4_POOL], idle: { protected: true } })));
    expect(protectedLines[protectedLines.length - 1]).toBe("the stack is protected: `npm run reap` never destroys it");
  });
});
