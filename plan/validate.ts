/**
 * The whole verdict on a stack, before any resource: the configuration checks, then the checks
 * that need the plan (the compatibility gate, /dev/shm against the chosen node's memory), all
 * reported in one ConfigError. The plan-level checks run on whatever parts of the stack parsed;
 * they skip only what an earlier problem makes meaningless (an unknown pool, an unparsed image).
 */
import { ConfigError, Problem } from "../config/errors";
import { LoadContext, RawConfig, collectStack } from "../config/load";
import type { PoolSpec, StackSpec } from "../config/spec";
import { sizePod } from "./pod-sizing";
import { compatibilityGate } from "./compat";
import { networkProblems } from "./network";
import { Plan, buildPlan } from "./plan";
import { StackFile, readStackFile, stackConfigReader } from "../config/stack-file";
import { PoolPlan, planPool } from "./pools";

/** A pool's plan, or undefined when its own rules failed (no instance type fits it). */
function tryPlanPool(pool: PoolSpec): PoolPlan | undefined {
  try {
    return planPool(pool);
  } catch {
    return undefined;
  }
}

/** Problems only the plan reveals, for the parts of the stack that parsed. */
export function planProblems(spec: StackSpec, poolPaths: readonly string[], options: { gateable: boolean; shmParsed: boolean }): Problem[] {
  const experiment = spec.experiment;
  if (!experiment || !options.gateable) return [];
  const planned = spec.pools.map((p, i) => ({ plan: tryPlanPool(p), path: poolPaths[i] })).filter((p) => p.plan !== undefined);
  const pools = planned.map((p) => p.plan!);
  const problems: Problem[] = [...compatibilityGate(pools, planned.map((p) => p.path), experiment).problems];
  const pool = pools.find((p) => p.name === experiment.pool);
  if (pool) problems.push(...networkProblems(experiment, pool));
  if (pool && options.shmParsed) {
    const sized = sizePod({ gpusPerNode: experiment.gpusPerNode, nodeGpus: pool.nodeGpus, instance: pool.instance, shmGiB: experiment.shmGiB });
    if (!sized.ok) problems.push({ path: "experiment.shmGiB", message: sized.problem });
  }
  return problems;
}

/** Validate everything and plan; throws one ConfigError with every problem found. */
export function validateStack(raw: RawConfig, ctx: LoadContext): { spec: StackSpec; plan: Plan } {
  const collected = collectStack(raw, ctx);
  const problems = [...collected.problems];
  if (collected.spec) problems.push(...planProblems(collected.spec, collected.poolPaths, collected));
  if (problems.length > 0 || !collected.spec) throw new ConfigError(problems, `stack "${ctx.stack}" has an invalid configuration`);
  return { spec: collected.spec, plan: buildPlan(collected.spec) };
}

/** A stack file's full verdict, as the offline tools need it: its `secure:` keys count as secrets. */
export function validateStackFile(projectDir: string, stackFile: string, project: string): { file: StackFile; spec: StackSpec; plan: Plan } {
  const file = readStackFile(stackFile);
  const isSecret = (key: string) => file.secretKeys.includes(key);
  return { file, ...validateStack(file.config, { project, stack: file.stack, readStackConfig: stackConfigReader(projectDir), isSecret }) };
}
