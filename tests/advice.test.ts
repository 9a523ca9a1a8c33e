/** The plan names cheaper ways to get a pool's GPUs, each with its $/h and why; never applies them. */
import { buildPlan } from "../plan/plan";
import { renderPlan } from "../plan/render";
import { load } from "./helpers/config";

describe("advice", () => {
  it("offers p5.4xlarge's H100 for one A100 that would take a whole p4d.24xlarge", () => {
    const plan = buildPlan(load({ nodePools: [{ name: "a100", gpu: "a100-40gb", gpusPerNode: 1, maxNodes: 1 }], experiment: { name: "e", pool: "a100", gpusPerNode: 1 } }));
    expect(plan.pools[0].instance!.type).toBe("p4d.24xlarge");
    const advice = plan.advice.find((a) => a.pool === "a100")!;
    expect(advice.options[0]).toEqual({
      type: "g6e.xlarge",
      pricePerHour: 1.861,
      why: "1 x NVIDIA L40S (44 GiB >= 40, sm_89 runs the build) for $1.861/h instead of $21.960/h (92% less)",
    });
    expect(advice.options.map((o) => o.type)).toContain("p5.4xlarge");
    expect(renderPlan(plan)).toContain("      cheaper: p5.4xlarge: 1 x NVIDIA H100 80 GB (80 GiB >= 40, sm_90 runs the build) for $6.880/h instead of $21.960/h (69% less)");
  });

  it("offers only GPUs the build runs on and with enough memory, and spot for on-demand pools", () => {
    const plan = buildPlan(load({ nodePools: [{ name: "l4", gpu: "l4", instanceType: "g6.2xlarge", maxNodes: 1 }], experiment: { name: "e", pool: "l4", image: "pytorch-2.8-cuda12.6" } }));
    const advice = plan.advice[0];
    // g6.xlarge: the same L4, cheaper; no T4 (16 GiB < 24) and no A10G above the price.
    expect(advice.options.map((o) => o.type)).toEqual(["g6.xlarge"]);
    expect(advice.options[0].why).toBe("1 x the same NVIDIA L4 for $0.805/h instead of $0.978/h (18% less)");
    expect(advice.spot).toMatch(/^capacity: spot costs less/);
  });

  it("offers nothing cheaper where the choice is already the cheapest fit, and no spot advice to a spot pool", () => {
    const plan = buildPlan(load({ nodePools: [{ name: "t4", gpu: "t4", maxNodes: 1, capacity: "spot" }], experiment: { name: "e", pool: "t4" } }));
    expect(plan.advice).toEqual([{ pool: "t4", options: [] }]);
  });
});
