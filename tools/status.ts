/**
 * `npm run status -- [STACK] [--kubeconfig PATH] [--context NAME] [--experiment NAME] [--json]`:
 * where an experiment stands on its cluster: queued (and where) or admitted, its pods by rank and
 * where they run, how long, the cost so far, rank 0's latest progress, and how it ended.
 * A cluster-only stack shows every experiment on its cluster. Read-only. Details: docs/status.md.
 */
import { connectKube } from "../status/kube-client";
import { ExperimentRef, experimentNamespaces, listExperiments, noRunAnywhereMessage, noRunMessage, readRun } from "../status/read";
import { renderStatus, statusJson } from "../status/render";
import { ExperimentStatus, buildStatus } from "../status/report";
import { DEFAULT_STACK, StatusError, TargetOptions } from "../status/target";
import { UsageError, runMain, stackTarget, unlessHelp } from "./cli";
import { clusterFailure } from "./cluster-errors";

export const USAGE = `usage: npm run status -- [STACK|PATH] [--kubeconfig PATH] [--context NAME] [--experiment NAME] [--json]

Where the experiment of STACK (default ${DEFAULT_STACK}) stands on its cluster: Kueue's queue state,
its pods by rank with node, instance type, phase and restarts, time since start, cost so far,
rank 0's latest progress (throughput) and, once it has ended, the verdict and why.
A stack without an experiment (a cluster stack) shows every experiment on its cluster.

  --kubeconfig PATH  read this cluster (any stack); otherwise a cluster.mode: existing stack's
                     kubeconfig, or the stack's kubeconfig output (needs the Pulumi CLI)
  --context NAME     a context of that kubeconfig instead of its current one
  --experiment NAME  this experiment instead of the stack file's
  --json             one JSON document, for scripts (run npm with --silent so that its banner
                     does not come first: npm run --silent status -- STACK --json)
  --help             this text

Exit status: 0 shown; 1 the stack, cluster or run cannot be read; 2 bad arguments. Details: docs/status.md`;

export interface StatusArgs extends TargetOptions {
  readonly stack: string;
  readonly json: boolean;
}

/** Options shared with `npm run logs`: --kubeconfig, --context, --experiment (also as --opt=value). */
export function takeValue(argv: readonly string[], i: number, names: readonly string[]): { name: string; value: string; next: number } | undefined {
  const arg = argv[i];
  for (const name of names) {
    if (arg === name) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`${name} needs a value`);
      return { name, value, next: i + 1 };
    }
    if (arg.startsWith(`${name}=`)) return { name, value: arg.slice(name.length + 1), next: i };
  }
  return undefined;
}

export function parseArgs(argv: readonly string[]): StatusArgs | "help" {
  let stack: string | undefined;
  const options: { kubeconfig?: string; context?: string; experiment?: string } = {};
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return "help";
    const valued = takeValue(argv, i, ["--kubeconfig", "--context", "--experiment"]);
    if (valued) {
      options[valued.name.slice(2) as "kubeconfig" | "context" | "experiment"] = valued.value;
      i = valued.next;
    } else if (arg === "--json") {
      json = true;
    } else if (arg.startsWith("-")) {
      throw new UsageError(`unknown option ${arg}`);
    } else if (stack) {
      throw new UsageError(`one stack at a time (got ${stack} and ${arg})`);
    } else {
      stack = arg;
    }
  }
  return { stack: stack ?? DEFAULT_STACK, json, ...options };
}

/** The named experiment in its namespace; in every namespace that has it, for one named with --experiment. */
async function namedExperiment(kube: Parameters<typeof listExperiments>[0], experiment: string, namespace?: string): Promise<ExperimentRef[]> {
  const found = await experimentNamespaces(kube, experiment, namespace);
  if (found.length === 0) throw new StatusError(noRunAnywhereMessage(experiment, kube.server));
  return found.map((ns) => ({ namespace: ns, experiment }));
}

async function main(): Promise<number> {
  const args = unlessHelp(parseArgs(process.argv.slice(2)), USAGE);
  if (!args) return 0;
  try {
    const target = await stackTarget(args.stack, args);
    const kube = await connectKube(target.kubeconfig);
    const experiments = target.experiment ? await namedExperiment(kube, target.experiment, target.namespace) : await listExperiments(kube);
    const statuses: ExperimentStatus[] = [];
    const now = new Date();
    for (const { namespace, experiment } of experiments) {
      const status = buildStatus(await readRun(kube, namespace, experiment), now);
      if (status) statuses.push(status);
      else if (target.experiment) throw new StatusError(noRunMessage(experiment, target.stack, kube.server, namespace));
    }
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ stack: target.stack, cluster: kube.server, experiments: statuses.map(statusJson) }, null, 2)}\n`);
    } else if (statuses.length === 0) {
      process.stdout.write(`no experiments on the cluster of stack ${target.stack} (${kube.server}): nothing labelled gpu-training-clusters.io/experiment in any namespace\n`);
    } else {
      process.stdout.write(`${statuses.map((s) => renderStatus(s, now)).join("\n\n")}\n`);
    }
    return 0;
  } catch (e) {
    return clusterFailure(e);
  }
}

if (require.main === module) runMain(main, USAGE);
