/**
 * The interactive pod of `npm run dev`: the experiment's single-node run as the plan's builders make
 * it (k8s/experiment.ts, through k8s/exec-run.ts: same image, GPUs, volumes, secrets by reference,
 * launcher ConfigMap, Kueue queue, outside Pulumi's state, deleted after a TTL), with its trainer's
 * command replaced by images/launcher/dev_idle.py: it unpacks the workdir and stays up until no
 * process but its own has run in the container for `experiment.dev.idleMinutes`. The Job is a
 * Kueue workload like any run, so the pod starts only once its GPUs are admitted. Pure.
 */
import type { IJob } from "kubernetes-models/batch/v1/Job";
import { LAUNCHER_DIR } from "../config/launcher-paths";
import type { ExperimentSpec } from "../config/spec";
import { ExecRun, SUBMITTED_BY_LABEL, execRun } from "./exec-run";
import type { ExperimentObjects } from "./experiment";

export const DEV_SUBMITTER = "dev";
/** The pod's idle limit, for `npm run status`. */
export const DEV_IDLE_ANNOTATION = "gpu-training-clusters.io/dev-idle-minutes";
/** A finished dev pod's Job is deleted after this long: nothing in it is worth keeping. */
export const DEV_TTL_SECONDS = 10 * 60;
/** Where the dev pod's entrypoint is, in the launcher ConfigMap. */
export const DEV_ENTRYPOINT = `${LAUNCHER_DIR}/dev_idle.py`;
/** Ports forwarded to the machine running `npm run dev`: Jupyter's and TensorBoard's defaults. */
export const DEV_PORTS = { jupyter: 8888, tensorboard: 6006 } as const;

const NONCE = /^[0-9a-f]{5}$/;

/** `<experiment>-d<5 hex>`: as long as a stack run's name, never one (`d` and a stack hash never collide: config/run-name.ts is 6 hex, and this is 1 letter + 5). */
export function devPodName(experiment: string, nonce: string): string {
  if (!NONCE.test(nonce)) throw new Error(`unreachable: dev nonce ${nonce} is not 5 hex digits`);
  return `${experiment}-d${nonce}`;
}

/** The experiment as the dev pod runs it: one node, whatever the run's size. */
export function devExperiment(experiment: ExperimentSpec): ExperimentSpec {
  return { ...experiment, nodes: 1 };
}

/** The launcher flags the dev entrypoint understands too: where the workdir is, and its archive. */
const WORKDIR_FLAG = /^--workdir(-archive|-sha256)?=/;

/**
 * The dev pod's Job, from the objects of devExperiment(...) built under devPodName(...). Its one
 * container runs DEV_ENTRYPOINT; the launcher's retry rules (podFailurePolicy, backoffLimit) go:
 * a dev pod that ends is done.
 */
export function devPod(objects: ExperimentObjects, idleMinutes: number, ttlSeconds = DEV_TTL_SECONDS): ExecRun {
  if (!objects.job) throw new Error("unreachable: a dev pod is built from a one-node experiment");
  const run = execRun(objects, ttlSeconds);
  const job = run.object as IJob;
  const template = job.spec!.template;
  const [trainer, ...others] = template.spec!.containers;
  const labels = (l: Record<string, string> | undefined) => ({ ...l, [SUBMITTED_BY_LABEL]: DEV_SUBMITTER, "app.kubernetes.io/component": "dev" });
  const object: IJob = {
    ...job,
    metadata: { ...job.metadata, labels: labels(job.metadata?.labels), annotations: { ...job.metadata?.annotations, [DEV_IDLE_ANNOTATION]: String(idleMinutes) } },
    spec: {
      ...job.spec!,
      backoffLimit: 0,
      podFailurePolicy: undefined,
      template: {
        ...template,
        metadata: { ...template.metadata, labels: labels(template.metadata?.labels) },
        spec: {
          ...template.spec!,
          containers: [
            {
              ...trainer,
              command: ["python3", DEV_ENTRYPOINT],
              args: [`--idle-minutes=${idleMinutes}`, ...(trainer.args ?? []).filter((a) => WORKDIR_FLAG.test(a))],
              ports: [
                { name: "jupyter", containerPort: DEV_PORTS.jupyter },
                { name: "tensorboard", containerPort: DEV_PORTS.tensorboard },
              ],
            },
            ...others,
          ],
        },
      },
    },
  };
  const workdirConfigMap = run.workdirConfigMap && { ...run.workdirConfigMap, metadata: { ...run.workdirConfigMap.metadata, labels: labels(run.workdirConfigMap.metadata?.labels) } };
  return { ...run, object, workdirConfigMap };
}
