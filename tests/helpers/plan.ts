/** Runs the offline plan of a stack inside Jest, with a fresh copy of the program each time. */
import * as path from "path";
import type { PlanRun } from "../../tools/plan-runner";
import { resolveStackArg } from "../../config/stack-file";
import { TEST_NOW } from "./clock";

// Each plan loads a fresh copy of the SDK, which adds process exit listeners.
process.setMaxListeners(100);

export const PROJECT_DIR = path.resolve(__dirname, "../..");

/** `projectDir`: the directory the program runs in (its stacks/ folder included); this project's by default. */
export async function planStack(
  stackOrFile: string,
  programConfig?: Parameters<typeof import("../../tools/plan-runner").runPlan>[0]["programConfig"],
  projectDir = PROJECT_DIR,
  now = TEST_NOW,
): Promise<PlanRun> {
  const stackFile = resolveStackArg(PROJECT_DIR, stackOrFile).file;
  let runner!: typeof import("../../tools/plan-runner");
  jest.isolateModules(() => {
    runner = require("../../tools/plan-runner");
  });
  return runner.runPlan({
    projectDir,
    stackFile,
    programConfig,
    now,
    loadProgram: (env) => {
      let exported: unknown;
      jest.isolateModules(() => {
        exported = (require("../../program") as typeof import("../../program")).entry(env);
      });
      return exported;
    },
  });
}

/** Resources of one Pulumi type token. */
export function ofType(run: PlanRun, type: string) {
  return run.json.resources.filter((r) => r.type === type);
}
