/**
 * The nodeadm NodeConfig an on-premises GPU machine runs (`nodeadm init -c file://nodeConfig.yaml`)
 * to join the cluster as an EKS Hybrid Node, with SSM hybrid activation credentials.
 * Format: https://docs.aws.amazon.com/eks/latest/userguide/hybrid-nodes-nodeadm.html
 * ("Node Config API Reference", kubelet flags and containerd configuration).
 */
import { stringify } from "yaml";
import { GPU_TAINT } from "../../../k8s/names";

export interface NodeadmInput {
  readonly clusterName: string;
  readonly region: string;
  readonly activationCode: string;
  readonly activationId: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * containerd must run GPU containers through the NVIDIA runtime. nodeadm writes
 * /etc/containerd/config.toml itself (config version 2) and merges this inline TOML into it, so a
 * change made with `nvidia-ctk runtime configure` would be overwritten on the next `nodeadm init`.
 * Requires the NVIDIA Container Toolkit on the machine (docs/hybrid-nodes.md). Keys: the
 * `containerd` section of `nvidia-ctk runtime configure --runtime=containerd --set-as-default`.
 */
export const NVIDIA_CONTAINERD_TOML = [
  `[plugins."io.containerd.grpc.v1.cri".containerd]`,
  `default_runtime_name = "nvidia"`,
  `[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]`,
  `runtime_type = "io.containerd.runc.v2"`,
  `[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.options]`,
  `BinaryName = "/usr/bin/nvidia-container-runtime"`,
  `SystemdCgroup = true`,
  ``,
].join("\n");

/** `k1=v1,k2=v2` in key order, as kubelet's --node-labels takes them. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(",");
}

export function kubeletFlags(labels: Readonly<Record<string, string>>): string[] {
  return [`--node-labels=${formatLabels(labels)}`, `--register-with-taints=${GPU_TAINT.key}=${GPU_TAINT.value}:${GPU_TAINT.effect}`];
}

export function nodeConfig(input: NodeadmInput) {
  return {
    apiVersion: "node.eks.aws/v1alpha1",
    kind: "NodeConfig",
    spec: {
      cluster: { name: input.clusterName, region: input.region },
      hybrid: { ssm: { activationCode: input.activationCode, activationId: input.activationId } },
      kubelet: { flags: kubeletFlags(input.labels) },
      containerd: { config: NVIDIA_CONTAINERD_TOML },
    },
  };
}

export function nodeConfigYaml(input: NodeadmInput): string {
  return stringify(nodeConfig(input), { lineWidth: 0 });
}
