/**
 * The second `pulumi up`: every example stack is planned, then planned again after a realistic
 * edit with the first plan's resources in the mock account (what the first up created, found by
 * the program's lookups), and the difference must be one a real update applies: no subnet, VPC or
 * named resource replaced while its name is held, no physical name claimed twice, no live run
 * changed in place (tools/plan-diff.ts).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { ConfigError } from "../config/errors";
import { listStacks } from "../config/stack-file";
import { PlanRun, runPlan } from "../tools/plan-runner";
import { diffPlans } from "../tools/plan-diff";
import { PROJECT_DIR, planStack } from "./helpers/plan";
import { TEST_NOW } from "./helpers/clock";

type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const NS = "gpu-training-clusters";
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "gtc-day-two-"));

function stackConfig(stack: string): Config {
  return parse(fs.readFileSync(path.join(PROJECT_DIR, "stacks", `Pulumi.${stack}.yaml`), "utf8")).config;
}

/** The stack file with one edit, under the same stack name (the physical names depend on it). */
function edited(stack: string, edit: (c: Config) => boolean, label: string): string | undefined {
  const config = stackConfig(stack);
  if (!edit(config)) return undefined;
  const dir = fs.mkdtempSync(path.join(TMP, `${label}-`));
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, stringify({ config }));
  return file;
}

async function planAgainst(file: string, before: PlanRun): Promise<PlanRun | undefined> {
  try {
    return await runPlan({ projectDir: PROJECT_DIR, stackFile: file, now: TEST_NOW, existing: before.json.resources });
  } catch (e) {
    if (e instanceof ConfigError) return undefined; // the edit made an invalid stack for this one
    throw e;
  }
}

const experiment = (c: Config) => c[`${NS}:experiment`];
const pools = (c: Config) => c[`${NS}:nodePools`] as Config[] | undefined;
const cluster = (c: Config) => c[`${NS}:cluster`];

/** Realistic edits; each says whether it applies to the stack. */
const EDITS: Record<string, (c: Config) => boolean> = {
  rename: (c) => !!experiment(c) && ((experiment(c).name = `${experiment(c).name}-v2`), true),
  "pool type": (c) => {
    const t4 = pools(c)?.find((p) => p.gpu === "t4");
    return !!t4 && ((t4.gpu = "a10g"), true);
  },
  "pool added": (c) => !!pools(c) && cluster(c)?.mode === "create" && (pools(c)!.push({ name: "extra", gpu: "l4", gpusPerNode: 1, maxNodes: 1 }), true),
  maxNodes: (c) => !!pools(c)?.[0] && ((pools(c)![0].maxNodes = (pools(c)![0].maxNodes ?? 1) + 1), true),
  admins: (c) => cluster(c)?.mode === "create" && ((cluster(c).admins = [...(cluster(c).admins ?? []), "arn:aws:iam::123456789012:role/platform-admins"]), true),
  queue: (c) => !!experiment(c) && ((c[`${NS}:queueing`] = { ...(c[`${NS}:queueing`] ?? {}), localQueue: "team-b" }), true),
  gpusPerNode: (c) => !!experiment(c) && experiment(c).gpusPerNode > 1 && ((experiment(c).gpusPerNode = experiment(c).gpusPerNode / 2), true),
  args: (c) => !!experiment(c) && ((experiment(c).args = [...(experiment(c).args ?? []), "--seed", "2"]), true),
  workdir: (c) => !!experiment(c)?.workdir && ((experiment(c).setup = [...[experiment(c).setup ?? []].flat(), "echo edited"]), true),
  image: (c) => !!experiment(c) && experiment(c).image === undefined && ((experiment(c).image = "pytorch-2.8-cuda12.6"), true),
  "image cache": (c) =>
    cluster(c)?.mode === "create" &&
    ((cluster(c).dockerHubCredentialsSecretArn = `arn:aws:secretsmanager:${c["aws:region"] ?? "us-east-1"}:123456789012:secret:ecr-pullthroughcache/docker-hub-AbCdEf`), true),
};

describe("a second pulumi up after a realistic edit applies cleanly", () => {
  const stacks = listStacks(PROJECT_DIR);
  const ran: string[] = [];

  it.each(stacks)("%s", async (stack) => {
    const before = await planStack(stack);
    // An unchanged stack, planned against what it created, changes nothing.
    const again = await runPlan({ projectDir: PROJECT_DIR, stackFile: path.join(PROJECT_DIR, "stacks", `Pulumi.${stack}.yaml`), now: TEST_NOW, existing: before.json.resources });
    const unchanged = diffPlans(before.json.resources, again.json.resources);
    expect({ added: unchanged.added, updated: unchanged.updated, replaced: unchanged.replaced, deleted: unchanged.deleted }).toEqual({ added: [], updated: [], replaced: [], deleted: [] });
    for (const [label, edit] of Object.entries(EDITS)) {
      const file = edited(stack, edit, label);
      if (!file) continue;
      const after = await planAgainst(file, before);
      if (!after) continue;
      ran.push(`${stack}: ${label}`);
      const diff = diffPlans(before.json.resources, after.json.resources);
      expect({ edit: label, hazards: diff.hazards }).toEqual({ edit: label, hazards: [] });
      const subnets = diff.replaced.filter((c) => c.type === "aws:ec2/subnet:Subnet" || c.type === "aws:ec2/vpc:Vpc");
      expect({ edit: label, subnets }).toEqual({ edit: label, subnets: [] });
    }
  });

  it("ran the edits it was meant to: each at least once, and on create, reuse and existing stacks", () => {
    for (const label of Object.keys(EDITS)) expect(ran.some((r) => r.endsWith(`: ${label}`))).toBe(true);
    for (const stack of ["t4-smoke", "shared-t4-sweep", "rtx4090-existing"]) expect(ran.some((r) => r.startsWith(`${stack}:`))).toBe(true);
  });
});

describe("the edits the diff must see", () => {
  it("a renamed experiment restarts its run, keeping the S3 access policy and the ECR repository", async () => {
    const before = await planStack("a100-2x8");
    const after = (await planAgainst(edited("a100-2x8", EDITS.rename, "rename-check")!, before))!;
    const diff = diffPlans(before.json.resources, after.json.resources);
    expect(diff.runsRestarted.length).toBeGreaterThan(0);
    for (const type of ["aws:ecr/repository:Repository", "aws:iam/rolePolicy:RolePolicy"]) {
      const was = before.json.resources.filter((r) => r.type === type).map((r) => r.name);
      expect(was.length).toBeGreaterThan(0);
      expect(after.json.resources.filter((r) => r.type === type).map((r) => r.name)).toEqual(was);
    }
  });

  it("a new queue is a new run, never a queue label changed in place", async () => {
    const before = await planStack("t4-smoke");
    const after = (await planAgainst(edited("t4-smoke", EDITS.queue, "queue-check")!, before))!;
    const diff = diffPlans(before.json.resources, after.json.resources);
    expect(diff.replaced.filter((c) => c.type === "kubernetes:batch/v1:Job").map((c) => c.fields)).toEqual([["metadata.name"]]);
    expect(diff.runsRestarted).toHaveLength(1);
    expect(diff.updated.filter((c) => c.type === "kubernetes:batch/v1:Job")).toEqual([]);
  });

  it("keeps the zones the first up put its subnets in, and adds subnets only in new slots", async () => {
    const before = await planStack("t4-smoke");
    // As if the first up had chosen us-east-1d and us-east-1e (the account answered differently then).
    const moved = ["us-east-1d", "us-east-1e"];
    const deployed = before.json.resources.map((r) =>
      r.type === "aws:ec2/subnet:Subnet" ? { ...r, inputs: { ...r.inputs, availabilityZone: moved[Number(r.name.slice(-1))] } } : r,
    );
    const widened = edited("t4-smoke", (c) => ((cluster(c).availabilityZones = 3), true), "three-zones")!;
    const after = await runPlan({ projectDir: PROJECT_DIR, stackFile: widened, now: TEST_NOW, existing: deployed });
    const zones = (tier: string) =>
      after.json.resources.filter((r) => r.type === "aws:ec2/subnet:Subnet" && r.name.includes(`-${tier}-`)).sort((a, b) => a.name.localeCompare(b.name)).map((r) => r.inputs.availabilityZone);
    expect(zones("private").slice(0, 2)).toEqual(moved);
    expect(zones("private")).toHaveLength(3);
    expect(moved).not.toContain(zones("private")[2]);
    const diff = diffPlans(deployed, after.json.resources);
    expect(diff.replaced.filter((c) => c.type === "aws:ec2/subnet:Subnet")).toEqual([]);
    expect(diff.added.filter((c) => c.type === "aws:ec2/subnet:Subnet")).toHaveLength(2);
    // Without the lookup's answer (what the program did before), the same edit moves them.
    const blind = await runPlan({ projectDir: PROJECT_DIR, stackFile: widened, now: TEST_NOW });
    expect(diffPlans(deployed, blind.json.resources).replaced.filter((c) => c.type === "aws:ec2/subnet:Subnet").length).toBeGreaterThan(0);
  });
});

describe("a stack deployed before each stack had its namespace", () => {
  /** What the first up created, as planned before (tests/fixtures/before-namespaces/). */
  const deployed = (stack: string) => JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "tests", "fixtures", "before-namespaces", `${stack}.json`), "utf8")).resources;

  it.each([
    ["t4-smoke", path.join(PROJECT_DIR, "stacks", "Pulumi.t4-smoke.yaml")],
    ["reuse-a100-2x8", path.join(PROJECT_DIR, "tests", "fixtures", "stacks", "Pulumi.reuse-a100-2x8.yaml")],
  ])("%s: moves out of default in one up, with nothing claimed twice", async (stack, file) => {
    const before = deployed(stack);
    const after = await runPlan({ projectDir: PROJECT_DIR, stackFile: file, now: TEST_NOW, existing: before });
    const diff = diffPlans(before, after.json.resources);
    expect(diff.hazards).toEqual([]);
    // The run starts anew in the namespace; what was in default is deleted (storage is only
    // forgotten: retainOnDelete), and the namespace comes with its policy, account and queue.
    expect(diff.runsRestarted).toHaveLength(1);
    expect(diff.added.map((c) => c.type)).toEqual(expect.arrayContaining(["kubernetes:core/v1:Namespace", "kubernetes:core/v1:ServiceAccount", "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue"]));
    const namespaces = (resources: readonly { type: string; inputs: Record<string, unknown> }[]) =>
      new Set(resources.filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm")).map((r) => (r.inputs.metadata as { namespace?: string } | undefined)?.namespace).filter(Boolean));
    expect(namespaces(before)).toEqual(new Set(["default"]));
    expect(namespaces(after.json.resources)).toEqual(new Set([stack]));
  });
});
