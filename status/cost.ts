/**
 * What a run has cost so far: for each node its pods ran on, the on-demand $/h of the node's
 * instance type (catalog/instances.ts) times the time from its first pod's start to its last
 * pod's end (or now). Scale-up before the pod starts and the idle minutes after it ends are not
 * counted (the plan bounds those). Hybrid machines, types the catalog does not know, and nodes
 * already gone cannot be priced: they are listed instead. Pure.
 */
import { findInstance } from "../catalog/instances";
import { Node, Pod } from "./objects";
import { instanceTypeOf, isTerminal, podEnd, podStart } from "./pods";

export interface NodeCost {
  readonly node: string;
  readonly instanceType?: string;
  readonly pricePerHour?: number;
  readonly hours: number;
  readonly dollars?: number;
  /** Why there is no price. */
  readonly unpriced?: string;
}

export interface CostSoFar {
  /** Dollars over the priced nodes; undefined when no node could be priced. */
  readonly dollars?: number;
  /** The priced nodes' combined $/h. */
  readonly perHour: number;
  readonly nodes: readonly NodeCost[];
}

export function costSoFar(pods: readonly Pod[], nodes: ReadonlyMap<string, Node>, now: Date): CostSoFar {
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
    if (!object) return { node, hours, unpriced: "node no longer listed" };
    if (instanceType === "hybrid") return { node, instanceType, hours, unpriced: "hybrid node (your own machine)" };
    if (!instanceType) return { node, hours, unpriced: "no node.kubernetes.io/instance-type label" };
    const spec = findInstance(instanceType);
    if (!spec) return { node, instanceType, hours, unpriced: `${instanceType} is not in the price catalog` };
    return { node, instanceType, pricePerHour: spec.pricePerHour, hours, dollars: spec.pricePerHour * hours };
  });
  const priced = costs.filter((c) => c.dollars !== undefined);
  return {
    dollars: priced.length > 0 ? priced.reduce((sum, c) => sum + c.dollars!, 0) : undefined,
    perHour: priced.reduce((sum, c) => sum + c.pricePerHour!, 0),
    nodes: costs,
  };
}

export function dollars(n: number): string {
  return `$${n.toFixed(2)}`;
}
