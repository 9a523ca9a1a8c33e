/**
 * What the next `pulumi up` would change, from two offline plans of one stack: the plan.json of
 * what is deployed and the plan of the edited stack. Resources are matched by type and Pulumi name
 * (the URN's last parts), as the engine matches them.
 *
 * Which input changes force a replacement is the provider's knowledge; REPLACED_BY lists it for the
 * types this program creates with fixed names or immutable placement (Terraform AWS provider
 * schemas, ForceNew; Kubernetes, immutable fields). A replacement of a resource the program
 * deletes first (`deleteBeforeReplace`) cannot collide with itself; every other replacement of a
 * named resource creates the new one while the old one still holds the name.
 */
export interface PlannedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  readonly read?: boolean;
}

interface TypeRules {
  /** Inputs whose change replaces the resource. */
  readonly replacedBy: readonly string[];
  /** The inputs that make up the name the cloud knows it by (a second one with it is refused). */
  readonly physicalName?: readonly string[];
  /** The program sets deleteBeforeReplace on it. */
  readonly deleteFirst?: boolean;
}

const K8S_NAME = ["kind", "metadata.namespace", "metadata.name"];
const RULES: Readonly<Record<string, TypeRules>> = {
  // EC2 refuses a second subnet with the CIDR while the old one exists (InvalidSubnet.Conflict).
  "aws:ec2/subnet:Subnet": { replacedBy: ["vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId"], physicalName: ["vpcId", "cidrBlock"] },
  "aws:ec2/vpc:Vpc": { replacedBy: ["cidrBlock"] },
  // vpcConfig.subnetIds updates in place (terraform-provider-aws 5.25.0 CHANGELOG).
  "aws:eks/cluster:Cluster": {
    replacedBy: [
      "name",
      "roleArn",
      "kubernetesNetworkConfig.serviceIpv4Cidr",
      "kubernetesNetworkConfig.ipFamily",
      "accessConfig.bootstrapClusterCreatorAdminPermissions",
      "bootstrapSelfManagedAddons",
    ],
    physicalName: ["name"],
  },
  "aws:eks/nodeGroup:NodeGroup": {
    replacedBy: ["clusterName", "nodeGroupName", "nodeRoleArn", "subnetIds", "instanceTypes", "amiType", "capacityType", "diskSize", "launchTemplate.id"],
    physicalName: ["clusterName", "nodeGroupName"],
    deleteFirst: true,
  },
  "aws:eks/addon:Addon": { replacedBy: ["clusterName", "addonName"], physicalName: ["clusterName", "addonName"] },
  "aws:eks/accessEntry:AccessEntry": { replacedBy: ["clusterName", "principalArn"], physicalName: ["clusterName", "principalArn"] },
  "aws:eks/podIdentityAssociation:PodIdentityAssociation": { replacedBy: ["clusterName", "namespace", "serviceAccount"], physicalName: ["clusterName", "namespace", "serviceAccount"] },
  "aws:ecr/repository:Repository": { replacedBy: ["name"], physicalName: ["name"] },
  "aws:iam/role:Role": { replacedBy: ["name"], physicalName: ["name"] },
  "aws:iam/rolePolicy:RolePolicy": { replacedBy: ["name", "role"], physicalName: ["role", "name"] },
  "aws:ec2/placementGroup:PlacementGroup": { replacedBy: ["name", "strategy"], physicalName: ["name"] },
  "aws:ec2/securityGroup:SecurityGroup": { replacedBy: ["name", "vpcId", "description"], physicalName: ["vpcId", "name"] },
  // EC2 knows a rule by group, protocol, ports and peer, and refuses a second one
  // (InvalidPermission.Duplicate); a changed group makes a new rule.
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
    replacedBy: ["securityGroupId"],
    physicalName: ["securityGroupId", "ipProtocol", "fromPort", "toPort", "referencedSecurityGroupId", "cidrIpv4"],
  },
  // One rule per repository prefix in the registry (API_PullThroughCacheRule, ecrRepositoryPrefix).
  "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": { replacedBy: ["ecrRepositoryPrefix", "upstreamRegistryUrl"], physicalName: ["ecrRepositoryPrefix"] },
  // A run's spec is immutable; the program replaces it on any spec change, deleting it first, and
  // names it after the spec (config/run-name.ts), so the new run never has the old one's name.
  "kubernetes:batch/v1:Job": { replacedBy: ["spec", "metadata.name", "metadata.namespace"], physicalName: K8S_NAME, deleteFirst: true },
  "kubernetes:jobset.x-k8s.io/v1alpha2:JobSet": { replacedBy: ["spec", "metadata.name", "metadata.namespace"], physicalName: K8S_NAME, deleteFirst: true },
};

/**
 * Every other Kubernetes object: a new name or namespace is a new object (the provider replaces
 * it), and its physical name is kind, namespace and name.
 */
const K8S_RULES: TypeRules = { replacedBy: ["metadata.name", "metadata.namespace"], physicalName: K8S_NAME };

function rulesOf(type: string): TypeRules | undefined {
  return RULES[type] ?? (type.startsWith("kubernetes:") && !type.startsWith("kubernetes:helm") ? K8S_RULES : undefined);
}

const RUN_TYPES = ["kubernetes:batch/v1:Job", "kubernetes:jobset.x-k8s.io/v1alpha2:JobSet"];
const GPU_NODE_TYPES = ["aws:eks/nodeGroup:NodeGroup", "aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/placementGroup:PlacementGroup"];
const QUEUE_LABEL = "kueue.x-k8s.io/queue-name";

function at(inputs: Record<string, unknown>, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), inputs);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const key = (r: PlannedResource) => `${r.type}::${r.name}`;

/** The physical name of a resource, when its type has one and the plan knows all its parts. */
export function physicalName(r: PlannedResource): string | undefined {
  const parts = rulesOf(r.type)?.physicalName;
  if (!parts) return undefined;
  const values = parts.map((p) => at(r.inputs, p));
  return values.every((v) => v === undefined) ? undefined : `${r.type.split(":").pop()} ${values.filter((v) => v !== undefined).join("/")}`;
}

export interface Change {
  readonly type: string;
  readonly name: string;
  readonly fields: readonly string[];
}

export interface PlanDiff {
  readonly added: readonly Change[];
  readonly updated: readonly Change[];
  readonly replaced: readonly Change[];
  readonly deleted: readonly Change[];
  /** Runs (Jobs, JobSets) that start anew or stop. */
  readonly runsRestarted: readonly string[];
  /** GPU node groups (and their launch templates, placement groups) that change. */
  readonly gpuNodesAffected: readonly string[];
  /** What a real update would refuse or lose: collisions, moved subnets, runs changed in place. */
  readonly hazards: readonly string[];
}

function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !same(before[k], after[k])).sort();
}

export function diffPlans(beforeAll: readonly PlannedResource[], afterAll: readonly PlannedResource[]): PlanDiff {
  const before = new Map(beforeAll.filter((r) => !r.read).map((r) => [key(r), r]));
  const after = new Map(afterAll.filter((r) => !r.read).map((r) => [key(r), r]));
  const added: Change[] = [];
  const updated: Change[] = [];
  const replaced: Change[] = [];
  const deleted: Change[] = [];
  const hazards: string[] = [];
  for (const [k, r] of after) {
    const old = before.get(k);
    if (!old) {
      added.push({ type: r.type, name: r.name, fields: [] });
      continue;
    }
    const fields = changedFields(old.inputs, r.inputs);
    if (fields.length === 0) continue;
    const rules = rulesOf(r.type);
    const forcing = (rules?.replacedBy ?? []).filter((f) => !same(at(old.inputs, f), at(r.inputs, f)));
    (forcing.length > 0 ? replaced : updated).push({ type: r.type, name: r.name, fields: forcing.length > 0 ? forcing : fields });
    // A replacement under a new physical name cannot collide with the old one.
    if (forcing.length > 0 && rules?.physicalName && !rules.deleteFirst && physicalName(old) === physicalName(r)) {
      hazards.push(`${r.type} ${r.name} is replaced (${forcing.join(", ")} changed): the new one is created while the old one still holds ${physicalName(old)}`);
    }
    if (RUN_TYPES.includes(r.type) && forcing.length === 0) {
      const queueBefore = at(old.inputs, `metadata.labels`) as Record<string, string> | undefined;
      const queueAfter = at(r.inputs, `metadata.labels`) as Record<string, string> | undefined;
      if (queueBefore?.[QUEUE_LABEL] !== queueAfter?.[QUEUE_LABEL]) hazards.push(`run ${r.name} changes its queue in place, which Kueue refuses while it runs`);
    }
    if (RUN_TYPES.includes(r.type) && forcing.includes("spec") && physicalName(old) === physicalName(r)) {
      hazards.push(`run ${r.name} changes its spec under the same name ${physicalName(r)}: the provider does not wait for the old Job to be gone`);
    }
  }
  for (const [k, r] of before) if (!after.has(k)) deleted.push({ type: r.type, name: r.name, fields: [] });

  // A name claimed in one update by a new resource and an old one it does not replace: the create
  // runs before the delete, and the cloud refuses it (or, for an inline policy, the delete later
  // removes what the new one wrote).
  const claims = new Map<string, string[]>();
  for (const r of after.values()) {
    const n = physicalName(r);
    if (n) claims.set(n, [...(claims.get(n) ?? []), key(r)]);
  }
  for (const [n, keys] of claims) if (keys.length > 1) hazards.push(`${n} is claimed by ${keys.join(" and ")}`);
  for (const d of deleted) {
    const old = before.get(`${d.type}::${d.name}`)!;
    const n = physicalName(old);
    const claimant = n && claims.get(n)?.find((k) => k !== key(old));
    if (claimant) hazards.push(`${n} moves from ${key(old)} to ${claimant} in one update: the new one is created before the old one is deleted`);
  }

  const names = (list: readonly Change[], types: readonly string[]) => list.filter((c) => types.includes(c.type)).map((c) => c.name);
  return {
    added,
    updated,
    replaced,
    deleted,
    runsRestarted: [...new Set([...names(added, RUN_TYPES), ...names(replaced, RUN_TYPES), ...names(deleted, RUN_TYPES)])],
    gpuNodesAffected: [...new Set([...names(replaced, GPU_NODE_TYPES), ...names(updated, GPU_NODE_TYPES), ...names(added, GPU_NODE_TYPES), ...names(deleted, GPU_NODE_TYPES)])],
    hazards,
  };
}

export function renderDiff(diff: PlanDiff): string {
  const lines: string[] = [];
  const section = (title: string, list: readonly Change[], withFields: boolean) => {
    if (list.length === 0) return;
    lines.push(`${title} (${list.length}):`);
    for (const c of list) lines.push(`  ${c.type} ${c.name}${withFields && c.fields.length > 0 ? `  [${c.fields.join(", ")}]` : ""}`);
  };
  section("add", diff.added, false);
  section("update", diff.updated, true);
  section("replace", diff.replaced, true);
  section("delete", diff.deleted, false);
  if (lines.length === 0) lines.push("no changes");
  lines.push(`runs restarted: ${diff.runsRestarted.length > 0 ? diff.runsRestarted.join(", ") : "none"}`);
  lines.push(`GPU nodes affected: ${diff.gpuNodesAffected.length > 0 ? diff.gpuNodesAffected.join(", ") : "none"}`);
  for (const h of diff.hazards) lines.push(`hazard: ${h}`);
  return lines.join("\n");
}
