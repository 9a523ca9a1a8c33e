/**
 * A run submitted outside the stack (`npm run exec`): the experiment's run object as the plan's
 * builders make it (k8s/experiment.ts), under a name of its own, labelled as not Pulumi's, and
 * deleted by its controller a while after it finishes.
 *
 * Why it is safe next to `pulumi up`: Pulumi only updates or deletes objects recorded in the
 * stack's state, and an exec run never is. Its name, `<experiment>-x<5 hex>`, is as long as a
 * stack run's `<experiment>-<6 hex>` (so the experiment-name length rule covers it) and can never be
 * one, since `x` is not a hex digit (config/run-name.ts).
 */
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { IPodTemplateSpec } from "kubernetes-models/v1/PodTemplateSpec";
import type { JobSet } from "./jobset";
import type { ExperimentObjects } from "./experiment";

/** Who submitted a run: absent on the stack's own runs. */
export const SUBMITTED_BY_LABEL = "gpu-training-clusters.io/submitted-by";
export const EXEC_SUBMITTER = "exec";
/** `app.kubernetes.io/managed-by` of an exec run: not "pulumi" (k8s/labels.ts), which it is not. */
export const EXEC_MANAGED_BY = "gpu-training-clusters-exec";
/** The field manager of the objects `npm run exec` writes (server-side apply). */
export const EXEC_FIELD_MANAGER = "gpu-training-clusters-exec";

/**
 * How long a finished exec run (its object and pods) is kept: a day, so `npm run status` and
 * `logs` can read it the morning after. batch/v1 Job `spec.ttlSecondsAfterFinished`
 * (https://kubernetes.io/docs/concepts/workloads/controllers/ttlafterfinished/) and JobSet
 * v1alpha2 `spec.ttlSecondsAfterFinished` (kubernetes-sigs/jobset api/jobset/v1alpha2, JobSetSpec)
 * both delete the object and, by owner references, its pods and the workdir ConfigMap below.
 */
export const EXEC_TTL_SECONDS = 24 * 60 * 60;

const NONCE = /^[0-9a-f]{5}$/;

/** `<experiment>-x<nonce>`; the nonce is 5 hex digits (the caller's randomness, so this stays pure). */
export function execRunName(experiment: string, nonce: string): string {
  if (!NONCE.test(nonce)) throw new Error(`unreachable: exec nonce ${nonce} is not 5 hex digits`);
  return `${experiment}-x${nonce}`;
}

/** True for a run name `npm run exec` made. */
export function isExecRunName(experiment: string, name: string): boolean {
  return name.startsWith(`${experiment}-x`) && NONCE.test(name.slice(experiment.length + 2));
}

export type ExecJobSet = JobSet & { readonly spec: JobSet["spec"] & { readonly ttlSecondsAfterFinished: number } };

export interface ExecRun {
  readonly name: string;
  readonly kind: "Job" | "JobSet";
  readonly object: IJob | ExecJobSet;
  /** The collection the object is POSTed to. */
  readonly collectionPath: string;
  /**
   * The workdir archive's ConfigMap, when the experiment ships one: named after the run, not the
   * archive (`<run>-workdir`), so that it is the run's alone (owned by it, deleted with it) and never
   * the name a later `pulumi up` creates for the same archive.
   */
  readonly workdirConfigMap?: IConfigMap;
}

function marked(labels: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return { ...labels, "app.kubernetes.io/managed-by": EXEC_MANAGED_BY, [SUBMITTED_BY_LABEL]: EXEC_SUBMITTER };
}

/** Pulumi's annotations (waitFor) mean nothing on an object Pulumi never sees. */
function withoutPulumiAnnotations(annotations: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  const kept = Object.entries(annotations ?? {}).filter(([k]) => !k.startsWith("pulumi.com/"));
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

/**
 * The run of `objects` (built with `runName` = execRunName(...)) as an exec run: labels on the
 * object and its pods, the TTL, and the workdir ConfigMap labelled the same way.
 */
export function execRun(objects: ExperimentObjects, ttlSeconds = EXEC_TTL_SECONDS): ExecRun {
  const stackName = objects.workdirConfigMap?.metadata?.name;
  const ownName = `${objects.runName}-workdir`;
  const workdirConfigMap = objects.workdirConfigMap && {
    ...objects.workdirConfigMap,
    metadata: { ...objects.workdirConfigMap.metadata, name: ownName, labels: marked(objects.workdirConfigMap.metadata?.labels) },
  };
  const pod = (template: IPodTemplateSpec): IPodTemplateSpec => ({
    ...template,
    metadata: { ...template.metadata, labels: marked(template.metadata?.labels) },
    spec: {
      ...template.spec!,
      volumes: template.spec?.volumes?.map((v) => (stackName && v.configMap?.name === stackName ? { ...v, configMap: { ...v.configMap, name: ownName } } : v)),
    },
  });
  if (objects.job) {
    const job = objects.job;
    const namespace = job.metadata?.namespace ?? "default";
    const template = job.spec!.template;
    const object: IJob = {
      ...job,
      metadata: { ...job.metadata, labels: marked(job.metadata?.labels), annotations: withoutPulumiAnnotations(job.metadata?.annotations) },
      spec: { ...job.spec!, ttlSecondsAfterFinished: ttlSeconds, template: pod(template) },
    };
    return { name: objects.runName, kind: "Job", object, collectionPath: `/apis/batch/v1/namespaces/${namespace}/jobs`, workdirConfigMap };
  }
  const set = objects.jobSet!;
  const object: ExecJobSet = {
    ...set,
    metadata: { ...set.metadata, labels: marked(set.metadata.labels), annotations: withoutPulumiAnnotations(set.metadata.annotations) ?? {} },
    spec: {
      ...set.spec,
      ttlSecondsAfterFinished: ttlSeconds,
      replicatedJobs: set.spec.replicatedJobs.map((r) => ({
        ...r,
        template: {
          metadata: { labels: marked(r.template.metadata.labels) },
          spec: { ...r.template.spec, template: pod(r.template.spec.template) },
        },
      })),
    },
  };
  return { name: objects.runName, kind: "JobSet", object, collectionPath: `/apis/jobset.x-k8s.io/v1alpha2/namespaces/${set.metadata.namespace}/jobsets`, workdirConfigMap };
}

/** The ConfigMap owned by the created run, so the garbage collector deletes it with the run. */
export function ownedByRun(configMap: IConfigMap, run: { readonly kind: "Job" | "JobSet"; readonly name: string; readonly uid: string }): IConfigMap {
  const apiVersion = run.kind === "Job" ? "batch/v1" : "jobset.x-k8s.io/v1alpha2";
  return { ...configMap, metadata: { ...configMap.metadata, ownerReferences: [{ apiVersion, kind: run.kind, name: run.name, uid: run.uid }] } };
}
