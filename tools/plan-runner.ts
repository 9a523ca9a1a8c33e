/**
 * Runs the real Pulumi program (index.ts) offline: the SDK's mock monitor stands in for the
 * engine, so every resource the program registers is recorded with its inputs and nothing
 * reaches a cloud. Used by `npm run plan` and by the tests.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { readStackFile, stackConfigReader } from "../config/stack-file";
import type { Plan } from "../plan/plan";
import { validateStack } from "../plan/validate";
import { renderPlan } from "../plan/render";
import { eksClusterName } from "../components/naming";
import { MASKED, RecordedResource, createMocks } from "./mocks";
import { Manifest, manifestsFrom } from "./manifests";

export const PROJECT = "gpu-training-clusters";

export interface PlanJson {
  readonly stack: string;
  readonly resources: readonly { readonly type: string; readonly name: string; readonly inputs: Record<string, unknown> }[];
  readonly outputs: Record<string, unknown>;
}

export interface PlanRun {
  readonly stack: string;
  readonly plan: Plan;
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

/**
 * Plan one stack file. Validation runs first and throws a ConfigError before the program is
 * loaded, exactly as the program itself would before registering anything.
 */
export async function runPlan(options: { projectDir: string; stackFile: string; loadProgram?: () => unknown }): Promise<PlanRun> {
  const file = readStackFile(options.stackFile);
  const { spec, plan } = validateStack(file.config, { project: PROJECT, stack: file.stack, readStackConfig: stackConfigReader(options.projectDir) });

  const mocks = createMocks({
    region: spec.region,
    // A reused cluster stack's outputs exist only after its `pulumi up`; the plan shows placeholders.
    stackOutputs: (stack) => ({ kubeconfig: `<kubeconfig of stack ${stack}>`, clusterName: eksClusterName(stack.split("/").pop()!), s3CsiRoleName: `${eksClusterName(stack.split("/").pop()!)}-s3-csi` }),
  });
  await pulumi.runtime.setMocks(mocks, PROJECT, file.stack, false);
  pulumi.runtime.setAllConfig(file.config, [...file.secretKeys]);

  const previousCwd = process.cwd();
  process.chdir(options.projectDir);
  let exported: unknown;
  try {
    exported = options.loadProgram ? options.loadProgram() : require(path.join(options.projectDir, "index"));
  } finally {
    process.chdir(previousCwd);
  }

  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries((exported ?? {}) as Record<string, unknown>)) {
    outputs[key] = await resolveOutput(value);
  }
  await pulumi.runtime.disconnect();

  const resources = mocks.resources;
  return {
    stack: file.stack,
    plan,
    text: renderPlan(plan),
    json: { stack: file.stack, resources: resources.map(({ type, name, inputs }) => ({ type, name, inputs })), outputs },
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
