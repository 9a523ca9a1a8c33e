/**
 * `npm run reap -- [--yes]`: finds this project's clusters that have had no GPU work running,
 * pending or queued in Kueue for longer than their `idle.clusterIdleMinutes` and destroys their
 * stacks (experiment stacks on a cluster first, then the cluster) through the Pulumi Automation
 * API. A dry run unless --yes. Decisions: reap/decide.ts; why and how to schedule it: docs/teardown.md.
 */
import * as path from "path";
import { stackConfigReader } from "../config/stack-file";
import { kubeConnector } from "../reap/kube";
import { DEFAULT_PENDING_BOUND_MINUTES } from "../reap/activity";
import { DEFAULT_UPDATE_BOUND_MINUTES } from "../reap/decide";
import { ReapOptions, reap } from "../reap/run";
import { ReapSetupError, openWorkspace, requirePulumiCli } from "../reap/workspace";
import { UsageError, runMain } from "./cli";
import { PROJECT } from "./plan-runner";

const PROJECT_DIR = path.resolve(__dirname, "..");

export const USAGE = `usage: npm run reap -- [--yes] [--update-bound=MIN] [--pending-bound=MIN]

Destroys the stacks of this project whose cluster has had no GPU work running, pending or queued
in Kueue for longer than its idle.clusterIdleMinutes (experiment stacks on a cluster first, then
the cluster). Datasets and outputs are kept: storage is never created in a way destroy deletes.

  (no option)          dry run: print every stack with its idle time, last job, idle cost and verdict
  --yes                destroy the stacks marked DESTROY
  --update-bound=MIN   an update holding a stack longer than this is stuck: exit 1 (default ${DEFAULT_UPDATE_BOUND_MINUTES})
  --pending-bound=MIN  a GPU pod outside Kueue Pending longer than this is not busy (default ${DEFAULT_PENDING_BOUND_MINUTES})
  --help               this text

Never destroyed: a stack with idle.protected: true, a cluster with a GPU pod running or pending,
a GPU Job or JobSet running, or GPU work queued in Kueue, a cluster whose activity cannot be read,
a cluster an unreadable or protected experiment stack runs on, and any stack with
cluster.mode: existing.

Needs the Pulumi CLI logged in to this project's backend, and credentials for the clusters'
kubeconfigs (AWS for EKS). Exit status: 0 done; 1 a stack could not be checked, an update is
stuck, Kueue holds work it will not admit, or a destroy failed; 2 bad arguments.
Details: docs/teardown.md`;

export function parseArgs(argv: readonly string[]): ReapOptions | "help" {
  let yes = false;
  const bounds: { updateBoundMinutes?: number; pendingBoundMinutes?: number } = {};
  for (const arg of argv) {
    if (arg === "--help" || arg === "-h") return "help";
    const bound = /^--(update|pending)-bound=(.*)$/.exec(arg);
    if (arg === "--yes" || arg === "-y") yes = true;
    else if (bound) {
      const minutes = Number(bound[2]);
      if (!/^\d+$/.test(bound[2]) || minutes < 1) throw new UsageError(`--${bound[1]}-bound: ${JSON.stringify(bound[2])} is not a whole number of minutes (allowed: 1 or more)`);
      bounds[bound[1] === "update" ? "updateBoundMinutes" : "pendingBoundMinutes"] = minutes;
    } else throw new UsageError(`unknown ${arg.startsWith("-") ? "option" : "argument"} ${arg}`);
  }
  return { yes, ...bounds };
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
      args,
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
