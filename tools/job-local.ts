/**
 * `npm run job:local -- [STACK|PATH] [--nproc N] [--mount POD_PATH=DIR]... [--python PY]`
 *
 * Runs the experiment's launch command — the same launcher, preflight, workdir archive, setup
 * commands, torch.distributed.run arguments, script, script arguments and environment the Job
 * uses — on this machine's CPU with gloo and a few processes, so a user can check the command
 * before paying for GPUs. Paths of the pod are mapped to this machine: the launcher to
 * images/launcher, each volume to a local folder, the workdir to a fresh folder per node under
 * out/<stack>/local/. A multi-node experiment starts one launcher per node, with the static node
 * ranks of the Indexed Job and rank 0's rendezvous on 127.0.0.1. Setup commands run on this
 * machine with the chosen python first on PATH: use a virtualenv for `pip install` setups.
 *
 * As the cluster runs it: one worker per GPU of the experiment's nodes (on CPU), and
 * GTC_CHECKPOINT_DIR set as the Job sets it, mapped to the local output folder; a warning when the
 * local torch is another major.minor than the image's.
 */
import { ChildProcess, spawn } from "child_process";
import * as net from "net";
import * as fs from "fs";
import * as path from "path";
import { checkStackFile } from "../checks";
import { Launch, buildLaunch } from "../k8s/launch";
import { LAUNCHER_DIR, SECRET_ENV_NAMES_ENV, WORKDIR_ARCHIVE_DIR, WORKDIR_ARCHIVE_FILE, WORKDIR_MOUNT } from "../config/launcher-paths";
import type { WorkdirArchive } from "../workdir/archive";
import { humanBytes } from "../plan/workdir-summary";
import { CommandError, UsageError, existingStackFile, runMain } from "./cli";
import { NAMESPACE } from "../config/load";
import { lookupImage } from "../catalog/images";
import { CHECKPOINT_ENV } from "../plan/queueing";
import { buildExperimentObjects, experimentInput } from "../k8s/experiment";
import { readLauncherFiles } from "../components/launcher-files";
import { DEFAULT_STACK } from "../status/target";
import { emptyStandIns, mountTable, pathMapper, pythonCandidates, resolvePython, torchMismatch } from "./local-paths";

const PROJECT_DIR = path.resolve(__dirname, "..");
/**
 * The Pulumi project (its config namespace). Neither this nor DEFAULT_STACK is imported from
 * tools/plan*.ts, which load the Pulumi SDK (about a second of start-up).
 */
const PROJECT = NAMESPACE;
// A container's default /dev/shm; locally the preflight only insists on that much.
const LOCAL_MIN_SHM_MIB = 64;

const USAGE = `usage: npm run job:local -- [STACK|PATH|--stack-file PATH] [--nproc N] [--mount POD_PATH=DIR]... [--python PY]

  STACK     a stack of this project (default ${DEFAULT_STACK}) or a path to a stack file (also --stack-file PATH)
  --nproc   worker processes per node on this CPU (default: the experiment's gpusPerNode, as the Job runs one per GPU)
  --mount   use DIR for the volume the pod mounts at POD_PATH (default: an empty folder under out/<stack>/local/)
  --python  the python with torch to run (default: $GTC_PYTHON, else the project's .venv or venv, else python3 with torch)`;

export interface LocalArgs {
  readonly stackFile: string;
  /** Undefined: one per GPU of the experiment's nodes. */
  readonly nproc?: number;
  readonly mounts: Readonly<Record<string, string>>;
  /** Pythons to try, first with torch wins. */
  readonly pythons: readonly string[];
}

export function parseLocalArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): LocalArgs | "help" {
  let target: string | undefined;
  let nproc: number | undefined;
  let python: string | undefined;
  const mounts: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === "--help" || arg === "-h") return "help";
    else if (arg === "--nproc") {
      const v = value();
      nproc = Number(v);
      if (!Number.isInteger(nproc) || nproc < 1 || nproc > 64) throw new UsageError(`--nproc must be an integer from 1 to 64 (got ${v})`);
    } else if (arg === "--mount") {
      const v = value();
      const [pod, dir] = v.split("=");
      if (!pod?.startsWith("/") || !dir) throw new UsageError(`--mount takes POD_PATH=DIR with an absolute POD_PATH (got ${v})`);
      mounts[pod.replace(/\/+$/, "")] = path.resolve(dir);
    } else if (arg === "--python") python = value();
    else if (arg === "--stack-file") {
      const v = value();
      if (target) throw new UsageError(`one stack at a time (got ${target} and ${v})`);
      target = v.includes("/") ? v : `./${v}`;
    }
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else if (target) throw new UsageError(`one stack at a time (got ${target} and ${arg})`);
    else target = arg;
  }
  return { stackFile: existingStackFile(PROJECT_DIR, target ?? DEFAULT_STACK), nproc, mounts, pythons: pythonCandidates(PROJECT_DIR, python, env, fs.existsSync) };
}

/** A free local port, so concurrent local runs never share a rendezvous. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function main(): Promise<number> {
  const args = parseLocalArgs(process.argv.slice(2));
  if (args === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // The same verdict as the cluster's, short of the account: an experiment the plan stops is not
  // worth running locally. Its archive is the one the Job ships, unpacked by the same launcher
  // code: a file missing from it (say, ignored by .gitignore) is missing here too.
  const verdict = checkStackFile(PROJECT_DIR, args.stackFile, PROJECT);
  const { file, spec, archive } = verdict;
  const experiment = spec.experiment;
  if (!experiment) throw new UsageError(`stack "${file.stack}" has no experiment to run`);

  const localRoot = path.join(PROJECT_DIR, "out", file.stack, "local");
  const table = mountTable(experiment, args.mounts, localRoot, path.join(PROJECT_DIR, "images", "launcher"), LAUNCHER_DIR);
  const empty = emptyStandIns(table);
  if (empty.length > 0) {
    const mounts = empty.map((m) => `--mount ${m.pod}=DIR`).join(" ");
    throw new CommandError(`dataset ${empty.map((m) => m.standInDataset).join(", ")} is not on this machine: pass ${mounts} (a folder with a few of its files; stand-in ${empty.map((m) => m.local).join(", ")} is empty)`);
  }
  // Stand-in folders are made; folders the user named are taken as they are, so the preflight
  // reports a missing one exactly as it would in the pod.
  for (const m of table.filter((t) => t.note)) {
    fs.mkdirSync(m.local, { recursive: true });
    process.stderr.write(`job:local: ${m.note}\n`);
  }
  const archiveDir = archive ? writeArchive(archive, path.join(localRoot, "workdir-archive")) : undefined;
  for (const name of experiment.secretEnv.filter((n) => process.env[n] === undefined)) {
    process.stderr.write(`job:local: secretEnv.${name} is not set here (the cluster reads it from the stack's secrets); export ${name}=... to give it to this run\n`);
  }
  const imageTorch = lookupImage(verdict.plan.experiment?.image.resolved ?? "");
  const torchOfImage = imageTorch.ok ? imageTorch.image.torchVersion : undefined;
  const local = resolvePython(args.pythons, torchOfImage);
  const mismatch = torchMismatch(local.torch, torchOfImage);
  if (mismatch) process.stderr.write(`job:local: ${mismatch}\n`);
  const nproc = args.nproc ?? experiment.gpusPerNode;
  const { checkpointEnv, rankLogsDir } = pathsOfJob(verdict, archive);
  const port = await freePort();
  // Each node's launcher answers its peers on a port of its own (pods share one port, on their own IPs).
  const peerPorts = experiment.nodes > 1 ? await Promise.all(Array.from({ length: experiment.nodes }, () => freePort())) : undefined;
  const runs = Array.from({ length: experiment.nodes }, (_, rank) => {
    const nodeDir = experiment.nodes > 1 ? path.join(localRoot, `node-${rank}`) : localRoot;
    const nodeTable = [...table];
    if (archiveDir) {
      // Each node unpacks into a fresh directory of its own, as each pod does into its emptyDir.
      const unpacked = path.join(nodeDir, "workdir");
      fs.rmSync(unpacked, { recursive: true, force: true });
      nodeTable.push({ pod: WORKDIR_ARCHIVE_DIR, local: archiveDir }, { pod: WORKDIR_MOUNT, local: unpacked });
    }
    const mapped = checkpointEnv && pathMapper(nodeTable)(checkpointEnv);
    if (mapped && rank === 0) {
      fs.mkdirSync(mapped, { recursive: true });
      process.stderr.write(`job:local: ${CHECKPOINT_ENV}=${mapped} (the Job's ${checkpointEnv})\n`);
    }
    const launch = buildLaunch(
      experiment,
      {
        kind: "local",
        nprocPerNode: nproc,
        launcherDir: path.join(PROJECT_DIR, "images", "launcher"),
        mapPath: pathMapper(nodeTable),
        python: local.python,
        minShmMiB: LOCAL_MIN_SHM_MIB,
        torchrunFlags: local.torchrunFlags,
        rendezvousPort: port,
        nodeRank: experiment.nodes > 1 ? rank : undefined,
        peerPorts,
        peerLingerSeconds: LOCAL_PEER_LINGER_SECONDS,
        rankLogsDir,
      },
      { workdirSha256: archive?.summary.sha256 },
    );
    // As in the pod (k8s/workdir.ts): the secretEnv names, so that setup runs without their values here too.
    const env: Record<string, string> = { ...(mapped ? { [CHECKPOINT_ENV]: mapped } : {}), ...launch.env };
    if (experiment.secretEnv.length > 0) env[SECRET_ENV_NAMES_ENV] = experiment.secretEnv.join(",");
    return { ...launch, env };
  });
  return runNodes(runs);
}

/** A local run's nodes fail within moments of each other; the pods' 30 s is for slow NCCL timeouts. */
const LOCAL_PEER_LINGER_SECONDS = 2;

/**
 * GTC_CHECKPOINT_DIR and the rank-log directory (`--keep-logs`) as the stack's Job sets them (pod
 * paths), read from the Job the plan's builders make, so that they follow the builders wherever
 * they put them; undefined when the experiment has no output volume (nor does the Job set them).
 */
function pathsOfJob(verdict: ReturnType<typeof checkStackFile>, archive: WorkdirArchive | undefined): { checkpointEnv?: string; rankLogsDir?: string } {
  const shipped = archive && { archiveBase64: archive.gzip.toString("base64"), sha256: archive.summary.sha256 };
  const objects = buildExperimentObjects(experimentInput(verdict.spec, verdict.plan, readLauncherFiles(), shipped));
  const pod = objects.job ? objects.job.spec!.template : objects.jobSet!.spec.replicatedJobs[0].template.spec.template;
  const trainer = pod.spec?.containers[0];
  const keepLogs = trainer?.args?.find((a) => a.startsWith("--keep-logs="));
  return { checkpointEnv: trainer?.env?.find((e) => e.name === CHECKPOINT_ENV)?.value, rankLogsDir: keepLogs?.slice("--keep-logs=".length) };
}

function writeArchive(archive: WorkdirArchive, dir: string): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, WORKDIR_ARCHIVE_FILE), archive.gzip);
  const s = archive.summary;
  process.stderr.write(`job:local: workdir ${s.path}: ${s.files.length} files, ${humanBytes(s.bytes)}, sha256 ${s.sha256} (the archive the Job ships)\n`);
  return dir;
}

/**
 * One launcher per node, all at once (rank 0 hosts the rendezvous store the others join). The
 * first node to fail stops the others, as a failed pod fails the whole Job.
 */
function runNodes(runs: readonly Launch[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const children: ChildProcess[] = [];
    // Several nodes run in process groups of their own (so a failed node can stop the others
    // with all their workers); Ctrl-C reaches them through here.
    const stopAll = () => children.forEach((c) => c.exitCode === null && c.pid && killGroup(c.pid));
    if (runs.length > 1) for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, stopAll);
    let pending = runs.length;
    let status = 0;
    runs.forEach((launch, rank) => {
      const [command, ...rest] = [...launch.command, ...launch.args];
      const who = runs.length > 1 ? ` node ${rank}` : "";
      process.stderr.write(`job:local${who}: ${[command, ...rest].map(shellQuote).join(" ")}\n`);
      const child = spawn(command, rest, { stdio: "inherit", env: { ...process.env, ...launch.env }, detached: runs.length > 1 });
      children.push(child);
      child.once("error", (e) => reject(new UsageError(`could not start ${command}: ${e.message} (set --python or GTC_PYTHON to a python3 with torch)`)));
      child.once("exit", (code, signal) => {
        const result = code ?? (signal ? 128 : 1);
        if (result !== 0 && status === 0) {
          status = result;
          if (runs.length > 1) process.stderr.write(`job:local: node ${rank} exited with ${result}; stopping the other nodes\n`);
          for (const other of children) if (other !== child && other.exitCode === null && other.pid) killGroup(other.pid);
        }
        if (--pending === 0) resolve(status);
      });
    });
  });
}

/** An argument as a shell would need it, so the printed command can be pasted. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'"'"'`)}'`;
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    // already gone
  }
}

if (require.main === module) runMain(main, USAGE);
