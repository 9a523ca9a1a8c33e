/**
 * The nodeadm NodeConfig an on-premises GPU machine runs (`nodeadm init -c file://nodeConfig.yaml`)
 * to join the cluster as an EKS Hybrid Node, with SSM hybrid activation credentials.
 * Format: https://docs.aws.amazon.com/eks/latest/userguide/hybrid-nodes-nodeadm.html
 * ("Node Config API Reference", kubelet flags and containerd configuration).
 */
import { stringify } from "yaml";
import { GPU_TAINT } from "../../../config/names";

export interface NodeadmInput {
  readonly clusterName: string;
  readonly region: string;
  readonly activationCode: string;
  readonly activationId: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * No containerd settings here. nodeadm writes /etc/containerd/config.toml itself (sandbox image,
 * CNI and registry settings; github.com/aws/eks-hybrid internal/containerd/config.template.toml)
 * and imports `spec.containerd.config` as the drop-in /etc/containerd/config.d/00-nodeadm.toml
 * (internal/containerd/config.go). containerd merges imported files section by section, so a
 * drop-in with `[plugins."io.containerd.grpc.v1.cri".containerd]` would replace nodeadm's whole
 * CRI table. As AWS's GPU hybrid test does, the machine registers the NVIDIA runtime with
 * `nvidia-ctk runtime configure --runtime=containerd` after `nodeadm init` (docs/hybrid-nodes.md),
 * and GPU pods select it with the `nvidia` RuntimeClass (k8s/runtime-class.ts).
 */
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
    },
  };
}

export function nodeConfigYaml(input: NodeadmInput): string {
  return stringify(nodeConfig(input), { lineWidth: 0 });
}
