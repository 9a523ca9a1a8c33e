/**
 * Kueue and JobSet on a cluster this stack owns, and the queues experiments are submitted to,
 * from the plain objects of k8s/queues.ts. Order matters and is expressed with dependsOn:
 * JobSet first (Kueue's JobSet integration then starts at once), then Kueue, then the queue
 * objects (their CRDs come with the Kueue chart). Each experiment stack creates its LocalQueue in
 * its own namespace (components/training-experiment.ts). `helm.v3.Release` waits for the chart's
 * Deployments to be ready, so an experiment depending on this component is created only once
 * Kueue's webhook answers: a Job created before that would not be suspended for admission.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { JOBSET_CHART, KUEUE_CHART } from "../catalog/versions";
import { JOBSET_NAMESPACE, JOBSET_RELEASE } from "../k8s/jobset-release";
import { KUEUE_NAMESPACE, KUEUE_RELEASE } from "../k8s/kueue-release";
import type { QueueObjects } from "../k8s/queues";
import { resourceArgs } from "./k8s-args";

export interface ClusterQueueingArgs {
  readonly objects: QueueObjects;
  /** The cluster's Kubernetes provider. */
  readonly provider: k8s.Provider;
}

export class ClusterQueueing extends pulumi.ComponentResource {
  /** What experiments must wait for: the ClusterQueue (and through it Kueue's webhook). */
  public readonly ready: pulumi.Resource[];

  constructor(name: string, args: ClusterQueueingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-training-clusters:k8s:ClusterQueueing", name, {}, opts);
    const { objects, provider } = args;
    const k8sOpts = { parent: this, provider };

    const jobset = new k8s.helm.v3.Release(
      `${name}-jobset`,
      {
        name: JOBSET_RELEASE,
        chart: JOBSET_CHART.chart,
        version: JOBSET_CHART.version,
        namespace: JOBSET_NAMESPACE,
        createNamespace: true,
        values: objects.jobSetValues,
      },
      k8sOpts,
    );
    const kueue = new k8s.helm.v3.Release(
      `${name}-kueue`,
      {
        name: KUEUE_RELEASE,
        chart: KUEUE_CHART.chart,
        version: KUEUE_CHART.version,
        namespace: KUEUE_NAMESPACE,
        createNamespace: true,
        values: objects.kueueValues,
      },
      { ...k8sOpts, dependsOn: [jobset] },
    );
    const custom = (object: object) => resourceArgs<k8s.apiextensions.CustomResourceArgs>(object);
    const flavors = objects.resourceFlavors.map(
      (flavor) => new k8s.apiextensions.CustomResource(`${name}-flavor-${flavor.metadata.name}`, custom(flavor), { ...k8sOpts, dependsOn: [kueue] }),
    );
    const clusterQueue = new k8s.apiextensions.CustomResource(`${name}-cluster-queue`, custom(objects.clusterQueue), { ...k8sOpts, dependsOn: [kueue, ...flavors] });

    this.ready = [jobset, kueue, clusterQueue];
    this.registerOutputs({});
  }
}
