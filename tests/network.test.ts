/**
 * EFA never silently TCP: the plan's network decision (plan/network.ts) and what reaches the Job.
 */
import { readLauncherFiles } from "../components/launcher-files";
import { buildExperimentObjects } from "../k8s/experiment";
import { buildPlan } from "../plan/plan";
import { load, problemsOf } from "./helpers/config";
import { runParts } from "./helpers/experiment";

const EFA_IMAGE = {
  repository: "123456789012.dkr.ecr.us-east-1.amazonaws.com/gtc/pytorch-efa",
  digest: `sha256:${"a".repeat(64)}`,
  cudaRuntime: "12.8",
  archs: ["7.0", "7.5", "8.0", "8.6", "9.0"],
  efa: true,
};
const A100_POOL = { name: "a100", gpu: "a100-40gb", gpusPerNode: 8, maxNodes: 2 };

function stack(experiment: Record<string, unknown>, pool: Record<string, unknown> = A100_POOL) {
  return { cluster: { mode: "create" }, nodePools: [pool], experiment: { name: "llm", pool: pool.name, gpusPerNode: 8, ...experiment } };
}
const plan = (config: Record<string, unknown>) => buildPlan(load(config));

describe("experiment.network", () => {
  it("refuses a multi-node run on an EFA pool with the stock image, naming EFA and the opt-out", () => {
    const problems = problemsOf(() => plan(stack({ nodes: 2 })));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^experiment\.image: pytorch-2\.8-cuda12\.8 cannot use EFA/);
    expect(problems[0]).toContain("p4d.24xlarge, 4 EFA interfaces per node");
    expect(problems[0]).toContain("experiment.network: tcp");
    expect(problems[0]).toContain("efa: true");
  });

  it("also refuses a custom image that does not declare efa (the default is false)", () => {
    const { efa: _efa, ...plain } = EFA_IMAGE;
    expect(problemsOf(() => plan(stack({ nodes: 2, image: plain })))[0]).toMatch(/^experiment\.image: 123456789012\.dkr\.ecr.*cannot use EFA/);
  });

  it("accepts the stock image when the stack opts out with tcp, and the Job then asks for no EFA", () => {
    const spec = load(stack({ nodes: 2, network: "tcp" }));
    const p = buildPlan(spec);
    expect(p.experiment!.network.mode).toBe("tcp");
    expect(p.experiment!.network.reason).toContain("4 EFA interfaces per node stay unused");
    const objects = buildExperimentObjects({ stack: "s", namespace: "s", experiment: spec.experiment!, pool: p.pools[0], image: p.experiment!.image.reference, launcherFiles: readLauncherFiles() });
    const trainer = runParts(objects).trainer;
    expect(Object.keys(trainer.resources!.limits!)).not.toContain("vpc.amazonaws.com/efa");
    expect((trainer.env ?? []).map((e) => e.name).filter((n) => n.startsWith("FI_") || n === "GTC_EFA_DEVICES" || n === "NCCL_NET")).toEqual([]);
  });

  it("defaults to EFA with an EFA-capable image: devices, FI_* and the preflight's device count", () => {
    const spec = load(stack({ nodes: 2, image: EFA_IMAGE }));
    const p = buildPlan(spec);
    expect(p.experiment!.network).toMatchObject({ mode: "efa", poolEfaInterfaces: 4, imageEfa: true });
    expect(p.experiment!.image.efa).toBe(true);
    const objects = buildExperimentObjects({ stack: "s", namespace: "s", experiment: spec.experiment!, pool: p.pools[0], image: p.experiment!.image.reference, launcherFiles: readLauncherFiles() });
    const trainer = runParts(objects).trainer;
    expect(trainer.resources!.limits!["vpc.amazonaws.com/efa"]).toBe("4");
    expect(trainer.env).toEqual(expect.arrayContaining([{ name: "FI_PROVIDER", value: "efa" }, { name: "GTC_EFA_DEVICES", value: "4" }]));
    // NCCL must fail rather than fall back to sockets when the plugin cannot load.
    expect(trainer.env).toContainEqual({ name: "NCCL_NET", value: "AWS Libfabric" });
  });

  it("needs no EFA image for one node, or on a pool without EFA", () => {
    expect(plan(stack({ nodes: 1 })).experiment!.network.mode).toBe("tcp");
    const t4 = { name: "t4", gpu: "t4", gpusPerNode: 1, maxNodes: 4 };
    expect(plan(stack({ nodes: 2, gpusPerNode: 1 }, t4)).experiment!.network.mode).toBe("tcp");
  });

  it("rejects network: efa where EFA is impossible, saying why", () => {
    expect(problemsOf(() => plan(stack({ nodes: 1, network: "efa", image: EFA_IMAGE })))).toEqual([
      'experiment.network: "efa" is not possible: a single-node run has no traffic between nodes (got nodes: 1) (allowed: tcp, or a multi-node run on a managed pool of an EFA instance type such as p4d.24xlarge)',
    ]);
    const t4 = { name: "t4", gpu: "t4", gpusPerNode: 1, maxNodes: 4 };
    expect(problemsOf(() => plan(stack({ nodes: 2, gpusPerNode: 1, network: "efa", image: EFA_IMAGE }, t4)))[0]).toContain('pool "t4" has no EFA interfaces (g4dn.xlarge has 0)');
  });

  it("rejects an unknown network value with what is allowed", () => {
    expect(problemsOf(() => load(stack({ nodes: 2, network: "ib" })))).toEqual(['experiment.network: is not allowed (got "ib"; allowed: "efa", "tcp")']);
  });
});
