/**
 * Replacing a run works the first time: a run's name is derived from its spec, so a changed
 * experiment is a new object under a new name (an unawaited delete of the old Job, as under
 * `pulumi.com/skipAwait`, cannot race it), an unchanged one keeps its name, and so does one whose other metadata changed;
 * a new queue is a new run.
 */
import fc from "fast-check";
import { buildExperimentObjects, experimentInput } from "../k8s/experiment";
import { dnsLabelProblems, experimentNames } from "../config/names";
import { canonicalJson, runName } from "../config/run-name";
import { readLauncherFiles } from "../components/launcher-files";
import { loadStack, runParts } from "./helpers/experiment";
import type { StackSpec } from "../config/spec";

function build(stack: string, change: (spec: StackSpec) => StackSpec = (s) => s, queueName?: string) {
  const { spec, plan } = loadStack(stack);
  const changed = change(spec);
  const input = experimentInput(changed, plan, readLauncherFiles());
  return buildExperimentObjects({ ...input, experiment: changed.experiment!, queueName: queueName ?? input.queueName });
}

describe("run names", () => {
  it.each(["t4-smoke", "a100-2x8"])("%s: the same experiment gives the same name; a changed one a new name", (stack) => {
    const base = build(stack);
    expect(base.runName).toMatch(new RegExp(`^${loadStack(stack).spec.experiment!.name}-[0-9a-f]{6}$`));
    expect(build(stack).runName).toBe(base.runName);
    const longer = build(stack, (s) => ({ ...s, experiment: { ...s.experiment!, maxRunTimeMinutes: s.experiment!.maxRunTimeMinutes + 1 } }));
    expect(longer.runName).not.toBe(base.runName);
    const otherArgs = build(stack, (s) => ({ ...s, experiment: { ...s.experiment!, args: [...s.experiment!.args, "--x"] } }));
    expect(otherArgs.runName).not.toBe(base.runName);
    expect(runParts(longer).run.metadata!.name).toBe(longer.runName);
  });

  it("makes a queue change a new run: Kueue refuses to move a running workload to another queue", () => {
    const base = build("t4-smoke");
    const requeued = build("t4-smoke", undefined, "another-queue");
    expect(requeued.job!.spec).toEqual(base.job!.spec);
    expect(requeued.runName).not.toBe(base.runName);
    expect(requeued.job!.metadata!.name).toBe(requeued.runName);
    expect(requeued.job!.metadata!.labels!["kueue.x-k8s.io/queue-name"]).toBe("another-queue");
    expect(build("t4-smoke", undefined, "another-queue").runName).toBe(requeued.runName);
  });

  it("names pod 0's DNS name after the run, and the checkpoint directory after the experiment, so an edited run resumes", () => {
    const objects = build("a100-2x8");
    const { trainer } = runParts(objects);
    expect(trainer.args).toContain(`--master_addr=${objects.runName}-node-0-0.${objects.runName}`);
    expect(trainer.env).toContainEqual({ name: "GTC_CHECKPOINT_DIR", value: "/outputs/checkpoints/llm-a100-2x8" });
    const edited = build("a100-2x8", (s) => ({ ...s, experiment: { ...s.experiment!, args: [...s.experiment!.args, "--lr", "1e-4"] } }));
    expect(edited.runName).not.toBe(objects.runName);
    expect(runParts(edited).trainer.env).toContainEqual({ name: "GTC_CHECKPOINT_DIR", value: "/outputs/checkpoints/llm-a100-2x8" });
  });

  it("gives a run of its own directory with freshStart", () => {
    const fresh = build("a100-2x8", (s) => ({ ...s, experiment: { ...s.experiment!, freshStart: true } }));
    expect(runParts(fresh).trainer.env).toContainEqual({ name: "GTC_CHECKPOINT_DIR", value: `/outputs/checkpoints/llm-a100-2x8/runs/${fresh.runName}` });
  });

  it("makes a budget change a new run: Kueue refuses to change a running workload's max-exec-time label", () => {
    const { spec, plan } = loadStack("a100-2x8");
    const withLimit = (maxExecSeconds?: number) => buildExperimentObjects({ ...experimentInput(spec, plan, readLauncherFiles()), maxExecSeconds });
    const names = [withLimit(undefined), withLimit(7200), withLimit(7260)].map((o) => o.runName);
    expect(new Set(names).size).toBe(3);
    expect(withLimit(7200).jobSet!.metadata!.labels!["kueue.x-k8s.io/max-exec-time-seconds"]).toBe("7200");
    expect(withLimit(7200).runName).toBe(names[1]);
  });

  it("hashes content, not key order", () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(canonicalJson({ a: [{ c: 3, d: 2 }], b: 1 }));
    expect(runName("x", { a: 1, b: 2 })).toBe(runName("x", { b: 2, a: 1 }));
    expect(runName("x", { a: 1 })).not.toBe(runName("x", { a: 2 }));
  });

  it("keeps the longest JobSet pod name of any valid experiment within DNS-1035 limits", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][-a-z0-9]{0,38}[a-z0-9]$/), fc.integer({ min: 1, max: 64 }), (name, nodes) => {
        expect(dnsLabelProblems(experimentNames({ name, nodes }).lastPodHostname)).toEqual([]);
      }),
    );
  });
});
