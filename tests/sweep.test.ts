/**
 * experiment.sweep: the grid's runs as the plan and the builders make them (names, environment,
 * checkpoint directories, queue), the grid's cost bound, and the errors of a bad sweep.
 */
import { readLauncherFiles } from "../components/launcher-files";
import { MAX_SWEEP_RUNS } from "../config/sweep";
import { buildExperimentObjects, experimentInput } from "../k8s/experiment";
import { buildSweep } from "../k8s/sweep";
import { buildQueueObjects } from "../k8s/queues";
import { buildPlan } from "../plan/plan";
import { renderPlan } from "../plan/render";
import { T4_POOL, load, problemsOf, raw } from "./helpers/config";
import { loadStackSpec } from "../config/load";

const OUTPUT = { name: "out", mountPath: "/out", source: { type: "s3", bucket: "my-out" } };
const LR = ["1e-4", "3e-4"];
const BS = ["32", "64"];

function stack(sweep: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { nodePools: [{ ...T4_POOL, maxNodes: 3 }], experiment: { name: "lr", pool: "t4", env: { EPOCHS: "3" }, output: OUTPUT, maxRunTimeMinutes: 60, sweep, ...extra } };
}

function built(config: Record<string, unknown>) {
  const spec = load(config);
  const plan = buildPlan(spec);
  const input = experimentInput(spec, plan, readLauncherFiles());
  return { spec, plan, input, sweep: buildSweep(input, spec.experiment!.sweep!) };
}

const envOf = (job: unknown) => Object.fromEntries(((job as { spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } } }).spec.template.spec.containers[0].env ?? []).map((e) => [e.name, e.value]));

describe("a sweep's runs", () => {
  const { sweep, input } = built(stack({ env: { LR, BS } }));

  it("are every combination, last variable fastest, each with its own values on top of env", () => {
    expect(sweep.runs.map((r) => r.point.env)).toEqual([
      { LR: "1e-4", BS: "32" },
      { LR: "1e-4", BS: "64" },
      { LR: "3e-4", BS: "32" },
      { LR: "3e-4", BS: "64" },
    ]);
    for (const r of sweep.runs) expect(envOf(r.job)).toMatchObject({ EPOCHS: "3", ...r.point.env });
  });

  it("have unique names of the experiment, the same on every build, and unchanged when a value is added", () => {
    const names = sweep.runs.map((r) => r.runName);
    expect(new Set(names).size).toBe(4);
    for (const n of names) expect(n).toMatch(/^lr-[0-9a-f]{6}$/);
    expect(built(stack({ env: { LR, BS } })).sweep.runs.map((r) => r.runName)).toEqual(names);
    const wider = built(stack({ env: { LR: [...LR, "1e-3"], BS } })).sweep.runs;
    expect(wider).toHaveLength(6);
    expect(wider.map((r) => r.runName)).toEqual(expect.arrayContaining(names));
    // The Job's own name is the run's name.
    for (const r of sweep.runs) expect(r.job?.metadata?.name).toBe(r.runName);
  });

  it("have a checkpoint directory per point, passed as GTC_CHECKPOINT_DIR, which an edit elsewhere keeps", () => {
    const dirs = sweep.runs.map((r) => envOf(r.job).GTC_CHECKPOINT_DIR);
    expect(new Set(dirs).size).toBe(4);
    sweep.runs.forEach((r, i) => expect(dirs[i]).toBe(`/out/checkpoints/lr/sweep/${r.point.id}`));
    const edited = built(stack({ env: { LR, BS } }, { maxRunTimeMinutes: 90 })).sweep.runs;
    expect(edited.map((r) => envOf(r.job).GTC_CHECKPOINT_DIR)).toEqual(dirs);
    expect(edited.map((r) => r.runName)).not.toEqual(sweep.runs.map((r) => r.runName));
  });

  it("are labelled as one sweep and by point, with the point's values in an annotation", () => {
    const ids = new Set(sweep.runs.map((r) => r.job?.metadata?.labels?.["gpu-training-clusters.io/sweep"]));
    expect(ids).toEqual(new Set([sweep.id]));
    for (const r of sweep.runs) {
      expect(r.job?.metadata?.labels?.["gpu-training-clusters.io/sweep-point"]).toBe(r.point.id);
      expect(JSON.parse(r.job!.metadata!.annotations!["gpu-training-clusters.io/sweep-env"])).toEqual(r.point.env);
    }
  });

  it("go to the stack's LocalQueue without maxParallel, and no queue of their own is made", () => {
    expect(sweep.queue).toBeUndefined();
    for (const r of sweep.runs) expect(r.job?.metadata?.labels?.["kueue.x-k8s.io/queue-name"]).toBe("training");
    // The experiment's single run is what it was: the sweep adds nothing to its spec.
    expect(buildExperimentObjects(input).job?.metadata?.labels?.["gpu-training-clusters.io/sweep"]).toBeUndefined();
  });
});

describe("maxParallel", () => {
  const { sweep, plan } = built(stack({ env: { LR, BS }, maxParallel: 2 }));

  it("is a ClusterQueue of the sweep's own with no quota, borrowing at most maxParallel runs' GPUs in the cluster queue's cohort", () => {
    const cq = sweep.queue!.clusterQueue;
    expect(cq.metadata.name).toBe("lr-sweep");
    expect(cq.spec.cohortName).toBe(buildQueueObjects(plan)!.clusterQueue.spec.cohortName);
    expect(cq.spec.resourceGroups[0].flavors).toEqual([
      {
        name: "gtc-t4",
        resources: [
          { name: "cpu", nominalQuota: "0" },
          { name: "memory", nominalQuota: "0" },
          { name: "nvidia.com/gpu", nominalQuota: "0", borrowingLimit: "2" },
        ],
      },
    ]);
    expect(sweep.queue!.localQueue).toMatchObject({ metadata: { name: "lr-sweep", namespace: "test" }, spec: { clusterQueue: "lr-sweep" } });
    for (const r of sweep.runs) expect(r.job?.metadata?.labels?.["kueue.x-k8s.io/queue-name"]).toBe("lr-sweep");
  });

  it("scales with the GPUs of one run", () => {
    const two = built({ nodePools: [{ name: "g", gpu: "a10g", gpusPerNode: 4, maxNodes: 2 }], experiment: { name: "lr", pool: "g", sweep: { env: { LR }, maxParallel: 1 } } });
    expect(two.sweep.queue!.clusterQueue.spec.resourceGroups[0].flavors[0].resources[2]).toEqual({ name: "nvidia.com/gpu", nominalQuota: "0", borrowingLimit: "4" });
  });
});

describe("the plan of a sweep", () => {
  it("lists the runs and bounds the grid's cost: runs x one attempt, at most maxParallel at once", () => {
    const { plan } = built(stack({ env: { LR, BS }, maxParallel: 2 }));
    const s = plan.experiment!.sweep!;
    expect(s).toMatchObject({ concurrent: 2, rounds: 2, poolHolds: 3, perRunBasis: "attempt", localQueue: "test/lr-sweep" });
    expect(s.perRunUSD).toBe(plan.experiment!.maxRunCost);
    expect(s.totalUSD).toBeCloseTo(4 * plan.experiment!.maxRunCost!, 2);
    const text = renderPlan(plan);
    expect(text).toMatch(/sweep: 4 runs, all queued by Kueue; at most 2 at once \(maxParallel 2: the runs go to LocalQueue test\/lr-sweep/);
    expect(text).toContain(`cost: at most $${s.totalUSD!.toFixed(2)} for the grid (4 x $${s.perRunUSD!.toFixed(2)}, one attempt of each run)`);
    expect(text).toMatch(/point [0-9a-f]{6} +LR=3e-4 BS=64 +\(checkpoints: sweep\/[0-9a-f]{6}\)/);
  });

  it("without maxParallel runs as many at once as the pool holds; with a budget, each run's worst case is the bound", () => {
    const { plan } = built(stack({ env: { LR, BS } }, { budgetUSD: 5 }));
    const s = plan.experiment!.sweep!;
    expect(s.concurrent).toBe(3);
    expect(s.rounds).toBe(2);
    expect(s.perRunBasis).toBe("budget");
    expect(s.perRunUSD).toBe(plan.experiment!.budget!.worstCaseUSD);
  });
});

describe("bad sweeps: one line each, naming the field", () => {
  const problems = (sweep: unknown, extra: Record<string, unknown> = {}) => problemsOf(() => load(stack(sweep as Record<string, unknown>, extra)));

  it("an empty list, no variable, an invalid name, an unknown key", () => {
    expect(problems({ env: { LR: [] } })).toEqual(["experiment.sweep.env.LR: must have at least 1 item (got [])"]);
    expect(problems({ env: {} })).toEqual(["experiment.sweep.env: must name at least one variable (got {})"]);
    expect(problems({ env: { "1LR": ["1"] } }).join("\n")).toMatch(/experiment\.sweep\.env.*must be an environment variable name/);
    expect(problems({ env: { LR }, parallel: 2 }).join("\n")).toMatch(/experiment\.sweep.*parallel/);
  });

  it("a number (YAML needs quotes around it)", () => {
    expect(problems({ env: { LR: [0.0003] } })).toEqual(["experiment.sweep.env.LR[0]: must be a string (got number 0.0003)"]);
  });

  it("a name also in env, a value twice, a name torchrun sets", () => {
    expect(problems({ env: { EPOCHS: ["1", "2"] } })).toEqual(['experiment.sweep.env.EPOCHS: is also set in experiment.env (got "3" there); a variable is either fixed or swept, not both (remove one)']);
    expect(problems({ env: { LR: ["1e-4", "1e-4"] } })).toEqual(['experiment.sweep.env.LR: lists "1e-4" twice, which would make two identical runs (list each value once)']);
    expect(problems({ env: { RANK: ["0"] } })[0]).toMatch(/^experiment\.sweep\.env\.RANK: is set by torch\.distributed\.run/);
    expect(problems({ env: { CUDA_VISIBLE_DEVICES: ["0"] } })[0]).toMatch(/^experiment\.sweep\.env\.CUDA_VISIBLE_DEVICES: would break the GPU request/);
  });

  it(`more than ${MAX_SWEEP_RUNS} combinations`, () => {
    const ten = Array.from({ length: 10 }, (_, i) => String(i));
    expect(problems({ env: { A: ten, B: ten } })).toEqual([`experiment.sweep.env: makes 100 runs (A 10 x B 10), over the ${MAX_SWEEP_RUNS} one sweep may have (split the grid over stacks, or list fewer values)`]);
  });

  it("maxParallel out of range, or on a cluster whose queues are not this project's", () => {
    expect(problems({ env: { LR }, maxParallel: 0 }).join("\n")).toMatch(/experiment\.sweep\.maxParallel/);
    const existing = { cluster: { mode: "existing" }, queueing: { install: false, clusterQueue: "lab" }, nodePools: [{ name: "t4", gpu: "t4" }], experiment: { name: "lr", pool: "t4", sweep: { env: { LR }, maxParallel: 1 } } };
    expect(problemsOf(() => load(existing))).toEqual([
      "experiment.sweep.maxParallel: needs the cluster's queues of this project, whose ClusterQueue the sweep's own borrows from (got 1 with queueing.install: false; remove maxParallel, and Kueue admits the runs as the cluster's own queue allows)",
    ]);
  });

  it("a secretEnv variable also swept", () => {
    const config = raw({ ...stack({ env: { TOKEN: ["a", "b"] } }), secretEnv: { TOKEN: "[secret]" } }, { "aws:region": "us-east-1" });
    const lines = problemsOf(() => loadStackSpec(config, { stack: "test", isSecret: () => true }));
    expect(lines).toContain("secretEnv.TOKEN: is also swept by experiment.sweep.env; a variable is either swept or secret, not both (remove one)");
  });
});
