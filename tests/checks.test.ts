/** The one ordered list of checks (checks/phases.ts): every phase runs, each once, on stand-ins for what failed. */
import * as load from "../config/load";
import * as plan from "../plan/plan";
import * as gate from "../plan/deploy-gate";
import * as archive from "../workdir/archive";
import { AccountAccess, checkForDeploy, checkStack } from "../checks";
import { PHASES } from "../checks/phases";
import { ConfigError } from "../config/errors";
import { raw } from "./helpers/config";
import { TEST_NOW } from "./helpers/clock";
import { PROJECT_DIR } from "./helpers/plan";

const T4 = { name: "t4", gpu: "t4", maxNodes: 1 };
const fsx = { name: "d", mountPath: "/data", source: { type: "fsx", fileSystemId: "fs-0123456789abcdef0", dnsName: "fs-0123456789abcdef0.fsx.us-east-1.amazonaws.com", mountName: "abcdefgh" } };

/** An account that has no G quota and places the file system in a VPC of its own. */
function access(seen: string[] = []): AccountAccess {
  return {
    env: { now: TEST_NOW, facts: "account" },
    accountFacts: async (spec) => {
      seen.push(`account ${spec.stack}`);
      return { region: spec.region, zones: [{ name: "us-east-1b", id: "use1-az1" }, { name: "us-east-1c", id: "use1-az2" }], offerings: {}, quotas: { "L-DB2E81BA": 0 } };
    },
    sourceFacts: async (stack) => {
      seen.push(`sources ${stack}`);
      return { fsx: [{ id: "fs-0123456789abcdef0", vpcId: "vpc-0ddddddddddddddd0", securityGroupIds: [] }] };
    },
  };
}

const input = (config: Record<string, unknown>) => ({ raw: raw(config, { "aws:region": "us-east-1" }), load: { stack: "checks" }, projectDir: PROJECT_DIR });

async function problemsOf(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((x) => x.path);
    throw e;
  }
  throw new Error("expected a ConfigError");
}

it("lists the phases in the order they run, the stack's before the account's", () => {
  expect(PHASES.map((p) => `${p.name} (${p.needs})`)).toEqual([
    "schema (stack)",
    "rules (stack)",
    "plan rules (stack)",
    "workdir files (stack)",
    "account facts (account)",
    "volume sources (account)",
  ]);
});

it("reports a problem of every phase in one round, the account's included, on what parsed", async () => {
  const seen: string[] = [];
  const config = {
    nodePools: [T4, { name: "bad", gpu: "t4", diskGiB: 1 }],
    experiment: { name: "e", pool: "t4", shmGiB: 12, env: { RANK: "1" }, datasets: [fsx], workdir: "no/such/dir", unknownKey: 1 },
  };
  const paths = await problemsOf(checkForDeploy(input(config), access(seen)));
  expect(paths).toEqual([
    "nodePools[1].diskGiB", // schema
    "experiment.unknownKey", // schema
    "experiment.env.RANK", // rules: torchrun sets it
    "experiment.shmGiB", // plan rules: more /dev/shm than half the g4dn.xlarge pod's memory
    "experiment.workdir", // workdir files
    "experiment.nodes", // account facts: a G quota of 0
    "experiment.datasets[0].source.fileSystemId", // volume sources: another VPC
  ]);
  expect(seen).toEqual(["account checks", "sources checks"]);
});

it("runs each check once", async () => {
  const spies = [jest.spyOn(load, "parseStack"), jest.spyOn(load, "ruleStack"), jest.spyOn(plan, "planStack"), jest.spyOn(archive, "packExperimentWorkdir"), jest.spyOn(gate, "deployDecision")];
  try {
    await checkForDeploy(input({ nodePools: [T4], experiment: { name: "e", pool: "t4", workdir: "examples/my-first-run", script: "train.py" } }), {
      ...access(),
      accountFacts: async () => undefined,
    });
    expect(spies.map((s) => s.mock.calls.length)).toEqual([1, 1, 1, 1, 1]);
  } finally {
    for (const s of spies) s.mockRestore();
  }
});

it("offline, runs the stack's phases only, and hands back the plan with the workdir it ships", () => {
  const verdict = checkStack(input({ nodePools: [T4], experiment: { name: "e", pool: "t4", workdir: "examples/my-first-run", script: "train.py" } }));
  expect(verdict.decision).toBeUndefined();
  expect(verdict.plan.experiment?.workdir?.files.map((f) => f.path)).toContain("train.py");
  expect(verdict.archive?.summary.sha256).toBe(verdict.plan.experiment?.workdir?.sha256);
});

describe("a refused value is never checked again through its stand-in", () => {
  const vpc = { id: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"] };
  const stack = (cluster: Record<string, unknown>, experiment: Record<string, unknown> = {}) => ({
    cluster: { mode: "create", ...cluster },
    nodePools: [T4],
    experiment: { name: "e", pool: "t4", datasets: [fsx], ...experiment },
  });

  it("a refused cluster.vpc: no zone, subnet or file-system-reach problem about a VPC the user did not ask for", async () => {
    const paths = await problemsOf(checkForDeploy(input(stack({ vpc: { ...vpc, privateSubnetIds: ["subnet-BAD", vpc.privateSubnetIds[1]] } })), access()));
    expect(paths).toEqual(["cluster.vpc.privateSubnetIds[0]", "experiment.nodes"]);
  });

  it("a refused aws:region: nothing is looked up in it", async () => {
    const seen: string[] = [];
    const config = { raw: raw(stack({ vpc }), { "aws:region": "us-east-9" }), load: { stack: "checks" }, projectDir: PROJECT_DIR };
    const paths = await problemsOf(checkForDeploy(config, access(seen)));
    expect(paths).toEqual(["aws:region"]);
    expect(seen).toEqual([]);
  });

  it("a refused kubernetesVersion: the support rule does not judge the default in its place", async () => {
    const late = { ...access(), env: { now: new Date("2027-06-01T12:00:00Z"), facts: "account" as const } };
    const paths = await problemsOf(checkForDeploy(input(stack({ vpc, kubernetesVersion: "1.29" })), late));
    expect(paths).toEqual(["cluster.kubernetesVersion", "experiment.nodes", "experiment.datasets[0].source.fileSystemId"]);
  });

  it("a refused image: the experiment's volumes are still checked against the account", async () => {
    const paths = await problemsOf(checkForDeploy(input(stack({ vpc }, { image: "pytorch-9.9" })), access()));
    expect(paths).toEqual(["experiment.image", "experiment.datasets[0].source.fileSystemId"]);
  });
});
