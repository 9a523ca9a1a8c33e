/**
 * An experiment's resources in the cluster (and the one IAM policy its S3 volumes need), from the
 * plain objects of k8s/experiment.ts. No logic beyond resource options, each explained below and
 * in docs/training-job.md.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { ExperimentObjects } from "../k8s/experiment";
import { resourceArgs } from "./k8s-args";

export interface TrainingExperimentArgs {
  readonly objects: ExperimentObjects;
  /** The cluster's Kubernetes provider. */
  readonly provider: k8s.Provider;
  /** Role of the Mountpoint for Amazon S3 CSI driver; required when the experiment mounts S3. */
  readonly s3CsiRoleName?: pulumi.Input<string>;
  /** Name of the inline policy on that role: unique per experiment stack. */
  readonly s3PolicyName: string;
  /**
   * An image the stack builds (components/aws/training-image.ts): the pure builders put
   * `placeholder` in the pod spec (plan/image-build.ts), and it is replaced here by `reference`,
   * `<repositoryUrl>@<digest>`, known only once the image is pushed.
   */
  readonly builtImage?: { readonly placeholder: string; readonly reference: pulumi.Input<string> };
}

/** The Job's args, with the built image's reference in place of its placeholder. */
function jobArgs(job: IJob, builtImage: TrainingExperimentArgs["builtImage"]): k8s.batch.v1.JobArgs {
  const args = resourceArgs<k8s.batch.v1.JobArgs>(job);
  if (!builtImage) return args;
  const podSpec = job.spec!.template.spec!;
  let replaced = 0;
  const swap = <C extends { image?: string }>(containers: readonly C[] | undefined) =>
    containers?.map((c) => {
      if (c.image !== builtImage.placeholder) return c;
      replaced += 1;
      return { ...c, image: builtImage.reference };
    });
  const spec = { ...podSpec, containers: swap(podSpec.containers), initContainers: swap(podSpec.initContainers) };
  if (replaced === 0) throw new Error(`unreachable: no container of Job ${job.metadata?.name} has the built image's placeholder ${builtImage.placeholder}`);
  if (!podSpec.initContainers) delete spec.initContainers;
  return resourceArgs<k8s.batch.v1.JobArgs>({ ...job, spec: { ...job.spec, template: { ...job.spec!.template, spec } } });
}

export class TrainingExperiment extends pulumi.ComponentResource {
  public readonly jobName: pulumi.Output<string>;
  public readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: TrainingExperimentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-training-clusters:k8s:TrainingExperiment", name, {}, opts);
    const { objects, provider } = args;
    const k8sOpts = { parent: this, provider };

    const launcher = new k8s.core.v1.ConfigMap(`${name}-launcher`, resourceArgs<k8s.core.v1.ConfigMapArgs>(objects.configMap), k8sOpts);

    // Storage outlives the stack: `pulumi destroy` leaves PVs and claims in the cluster (and their
    // Retain policy leaves the data even if someone deletes them by hand). Buckets, file systems
    // and existing claims are only referenced, never owned.
    const volumes: pulumi.Resource[] = [];
    // `<job>-<volume>` → `<volume>`: child names are `${name}-pv-<volume>`, `${name}-pvc-<volume>`.
    const job = objects.job.metadata!.name!;
    const volumeKey = (object: { metadata?: { name?: string } }) => object.metadata!.name!.replace(`${job}-`, "");
    for (const pv of objects.persistentVolumes) {
      const created = new k8s.core.v1.PersistentVolume(`${name}-pv-${volumeKey(pv)}`, resourceArgs<k8s.core.v1.PersistentVolumeArgs>(pv), { ...k8sOpts, retainOnDelete: true });
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

    const access: pulumi.Resource[] = [];
    if (objects.s3Policy) {
      if (!args.s3CsiRoleName) throw new Error("unreachable: S3 volumes on a cluster without the S3 CSI driver role (the rules allow S3 only on EKS)");
      access.push(
        new aws.iam.RolePolicy(
          `${name}-s3-access`,
          { name: args.s3PolicyName, role: args.s3CsiRoleName, policy: JSON.stringify(objects.s3Policy) },
          { parent: this },
        ),
      );
    }

    const rendezvous = objects.service
      ? [new k8s.core.v1.Service(`${name}-rendezvous`, resourceArgs<k8s.core.v1.ServiceArgs>(objects.service), k8sOpts)]
      : [];

    // The Job's spec is immutable once created, and any change to it means a new run. So any spec
    // change replaces the Job, visibly (`pulumi preview` shows "replace"), and the old Job and its
    // pods are deleted first: the name is fixed, and the GPUs must be free for the new pods.
    // Metadata-only changes (labels) update in place and do not re-run anything. ("spec" covers
    // every nested path: the engine's applyReplaceOnChanges uses PropertyPath.Contains,
    // https://github.com/pulumi/pulumi/blob/master/pkg/resource/deploy/step_generator.go)
    const trainingJob = new k8s.batch.v1.Job(`${name}-job`, jobArgs(objects.job, args.builtImage), {
      ...k8sOpts,
      replaceOnChanges: ["spec"],
      deleteBeforeReplace: true,
      dependsOn: [launcher, ...volumes, ...access, ...rendezvous],
    });

    this.jobName = trainingJob.metadata.name;
    this.namespace = trainingJob.metadata.namespace;
    this.registerOutputs({ jobName: this.jobName, namespace: this.namespace });
  }
}
