/**
 * A kubeconfig for the EKS cluster that holds no credential: kubectl (and the Pulumi Kubernetes
 * provider) run `aws eks get-token` for a short-lived token with whatever AWS identity is current.
 * https://docs.aws.amazon.com/eks/latest/userguide/create-kubeconfig.html
 * It is still exported as a secret: the endpoint and CA identify the cluster.
 */
import { stringify } from "yaml";

export interface KubeconfigInput {
  readonly clusterName: string;
  readonly region: string;
  readonly endpoint: string;
  /** Base64 PEM, as EKS returns it. */
  readonly certificateAuthorityData: string;
}

export function kubeconfig(input: KubeconfigInput) {
  const name = input.clusterName;
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server: input.endpoint, "certificate-authority-data": input.certificateAuthorityData } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    "current-context": name,
    users: [
      {
        name,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", name, "--region", input.region, "--output", "json"],
          },
        },
      },
    ],
  };
}

export function kubeconfigYaml(input: KubeconfigInput): string {
  return stringify(kubeconfig(input), { lineWidth: 0 });
}
