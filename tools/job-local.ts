/**
 * `npm run job:local -- [STACK|PATH] [--nproc N] [--mount POD_PATH=DIR]... [--python PY]`
 *
 * Runs the experiment's launch command — the same launcher, preflight, torch.distributed.run
 * arguments, script, script arguments and environment the Job uses — on this machine's CPU with
 * gloo and a few processes, so a user can check the command before paying for GPUs. Paths of the
 * pod are mapped to this machine: the launcher to images/launcher, each volume to a local folder.
 */
import { spawnSync } from "child_process";
import * as net from "net";
import * as fs from "fs";
import * as path from "path";
import { readStackFile, stackConfigReader } from "../config/stack-file";
import { validateStack } from "../plan/validate";
import { LAUNCHER_DIR, buildLaunch } from "../k8s/launch";
import { CommandError, UsageError, existingStackFile, runMain } from "./cli";
import { DEFAULT_STACK } from "./plan";
import { PROJECT } from "./plan-runner";
import { emptyStandIns, mountTable, pathMapper, resolvePython } from "./local-paths";

const PROJECT_DIR = path.resolve(__dirname, "..");
const DEFAULT_NPROC = 2;
// A container's default /dev/shm; locally the preflight only insists on that much.
const LOCAL_MIN_SHM_MIB = 64;

const USAGE = `usage: npm run job:local -- [STACK|PATH] [--nproc N] [--mount POD_PATH=DIR]... [--python PY]

  STACK     a stack of this project (default ${DEFAULT_STACK}) or a path to a stack file
  --nproc   worker processes on this CPU (default ${DEFAULT_NPROC}; the Job runs one per GPU)
  --mount   use DIR for the volume the pod mounts at POD_PATH (default: an empty folder under out/<stack>/local/)
  --python  the python with torch to run (default: $GTC_PYTHON, else the first of python3, /usr/bin/python3 with torch)`;

export interface LocalArgs {
  readonly stackFile: string;
  readonly nproc: number;
  readonly mounts: Readonly<Record<string, string>>;
  /** Pythons to try, first with torch wins. */
  readonly pythons: readonly string[];
}

export function parseLocalArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): LocalArgs | "help" {
  let target: string | undefined;
  let nproc = DEFAULT_NPROC;
  let python: string | undefined = env.GTC_PYTHON;
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
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else if (target) throw new UsageError(`one stack at a time (got ${target} and ${arg})`);
    else target = arg;
  }
  return { stackFile: existingStackFile(PROJECT_DIR, target ?? DEFAULT_STACK), nproc, mounts, pythons: python ? [python] : ["python3", "/usr/bin/python3"] };
}

/** A free local port, so concurrent local runs never share a rendezvous. */
function freePort(): Promise<number> {
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
  const file = readStackFile(args.stackFile);
  // The same verdict as the cluster: an experiment the plan stops is not worth running locally.
  const { spec } = validateStack(file.config, { project: PROJECT, stack: file.stack, readStackConfig: stackConfigReader(PROJECT_DIR) });
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
  const local = resolvePython(args.pythons);
  const launch = buildLaunch(experiment, {
    kind: "local",
    nprocPerNode: args.nproc,
    launcherDir: path.join(PROJECT_DIR, "images", "launcher"),
    mapPath: pathMapper(table),
    python: local.python,
    minShmMiB: LOCAL_MIN_SHM_MIB,
    torchrunFlags: local.torchrunFlags,
    rendezvousPort: await freePort(),
  });
  const [command, ...rest] = [...launch.command, ...launch.args];
  process.stderr.write(`job:local: ${[command, ...rest].join(" ")}\n`);
  const result = spawnSync(command, rest, { stdio: "inherit", env: { ...process.env, ...launch.env } });
  if (result.error) throw new UsageError(`could not start ${command}: ${result.error.message} (set --python or GTC_PYTHON to a python3 with torch)`);
  return result.status ?? 1;
}

if (require.main === module) runMain(main, USAGE);
