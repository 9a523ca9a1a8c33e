/**
 * What the program knows about one kind of volume source (`experiment.datasets[].source.type`,
 * `experiment.output.source.type`): its schema, the rules of the API that receives it, how it
 * becomes a Kubernetes volume, what AWS access and account checks it needs, and the EKS add-on
 * that mounts it. Everything of a kind lives in its own module (config/sources/<kind>.ts); the
 * registry (config/sources/index.ts) lists them, and the schema, the rules, the builders, the
 * account checks and the cluster's add-ons iterate that list. docs/architecture.md says how to add
 * one.
 *
 * A kind's module is pure data and functions: it imports nothing above config/. The one step that
 * reads the account gets the AWS SDK handed in by the component that runs it.
 */
import type * as awsSdk from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { KubernetesVersion } from "../../catalog/kubernetes-versions";
import type { Problem } from "../errors";

export type VolumeRole = "dataset" | "output";
export type ClusterMode = "create" | "reuse" | "existing";
export type PoolKind = "managed" | "hybrid" | "existing";

/** The zod schema of one kind: a strict object discriminated by its `type` literal. */
export type SourceSchema = z.ZodObject<{ type: z.ZodLiteral<string> } & z.ZodRawShape, z.core.$strict>;

/** One volume of the experiment whose source is of this kind. */
export interface SourceUse<S> {
  /** Config path of the volume: `experiment.datasets[0]`, `experiment.output`. */
  readonly path: string;
  readonly role: VolumeRole;
  /** The volume's name in the stack file. */
  readonly name: string;
  readonly mountPath: string;
  readonly source: S;
}

/** What a PersistentVolume of ours says of its source (the rest, metadata and binding, is common). */
/** What a source may need to know of the experiment's pool. */
export interface SourcePool {
  /** `nodePools[].hostPathPrefixes`: where on the node a hostPath may point. */
  readonly hostPathPrefixes?: readonly string[];
  /** Where the pool is written, for messages (`nodePools[0]`, or the reused stack's file). */
  readonly path?: string;
}

export interface PersistentVolumeSource {
  readonly capacity: string;
  readonly accessModes: readonly ("ReadOnlyMany" | "ReadWriteMany" | "ReadWriteOnce")[];
  readonly volumeMode?: "Filesystem";
  readonly mountOptions?: readonly string[];
  readonly csi: {
    readonly driver: string;
    readonly volumeHandle: string;
    readonly volumeAttributes?: Readonly<Record<string, string>>;
    readonly readOnly?: boolean;
  };
}

/** A pod volume's source for a kind that needs no PersistentVolume of ours (a claim or a host path). */
export type PodVolumeSource =
  | { readonly persistentVolumeClaim: { readonly claimName: string; readonly readOnly: boolean } }
  | { readonly hostPath: { readonly path: string; readonly type: "Directory" | "DirectoryOrCreate" } };

export interface IamStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: Record<string, Record<string, readonly string[]>>;
}

/**
 * Security-group ingress between the cluster's nodes and a source (FSx's Lustre ports): into the
 * source's group from the nodes' group, or into the nodes' group from the source's (`toNodes`).
 */
export interface SourceIngress {
  /** Part of the rule's resource name; stable, so a later `pulumi up` keeps the rule. */
  readonly key: string;
  /** The source's security group: the rule's group, or with `toNodes` the group let in. */
  readonly securityGroupId: string;
  /** The rule goes on the nodes' security group and lets the source's group in. */
  readonly toNodes?: boolean;
  readonly fromPort: number;
  readonly toPort: number;
  /** What the traffic is (`Lustre`); the rule's description adds where it comes from. */
  readonly description: string;
}

export interface SourceAccountDecision {
  readonly problems: readonly Problem[];
  readonly warnings: readonly string[];
  readonly ingress: readonly SourceIngress[];
}

/** What the cluster's network is, for the account rules of a source. */
export interface SourceNetwork {
  /** The existing VPC the cluster runs in (cluster.vpc); undefined: the stack creates its VPC. */
  readonly vpcId?: string;
  /** False when the cluster's network settings were refused: rules about reaching the source are skipped. */
  readonly known: boolean;
  /**
   * `cluster.mode: reuse`: the cluster stack whose nodes mount the source, and the security group
   * they carry (its exports); `vpcId` is then that cluster's VPC.
   */
  readonly reused?: { readonly stack: string; readonly securityGroupId?: string };
}

/** What a kind's account read gets from components/aws/account-facts.ts, which runs it. */
export interface AccountReader {
  readonly aws: typeof awsSdk;
  readonly stack: string;
  /** The tag (key, value) this stack's AWS resources carry: a resource with it is the stack's own. */
  readonly ownTag: readonly [string, string];
  /** The security group the cluster's nodes carry, where it exists already (a reused cluster's). */
  readonly nodesSecurityGroupId?: string;
  /** An Output's value, or undefined while it is unknown (`pulumi preview`); a failed read rejects. */
  known<T>(output: pulumi.Output<T>): Promise<T | undefined>;
  /** A lookup that may fail (permissions, throttling): undefined then, with a warning naming `what`. */
  attempt<T>(what: string, f: () => Promise<T>): Promise<T | undefined>;
}

/**
 * Facts only the account knows about a kind's sources, read before the first resource: `read`
 * looks them up through the reader, `rules` is pure.
 */
export interface AccountCheck<S, F> {
  read(uses: readonly SourceUse<S>[], reader: AccountReader): Promise<readonly F[]>;
  rules(uses: readonly SourceUse<S>[], facts: readonly F[], network: SourceNetwork): SourceAccountDecision;
}

/** The EKS add-on that mounts a kind on clusters the stack creates. */
export interface SourceAddon {
  /** The EKS add-on name (`aws eks describe-addon-versions --addon-name`). */
  readonly name: string;
  /** Pinned per Kubernetes version, with where each was read (catalog/versions.ts pins the others). */
  readonly versions: Readonly<Record<KubernetesVersion, string>>;
  /**
   * An IAM role for the driver, given to its service account through EKS Pod Identity; it carries
   * no access of its own, each experiment attaches what its volumes need (`iam`).
   */
  readonly driverRole?: {
    readonly serviceAccount: string;
    readonly description: string;
  };
}

export interface VolumeSourceKind<Schema extends SourceSchema = SourceSchema, Fact = unknown> {
  readonly schema: Schema;
  /** The EKS add-on's driver needs an EKS cluster: the kind is refused with `cluster.mode: existing`. */
  readonly needsEks: boolean;
  /** Pool kinds whose nodes may mount it, and why not the others; undefined: every pool. */
  readonly pools?: { readonly kinds: readonly PoolKind[]; readonly why: string };
  /**
   * Why the kind cannot serve a cluster the stack creates in the same `pulumi up`, with what to use
   * instead; undefined: it can.
   */
  readonly newCluster?: string;
  /** Whether a file can be renamed on it (pip's cache and "write, then rename" saves need that). */
  readonly renames: boolean;
  /** Its files live on one machine: checkpoints on it are found only by a pod on that machine. */
  readonly machineLocal?: boolean;
  /** The node (kubernetes.io/hostname) the volume pins the run to, if it does. */
  pinnedNode?(use: SourceUse<z.output<Schema>>): string | undefined;
  /** Set when the stack grants AWS access for the kind, so it must name its region: what it grants. */
  readonly grantsAwsAccess?: string;
  /** Problems the receiving API would refuse in one volume's source (paths under `${use.path}.source`). */
  apiRules?(use: SourceUse<z.output<Schema>>): Problem[];
  /** Problems with one volume's source on the experiment's pool (paths under `${use.path}.source`). */
  poolRules?(use: SourceUse<z.output<Schema>>, pool: SourcePool): Problem[];
  /** Problems across the experiment's volumes of this kind. */
  volumesRules?(uses: readonly SourceUse<z.output<Schema>>[]): Problem[];
  /** What works but is probably unintended, for the plan's warnings. */
  planWarnings?(uses: readonly SourceUse<z.output<Schema>>[], run: { readonly nodes: number }): string[];
  /** The PersistentVolume the experiment binds the source through (static provisioning). */
  persistentVolume?(use: SourceUse<z.output<Schema>>, ctx: { readonly volumeHandle: string; readonly region?: string }): PersistentVolumeSource;
  /** The pod volume, for a kind without a PersistentVolume of ours. */
  podVolume?(use: SourceUse<z.output<Schema>>): PodVolumeSource;
  /** IAM statements the volume needs, attached to the driver role of `addon`. */
  iam?(use: SourceUse<z.output<Schema>>, partition: string): IamStatement[];
  readonly account?: AccountCheck<z.output<Schema>, Fact>;
  readonly addon?: SourceAddon;
}

/** A kind, with its types checked against its schema. */
export function volumeSourceKind<Schema extends SourceSchema, Fact = unknown>(kind: VolumeSourceKind<Schema, Fact>): VolumeSourceKind<Schema, Fact> {
  return kind;
}

/** `Sid`s are alphanumeric only. */
export function statementId(...parts: string[]): string {
  return parts.map((p) => p.replace(/[^A-Za-z0-9]/g, "").replace(/^./, (c) => c.toUpperCase())).join("");
}
