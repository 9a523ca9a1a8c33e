/**
 * What works but is probably not what the user meant: printed with the plan, never an error.
 */
import type { StackSpec } from "../config/spec";
import { sourceUses, volumeSourceWarnings } from "../config/sources";
import { CATALOG_PRICE_REGION } from "./cost-region";
import type { PoolPlan } from "./pools";

export function planWarnings(spec: StackSpec, pools: readonly PoolPlan[]): string[] {
  const warnings: string[] = [];
  const e = spec.experiment;
  const pool = e ? pools.find((p) => p.name === e.pool) : undefined;
  if (e && pool && e.nodes > 1) {
    if (pool.capacity === "spot") {
      // A spot interruption takes one node with two minutes' notice
      // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-instance-termination-notices.html),
      // and a DDP run across nodes fails as a whole when any of them goes.
      warnings.push(`experiment.nodes: ${e.nodes} nodes on spot pool "${pool.name}": one spot interruption (two minutes' notice) stops the whole multi-node run; use capacity: on-demand, or checkpoint often`);
    }
  }
  if (e) warnings.push(...volumeSourceWarnings(sourceUses(e), { nodes: e.nodes }));
  if (e) warnings.push(...secretInArgsWarnings(e));
  if (e?.egress?.allow && e.gpuHealthCheck) {
    // The label PATCH of images/launcher/gpu_health.py goes to the API server (the kubernetes
    // Service, port 443, then the control plane's addresses), which only the allow-list can let through.
    warnings.push(
      "experiment.egress.allow: the GPU health check labels a sick GPU's node through the Kubernetes API server, which the allow-list blocks unless it holds the API server's addresses (the cluster's private endpoint addresses in its subnets); without them a sick GPU still fails its pod, but its node is not labelled and the restart may land on it again",
    );
  }
  warnings.push(...endpointWarnings(spec));
  const priced = pools.some((p) => p.pricePerNodeHour !== undefined) || spec.cluster.mode === "create";
  if (priced && spec.region !== CATALOG_PRICE_REGION) {
    warnings.push(`aws:region: prices are ${CATALOG_PRICE_REGION} on-demand prices; ${spec.region} prices differ (see https://aws.amazon.com/ec2/pricing/on-demand/)`);
  }
  return warnings;
}

/**
 * A public API endpoint open to 0.0.0.0/0 (EKS's default and ours) lets anyone on the internet try
 * credentials against it. Restricting it is the user's call, since only they know where kubectl
 * and `pulumi up` run from; nodes reach it through the private endpoint, or, without one, from the
 * addresses their traffic leaves from ("If you limit access to specific CIDR blocks, then it is
 * recommended that you also enable the private endpoint, or ensure that the CIDR blocks that you
 * specify include the addresses that nodes ... access the public endpoint from":
 * https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html).
 */
export function endpointWarnings(spec: StackSpec): string[] {
  const cluster = spec.cluster;
  if (cluster.mode !== "create" || !cluster.endpoint.publicAccess || !cluster.endpoint.publicAccessCidrs.includes("0.0.0.0/0")) return [];
  const nodes = cluster.endpoint.privateAccess
    ? "the nodes use the private endpoint and need no entry"
    : "with the private endpoint off, also list the addresses the nodes come from: the NAT gateways' public IPs and the hybrid machines' public addresses";
  return [
    `cluster.endpoint.publicAccessCidrs: the Kubernetes API endpoint is open to the whole internet (0.0.0.0/0, the default); restrict it to the networks you run kubectl and pulumi from, e.g. publicAccessCidrs: ["203.0.113.0/24"]; ${nodes}; or set publicAccess: false and reach the private endpoint over a VPN`,
  ];
}

/**
 * A `$(NAME)` of a secretEnv variable in the script's arguments is expanded by the kubelet into the
 * container's command line (https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/),
 * which every process of the container can read in /proc/1/cmdline, setup commands included, and
 * which `kubectl describe` and the pod's events do not hide. Workers see the variable itself.
 */
export function secretInArgsWarnings(e: NonNullable<StackSpec["experiment"]>): string[] {
  return e.args.flatMap((arg, i) =>
    e.secretEnv
      .filter((name) => arg.includes(`$(${name})`))
      .map((name) => `experiment.args[${i}]: $(${name}) puts the secret into the container's command line, readable by setup commands and in the pod spec's expansion; read the environment variable ${name} in the script instead`),
  );
}
