import { buildPlan } from "../plan/plan";
import { archCoverage, parseCapability } from "../catalog/arch";
import { lookupImage } from "../catalog/images";
import { load, problemsOf } from "./helpers/config";

const cc = parseCapability;
/** The arch list of a catalog build, as the gate sees it. */
function archsOf(key: string) {
  const found = lookupImage(key);
  if (!found.ok) throw new Error(`no catalog image ${key}`);
  return found.image.archs;
}
const CU126 = archsOf("pytorch-2.8-cuda12.6");
const CU128 = archsOf("pytorch-2.8-cuda12.8");

describe("architecture coverage", () => {
  it.each([
    ["T4", "7.5", CU126, true, "7.5"],
    ["A100", "8.0", CU128, true, "8.0"],
    ["RTX 4090 on sm_86 code", "8.9", CU128, true, "8.6"],
    ["H100", "9.0", CU126, true, "9.0"],
    ["RTX 5090 on the 12.6 build", "12.0", CU126, false, undefined],
    ["RTX 5090 on the 12.8 build", "12.0", CU128, true, "12.0"],
    ["H100 on an sm_80-only build", "9.0", [cc("8.0")], false, undefined],
  ])("%s", (_, card, archs, runs, via) => {
    const c = archCoverage(cc(card), archs);
    expect(c.runs).toBe(runs);
    if (c.runs) expect(`${c.via.major}.${c.via.minor}`).toBe(via);
  });
});

const gate = (config: Record<string, unknown>) => () => buildPlan(load(config));

describe("the compatibility gate", () => {
  it("stops an sm_120 card on a build without it, naming GPU, arch, image and the fix", () => {
    const problems = problemsOf(
      gate({
        cluster: { mode: "existing" },
        nodePools: [{ name: "blackwell", gpu: "rtx5090", driverVersion: "575.64.03" }],
        experiment: { name: "e", pool: "blackwell", image: "pytorch-2.8-cuda12.6" },
      }),
    );
    expect(problems).toEqual([
      'experiment.image: pytorch-2.8-cuda12.6 has no kernels for the NVIDIA GeForce RTX 5090 (sm_120) of pool "blackwell": its arch list is sm_50, sm_60, sm_70, sm_75, sm_80, sm_86, sm_90, so the first CUDA kernel fails with "no kernel image is available for execution on the device" (use pytorch-2.8-cuda12.8 instead)',
    ]);
  });

  it("stops a driver too old for the image's CUDA runtime", () => {
    const problems = problemsOf(
      gate({ cluster: { mode: "existing" }, nodePools: [{ name: "lab", gpu: "rtx4090", driverVersion: "565.57.01" }], experiment: { name: "e", pool: "lab" } }),
    );
    expect(problems).toEqual([
      'nodePools[0].driverVersion: the NVIDIA GeForce RTX 4090 (sm_89) of pool "lab" runs driver 565.57.01 (declared), older than the 570.26 that CUDA 12.8 (pytorch-2.8-cuda12.8) needs: "CUDA driver version is insufficient for CUDA runtime version" (upgrade the driver to >= 570.26, or use pytorch-2.8-cuda12.6 instead)',
    ]);
  });

  it("stops GPUs requested beyond what a node has, and nodes beyond the pool", () => {
    const problems = problemsOf(
      gate({ nodePools: [{ name: "a100", gpu: "a100-40gb", gpusPerNode: 8, maxNodes: 1 }], experiment: { name: "e", pool: "a100", gpusPerNode: 16, nodes: 2 } }),
    );
    expect(problems).toEqual([
      "experiment.gpusPerNode: 16 exceeds the 8 GPUs of p4d.24xlarge (allowed 1-8; use nodes: 2 with gpusPerNode: 8 for 16 GPUs)",
      'experiment.nodes: 2 exceeds the 1 node pool "a100" can have (allowed 1-1; raise nodePools[0].maxNodes)',
    ]);
  });

  it("checks a custom image by the arch list and CUDA runtime the stack declares", () => {
    const problems = problemsOf(
      gate({
        nodePools: [{ name: "h100", gpu: "h100" }],
        experiment: { name: "e", pool: "h100", image: { repository: "1234.dkr.ecr.us-east-1.amazonaws.com/train", digest: `sha256:${"a".repeat(64)}`, cudaRuntime: "12.8", archs: ["8.0", "8.6"] } },
      }),
    );
    expect(problems[0]).toMatch(/^experiment\.image: 1234\.dkr\.ecr\.us-east-1\.amazonaws\.com\/train@sha256:a+ has no kernels for the NVIDIA H100 80 GB \(sm_90\)/);
  });

  it("passes the RTX 4090 on the 12.8 build (sm_89 runs sm_86 code) and reports how", () => {
    const plan = buildPlan(
      load({ cluster: { mode: "existing" }, nodePools: [{ name: "lab", gpu: "rtx4090", gpusPerNode: 4, driverVersion: "570.172.08" }], experiment: { name: "e", pool: "lab", gpusPerNode: 4 } }),
    );
    expect(plan.verdicts[0]).toMatchObject({ status: "ok", arch: "sm_89 runs the build's sm_86 code", driver: "570.172.08 >= 570.26 needed by CUDA 12.8" });
  });

  it("warns, without blocking, when a pool's driver is undeclared or another pool could not run the image", () => {
    const plan = buildPlan(
      load({
        cluster: { mode: "existing" },
        nodePools: [
          { name: "lab", gpu: "rtx4090" },
          { name: "new", gpu: "rtx5090", driverVersion: "575.64.03" },
        ],
        experiment: { name: "e", pool: "lab", image: "pytorch-2.8-cuda12.6" },
      }),
    );
    expect(plan.verdicts.map((v) => v.status)).toEqual(["warning", "warning"]);
    expect(plan.verdicts[0].notes).toEqual(["set nodePools[0].driverVersion so the gate can check the driver before launch"]);
    expect(plan.verdicts[1].notes[0]).toMatch(/no kernels for the NVIDIA GeForce RTX 5090 .* — only matters for jobs on this pool$/);
  });
});
