/**
 * `npm run bench:goodput [-- --fault STEP:KIND:NODE ...] [--python PY]`
 *
 * What a failure costs, measured: the real launcher and the smoke workload as a 2-node run on
 * this machine's CPU, one launcher per node with the launch command the Job uses (as `job:local`
 * runs it), resuming from a shared checkpoint directory. A fault schedule is injected:
 *   reclaim  SIGTERM to the node's launcher, as the kubelet sends it to PID 1 on a drain or spot
 *            reclaim (its pod carries DisruptionTarget);
 *   loss     SIGKILL to everything on the node, a machine gone (its pod is garbage-collected
 *            later with DisruptionTarget and no exit code);
 *   crash    SIGKILL to one training process on the node, an application crash.
 * After each fault the failed pods go through the Job and JobSet controllers' decisions
 * (tools/goodput/controllers.ts, the policies of k8s/failure-policy.ts) and the run is restarted
 * as they decide: a new attempt, counted or not, or the end.
 *
 * It prints `goodput: X` (useful steps / steps computed, over all attempts) and the seconds from
 * each fault to the first training step after it. The goal on the default schedule is stated
 * with the result: at least GOAL.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import { constants as osConstants } from "os";
import * as path from "path";
import { checkStackFile } from "../../checks";
import { buildLaunch } from "../../k8s/launch";
import { checkpointDir } from "../../k8s/experiment";
import { childPodFailurePolicy, jobSetFailureRules } from "../../k8s/failure-policy";
import type { ExperimentSpec } from "../../config/spec";
import { UsageError, runMain } from "../cli";
import { freePort } from "../job-local";
import { PROJECT } from "../plan-runner";
import { resolvePython } from "../local-paths";
import { FailedPod, JobSetState, jobSetDecision, replayJob } from "./controllers";
import { TERMINATION_GRACE_SECONDS } from "../../plan/queueing";

const PROJECT_DIR = path.resolve(__dirname, "..", "..");
const STACK_FILE = path.join(__dirname, "Pulumi.goodput.yaml");
export const GOAL = 0.9;
const ATTEMPT_TIMEOUT_MS = 600_000;
/** The pods' grace period (plan/queueing.ts TERMINATION_GRACE_SECONDS). */
const DELETE_GRACE_MS = TERMINATION_GRACE_SECONDS * 1000;

export type FaultKind = "reclaim" | "loss" | "crash";
export interface Fault {
  readonly step: number;
  readonly kind: FaultKind;
  readonly node: number;
}
/** Mid-way between saves (every 100 steps), so a fault that loses work loses a typical amount. */
export const DEFAULT_SCHEDULE: readonly Fault[] = [
  { step: 750, kind: "reclaim", node: 1 },
  { step: 1550, kind: "loss", node: 0 },
  { step: 2350, kind: "crash", node: 1 },
];

export function parseFault(text: string): Fault {
  const m = /^(\d+):(reclaim|loss|crash):([01])$/.exec(text);
  if (!m) throw new UsageError(`--fault takes STEP:KIND:NODE with KIND reclaim, loss or crash and NODE 0 or 1 (got ${text})`);
  return { step: Number(m[1]), kind: m[2] as FaultKind, node: Number(m[3]) };
}

interface Node {
  readonly proc: ChildProcess;
  code?: number | null;
}

interface Attempt {
  readonly resumedFrom: number;
  lastStep: number;
  firstStepAt?: number;
  done: boolean;
}

function children(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function inject(fault: Fault, nodes: readonly Node[]): void {
  const pid = nodes[fault.node].proc.pid!;
  if (fault.kind === "reclaim") process.kill(pid, "SIGTERM");
  else if (fault.kind === "loss") process.kill(-pid, "SIGKILL");
  else {
    // launcher -> torch.distributed.run -> its workers: kill one worker.
    const worker = children(pid).flatMap(children)[0];
    if (worker === undefined) throw new Error(`no training process under node ${fault.node}'s launcher`);
    process.kill(worker, "SIGKILL");
  }
}

/** The pods the Job controller sees once an attempt's launchers have exited. */
export function failedPods(codes: readonly (number | null | undefined)[], fault: Fault | undefined): FailedPod[] {
  return codes.flatMap((code, i): FailedPod[] => {
    const name = `goodput-node-0-${i}`;
    // A lost node's pod: garbage-collected with DisruptionTarget, no exit code. On a cluster that
    // takes the node's eviction time (node-monitor-grace-period, then the unreachable toleration);
    // here it is seen at once.
    if (fault?.node === i && fault.kind === "loss") return [{ name, disrupted: true }];
    if (code === 0 || code === undefined) return [];
    return [{ name, exitCode: code ?? 137, disrupted: fault?.node === i && fault.kind === "reclaim" }];
  });
}

async function runAttempt(experiment: ExperimentSpec, python: { python: string; torchrunFlags: readonly string[] }, outputs: string, restarts: number, fault: Fault | undefined, log: (line: string) => void) {
  const port = await freePort();
  const peerPorts = [await freePort(), await freePort()];
  const map = (p: string) => (p.startsWith("/outputs") ? path.join(outputs, p.slice("/outputs".length)) : p.startsWith("/opt/gtc") ? path.join(PROJECT_DIR, "images", "launcher", p.slice("/opt/gtc".length)) : p);
  const attempt: Attempt = { resumedFrom: 0, lastStep: 0, done: false };
  let faultAt: number | undefined;
  const nodes: Node[] = [0, 1].map((rank) => {
    const launch = buildLaunch(experiment, {
      kind: "local", nprocPerNode: 1, launcherDir: path.join(PROJECT_DIR, "images", "launcher"), mapPath: map, python: python.python,
      minShmMiB: 1, torchrunFlags: python.torchrunFlags, rendezvousPort: port, nodeRank: rank, peerPorts, peerLingerSeconds: 2,
    });
    const env = { ...process.env, ...launch.env, GTC_CHECKPOINT_DIR: map(checkpointDir(experiment, "unused")!), GTC_RESTART_ATTEMPT: String(restarts) };
    const proc = spawn(launch.command[0], [...launch.command.slice(1), ...launch.args], { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const node: Node = { proc };
    let buffered = "";
    const logFile = path.join(outputs, `node-${rank}-attempt-${restarts}.log`);
    const onData = (chunk: Buffer) => {
      fs.appendFileSync(logFile, chunk);
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        const resumed = /smoke: rank 0 resuming from step (\d+)/.exec(line);
        if (resumed) (attempt as { resumedFrom: number }).resumedFrom = Number(resumed[1]);
        const step = /^smoke: step (\d+)$/.exec(line);
        if (step) {
          attempt.lastStep = Number(step[1]);
          attempt.firstStepAt ??= Date.now();
          if (fault && faultAt === undefined && attempt.lastStep >= fault.step) {
            faultAt = Date.now();
            log(`fault: ${fault.kind} of node ${fault.node} at step ${attempt.lastStep}`);
            inject(fault, nodes);
          }
        }
        if (/launch: (another node|torch.distributed.run failed|stopped)/.test(line)) log(`node ${rank}: ${line}`);
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    return node;
  });
  // The controllers act on the first pod that decides: the JobSet then deletes the others (SIGTERM,
  // then SIGKILL at the end of the grace period), whatever they were doing (a survivor can wait
  // minutes in torchrun's exit barrier for a peer that is gone).
  let deleted = false;
  const deleteOthers = () => {
    if (deleted) return;
    deleted = true;
    for (const n of nodes.filter((m) => m.code === undefined)) {
      process.kill(n.proc.pid!, "SIGTERM");
      setTimeout(() => n.code === undefined && process.kill(-n.proc.pid!, "SIGKILL"), DELETE_GRACE_MS).unref();
    }
  };
  const exits = nodes.map(
    (n) =>
      new Promise<void>((resolve) =>
        n.proc.once("exit", (code, signal) => {
          n.code = code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1);
          const seen = nodes.map((m) => m.code);
          if (replayJob(childPodFailurePolicy(), 0, [failedPods(seen, faultAt === undefined ? undefined : fault)]).failure) deleteOthers();
          resolve();
        }),
      ),
  );
  const timer = setTimeout(() => nodes.forEach((n) => n.code === undefined && process.kill(-n.proc.pid!, "SIGKILL")), ATTEMPT_TIMEOUT_MS);
  await Promise.all(exits);
  clearTimeout(timer);
  return { attempt, codes: nodes.map((n) => n.code), faultAt, injected: faultAt !== undefined };
}

export interface BenchResult {
  readonly goodput: number;
  readonly useful: number;
  readonly computed: number;
  readonly resumeSeconds: { readonly kind: FaultKind; readonly seconds: number }[];
  readonly finished: boolean;
}

export async function bench(schedule: readonly Fault[], pythons: readonly string[], log: (line: string) => void): Promise<BenchResult> {
  // The same checks as any stack: a refused one throws its problems.
  const experiment = checkStackFile(PROJECT_DIR, STACK_FILE, PROJECT).spec.experiment!;
  const useful = Number(experiment.args[experiment.args.indexOf("--steps") + 1]);
  fs.mkdirSync(path.join(PROJECT_DIR, "out"), { recursive: true });
  const outputs = fs.mkdtempSync(path.join(PROJECT_DIR, "out", "goodput-"));
  const python = resolvePython(pythons);
  const pending = [...schedule].sort((a, b) => a.step - b.step);
  let state: JobSetState = { restarts: 0, restartsCountTowardsMax: 0 };
  let computed = 0;
  const resumeSeconds: { kind: FaultKind; seconds: number }[] = [];
  let lastFault: { kind: FaultKind; at: number } | undefined;
  try {
    for (let n = 1; ; n++) {
      const fault = pending[0];
      const { attempt, codes, faultAt } = await runAttempt(experiment, python, outputs, state.restarts, fault, log);
      if (lastFault && attempt.firstStepAt) resumeSeconds.push({ kind: lastFault.kind, seconds: (attempt.firstStepAt - lastFault.at) / 1000 });
      computed += Math.max(0, attempt.lastStep - attempt.resumedFrom);
      const injected = faultAt !== undefined ? pending.shift() : undefined;
      lastFault = injected && { kind: injected.kind, at: faultAt! };
      const pods = failedPods(codes, injected);
      log(`attempt ${n}: steps ${attempt.resumedFrom} -> ${attempt.lastStep}; launchers exited ${codes.join(", ")}`);
      if (pods.length === 0) return { goodput: useful / computed, useful, computed, resumeSeconds, finished: true };
      const job = replayJob(childPodFailurePolicy(), 0, [pods]);
      if (!job.failure) {
        log(`  the Job controller replaced the pods in place (${job.replaced.join(", ")})`);
        continue;
      }
      const decided = jobSetDecision(jobSetFailureRules(), experiment.maxRestarts, state, job.failure);
      state = decided.state;
      log(`  JobSet rule ${decided.rule ?? "(default)"}: ${state.failed ? `the run failed (${state.failed})` : `restart ${state.restarts}, ${state.restartsCountTowardsMax} counted against maxRestarts ${experiment.maxRestarts}`}`);
      if (state.failed) return { goodput: useful / computed, useful, computed, resumeSeconds, finished: false };
    }
  } finally {
    if (process.env.GTC_BENCH_KEEP) log(`logs kept in ${outputs}`);
    else fs.rmSync(outputs, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const faults: Fault[] = [];
  const pythons = ["python3", "/usr/bin/python3"];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--fault") faults.push(parseFault(argv[++i] ?? ""));
    else if (argv[i] === "--python") pythons.splice(0, pythons.length, argv[++i] ?? "");
    else throw new UsageError(`unknown argument ${argv[i]}`);
  }
  const schedule = faults.length > 0 ? faults : DEFAULT_SCHEDULE;
  process.stdout.write(`bench:goodput: 2 nodes on CPU, faults ${schedule.map((f) => `${f.kind}@${f.step}/node${f.node}`).join(", ")}\n`);
  const result = await bench(schedule, pythons, (line) => process.stdout.write(`bench:goodput: ${line}\n`));
  process.stdout.write(`goodput: ${result.goodput.toFixed(3)} (${result.useful} useful steps / ${result.computed} computed)${result.finished ? "" : " — the run did not finish"}\n`);
  for (const r of result.resumeSeconds) process.stdout.write(`resume after ${r.kind}: ${r.seconds.toFixed(1)} s\n`);
  const isDefault = faults.length === 0;
  if (isDefault) process.stdout.write(`goal on the default schedule: goodput >= ${GOAL}: ${result.finished && result.goodput >= GOAL ? "met" : "NOT met"}\n`);
  return result.finished && (!isDefault || result.goodput >= GOAL) ? 0 : 1;
}

if (require.main === module) runMain(main, "usage: npm run bench:goodput [-- --fault STEP:reclaim|loss|crash:NODE ...] [--python PY]");
