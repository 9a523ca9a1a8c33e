/**
 * Runs the phases of checks/phases.ts: those that need the stack file alone (the offline tools'
 * verdict), or all of them (the program, before its first resource). Either way one ConfigError
 * carries every problem.
 */
import { ConfigError, Problem } from "../config/errors";
import type { StackSpec } from "../config/spec";
import { Plan, attachWorkdir } from "../plan/plan";
import { StackFile, readStackFile, stackConfigReader } from "../config/stack-file";
import type { WorkdirArchive } from "../workdir/archive";
import { AccountAccess, CheckInput, Findings, PHASES } from "./phases";

export type { AccountAccess, CheckInput } from "./phases";

/** A stack that passed every phase run: the spec, its plan (with the workdir it ships), the archive. */
export interface Verdict extends Findings {
  readonly spec: StackSpec;
  readonly plan: Plan;
  readonly archive?: WorkdirArchive;
}

function verdict(input: CheckInput, found: Findings, problems: Problem[]): Verdict {
  const spec = found.collected?.spec;
  if (problems.length > 0 || !spec || !found.plan) throw new ConfigError(problems, `stack "${input.load.stack}" cannot be deployed as configured (nothing was created)`);
  return { ...found, spec, plan: attachWorkdir(found.plan, found.archive?.summary) };
}

/** The phases that need the stack file alone. */
export function checkStack(input: CheckInput): Verdict {
  const found: Findings = { warnings: [] };
  const problems: Problem[] = [];
  for (const phase of PHASES) if (phase.needs === "stack") problems.push(...phase.run(input, found));
  return verdict(input, found, problems);
}

/** Every phase, the account's included, as `pulumi preview` and `up` run them. */
export async function checkForDeploy(input: CheckInput, access: AccountAccess): Promise<Verdict> {
  const found: Findings = { warnings: [] };
  const problems: Problem[] = [];
  for (const phase of PHASES) problems.push(...(phase.needs === "stack" ? phase.run(input, found) : await phase.run(input, found, access)));
  return verdict(input, found, problems);
}

/** A stack file's verdict, as the offline tools need it: its `secure:` keys count as secrets. */
export function checkStackFile(projectDir: string, stackFile: string, project: string): Verdict & { readonly file: StackFile } {
  const file = readStackFile(stackFile);
  const isSecret = (key: string) => file.secretKeys.includes(key);
  return { file, ...checkStack({ raw: file.config, load: { project, stack: file.stack, readStackConfig: stackConfigReader(projectDir), isSecret }, projectDir }) };
}
