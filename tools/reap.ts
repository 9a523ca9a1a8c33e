/**
 * `npm run reap -- [--yes]`: finds this project's clusters that have had no running or pending
 * GPU work for longer than their `idle.clusterIdleMinutes` and destroys their stacks (experiment
 * stacks on a cluster first, then the cluster) through the Pulumi Automation API. A dry run
 * unless --yes. Decisions: reap/decide.ts; why and how to schedule it: docs/teardown.md.
 */
import * as path from "path";
import { stackConfigReader } from "../config/stack-file";
import { kubeConnector } from "../reap/kube";
import { reap } from "../reap/run";
import { ReapSetupError, openWorkspace, requirePulumiCli } from "../reap/workspace";
import { UsageError, runMain } from "./cli";
import { PROJECT } from "./plan-runner";

const PROJECT_DIR = path.resolve(__dirname, "..");

export const USAGE = `usage: npm run reap -- [--yes]

Destroys the stacks of this project whose cluster has had no running or pending GPU pod for
longer than its idle.clusterIdleMinutes (experiment stacks on a cluster first, then the cluster).
Datasets and outputs are kept: storage is never created in a way destroy deletes.

  (no option)  dry run: print every stack with its idle time, last job, idle cost and verdict
  --yes        destroy the stacks marked DESTROY
  --help       this text

Never destroyed: a stack with idle.protected: true, a cluster with a running or pending GPU pod,
a cluster whose activity cannot be read, a cluster an unreadable or protected experiment stack
runs on, and any stack with cluster.mode: existing.

Needs the Pulumi CLI logged in to this project's backend, and credentials for the clusters'
kubeconfigs (AWS for EKS). Exit status: 0 done; 1 a stack could not be checked or a destroy
failed; 2 bad arguments. Details: docs/teardown.md`;

export function parseArgs(argv: readonly string[]): { yes: boolean } | "help" {
  let yes = false;
  for (const arg of argv) {
    if (arg === "--help" || arg === "-h") return "help";
    if (arg === "--yes" || arg === "-y") yes = true;
    else throw new UsageError(`unknown ${arg.startsWith("-") ? "option" : "argument"} ${arg}`);
  }
  return { yes };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const write = (text: string) => process.stdout.write(text.endsWith("\n") || text === "" ? text : `${text}\n`);
  try {
    requirePulumiCli();
    const workspace = await openWorkspace(PROJECT_DIR, (text) => process.stdout.write(text));
    const result = await reap(
      { project: PROJECT, workspace, kube: kubeConnector, readStackConfig: stackConfigReader(PROJECT_DIR), clock: { now: () => new Date() }, out: write },
      { yes: args.yes },
    );
    return result.exitCode;
  } catch (e) {
    if (e instanceof ReapSetupError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) runMain(main, USAGE);
