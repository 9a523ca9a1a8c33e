/**
 * An experiment's resources in the cluster, from the plain objects of k8s/experiment.ts: its files,
 * volumes and run, in the stack's namespace (components/stack-namespace.ts). No logic beyond resource options, each explained below and in
 * docs/training-job.md.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ExperimentObjects } from "../k8s/experiment";
import type { SweepObjects } from "../k8s/sweep";
import { resourceArgs } from "./k8s-args";
import type { StackNamespace } from "./stack-namespace";

export interface TrainingExperimentArgs {
  readonly objects: ExperimentObjects;
  /** The cluster's Kubernetes provider. */
  readonly provider: k8s.Provider;
  /** Values of the `secretEnv` variables, each already a Pulumi secret. */
  readonly secretEnv?: Readonly<Record<string, pulumi.Input<string>>>;
  /** The stack's namespace and what it holds (components/stack-namespace.ts). */
  readonly namespace: StackNamespace;
  /** What a sweep's own queues need first: Kueue and JobSet, when this stack installs them. */
  readonly queue?: readonly pulumi.Resource[];
  /** Resources the run must wait for besides: the stack's AWS identity (components/aws/experiment-identity.ts). */
  readonly after?: readonly pulumi.Resource[];
  /**
   * An image the stack builds (components/aws/training-image.ts): the pure builders put
   * `placeholder` in the pod spec (plan/image-build.ts), and it is replaced here by `reference`,
   * `<repositoryUrl>@<digest>`, known only once the image is pushed.
   */
  readonly builtImage?: { readonly placeholder: string; readonly reference: pulumi.Input<string> };
  /** `experiment.sweep`: its runs take the place of the single run (k8s/sweep.ts). */
  readonly sweep?: SweepObjects;
}

/**
 * The run object (Job or JobSet) as resource args, with the built image's reference in place of
 * its placeholder wherever a container names it (a JobSet nests its pods a level deeper).
 */
export function runArgs<T>(run: object, builtImage: TrainingExperimentArgs["builtImage"]): T {
  if (!builtImage) return resourceArgs<T>(run);
  let replaced = 0;
  const swap = (value: unknown, key?: string): unknown => {
    if (key === "image" && value === builtImage.placeholder) {
      replaced += 1;
      return builtImage.reference;
    }
    if (Array.isArray(value)) return value.map((v) => swap(v));
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v, k)]));
    return value;
  };
  const swapped = swap(run) as object;
  if (replaced === 0) throw new Error(`unreachable: no container of the run has the built image's placeholder ${builtImage.placeholder}`);
  return resourceArgs<T>(swapped);
}

export class TrainingExperiment extends pulumi.ComponentResource {
  public readonly jobName: pulumi.Output<string>;
  public readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: TrainingExperimentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-training-clusters:k8s:TrainingExperiment", name, {}, opts);
    const { objects, provider } = args;
    const ns = args.namespace;
    const k8sOpts = { parent: this, provider, dependsOn: [ns.namespace] };

    const launcher = new k8s.core.v1.ConfigMap(`${name}-launcher`, resourceArgs<k8s.core.v1.ConfigMapArgs>(objects.configMap), k8sOpts);
    const shipped = shippedResources(name, objects, args.secretEnv, k8sOpts);

    // Storage outlives the stack: `pulumi destroy` leaves PVs and claims in the cluster (and their
    // Retain policy leaves the data even if someone deletes them by hand). Buckets, file systems
    // and existing claims are only referenced, never owned.
    const volumes: pulumi.Resource[] = [];
    // `<job>-<volume>` → `<volume>`: child names are `${name}-pv-<volume>`, `${name}-pvc-<volume>`.
    const experiment = objects.configMap.metadata!.name!.replace(/-launcher$/, "");
    const volumeKey = (object: { metadata?: { name?: string } }) => object.metadata!.name!.replace(`${objects.namespace.namespace.metadata!.name!}-`, "").replace(`${experiment}-`, "");
    for (const pv of objects.persistentVolumes) {
      const created = new k8s.core.v1.PersistentVolume(`${name}-pv-${volumeKey(pv)}`, resourceArgs<k8s.core.v1.PersistentVolumeArgs>(pv), { parent: this, provider, retainOnDelete: true });
      volumes.push(created);
    }
    for (const pvc of objects.persistentVolumeClaims) {
      const created = new k8s.core.v1.PersistentVolumeClaim(`${name}-pvc-${volumeKey(pvc)}`, resourceArgs<k8s.core.v1.PersistentVolumeClaimArgs>(pvc), {
        ...k8sOpts,
        retainOnDelete: true,
        dependsOn: volumes,
      });
      volumes.push(created);
    }

    // A run's spec is immutable once created, and any change to it means a new run. Its name is
    // derived from a hash of that spec (config/run-name.ts), so a change is always a replacement
    // under a new name, visible in `pulumi preview`. The old run is deleted first, and the delete
    // is awaited (k8s/job.ts AWAIT_ANNOTATIONS): a foreground cascade, so the object is gone only
    // once its pods have terminated and left their GPUs. Kueue releases a workload's quota as soon
    // as its Workload is deleted, before the pods are gone (kueue v0.19.2
    // pkg/controller/jobframework/reconciler.go, "If the workload is pending deletion ... drop the
    // finalizer"), so it is the await that keeps the successor from being admitted onto GPUs
    // still held (docs/training-job.md, "Replacing a run"). Metadata-only
    // changes (labels other than the queue, which is hashed too) update in place and re-run
    // nothing. ("spec" covers every nested path: the engine's applyReplaceOnChanges uses
    // PropertyPath.Contains,
    // https://github.com/pulumi/pulumi/blob/master/pkg/resource/deploy/step_generator.go)
    const runOpts: pulumi.CustomResourceOptions = {
      ...k8sOpts,
      replaceOnChanges: ["spec"],
      deleteBeforeReplace: true,
      dependsOn: [launcher, ...ns.ready, ...shipped, ...volumes, ...(args.after ?? [])],
    };
    const run = (suffix: string, object: Pick<ExperimentObjects, "job" | "jobSet">, opts: pulumi.CustomResourceOptions) =>
      object.job
        ? new k8s.batch.v1.Job(`${name}-job${suffix}`, runArgs<k8s.batch.v1.JobArgs>(object.job, args.builtImage), opts)
        : new k8s.apiextensions.CustomResource(`${name}-jobset${suffix}`, runArgs<k8s.apiextensions.CustomResourceArgs>(object.jobSet!, args.builtImage), opts);

    const sweep = args.sweep;
    // A sweep's runs are named by their point (the grid's hash of its values), so adding a value
    // to the grid adds runs and leaves the others as they are.
    const queues = sweep ? sweepQueue(name, sweep, k8sOpts, args.queue) : [];
    const sweepOpts = { ...runOpts, dependsOn: [...(runOpts.dependsOn as pulumi.Resource[]), ...queues] };
    const runs = sweep ? sweep.runs.map((r) => run(`-${r.point.id}`, r, sweepOpts)) : [run("", objects, runOpts)];

    this.jobName = runs[0].metadata.name;
    this.namespace = runs[0].metadata.namespace;
    this.registerOutputs({ jobName: this.jobName, namespace: this.namespace });
  }
}

/** The sweep's own ClusterQueue and LocalQueue, with `maxParallel` (k8s/sweep-queue.ts). */
function sweepQueue(name: string, sweep: SweepObjects, opts: pulumi.CustomResourceOptions, queue?: readonly pulumi.Resource[]): pulumi.Resource[] {
  if (!sweep.queue) return [];
  const custom = (object: object) => resourceArgs<k8s.apiextensions.CustomResourceArgs>(object);
  const clusterQueue = new k8s.apiextensions.CustomResource(`${name}-sweep-cluster-queue`, custom(sweep.queue.clusterQueue), { ...opts, dependsOn: [...(queue ?? [])] });
  return [clusterQueue, new k8s.apiextensions.CustomResource(`${name}-sweep-local-queue`, custom(sweep.queue.localQueue), { ...opts, dependsOn: [clusterQueue] })];
}


/**
 * The workdir ConfigMap and the secretEnv Secret. Each secret value is wrapped in pulumi.secret
 * again here, so that it stays encrypted in the state whatever the caller passed; the Secret's
 * keys are the variable names, which the Job reads with secretKeyRef.
 */
function shippedResources(
  name: string,
  objects: ExperimentObjects,
  secretEnv: Readonly<Record<string, pulumi.Input<string>>> | undefined,
  opts: pulumi.CustomResourceOptions,
): pulumi.Resource[] {
  const created: pulumi.Resource[] = [];
  if (objects.workdirConfigMap) {
    created.push(new k8s.core.v1.ConfigMap(`${name}-workdir`, resourceArgs<k8s.core.v1.ConfigMapArgs>(objects.workdirConfigMap), opts));
  }
  if (objects.secretEnv) {
    const values = secretEnv ?? {};
    const stringData = Object.fromEntries(Object.keys(values).sort().map((k) => [k, pulumi.secret(values[k])]));
    created.push(new k8s.core.v1.Secret(`${name}-secret-env`, { ...resourceArgs<k8s.core.v1.SecretArgs>(objects.secretEnv), stringData }, opts));
  }
  return created;
}

