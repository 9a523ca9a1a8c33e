/**
 * The NVIDIA device plugin as a Helm release on every GPU node of every pool kind. Values come
 * from the pure builder in k8s/device-plugin.ts. (AWS's EFA plugin is an AWS service:
 * components/aws/services.ts.)
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NVIDIA_DEVICE_PLUGIN_CHART } from "../catalog/versions";
import { DEVICE_PLUGIN_NAMESPACE, DEVICE_PLUGIN_RELEASE, devicePluginValues } from "../k8s/device-plugin";
import { nvidiaRuntimeClass } from "../k8s/runtime-class";
import { resourceArgs } from "./k8s-args";

export interface DevicePluginArgs {
  /** The cluster's Kubernetes provider. */
  readonly provider: k8s.Provider;
  /** runtimeClassName of the plugin's pods (k8s/runtime-class.ts). */
  readonly runtimeClassName?: string;
  /** Create the `nvidia` RuntimeClass (clusters with EKS Hybrid Nodes). */
  readonly createRuntimeClass?: boolean;
  /** The cluster has managed node groups with EFA: MOFED handling off (k8s/device-plugin.ts). */
  readonly efaPools?: boolean;
}

export class NvidiaDevicePlugin extends pulumi.ComponentResource {
  public readonly releaseName: pulumi.Output<string>;

  constructor(name: string, args: DevicePluginArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-training-clusters:k8s:NvidiaDevicePlugin", name, {}, opts);
    const runtimeClass = args.createRuntimeClass
      ? [new k8s.node.v1.RuntimeClass(`${name}-runtime-class`, resourceArgs<k8s.node.v1.RuntimeClassArgs>(nvidiaRuntimeClass()), { parent: this, provider: args.provider })]
      : [];
    const release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: DEVICE_PLUGIN_RELEASE,
        chart: NVIDIA_DEVICE_PLUGIN_CHART.chart,
        version: NVIDIA_DEVICE_PLUGIN_CHART.version,
        repositoryOpts: { repo: NVIDIA_DEVICE_PLUGIN_CHART.repo },
        namespace: DEVICE_PLUGIN_NAMESPACE,
        values: devicePluginValues(args.runtimeClassName, args.efaPools),
      },
      { parent: this, provider: args.provider, dependsOn: runtimeClass },
    );
    this.releaseName = release.name;
    this.registerOutputs({ releaseName: this.releaseName });
  }
}
