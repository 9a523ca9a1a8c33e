/**
 * A replaced run's successor is created only once the old run is gone, pods included: the run
 * object is deleted before its replacement (deleteBeforeReplace), and its delete is awaited, which
 * `pulumi.com/skipAwait` would skip for a batch/v1 Job (docs/training-job.md, "Replacing a run").
 * Read from what the real program registers: the options the engine gets, the annotations the
 * provider reads.
 */
import { runProgram } from "./helpers/program";

process.setMaxListeners(100);
jest.setTimeout(120_000);

const T4 = { name: "t4", gpu: "t4", maxNodes: 2 };
const A100 = { name: "a100", gpu: "a100-40gb", gpusPerNode: 8, maxNodes: 2 };
const JOB = "kubernetes:batch/v1:Job";
const JOBSET = "kubernetes:jobset.x-k8s.io/v1alpha2:JobSet";

describe.each([
  ["a single-node Job", { nodePools: [T4], experiment: { name: "smoke", pool: "t4", maxRunTimeMinutes: 30 } }, JOB],
  ["a multi-node JobSet", { nodePools: [A100], experiment: { name: "llm", pool: "a100", nodes: 2, gpusPerNode: 8, image: "pytorch-2.8-cuda12.8-efa", maxRunTimeMinutes: 30 } }, JOBSET],
])("%s", (_, config, type) => {
  it("is deleted, and its deletion awaited, before its successor is created", async () => {
    const run = await runProgram({ "aws:region": "us-east-1", cluster: { mode: "create" }, ...config }, undefined, "replace");
    expect(run.error).toBeUndefined();
    const object = run.resources.find((r) => r.type === type)!;
    const options = run.replaceOptions[`${type}::${object.name}`];
    expect(options.deleteBeforeReplace).toBe(true);
    expect(options.replaceOnChanges).toEqual(["spec"]);
    // No shorter delete timeout than the provider's 10 minutes: the old pods' 120 s grace fits in it.
    expect(options.deleteTimeout).toBe("");
    const annotations = (object.inputs.metadata as { annotations: Record<string, string> }).annotations;
    expect(annotations["pulumi.com/waitFor"]).toBe("jsonpath={.metadata.name}");
    expect(annotations["pulumi.com/skipAwait"]).toBeUndefined();
    // Foreground is the provider's default cascade; an annotation choosing another would free the
    // object before its pods.
    expect(annotations["pulumi.com/deletionPropagationPolicy"]).toBeUndefined();
  });
});
