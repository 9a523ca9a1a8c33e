/**
 * The resolved stack description: what the rest of the program reads. Built once by load.ts;
 * every default is filled in and every cross-field rule has passed, so nothing downstream
 * re-validates or guesses.
 */
import type { ImageSpec } from "../catalog/images";
import type { ClusterQueueing } from "./queueing";
import type { ClusterInput, ExperimentInput, IdlePolicy, NodePoolInput } from "./schema";

export type PoolKind = "managed" | "hybrid" | "existing";

export interface PoolSpec extends Omit<NodePoolInput, "kind" | "nodeSelector" | "hostPathPrefixes"> {
  readonly kind: PoolKind;
  /** Where a hostPath volume may point on the pool's machines (the schema's default when absent). */
  readonly hostPathPrefixes?: readonly string[];
  /** Labels selecting this pool's nodes: set by us on managed/hybrid nodes, given for existing ones. */
  readonly nodeSelector: Readonly<Record<string, string>>;
}

export type ResolvedImage = ImageSpec & {
  /** What the stack asked for, verbatim. */
  readonly requested: string;
  /** Why the request resolved to a different build, when it did. */
  readonly substitution?: string;
  /** A user-described image rather than a catalog entry. */
  readonly custom: boolean;
};

export interface ExperimentSpec extends Omit<ExperimentInput, "gpusPerNode" | "args" | "image" | "setup"> {
  readonly gpusPerNode: number;
  readonly args: readonly string[];
  readonly image: ResolvedImage;
  /** Setup commands, in order. */
  readonly setup: readonly string[];
  /** Names of the `secretEnv` variables (the values never enter the spec). */
  readonly secretEnv: readonly string[];
}

export interface StackSpec {
  readonly project: string;
  readonly stack: string;
  /** AWS region (`aws:region`); prices in the catalog are us-east-1's. */
  readonly region: string;
  readonly cluster: ClusterInput;
  /**
   * The pools of the cluster the experiment runs on. For `mode: reuse` these come from the
   * referenced stack's file, so the experiment is checked against the pools that really exist.
   */
  readonly pools: readonly PoolSpec[];
  readonly experiment?: ExperimentSpec;
  readonly idle: IdlePolicy;
  /**
   * The idle policy of the stack whose cluster-autoscaler runs these pools: this stack's own for
   * `mode: create`, the referenced stack's for `mode: reuse`, none in an existing cluster.
   */
  readonly clusterIdle?: IdlePolicy;
  /** Kueue and JobSet of the cluster: this stack's settings, or its cluster stack's for `reuse`. */
  readonly queueing: ClusterQueueing;
}
