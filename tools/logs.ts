/**
 * `npm run logs -- [STACK] [--rank N] [--follow] [--tail N] [--run NAME|--previous] [--kubeconfig PATH]
 * [--context NAME] [--experiment NAME]`: the trainer log of one node rank (default 0) of an
 * experiment's latest run (or the one named, or the one before it), multi-node runs included. Pods are found as `npm run status` finds them. Read-only.
 */
import { KubeGetter, connectKube } from "../status/kube-client";
import type { Pod } from "../status/objects";
import { currentPods, podDetail } from "../status/pods";
import { RunChoice, containerOf, experimentNamespaces, noRunAnywhereMessage, hasStarted, listExperiments, logPath, noRunMessage, readRunPods } from "../status/read";
import { DEFAULT_STACK, StatusError, TargetOptions } from "../status/target";
import { PROJECT_DIR, UsageError, runMain, stackTarget, unlessHelp } from "./cli";
import { takeValue } from "./status";
import { clusterFailure } from "./cluster-errors";
import { loadStackFile, resolveStackArg } from "../config/stack-file";
import type { ExperimentSpec } from "../config/spec";
import { keptLogsHint, keptLogsPlace, keptRankFiles, keptRuns, renderKeptFiles } from "../status/kept-logs";
import { KubeAccessError } from "../reap/types";
import { HttpStatusError } from "../status/kube-client";

export const USAGE = `usage: npm run logs -- [STACK|PATH] [--rank N] [--follow] [--tail N] [--run NAME|--previous] [--kubeconfig PATH] [--context NAME] [--experiment NAME]

The log of one node rank of the experiment of STACK (default ${DEFAULT_STACK}), from its latest run.

  --rank N           the node rank (default 0; rank 0 prints the smoke workload's results)
  --follow, -f       keep printing as the pod writes, until it ends (waits up to 10 minutes
                     for a pod that has not started yet)
  --tail N           only the last N lines
  --run NAME         this run of the experiment (a name npm run exec printed, say) instead of the latest
  --previous         the run before the latest (the one an exec replaced as newest)
                     with --run or --previous, a run whose pods (or cluster) are gone is read
                     from the rank logs kept on the output volume (a hostPath folder this
                     machine has); for other volumes, where they are kept is printed
  --kubeconfig PATH  read this cluster; otherwise as \`npm run status\` finds it
  --context NAME     a context of that kubeconfig
  --experiment NAME  this experiment instead of the stack file's (for a cluster stack)
  --help             this text

Exit status: 0 printed; 1 the stack, cluster, run or rank cannot be read; 2 bad arguments.`;

export interface LogsArgs extends TargetOptions {
  readonly stack: string;
  readonly rank: number;
  readonly follow: boolean;
  readonly tail?: number;
  readonly choice?: RunChoice;
}

function count(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min) throw new UsageError(`${name} must be a whole number >= ${min} (got ${value})`);
  return n;
}

export function parseArgs(argv: readonly string[]): LogsArgs | "help" {
  let stack: string | undefined;
  const options: { kubeconfig?: string; context?: string; experiment?: string } = {};
  let rank = 0;
  let follow = false;
  let tail: number | undefined;
  let choice: RunChoice | undefined;
  const choose = (next: RunChoice, arg: string) => {
    if (choice) throw new UsageError(`--run and --previous name one run together (got ${arg} as well)`);
    choice = next;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return "help";
    const valued = takeValue(argv, i, ["--kubeconfig", "--context", "--experiment", "--rank", "--tail", "--run"]);
    if (valued) {
      i = valued.next;
      if (valued.name === "--run") choose({ name: valued.value }, arg);
      else if (valued.name === "--rank") rank = count("--rank", valued.value, 0);
      else if (valued.name === "--tail") tail = count("--tail", valued.value, 1);
      else options[valued.name.slice(2) as "kubeconfig" | "context" | "experiment"] = valued.value;
    } else if (arg === "--follow" || arg === "-f") {
      follow = true;
    } else if (arg === "--previous") {
      choose({ previous: true }, arg);
    } else if (arg.startsWith("-")) {
      throw new UsageError(`unknown option ${arg}`);
    } else if (stack) {
      throw new UsageError(`one stack at a time (got ${stack} and ${arg})`);
    } else {
      stack = arg;
    }
  }
  return { stack: stack ?? DEFAULT_STACK, rank, follow, tail, choice, ...options };
}

async function main(): Promise<number> {
  const args = unlessHelp(parseArgs(process.argv.slice(2)), USAGE);
  if (!args) return 0;
  try {
    const target = await stackTarget(args.stack, args);
    const kube = await connectKube(target.kubeconfig);
    if (!target.experiment) {
      const found = await listExperiments(kube);
      throw new StatusError(`stack ${target.stack} has no experiment of its own: name one with --experiment NAME (on its cluster: ${found.map((r) => `${r.experiment} (namespace ${r.namespace})`).join(", ") || "none"})`);
    }
    const namespaces = await experimentNamespaces(kube, target.experiment, target.namespace);
    if (namespaces.length > 1) throw new StatusError(`experiment ${target.experiment} runs in ${namespaces.length} namespaces (${namespaces.join(", ")}): run logs for its own stack instead`);
    if (namespaces.length === 0) throw new StatusError(noRunAnywhereMessage(target.experiment, kube.server));
    const namespace = namespaces[0];
    const { pods } = await readRunPods(kube, namespace, target.experiment, args.choice);
    if (pods.length === 0) throw new StatusError(noRunMessage(target.experiment, target.stack, kube.server, namespace));
    const ranks = currentPods(pods);
    let chosen = ranks.get(args.rank)?.pod;
    if (!chosen) throw new StatusError(`experiment ${target.experiment} has no rank ${args.rank} (its pods are ranks ${[...ranks.keys()].join(", ")})`);
    if (args.follow && !hasStarted(chosen)) chosen = await waitForStart(kube, namespace, chosen, START_WAIT_MS);
    const name = chosen.metadata?.name ?? "";
    if (!hasStarted(chosen)) {
      const why = podDetail(chosen);
      throw new StatusError(`rank ${args.rank} (pod ${name}) has not started yet: ${chosen.status?.phase ?? "Pending"}${why ? ` (${why})` : ""}; no log yet`);
    }
    const query = { container: containerOf(chosen), tailLines: args.tail, follow: args.follow ? "true" : undefined };
    if (args.follow) {
      // A reader that goes away (`| head`) is not an error.
      process.stdout.on("error", (e: NodeJS.ErrnoException) => {
        if (e.code === "EPIPE") process.exit(0);
      });
      await kube.stream(logPath(namespace, chosen), query, process.stdout);
    } else {
      const text = await kube.getText(logPath(namespace, chosen), query);
      process.stdout.write(text.endsWith("\n") || text === "" ? text : `${text}\n`);
    }
    return 0;
  } catch (e) {
    if (!args.choice || !(e instanceof StatusError || e instanceof KubeAccessError || e instanceof HttpStatusError)) return clusterFailure(e);
    return fromKeptLogs(args, e.message);
  }
}

/** The stack file's experiment, when it loads and is the one asked for. */
function stackExperiment(args: LogsArgs): ExperimentSpec | undefined {
  try {
    const e = loadStackFile(PROJECT_DIR, resolveStackArg(PROJECT_DIR, args.stack).file).spec.experiment;
    return e && (args.experiment === undefined || args.experiment === e.name) ? e : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A chosen run the cluster cannot show: its rank's log from the output volume when this machine
 * can read it (exit 0), else the cluster's error and where the logs are kept, on one line (exit 1).
 */
function fromKeptLogs(args: LogsArgs, clusterError: string): number {
  const experiment = stackExperiment(args);
  const all = experiment && keptLogsPlace(experiment);
  if (!experiment || !all) {
    process.stderr.write(`error: ${clusterError}\n`);
    return 1;
  }
  const run = args.choice && "name" in args.choice ? args.choice.name : all.kind === "folder" ? keptRuns(all.dir)[1] : undefined;
  const place = keptLogsPlace(experiment, run)!;
  if (run && place.kind === "folder") {
    const files = keptRankFiles(place.dir, run, args.rank);
    if (files && files.length > 0) {
      process.stderr.write(`the cluster does not show run ${run} (${clusterError}); its rank ${args.rank} logs kept in ${place.dir}:\n`);
      const text = renderKeptFiles(files);
      process.stdout.write(args.tail ? `${text.split("\n").slice(-args.tail - 1).join("\n")}` : text);
      return 0;
    }
  }
  process.stderr.write(`error: ${clusterError}; ${keptLogsHint(run ? place : all)}${run ? "" : " (one folder per run)"}\n`);
  return 1;
}

/**
 * Rank 0's log of one run, followed until the pod ends: waits (START_WAIT_MS) for the run's pods
 * to exist and start, as Kueue admits the run and a node comes up. Pods are found by the label the
 * Job or JobSet controller puts on them.
 */
export async function followRank0(kube: KubeGetter, namespace: string, kind: "Job" | "JobSet", run: string): Promise<void> {
  const selector = kind === "Job" ? `batch.kubernetes.io/job-name=${run}` : `jobset.sigs.k8s.io/jobset-name=${run}`;
  const until = Date.now() + START_WAIT_MS;
  let pod: Pod | undefined;
  for (;;) {
    const pods = (await kube.getJson<{ items?: Pod[] }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, { labelSelector: selector })).items ?? [];
    pod = currentPods(pods).get(0)?.pod;
    if (pod || Date.now() >= until) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  if (!pod) throw new StatusError(`run ${run} has no pod after ${Math.round(START_WAIT_MS / 1000)} s (still queued? see npm run status)`);
  if (!hasStarted(pod)) pod = await waitForStart(kube, namespace, pod, Math.max(0, until - Date.now()));
  if (!hasStarted(pod)) throw new StatusError(`rank 0 of run ${run} (pod ${pod.metadata?.name}) has not started: ${pod.status?.phase ?? "Pending"}${podDetail(pod) ? ` (${podDetail(pod)})` : ""}`);
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
  });
  await kube.stream(logPath(namespace, pod), { container: containerOf(pod), follow: "true" }, process.stdout);
}

/** How long `--follow` waits for a pending pod to start (image pulls on a new GPU node take minutes). */
export const START_WAIT_MS = Number(process.env.GTC_LOGS_START_WAIT_MS ?? 10 * 60_000);
const POLL_MS = 2_000;

/** The pod re-read every POLL_MS until it has started or `limitMs` has passed. */
async function waitForStart(kube: KubeGetter, namespace: string, pod: Pod, limitMs: number): Promise<Pod> {
  const name = encodeURIComponent(pod.metadata?.name ?? "");
  const until = Date.now() + limitMs;
  process.stderr.write(`waiting up to ${Math.round(limitMs / 1000)} s for pod ${pod.metadata?.name} to start...\n`);
  let current = pod;
  while (!hasStarted(current) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, until - Date.now()))));
    current = await kube.getJson<Pod>(`/api/v1/namespaces/${encodeURIComponent(pod.metadata?.namespace ?? namespace)}/pods/${name}`);
  }
  return current;
}

if (require.main === module) runMain(main, USAGE);
