/**
 * The launch command of a training container: the launcher runs the preflight, then runs
 * `python -m torch.distributed.run` with these arguments. One builder for the Kubernetes Job and
 * for `npm run job:local`, so the command a user checks locally is the command the cluster runs.
 *
 * Launcher contract (images/launcher/launch.py):
 *   launch.py [--expect-gpus N] [--min-shm-mib M] [--dataset PATH]... [--output PATH]
 *             [--workdir DIR --workdir-archive FILE --workdir-sha256 HEX] [--setup CMD]...
 *             [--wait-for-host HOST --wait-seconds S]
 *             [--peer HOST:PORT... --node-rank N [--peer-linger-seconds S]] [--max-restarts N]
 *             -- <torch.distributed.run arguments>
 */
import * as path from "path";
import type { ExperimentSpec } from "../config/spec";
import { PEER_PORT } from "../config/launcher-exit-codes";
import { LAUNCHER_DIR, WORKDIR_ARCHIVE_DIR, WORKDIR_ARCHIVE_FILE, WORKDIR_MOUNT } from "../config/launcher-paths";

export const RENDEZVOUS_PORT = 29500;
/**
 * How long workers wait for pod 0 (its DNS name and its rendezvous store) when the caller does not
 * say: long enough for pod 0's node to scale up from zero and pull a multi-GB image. The cluster
 * passes the plan's value instead (plan/queueing.ts rendezvousTimeoutSeconds: Kueue's
 * waitForPodsReady timeout plus a margin), so Kueue gives up on a slow start before a worker does.
 */
export const RENDEZVOUS_TIMEOUT_SECONDS = 900;

export type LaunchTarget =
  | {
      readonly kind: "pod";
      /** GPUs each pod sees, = --nproc_per_node. */
      readonly gpusPerNode: number;
      /** Stable DNS name of pod 0, `<jobset>-node-0-0.<jobset>`; only for multi-node runs. */
      readonly masterHost?: string;
      readonly shmMiB: number;
      /** How long a worker waits for pod 0; multi-node runs only. @default RENDEZVOUS_TIMEOUT_SECONDS */
      readonly rendezvousTimeoutSeconds?: number;
      /** Stable DNS name of every pod, in node-rank order; multi-node runs (the launcher asks them after a failure). */
      readonly peerHosts?: readonly string[];
      /** Restarts of the run, training failures and disruptions together, past which a pod fails for good. */
      readonly maxRestarts?: number;
      /** The catalog GPU the launcher's health check judges the pod's GPUs against; none: no check. */
      readonly gpuHealth?: string;
      /** Where the launcher keeps each rank's log when torchrun ends (images/launcher/keep_logs.py); with an output volume. */
      readonly rankLogsDir?: string;
    }
  | {
      readonly kind: "local";
      /** Worker processes on this machine's CPU. */
      readonly nprocPerNode: number;
      /** Directory holding launch.py, preflight.py and smoke.py. */
      readonly launcherDir: string;
      /** Maps a path of the pod (a mount, the smoke script) to this machine. */
      readonly mapPath: (podPath: string) => string;
      readonly python: string;
      readonly minShmMiB: number;
      /** Extra torch.distributed.run flags the local torch needs. */
      readonly torchrunFlags?: readonly string[];
      /**
       * A free local port for the rendezvous. `--standalone` would use a fixed port (29400 in
       * torch 1.x), so two local runs at once would collide; a pod has its own network.
       */
      readonly rendezvousPort: number;
      /**
       * This process group's node of a multi-node experiment: the same static rendezvous as the
       * pods (--nnodes, --node_rank, --master_addr), with rank 0 on 127.0.0.1:rendezvousPort.
       */
      readonly nodeRank?: number;
      /** Each node's peer port on 127.0.0.1, in node-rank order (multi-node only). */
      readonly peerPorts?: readonly number[];
      /** The pod's rank-log directory (the Job's `--keep-logs`), mapped to this machine by mapPath. */
      readonly rankLogsDir?: string;
      /** How long a failed node keeps answering its peers. */
      readonly peerLingerSeconds?: number;
    };

/** What travels with the run besides the image: the workdir archive's content hash. */
export interface Shipped {
  readonly workdirSha256?: string;
}

export interface Launch {
  readonly command: readonly string[];
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

function torchrunArgs(experiment: ExperimentSpec, target: LaunchTarget): string[] {
  if (target.kind === "local" && experiment.nodes > 1 && target.nodeRank !== undefined) {
    return [
      `--nnodes=${experiment.nodes}`,
      `--nproc_per_node=${target.nprocPerNode}`,
      `--node_rank=${target.nodeRank}`,
      "--master_addr=127.0.0.1",
      `--master_port=${target.rendezvousPort}`,
      ...(target.torchrunFlags ?? []),
    ];
  }
  if (target.kind === "local") {
    return [
      "--nnodes=1",
      `--nproc_per_node=${target.nprocPerNode}`,
      "--rdzv_backend=c10d",
      `--rdzv_endpoint=127.0.0.1:${target.rendezvousPort}`,
      ...(target.torchrunFlags ?? []),
    ];
  }
  if (experiment.nodes === 1) {
    // Single node: a private rendezvous on localhost, nothing to resolve.
    return ["--standalone", "--nnodes=1", `--nproc_per_node=${target.gpusPerNode}`];
  }
  if (!target.masterHost) throw new Error("a multi-node launch needs the master host");
  // Static rendezvous: the node rank is the Indexed Job's completion index, which the Job
  // controller sets in every pod's environment; $(VAR) is expanded by the kubelet.
  return [
    `--nnodes=${experiment.nodes}`,
    `--nproc_per_node=${target.gpusPerNode}`,
    "--node_rank=$(JOB_COMPLETION_INDEX)",
    `--master_addr=${target.masterHost}`,
    `--master_port=${RENDEZVOUS_PORT}`,
    // The static rendezvous waits 600 s for every node by default; give it as long as the
    // launcher waits for pod 0, so a worker that found pod 0 late still joins (torch
    // distributed/elastic/rendezvous/static_tcp_rendezvous.py reads `timeout` from rdzv_conf).
    `--rdzv_conf=timeout=${target.rendezvousTimeoutSeconds ?? RENDEZVOUS_TIMEOUT_SECONDS}`,
  ];
}

/** The script's path in the pod: a relative script is a file of the unpacked workdir. */
export function podScriptPath(experiment: ExperimentSpec): string {
  return path.posix.isAbsolute(experiment.script) ? experiment.script : path.posix.join(WORKDIR_MOUNT, experiment.script);
}

/**
 * A setup command as a container argument. The kubelet expands `$(VAR)` in args and turns `$$`
 * into `$` ("Double $$ are reduced to a single $, which allows for escaping the $(VAR_NAME)
 * syntax": Container.args in kubernetes/kubernetes staging/src/k8s.io/api/core/v1/types.go), so
 * every `$` is doubled and the shell in the pod gets the command as written. A local launch is
 * not expanded by anyone and gets it as written too.
 */
export function podSetupArg(command: string): string {
  return command.replace(/\$/g, () => "$$");
}

/** Launcher flags that unpack the workdir and run the setup commands, in that order. */
function workdirFlags(experiment: ExperimentSpec, shipped: Shipped, map: (p: string) => string, pod: boolean): string[] {
  const flags: string[] = [];
  if (experiment.workdir) {
    if (!shipped.workdirSha256) throw new Error("a launch with a workdir needs the archive's sha256");
    flags.push(
      `--workdir=${map(WORKDIR_MOUNT)}`,
      `--workdir-archive=${map(`${WORKDIR_ARCHIVE_DIR}/${WORKDIR_ARCHIVE_FILE}`)}`,
      `--workdir-sha256=${shipped.workdirSha256}`,
    );
  }
  return [...flags, ...experiment.setup.map((c) => `--setup=${pod ? podSetupArg(c) : c}`)];
}

/**
 * Launcher flags of a multi-node run: where every node's launcher answers, this node's index, and the
 * restart limit (supervise.py). In a pod the index is the Indexed Job's completion index, expanded by
 * the kubelet like torchrun's --node_rank.
 */
function peerFlags(experiment: ExperimentSpec, target: LaunchTarget): string[] {
  if (experiment.nodes < 2) return [];
  if (target.kind === "local") {
    if (!target.peerPorts || target.nodeRank === undefined) return [];
    return [
      ...target.peerPorts.map((port) => `--peer=127.0.0.1:${port}`),
      `--node-rank=${target.nodeRank}`,
      ...(target.peerLingerSeconds === undefined ? [] : [`--peer-linger-seconds=${target.peerLingerSeconds}`]),
    ];
  }
  return [
    ...(target.peerHosts ?? []).map((host) => `--peer=${host}:${PEER_PORT}`),
    ...(target.peerHosts ? ["--node-rank=$(JOB_COMPLETION_INDEX)"] : []),
    ...(target.maxRestarts === undefined ? [] : [`--max-restarts=${target.maxRestarts}`]),
  ];
}

export function buildLaunch(experiment: ExperimentSpec, target: LaunchTarget, shipped: Shipped = {}): Launch {
  const map = target.kind === "local" ? target.mapPath : (p: string) => p;
  const preflight = [
    `--expect-gpus=${target.kind === "pod" ? target.gpusPerNode : 0}`,
    `--min-shm-mib=${target.kind === "pod" ? target.shmMiB : target.minShmMiB}`,
    ...experiment.datasets.map((d) => `--dataset=${map(d.mountPath)}`),
    ...(experiment.output ? [`--output=${map(experiment.output.mountPath)}`] : []),
    ...(target.kind === "pod" && target.gpuHealth !== undefined ? [`--gpu-health=${target.gpuHealth}`] : []),
    ...workdirFlags(experiment, shipped, map, target.kind === "pod"),
    ...(target.rankLogsDir ? [`--keep-logs=${map(target.rankLogsDir)}`] : []),
  ];
  const wait =
    target.kind === "pod" && experiment.nodes > 1 && target.masterHost
      ? [`--wait-for-host=${target.masterHost}`, `--wait-seconds=${target.rendezvousTimeoutSeconds ?? RENDEZVOUS_TIMEOUT_SECONDS}`]
      : [];
  const launcherDir = target.kind === "local" ? target.launcherDir : LAUNCHER_DIR;
  const python = target.kind === "local" ? target.python : "python3";
  return {
    command: [python, `${launcherDir}/launch.py`],
    args: [...preflight, ...wait, ...peerFlags(experiment, target), "--", ...torchrunArgs(experiment, target), map(podScriptPath(experiment)), ...experiment.args.map(map)],
    env: { ...experiment.env, PYTHONUNBUFFERED: "1" },
  };
}
