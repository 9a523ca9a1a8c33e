/**
 * What a run has cost so far: for each node its pods ran on, the on-demand $/h of the node's
 * instance type (catalog/instances.ts) times the time from its first pod's start to its last
 * pod's end (or now). Scale-up before the pod starts and the idle minutes after it ends are not
 * counted (the plan bounds those). Hybrid machines, types the catalog does not know, and nodes
 * already gone cannot be priced: they are listed instead. Spot nodes are priced on demand, so
 * the total is then an upper bound: EKS managed node groups label them
 * `eks.amazonaws.com/capacityType: SPOT`
 * (https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html#managed-node-group-capacity-types),
 * Karpenter `karpenter.sh/capacity-type: spot` (https://karpenter.sh/docs/reference/well-known-labels/). Pure.
 */
import { findInstance } from "../catalog/instances";
import { Node, Pod, labelsOf } from "./objects";
import { instanceTypeOf, isTerminal, podEnd, podStart } from "./pods";

export interface NodeCost {
  readonly node: string;
  readonly instanceType?: string;
  readonly pricePerHour?: number;
  readonly hours: number;
  readonly dollars?: number;
  /** Why there is no price. */
  readonly unpriced?: string;
  /** A spot instance: it costs at most the on-demand price used. */
  readonly spot?: boolean;
}

export interface CostSoFar {
  /** Dollars over the priced nodes; undefined when no node could be priced. */
  readonly dollars?: number;
  /** The priced nodes' combined $/h. */
  readonly perHour: number;
  readonly nodes: readonly NodeCost[];
  /** Some priced node is spot: `dollars` is an upper bound. */
  readonly upperBound: boolean;
}

export function isSpot(node: Node | undefined): boolean {
  const labels = labelsOf(node);
  return labels["eks.amazonaws.com/capacityType"] === "SPOT" || labels["karpenter.sh/capacity-type"] === "spot";
}

export function costSoFar(pods: readonly Pod[], nodes: ReadonlyMap<string, Node>, now: Date, nodesRefused = false): CostSoFar {
  const spans = new Map<string, { start: number; end: number }>();
  for (const pod of pods) {
    const name = pod.spec?.nodeName;
    const start = podStart(pod)?.getTime();
    if (!name || start === undefined) continue;
    const end = isTerminal(pod) ? (podEnd(pod)?.getTime() ?? start) : now.getTime();
    const span = spans.get(name);
    spans.set(name, span ? { start: Math.min(span.start, start), end: Math.max(span.end, end) } : { start, end });
  }
  const costs: NodeCost[] = [...spans.entries()].map(([node, { start, end }]) => {
    const hours = Math.max(0, end - start) / 3_600_000;
    const object = nodes.get(node);
    const instanceType = instanceTypeOf(object);
    if (!object) return { node, hours, unpriced: nodesRefused ? "nodes not readable with these credentials (403)" : "node no longer listed" };
    if (instanceType === "hybrid") return { node, instanceType, hours, unpriced: "hybrid node (your own machine)" };
    if (!instanceType) return { node, hours, unpriced: "no node.kubernetes.io/instance-type label" };
    const spec = findInstance(instanceType);
    if (!spec) return { node, instanceType, hours, unpriced: `${instanceType} is not in the price catalog` };
    if (spec.pricePerHour === undefined) return { node, instanceType, hours, unpriced: `${instanceType} has no on-demand price (sold as Capacity Blocks)` };
    return { node, instanceType, pricePerHour: spec.pricePerHour, hours, dollars: spec.pricePerHour * hours, ...(isSpot(object) ? { spot: true } : {}) };
  });
  const priced = costs.filter((c) => c.dollars !== undefined);
  return {
    dollars: priced.length > 0 ? priced.reduce((sum, c) => sum + c.dollars!, 0) : undefined,
    perHour: priced.reduce((sum, c) => sum + c.pricePerHour!, 0),
    nodes: costs,
    upperBound: priced.some((c) => c.spot === true),
  };
}

export function dollars(n: number): string {
  return `$${n.toFixed(2)}`;
}
