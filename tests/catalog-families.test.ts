/**
 * Every size of every GPU family the catalog lists is a row, and each plans: the gate, the
 * cheapest-fit choice and the EFA decision work for all of them.
 */
import { GPU_TYPES, gpuSpec } from "../catalog/gpus";
import { INSTANCES, PRICE_LIST, chooseInstance, findInstance } from "../catalog/instances";
import { buildPlan } from "../plan/plan";
import { load, problemsOf } from "./helpers/config";

/** Every size AWS sells of each family (https://aws.amazon.com/ec2/instance-types/, accelerated computing). */
const SIZES = ["xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"];
const FAMILIES: Record<string, string[]> = {
  g4dn: ["xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "metal"],
  g5: SIZES,
  g6: SIZES,
  g6e: SIZES,
  p4d: ["24xlarge"],
  p4de: ["24xlarge"],
  p5: ["4xlarge", "48xlarge"],
  p5e: ["48xlarge"],
  p5en: ["48xlarge"],
  "p6-b200": ["48xlarge"],
};

describe("the instance catalog covers every size of its families", () => {
  it("has one row per size, and no row outside the families", () => {
    const expected = Object.entries(FAMILIES).flatMap(([family, sizes]) => sizes.map((s) => `${family}.${s}`));
    expect(INSTANCES.map((i) => i.type).sort()).toEqual(expected.sort());
  });

  it("knows the L40S, H200 and B200 with capability, memory and driver floor", () => {
    const row = (g: (typeof GPU_TYPES)[number]) => {
      const s = gpuSpec(g);
      return [`${s.computeCapability.major}.${s.computeCapability.minor}`, s.memoryGiB, s.driverFloor];
    };
    expect(row("l40s")).toEqual(["8.9", 44, "520.61.05"]); // EC2 reports the 48 GB card as 44 GiB
    expect(row("h200")).toEqual(["9.0", 141, "520.61.05"]);
    expect(row("b200")).toEqual(["10.0", 179, "570.133.20"]);
  });

  it("prices every type but the Capacity-Blocks-only p5e, and states the price list's date", () => {
    expect(INSTANCES.filter((i) => i.pricePerHour === undefined).map((i) => i.type)).toEqual(["p5e.48xlarge"]);
    expect(PRICE_LIST.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect([findInstance("g5.2xlarge")!.pricePerHour, findInstance("g6e.xlarge")!.pricePerHour, findInstance("p6-b200.48xlarge")!.pricePerHour]).toEqual([1.212, 1.861, 113.933]);
  });

  it("never picks the unpriced p5e: 8 H200s come from p5en.48xlarge", () => {
    const c = chooseInstance("h200", 8);
    expect(c.ok && c.instance.type).toBe("p5en.48xlarge");
  });

  it("records GPUDirect RDMA on the types aws-ofi-nccl requires it for", () => {
    expect(INSTANCES.filter((i) => i.gpuDirectRdma).map((i) => i.type)).toEqual(["p4d.24xlarge", "p4de.24xlarge", "p5.48xlarge", "p5e.48xlarge", "p5en.48xlarge", "p6-b200.48xlarge"]);
  });
});

describe("every instance size plans", () => {
  it.each(INSTANCES.map((i) => [i.type, i.gpu, i.gpus, i.efaInterfaces] as const))("%s", (type, gpu, gpus, efa) => {
    // Two nodes, so the EFA decision is taken; the CUDA 12.8 builds (sm_70-sm_120) cover every catalog GPU, and
    // an EFA type needs the EFA-capable one.
    const image = efa > 0 ? "pytorch-2.8-cuda12.8-efa" : "pytorch-2.8-cuda12.8";
    const plan = buildPlan(load({ nodePools: [{ name: "p", gpu, instanceType: type, gpusPerNode: gpus, maxNodes: 2 }], experiment: { name: "e", pool: "p", gpusPerNode: gpus, nodes: 2, image } }));
    const pool = plan.pools[0];
    expect(pool.instance?.type).toBe(type);
    expect(pool.efaInterfaces).toBe(efa);
    expect(plan.verdicts[0].status).toBe("ok");
  });

  it("refuses a B200 on a build without sm_100, naming the build that has it", () => {
    const problems = problemsOf(() =>
      buildPlan(load({ nodePools: [{ name: "b", gpu: "b200", maxNodes: 1 }], experiment: { name: "e", pool: "b", gpusPerNode: 8, image: "pytorch-2.8-cuda12.6" } })),
    );
    expect(problems).toEqual([
      'experiment.image: pytorch-2.8-cuda12.6 has no kernels for the NVIDIA B200 (sm_100) of pool "b": its arch list is sm_50, sm_60, sm_70, sm_75, sm_80, sm_86, sm_90, so the first CUDA kernel fails with "no kernel image is available for execution on the device" (use pytorch-2.8-cuda12.8 instead)',
    ]);
  });

  it("accepts g5.2xlarge, which the catalog used to refuse", () => {
    const plan = buildPlan(load({ nodePools: [{ name: "a", gpu: "a10g", instanceType: "g5.2xlarge", maxNodes: 1 }], experiment: { name: "e", pool: "a" } }));
    expect(plan.pools[0].pricePerNodeHour).toBe(1.212);
  });
});
