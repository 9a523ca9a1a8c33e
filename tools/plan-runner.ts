/**
 * Runs the real Pulumi program (index.ts) offline: the SDK's mock monitor stands in for the
 * engine, so every resource the program registers is recorded with its inputs and nothing
 * reaches a cloud. Used by `npm run plan` and by the tests.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { readStackFile } from "../config/stack-file";
import { DEFAULT_REGION } from "../config/aws-validation";
import { ConfigError, Problem } from "../config/errors";
import type { Plan } from "../plan/plan";
import { DeployDecision, renderDeploy } from "../plan/deploy-gate";
import { renderPlan } from "../plan/render";
import { eksClusterName } from "../components/naming";
import { CLUSTER_OUTPUTS } from "../components/target";
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
  const deploy = renderDeploy(summary.deploy);
  return deploy.length > 0 ? `${renderPlan(summary)}\n\nDeploy-time checks\n${deploy.map((l) => `  ${l}`).join("\n")}` : renderPlan(summary);
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
  const mocks = createMocks({
    // The mock account's region; the program itself checks the stack's `aws:region`.
    region: file.config["aws:region"] ?? DEFAULT_REGION,
    existing: options.existing,
    // A reused cluster stack's outputs exist only after its `pulumi up`; the plan shows placeholders.
    stackOutputs: (stack) => {
      const cluster = eksClusterName(stack.split("/").pop()!);
      return { [CLUSTER_OUTPUTS.kubeconfig]: `<kubeconfig of stack ${stack}>`, [CLUSTER_OUTPUTS.clusterName]: cluster };
    },
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

export function writePlan(run: PlanRun, outDir: string): void {
  const manifestDir = path.join(outDir, "manifests");
  fs.rmSync(manifestDir, { recursive: true, force: true });
  fs.mkdirSync(manifestDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, "plan.json"), `${JSON.stringify(run.json, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, "plan.txt"), `${run.text}\n`);
  for (const m of run.manifests) fs.writeFileSync(path.join(manifestDir, m.file), m.yaml);
}
