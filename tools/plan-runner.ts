/**
 * Runs the real Pulumi program (index.ts) offline: the SDK's mock monitor stands in for the
 * engine, so every resource the program registers is recorded with its inputs and nothing
 * reaches a cloud. Used by `npm run plan` and by the tests.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { readStackFile, stackFilePath } from "../config/stack-file";
import { DEFAULT_REGION } from "../config/aws-validation";
import { ConfigError, Problem } from "../config/errors";
import type { Plan } from "../plan/plan";
import { DeployDecision, renderDeploy } from "../plan/deploy-gate";
import { renderPlan } from "../plan/render";
import { renderRegionTraffic } from "../plan/region-traffic";
import { ExistingResource, MASKED, RecordedResource, createMocks } from "./mocks";
import type { ProgramEnv } from "../program";
import { Manifest, manifestsFrom } from "./manifests";

export const PROJECT = "gpu-training-clusters";

export interface PlanJson {
  readonly stack: string;
  /** `read`: an existing resource the program looked up (Resource.get), not one it creates. */
  readonly resources: readonly { readonly type: string; readonly name: string; readonly inputs: Record<string, unknown>; readonly read?: boolean }[];
  readonly outputs: Record<string, unknown>;
}

/** The program's `summary` output: the plan, and what the deploy-time gate decided. */
export type PlanSummary = Plan & { readonly deploy?: DeployDecision };

export interface PlanRun {
  readonly stack: string;
  readonly plan: PlanSummary;
  readonly text: string;
  readonly json: PlanJson;
  readonly manifests: readonly Manifest[];
  readonly resources: readonly RecordedResource[];
}

/** Resolve an Output (or plain value) to its value, or the mask when it is secret. */
async function resolveOutput(value: unknown): Promise<unknown> {
  const output = pulumi.output(value as pulumi.Input<unknown>) as pulumi.Output<unknown>;
  if (await pulumi.isSecret(output)) return MASKED;
  return new Promise((resolve) => output.apply((v: unknown) => resolve(v)));
}

/** The plan text: the program's own summary, so the printed plan is what the program decided. */
export function planText(summary: PlanSummary): string {
  const traffic = renderRegionTraffic(summary);
  const deploy = renderDeploy(summary.deploy);
  return [
    renderPlan(summary),
    ...(traffic.length > 0 ? [`Images and devices\n${traffic.map((l) => `  ${l}`).join("\n")}`] : []),
    ...(deploy.length > 0 ? [`Deploy-time checks\n${deploy.map((l) => `  ${l}`).join("\n")}`] : []),
  ].join("\n\n");
}

/**
 * Plan one stack file: the program runs every check (checks/) and rejects with every problem it
 * found, which comes back as a ConfigError.
 */
export async function runPlan(options: {
  projectDir: string;
  stackFile: string;
  /**
   * Starts the program with the given environment; by default this project's program.ts
   * `entry`. A caller that reads the program's outputs before they are masked passes its own.
   */
  loadProgram?: (env: ProgramEnv) => unknown;
  /** The day the plan is made for (the dated rules' clock). @default the wall clock */
  readonly now?: Date;
  /**
   * Config the program gets instead of the file's, as the Pulumi CLI would pass it (secrets
   * decrypted, their keys listed): tests use it to run the program with real secret values.
   */
  programConfig?: { readonly config: Readonly<Record<string, string>>; readonly secretKeys: readonly string[] };
  /** What an earlier update created (an earlier plan.json's resources): the account's lookups find it. */
  readonly existing?: readonly ExistingResource[];
}): Promise<PlanRun> {
  const file = readStackFile(options.stackFile);
  // A reused cluster answers as its stack would after its own `pulumi up`: its offline plan's
  // outputs, and what that plan created is in the account.
  const cluster = await reusedClusterPlan(options.projectDir, file.config, options.now);
  const mocks = createMocks({
    // The mock account's region; the program itself checks the stack's `aws:region`.
    region: file.config["aws:region"] ?? DEFAULT_REGION,
    existing: [...(cluster?.json.resources ?? []), ...(options.existing ?? [])],
    stackOutputs: (stack) => (cluster && stack.split("/").pop() === cluster.stack ? cluster.json.outputs : {}),
  });
  await pulumi.runtime.setMocks(mocks, PROJECT, file.stack, false);
  const programConfig = options.programConfig ?? file;
  pulumi.runtime.setAllConfig({ ...programConfig.config }, [...programConfig.secretKeys]);

  const previousCwd = process.cwd();
  process.chdir(options.projectDir);
  let exported: unknown;
  try {
    // The same program `pulumi up` runs (index.ts), told that its account answers are stand-ins.
    const env: ProgramEnv = { now: options.now ?? new Date(), facts: "offline" };
    exported = options.loadProgram ? options.loadProgram(env) : (require("../program") as typeof import("../program")).entry(env);
  } finally {
    process.chdir(previousCwd);
  }

  // The program exports a promise of its outputs (as Pulumi awaits it).
  let values: Record<string, unknown>;
  try {
    values = ((await Promise.resolve(exported)) ?? {}) as Record<string, unknown>;
  } catch (e) {
    await pulumi.runtime.disconnect();
    const carried = e as { problems?: Problem[]; heading?: string };
    if (Array.isArray(carried.problems)) throw new ConfigError(carried.problems, carried.heading);
    throw e;
  }
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    outputs[key] = await resolveOutput(value);
  }
  await pulumi.runtime.disconnect();
  const plan = outputs.summary as PlanSummary;

  const resources = mocks.resources;
  return {
    stack: file.stack,
    plan,
    text: planText(plan),
    json: { stack: file.stack, resources: resources.map(({ type, name, inputs, read }) => ({ type, name, inputs, ...(read ? { read } : {}) })), outputs },
    manifests: manifestsFrom(resources),
    resources,
  };
}

/** The cluster stack a `cluster.mode: reuse` stack names, from its raw config; undefined for other modes. */
function reusedStack(config: Readonly<Record<string, string>>): string | undefined {
  let cluster: unknown;
  try {
    cluster = JSON.parse(config[`${PROJECT}:cluster`] ?? "null");
  } catch {
    return undefined;
  }
  const c = (cluster ?? {}) as { mode?: unknown; stack?: unknown };
  return c.mode === "reuse" && typeof c.stack === "string" ? c.stack.split("/").pop() : undefined;
}

/**
 * The offline plan of the cluster stack a reuse stack names, run first. Without its stack file the
 * program's own rules refuse the reuse stack (config/load.ts); a cluster stack that cannot be
 * planned stops here, naming it.
 */
async function reusedClusterPlan(projectDir: string, config: Readonly<Record<string, string>>, now?: Date): Promise<PlanRun | undefined> {
  const stack = reusedStack(config);
  const stackFile = stack && stackFilePath(projectDir, stack);
  if (!stackFile || !fs.existsSync(stackFile)) return undefined;
  try {
    return await runPlan({ projectDir, stackFile, now });
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(e.problems, `the reused cluster's stack "${stack}" cannot be planned, so neither can this stack: ${e.heading ?? ""}`.trim());
    throw e;
  }
}

export function writePlan(run: PlanRun, outDir: string): void {
  const manifestDir = path.join(outDir, "manifests");
  fs.rmSync(manifestDir, { recursive: true, force: true });
  fs.mkdirSync(manifestDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, "plan.json"), `${JSON.stringify(run.json, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, "plan.txt"), `${run.text}\n`);
  for (const m of run.manifests) fs.writeFileSync(path.join(manifestDir, m.file), m.yaml);
}
