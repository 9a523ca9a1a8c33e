/**
 * Runs the offline plan of a stack inside Jest. One copy of the SDK and the program serves every
 * plan of a test file: each plan starts with `pulumi.runtime.setMocks`, which resets the runtime's
 * options, monitor and stack resource, and `setAllConfig`, which replaces the whole config.
 */
import * as path from "path";
import { PlanRun, runPlan } from "../../tools/plan-runner";
import { resolveStackArg } from "../../config/stack-file";
import { TEST_NOW } from "./clock";

export const PROJECT_DIR = path.resolve(__dirname, "../..");

/** `projectDir`: the directory the program runs in (its stacks/ folder included); this project's by default. */
export async function planStack(
  stackOrFile: string,
  programConfig?: Parameters<typeof runPlan>[0]["programConfig"],
  projectDir = PROJECT_DIR,
  now = TEST_NOW,
): Promise<PlanRun> {
  const stackFile = resolveStackArg(PROJECT_DIR, stackOrFile).file;
  return runPlan({ projectDir, stackFile, programConfig, now });
}

/** Resources of one Pulumi type token. */
export function ofType(run: PlanRun, type: string) {
  return run.json.resources.filter((r) => r.type === type);
}
