/**
 * `npm run dev -- [STACK|PATH] [--kubeconfig PATH] [--context NAME] [--no-shell]`: an interactive pod
 * of the stack's experiment (k8s/dev-pod.ts) on its cluster, admitted by Kueue like any run; then a
 * shell in it through the Kubernetes exec API and Jupyter's and TensorBoard's ports forwarded to
 * 127.0.0.1 (@kubernetes/client-node Exec and PortForward). The pod ends by itself after
 * `experiment.dev.idleMinutes` without use, which frees its GPUs; leaving the shell does not end it.
 */
import { randomBytes } from "crypto";
import * as net from "net";
import { checkStack } from "../checks";
import { NAMESPACE } from "../config/load";
import { experimentNames, stackNamespace } from "../config/names";
import type { StackSpec } from "../config/spec";
import { readStackFile, resolveStackArg, stackConfigReader } from "../config/stack-file";
import { readLauncherFiles } from "../components/launcher-files";
import { DEV_PORTS, devExperiment, devPod, devPodName } from "../k8s/dev-pod";
import type { ExecRun } from "../k8s/exec-run";
import { buildExperimentObjects, experimentInput } from "../k8s/experiment";
import { HttpStatusError, KubeClient, connectKube } from "../status/kube-client";
import type { Pod } from "../status/objects";
import { containerOf, hasStarted } from "../status/read";
import { DEFAULT_STACK, StatusError } from "../status/target";
import { PROJECT_DIR, UsageError, runMain, stackTarget, unlessHelp } from "./cli";
import { clusterFailure } from "./cluster-errors";
import { checkPreconditions, firstAdmission, submit } from "./exec-submit";
import { START_WAIT_MS } from "./logs";
import { takeValue } from "./status";

export const USAGE = `usage: npm run dev -- [STACK|PATH] [--kubeconfig PATH] [--context NAME] [--no-shell]

Starts an interactive pod of the experiment of STACK (default ${DEFAULT_STACK}) on its cluster: the
experiment's image, workdir (as it is now), volumes, secrets and GPUs of one node, queued by Kueue.
Then opens a shell in it and forwards 127.0.0.1:${DEV_PORTS.jupyter} (Jupyter) and 127.0.0.1:${DEV_PORTS.tensorboard}
(TensorBoard) to it. The pod ends after experiment.dev.idleMinutes without a process of yours in it.

  --no-shell         create the pod, print its name and exit (open a shell later with kubectl exec)
  --kubeconfig PATH  use this cluster; otherwise as \`npm run status\` finds it
  --context NAME     a context of that kubeconfig
  --help             this text

Exit status: 0 created (and the shell ended); 1 the cluster refused or cannot admit it; 2 bad arguments or stack.`;

export interface DevArgs {
  readonly stack: string;
  readonly shell: boolean;
  readonly kubeconfig?: string;
  readonly context?: string;
}

export function parseDevArgs(argv: readonly string[]): DevArgs | "help" {
  let stack: string | undefined;
  let shell = true;
  const options: { kubeconfig?: string; context?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return "help";
    const valued = takeValue(argv, i, ["--kubeconfig", "--context"]);
    if (valued) {
      i = valued.next;
      options[valued.name.slice(2) as "kubeconfig" | "context"] = valued.value;
    } else if (arg === "--no-shell") shell = false;
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else if (stack) throw new UsageError(`one stack at a time (got ${stack} and ${arg})`);
    else stack = arg;
  }
  return { stack: stack ?? DEFAULT_STACK, shell, ...options };
}

/** The dev pod of a stack file: every offline check, then the plan's builders for one node under a fresh name. */
export function buildDevPod(projectDir: string, stackFile: string, nonce: string): { run: ExecRun; spec: StackSpec; localQueue?: string; idleMinutes: number } {
  const file = readStackFile(stackFile);
  const verdict = checkStack({ raw: file.config, load: { project: NAMESPACE, stack: file.stack, readStackConfig: stackConfigReader(projectDir), isSecret: (k) => file.secretKeys.includes(k) }, projectDir });
  const { spec, plan, archive } = verdict;
  if (!spec.experiment || !plan.experiment) throw new UsageError(`stack "${file.stack}" has no experiment to develop (a cluster-only stack)`);
  if (plan.experiment.image.build) {
    throw new UsageError(`stack "${file.stack}" builds its image with \`pulumi up\` (image ${plan.experiment.image.resolved}); dev runs only pinned images`);
  }
  const shipped = archive ? { archiveBase64: archive.gzip.toString("base64"), sha256: archive.summary.sha256 } : undefined;
  const experiment = devExperiment(spec.experiment);
  const input = { ...experimentInput({ ...spec, experiment }, plan, readLauncherFiles(), shipped), runName: devPodName(experiment.name, nonce) };
  const idleMinutes = experiment.dev.idleMinutes;
  return { run: devPod(buildExperimentObjects(input), idleMinutes), spec, localQueue: plan.queueing.localQueue, idleMinutes };
}

/** The cluster's launcher ConfigMap must carry the dev entrypoint: it does from the `pulumi up` of a version that has it. */
async function checkEntrypoint(kube: KubeClient, stack: string, experiment: string): Promise<void> {
  const namespace = stackNamespace(stack);
  const name = experimentNames({ name: experiment, nodes: 1 }).launcherConfigMap;
  try {
    const cm = await kube.getJson<{ data?: Record<string, string> }>(`/api/v1/namespaces/${namespace}/configmaps/${name}`);
    if (!cm.data?.["dev_idle.py"]) throw new StatusError(`the launcher ConfigMap ${name} on ${kube.server} has no dev_idle.py: run \`pulumi up\` on stack ${stack} once with this version of the project`);
  } catch (e) {
    if (!(e instanceof HttpStatusError && e.status === 404)) throw e;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The dev pod once it runs, polling its Job's pods until START_WAIT_MS has passed. */
async function runningPod(kube: KubeClient, namespace: string, job: string): Promise<Pod> {
  const until = Date.now() + START_WAIT_MS;
  for (;;) {
    const pods = (await kube.getJson<{ items?: Pod[] }>(`/api/v1/namespaces/${namespace}/pods`, { labelSelector: `batch.kubernetes.io/job-name=${job}` })).items ?? [];
    const pod = pods.find(hasStarted);
    if (pod) return pod;
    if (Date.now() >= until) throw new StatusError(`dev pod ${job} has not started after ${Math.round(START_WAIT_MS / 1000)} s (queued for GPUs? see npm run status); it starts once Kueue admits it: kubectl exec -it job/${job} -- bash`);
    await sleep(2_000);
  }
}

/** Listens on 127.0.0.1:port and forwards each connection to the pod's same port. */
function forward(kube: KubeClient, namespace: string, pod: string, port: number): net.Server {
  const server = net.createServer((socket) => {
    kube.interactive!.portForward(namespace, pod, port, socket).catch((e: Error) => {
      process.stderr.write(`dev: port ${port}: ${e.message}\n`);
      socket.destroy();
    });
  });
  server.on("error", (e: NodeJS.ErrnoException) => process.stderr.write(`dev: cannot listen on 127.0.0.1:${port} (${e.code}); that port is not forwarded\n`));
  server.listen(port, "127.0.0.1");
  return server;
}

async function main(): Promise<number> {
  const args = unlessHelp(parseDevArgs(process.argv.slice(2)), USAGE);
  if (!args) return 0;
  try {
    const target = await stackTarget(args.stack, args);
    const built = buildDevPod(PROJECT_DIR, resolveStackArg(PROJECT_DIR, args.stack).file, randomBytes(3).toString("hex").slice(0, 5));
    const experiment = built.spec.experiment!;
    const kube = await connectKube(target.kubeconfig);
    const namespace = stackNamespace(built.spec.stack);
    await checkPreconditions(kube, { stack: built.spec.stack, experiment, localQueue: built.localQueue, namespace });
    await checkEntrypoint(kube, built.spec.stack, experiment.name);
    const created = await submit(kube, built.run);
    process.stderr.write(`dev: created Job ${created.name} on ${kube.server}${built.localQueue ? ` in LocalQueue ${built.localQueue}` : ""}; it ends after ${built.idleMinutes} idle minutes\n`);
    const admission = built.localQueue ? await firstAdmission(kube, built.run, created) : { state: "unknown" as const };
    if (admission.state === "queued") process.stderr.write(`dev: queued by Kueue: ${admission.why}\n`);
    if (!args.shell) {
      process.stdout.write(`${created.name}\n`);
      return 0;
    }
    const pod = await runningPod(kube, namespace, created.name);
    const name = pod.metadata?.name ?? "";
    const servers = [forward(kube, namespace, name, DEV_PORTS.jupyter), forward(kube, namespace, name, DEV_PORTS.tensorboard)];
    process.stderr.write(`dev: pod ${name}; Jupyter on http://127.0.0.1:${DEV_PORTS.jupyter}, TensorBoard on http://127.0.0.1:${DEV_PORTS.tensorboard} (start them in the shell, listening on 0.0.0.0)\n`);
    const tty = process.stdin.isTTY === true;
    if (tty) process.stdin.setRawMode(true);
    const code = await kube.interactive!.exec(namespace, name, containerOf(pod) ?? "trainer", ["/bin/sh", "-c", "command -v bash >/dev/null && exec bash || exec sh"], tty);
    if (tty) process.stdin.setRawMode(false);
    for (const s of servers) s.close();
    process.stderr.write(`dev: shell ended; the pod stays until ${built.idleMinutes} idle minutes pass (npm run dev opens a new one; kubectl exec -it ${name} -- bash re-enters this one, with -n ${namespace})\n`);
    return code === 0 ? 0 : 1;
  } catch (e) {
    return clusterFailure(e);
  }
}

if (require.main === module) runMain(main, USAGE);
