/**
 * Cluster-wide device plugins as Helm releases: NVIDIA's (every GPU node) and, where a pool's
 * instance type has EFA interfaces, AWS's EFA plugin. Values come from the pure builders in k8s/.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEVICE_PLUGIN_NAMESPACE, DEVICE_PLUGIN_RELEASE, NVIDIA_DEVICE_PLUGIN_CHART, devicePluginValues } from "../k8s/device-plugin";
import { EFA_DEVICE_PLUGIN_CHART, EFA_DEVICE_PLUGIN_NAMESPACE, EFA_DEVICE_PLUGIN_RELEASE, efaDevicePluginValues } from "../k8s/efa-device-plugin";

export interface DevicePluginArgs {
  /** The cluster's Kubernetes provider. */
  readonly provider: k8s.Provider;
}

export class NvidiaDevicePlugin extends pulumi.ComponentResource {
  public readonly releaseName: pulumi.Output<string>;

  constructor(name: string, args: DevicePluginArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-training-clusters:k8s:NvidiaDevicePlugin", name, {}, opts);
    const release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: DEVICE_PLUGIN_RELEASE,
        chart: NVIDIA_DEVICE_PLUGIN_CHART.chart,
        version: NVIDIA_DEVICE_PLUGIN_CHART.version,
        repositoryOpts: { repo: NVIDIA_DEVICE_PLUGIN_CHART.repo },
        namespace: DEVICE_PLUGIN_NAMESPACE,
        values: devicePluginValues(),
      },
      { parent: this, provider: args.provider },
    );
    this.releaseName = release.name;
    this.registerOutputs({ releaseName: this.releaseName });
  }
}

export class EfaDevicePlugin extends pulumi.ComponentResource {
  public readonly releaseName: pulumi.Output<string>;

  constructor(name: string, args: DevicePluginArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-training-clusters:k8s:EfaDevicePlugin", name, {}, opts);
    const release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: EFA_DEVICE_PLUGIN_RELEASE,
        chart: EFA_DEVICE_PLUGIN_CHART.chart,
        version: EFA_DEVICE_PLUGIN_CHART.version,
        repositoryOpts: { repo: EFA_DEVICE_PLUGIN_CHART.repo },
        namespace: EFA_DEVICE_PLUGIN_NAMESPACE,
        values: efaDevicePluginValues(),
      },
      { parent: this, provider: args.provider },
    );
    this.releaseName = release.name;
    this.registerOutputs({ releaseName: this.releaseName });
  }
}
