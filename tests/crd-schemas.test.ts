/**
 * Every Kueue and JobSet object the example stacks produce is valid against our JSON Schemas of the
 * pinned upstream CRDs (tests/schema/crds/), and those schemas do reject what the API server would.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { listStacks } from "../config/stack-file";
import { buildQueueObjects } from "../k8s/queues";
import { buildSweep } from "../k8s/sweep";
import { experimentInput } from "../k8s/experiment";
import { readLauncherFiles } from "../components/launcher-files";
import { loadStack, pureObjects, validateManifests } from "./helpers/experiment";
import { PROJECT_DIR } from "./helpers/plan";

const CUSTOM_KINDS = new Set(["ResourceFlavor", "ClusterQueue", "LocalQueue", "JobSet"]);

function customObjects(stack: string): Record<string, unknown>[] {
  const { spec, plan } = loadStack(stack);
  const queues = buildQueueObjects(plan);
  const built = spec.experiment ? pureObjects(stack) : undefined;
  const run = built?.objects.jobSet;
  const localQueue = built?.objects.namespace.localQueue;
  // A sweep with maxParallel has queues of its own (k8s/sweep-queue.ts).
  const sweep = built && spec.experiment?.sweep ? buildSweep(experimentInput(spec, plan, readLauncherFiles()), spec.experiment.sweep).queue : undefined;
  return [
    ...(queues ? [...queues.resourceFlavors, queues.clusterQueue] : []),
    ...(localQueue ? [localQueue] : []),
    ...(sweep ? [sweep.clusterQueue, sweep.localQueue] : []),
    ...(run ? [run] : []),
  ] as unknown as Record<string, unknown>[];
}

function writeAll(objects: readonly unknown[]): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "crd-"));
  return objects.map((o, i) => {
    const file = path.join(dir, `${i}.yaml`);
    fs.writeFileSync(file, stringify(o));
    return file;
  });
}

describe("Kueue and JobSet objects against the pinned CRD schemas", () => {
  const all = listStacks(PROJECT_DIR).flatMap(customObjects);

  it("covers every kind we emit", () => {
    expect(new Set(all.map((o) => o.kind))).toEqual(CUSTOM_KINDS);
  });

  it("accepts every object of every example stack", () => {
    const { status, results } = validateManifests(writeAll(all));
    expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
    expect(results).toHaveLength(all.length);
    expect(status).toBe(0);
  });

  it("rejects unknown fields, bad enums, bad quantities, missing fields and mismatched quotas", () => {
    const find = (kind: string) => JSON.parse(JSON.stringify(all.find((o) => o.kind === kind)));
    const flavor = find("ResourceFlavor");
    flavor.spec.nodeTaints[0].effect = "NoRun";
    flavor.spec.colour = "red";
    const queue = find("ClusterQueue");
    queue.spec.resourceGroups[0].flavors[0].resources[0].nominalQuota = "12 cores";
    queue.spec.resourceGroups[0].flavors[0].resources.pop();
    queue.spec.queueingStrategy = "Fastest";
    const local = find("LocalQueue");
    delete local.metadata.name;
    const jobSet = find("JobSet");
    jobSet.spec.failurePolicy.rules[0].action = "RestartEverything";
    jobSet.spec.failurePolicy.rules[0].name = "node-disruption";
    jobSet.spec.replicatedJobs[0].template.spec.completions = "2";
    const sweepQueue = JSON.parse(JSON.stringify(all.find((o) => o.kind === "ClusterQueue" && (o as { metadata: { name: string } }).metadata.name.endsWith("-sweep"))));
    delete sweepQueue.spec.cohortName;
    const { status, results } = validateManifests(writeAll([flavor, queue, local, jobSet, sweepQueue]));
    expect(status).toBe(1);
    const errors = results.map((r) => r.errors.join("\n"));
    expect(errors[0]).toContain("/spec/nodeTaints/0/effect must be equal to one of the allowed values");
    expect(errors[0]).toContain("must NOT have additional properties (colour)");
    expect(errors[1]).toContain("/spec/resourceGroups/0/flavors/0/resources/0/nominalQuota");
    expect(errors[1]).toContain("must have the same number of resources as the coveredResources");
    expect(errors[1]).toContain("/spec/queueingStrategy must be equal to one of the allowed values");
    expect(errors[2]).toContain("/metadata must have required property 'name'");
    expect(errors[3]).toContain("/spec/failurePolicy/rules/0/action must be equal to one of the allowed values");
    expect(errors[4]).toContain("borrowingLimit must be nil when cohort is empty");
    expect(errors[3]).toContain("/spec/failurePolicy/rules/0/name must match pattern");
    expect(errors[3]).toContain("replicatedJobs[0].template: schema: data/spec/completions must be integer");
  });
});
