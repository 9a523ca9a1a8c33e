/**
 * Plans a stack like tests/helpers/plan.ts and also hands back chosen stack outputs unmasked, so
 * tests can read what a secret output (kubeconfig, nodeadm configs) really contains.
 */
import { resolveStackArg } from "../../config/stack-file";
import { PlanRun, runPlan } from "../../tools/plan-runner";
import { entry } from "../../program";
import { PROJECT_DIR } from "../helpers/plan";
import { TEST_NOW } from "../helpers/clock";

type Output = { apply<U>(f: (v: unknown) => U): unknown };

export interface RawPlan {
  readonly run: PlanRun;
  readonly raw: Record<string, unknown>;
}

/** `stack`: a stack of stacks/, or the path of a Pulumi.<stack>.yaml file. */
export async function planWithRawOutputs(stack: string, keys: readonly string[] = []): Promise<RawPlan> {
  const captured: Promise<[string, unknown]>[] = [];
  const run = await runPlan({
    projectDir: PROJECT_DIR,
    stackFile: resolveStackArg(PROJECT_DIR, stack).file,
    now: TEST_NOW,
    loadProgram: (env) => {
      const exported = entry(env) as Promise<Record<string, unknown>>;
      // The program's outputs, a promise (as Pulumi awaits it).
      const values = exported;
      for (const key of keys) {
        captured.push(
          values.then((all) => {
            const value = all[key] as Output | undefined;
            return value ? new Promise<[string, unknown]>((resolve) => value.apply((v) => resolve([key, v]))) : ([key, undefined] as [string, unknown]);
          }),
        );
      }
      return exported;
    },
  });
  return { run, raw: Object.fromEntries(await Promise.all(captured)) };
}

/** Resources of one type token, optionally only those whose name contains `nameIncludes`. */
export function resourcesOf(run: PlanRun, type: string, nameIncludes = "") {
  return run.json.resources.filter((r) => r.type === type && r.name.includes(nameIncludes));
}

export function only(run: PlanRun, type: string, nameIncludes = "") {
  const found = resourcesOf(run, type, nameIncludes);
  if (found.length !== 1) throw new Error(`expected one ${type} named *${nameIncludes}*, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
  return found[0];
}

export function countsByType(run: PlanRun): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of run.json.resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
}
