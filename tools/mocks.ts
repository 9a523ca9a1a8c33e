/**
 * The mock resource monitor the offline plan and the tests run the program under. It records
 * every resource registration with the inputs the program gave it, and answers with the values
 * a real provider would compute (ids, ARNs, endpoints) so dependent resources can be wired.
 * Values here are plausible placeholders, never read back as facts.
 */
import type * as pulumi from "@pulumi/pulumi";
import { gpuSpec } from "../catalog/gpus";
import { findInstance } from "../catalog/instances";
import { KUBERNETES_VERSIONS, KubernetesVersion, VERSION_SUPPORT } from "../catalog/kubernetes-versions";
import { ADDON_VERSIONS, AddonName } from "../catalog/versions";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  readonly custom: boolean;
  /** A read of an existing resource (Resource.get), not something the program creates. */
  readonly read?: boolean;
}

/*
 * Offline answers to the account lookups of components/aws/account-facts.ts: PLACEHOLDERS shaped
 * like a real us-east-1 account, never facts about any account. `pulumi preview` asks the real one.
 * Zone names map to zone IDs differently in every account; here the first zone is use1-az3, which
 * EKS refuses, so every plan exercises the exclusion. P instance types are offered in three zones
 * only, as GPU types are in real regions.
 */
const MOCK_ZONE_IDS = ["use1-az3", "use1-az1", "use1-az2", "use1-az4", "use1-az5", "use1-az6"];
/** A Local Zone the mock account opted into (Boston, in us-east-1's group naming). */
const MOCK_LOCAL_ZONE = { group: "bos-1", id: "use1-bos1-az1" };
const MOCK_P_ZONE_IDS = ["use1-az2", "use1-az4", "use1-az6"];
/**
 * GPU vCPU quotas (plan/account.ts codes): placeholders, each non-zero and large enough for two
 * nodes of the largest catalog type of its class (192 vCPUs), so every valid example and every
 * instance size plans offline, spot included; a new account often has 0, which only `pulumi preview` can see. Tests of
 * a 0 quota answer the lookup in their own mocks.
 */
export const MOCK_QUOTAS: Readonly<Record<string, number>> = { "L-417A185B": 384, "L-DB2E81BA": 384, "L-7212CCBC": 384, "L-3819A6DF": 384 };
/** The existing VPC of the example stacks that mount FSx, its private subnets and their zones. */
export const MOCK_EXISTING_VPC = "vpc-0a1b2c3d4e5f60718";
export const MOCK_EXISTING_SUBNETS: Readonly<Record<string, number>> = {
  "subnet-0a1b2c3d4e5f60001": 1,
  "subnet-0a1b2c3d4e5f60002": 2,
  "subnet-0a1b2c3d4e5f60003": 3,
};
const MOCK_FSX_SECURITY_GROUP = "sg-0f5c0ffee0123abcd";

function offeredZoneIds(type: string): string[] {
  return /^p\d/.test(type) ? MOCK_P_ZONE_IDS : MOCK_ZONE_IDS;
}

/** A resource an earlier `pulumi up` left in the account (an earlier plan.json's resources). */
export interface ExistingResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

const SUBNET = "aws:ec2/subnet:Subnet";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
/** The id the mock gives a created resource (newResource below). */
const mockId = (name: string) => `${name}-id`;

function tagsMatch(inputs: Record<string, unknown>, filters: readonly { name: string; values: string[] }[]): boolean {
  const tags = (inputs.tags ?? {}) as Record<string, string>;
  return filters.every((f) => !f.name.startsWith("tag:") || f.values.includes(tags[f.name.slice("tag:".length)]));
}

/**
 * A failed invoke as the engine reports it: a gRPC error whose `details` the SDK turns into the
 * rejected Error's message (@pulumi/pulumi runtime/invoke.js, `new Error(err.details)`).
 */
export function invokeError(message: string): Error {
  return Object.assign(new Error(message), { details: message });
}

function accountAnswer(token: string, inputs: Record<string, unknown>, region: string, existing: readonly ExistingResource[]): Record<string, unknown> | undefined {
  const letters = ["a", "b", "c", "d", "e", "f"];
  const zoneId = (name: string) => MOCK_ZONE_IDS[letters.indexOf(name.slice(region.length))];
  switch (token) {
    case "aws:ec2/getSubnets:getSubnets": {
      // Subnets an earlier update created, found by their tags as EC2's tag:<key> filter does.
      const filters = (inputs.filters ?? []) as { name: string; values: string[] }[];
      return { ids: existing.filter((r) => r.type === SUBNET && tagsMatch(r.inputs, filters)).map((r) => mockId(r.name)), filters };
    }
    case "aws:index/getAvailabilityZones:getAvailabilityZones": {
      // The account has opted into a Local Zone, which the API lists among the zones unless the
      // lookup filters on opt-in-status, as a real account's answer does.
      const zones = [
        ...letters.map((l, i) => ({ name: `${region}${l}`, id: MOCK_ZONE_IDS[i], optIn: "opt-in-not-required" })),
        { name: `${region}-${MOCK_LOCAL_ZONE.group}a`, id: MOCK_LOCAL_ZONE.id, optIn: "opted-in" },
      ];
      const filters = (inputs.filters ?? []) as { name: string; values: string[] }[];
      const kept = zones.filter((z) => filters.every((f) => f.name !== "opt-in-status" || f.values.includes(z.optIn)));
      // The Local Zone sorts second, so that a lookup without the filter would pick it.
      const ordered = [...kept.filter((z) => z.id === MOCK_ZONE_IDS[0]), ...kept.filter((z) => z.id === MOCK_LOCAL_ZONE.id), ...kept.filter((z) => z.id !== MOCK_ZONE_IDS[0] && z.id !== MOCK_LOCAL_ZONE.id)];
      return { names: ordered.map((z) => z.name), zoneIds: ordered.map((z) => z.id), state: "available" };
    }
    case "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": {
      const filters = (inputs.filters ?? []) as { name: string; values: string[] }[];
      const types = filters.find((f) => f.name === "instance-type")?.values ?? [];
      const rows = types.flatMap((t) => offeredZoneIds(t).map((z) => [t, z] as const));
      return { instanceTypes: rows.map((r) => r[0]), locations: rows.map((r) => r[1]), locationTypes: rows.map(() => "availability-zone-id") };
    }
    case "aws:servicequotas/getServiceQuota:getServiceQuota": {
      const code = String(inputs.quotaCode);
      return code in MOCK_QUOTAS ? { ...inputs, value: MOCK_QUOTAS[code] } : { ...inputs };
    }
    case "aws:ec2/getSubnet:getSubnet": {
      const id = String(inputs.id);
      const created = existing.find((r) => r.type === SUBNET && mockId(r.name) === id);
      if (created) {
        const zone = String(created.inputs.availabilityZone);
        return { id, vpcId: created.inputs.vpcId, cidrBlock: created.inputs.cidrBlock, availabilityZone: zone, availabilityZoneId: zoneId(zone), tags: created.inputs.tags };
      }
      const zone = MOCK_EXISTING_SUBNETS[id];
      return zone === undefined ? { id } : { id, vpcId: MOCK_EXISTING_VPC, availabilityZone: `${region}${letters[zone]}`, availabilityZoneId: MOCK_ZONE_IDS[zone] };
    }
    // The EC2 and EKS APIs' answers, drawn from the catalog (the API's offline cache), shaped as the
    // provider returns them; `pulumi preview` asks the APIs themselves (plan/api-facts.ts).
    case "aws:ec2/getInstanceType:getInstanceType": {
      const type = String(inputs.instanceType);
      const row = findInstance(type);
      // EC2's own error for a type it does not know (DescribeInstanceTypes).
      if (!row) throw invokeError(`reading EC2 Instance Type (${type}): InvalidInstanceType: The following supplied instance types do not exist: [${type}]`);
      const gpu = gpuSpec(row.gpu);
      return {
        instanceType: type,
        defaultVcpus: row.vcpus,
        memorySize: row.memoryGiB * 1024,
        gpuses: [{ count: row.gpus, manufacturer: "NVIDIA", name: gpu.displayName.split(" ")[1], memorySize: gpu.memoryGiB * 1024 }],
        efaSupported: row.efaInterfaces > 0,
        efaMaximumInterfaces: row.efaInterfaces,
      };
    }
    case "aws:eks/getClusterVersions:getClusterVersions": {
      const only = (inputs.clusterVersionsOnlies ?? [...KUBERNETES_VERSIONS]) as string[];
      const rows = only.filter((v): v is KubernetesVersion => v in VERSION_SUPPORT).map((v) => ({
        clusterVersion: v,
        clusterType: "eks",
        endOfStandardSupportDate: `${VERSION_SUPPORT[v].endOfStandardSupport}T00:00:00Z`,
        endOfExtendedSupportDate: `${VERSION_SUPPORT[v].endOfExtendedSupport}T00:00:00Z`,
      }));
      return { clusterVersions: rows, region };
    }
    case "aws:eks/getAddonVersion:getAddonVersion": {
      const k8s = String(inputs.kubernetesVersion) as KubernetesVersion;
      const version = ADDON_VERSIONS[k8s]?.[String(inputs.addonName) as AddonName];
      return version ? { ...inputs, version } : { ...inputs };
    }
    // No spot price offline: spot prices move hourly and the catalog keeps none (the plan says so).
    case "aws:ec2/getSpotPrice:getSpotPrice":
      return { ...inputs };
    case "aws:vpc/getSecurityGroupRules:getSecurityGroupRules": {
      // The ingress rules an earlier update (this stack's, or its cluster stack's) added to a group.
      const groups = ((inputs.filters ?? []) as { name: string; values: string[] }[]).find((f) => f.name === "group-id")?.values ?? [];
      return { ids: existing.filter((r) => r.type === INGRESS_RULE && groups.includes(String(r.inputs.securityGroupId))).map((r) => mockId(r.name)) };
    }
    case "aws:vpc/getSecurityGroupRule:getSecurityGroupRule": {
      const rule = existing.find((r) => r.type === INGRESS_RULE && mockId(r.name) === inputs.securityGroupRuleId);
      if (!rule) throw invokeError(`reading VPC Security Group Rule (${String(inputs.securityGroupRuleId)}): empty result`);
      const i = rule.inputs;
      return { securityGroupRuleId: inputs.securityGroupRuleId, securityGroupId: i.securityGroupId, referencedSecurityGroupId: i.referencedSecurityGroupId ?? "", ipProtocol: i.ipProtocol, fromPort: i.fromPort ?? -1, toPort: i.toPort ?? -1, isEgress: false, tags: i.tags ?? {} };
    }
    case "aws:ec2/getNetworkInterface:getNetworkInterface":
      return { id: inputs.id, securityGroups: [MOCK_FSX_SECURITY_GROUP], vpcId: MOCK_EXISTING_VPC };
    default:
      return undefined;
  }
}

export const MOCK_ACCOUNT = "123456789012";
/**
 * Digest the mock gives every docker-build Image: no build runs offline. Its hex spells
 * "mock image digest not pushed" so it cannot pass for a real one in a plan or manifest.
 */
export const MOCK_IMAGE_DIGEST = `sha256:${Buffer.from("mock image digest not pushed").toString("hex").padEnd(64, "0")}`;
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const MASKED = "[secret]";

/** Replace every secret value (Pulumi's wire form) with a marker, recursively. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SECRET_SIG_KEY] === SECRET_SIG) return MASKED;
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, maskSecrets(v)]));
  }
  return value;
}

/** Strip the secret wrapper but keep the value, for the state mocks hand back to the program. */
function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SECRET_SIG_KEY] === SECRET_SIG) return unwrapSecrets(obj.value);
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

function arn(type: string, name: string, region: string): string {
  const service = type.split(":")[1]?.split("/")[0] ?? "resource";
  return `arn:aws:${service}:${region}:${MOCK_ACCOUNT}:${name}`;
}

/** Computed outputs by resource type: only what the program reads back. */
function computedState(type: string, name: string, inputs: Record<string, unknown>, region: string): Record<string, unknown> {
  const common = { arn: arn(type, name, region), name: inputs.name ?? name };
  switch (type) {
    case "aws:eks/cluster:Cluster":
      return {
        ...common,
        arn: `arn:aws:eks:${region}:${MOCK_ACCOUNT}:cluster/${String(inputs.name ?? name)}`,
        endpoint: `https://${name.toUpperCase()}.gr7.${region}.eks.amazonaws.com`,
        certificateAuthority: { data: "bW9jay1jYQ==" },
        identities: [{ oidcs: [{ issuer: `https://oidc.eks.${region}.amazonaws.com/id/MOCK${name.toUpperCase()}` }] }],
        vpcConfig: { ...(inputs.vpcConfig as object), clusterSecurityGroupId: `sg-${name}` },
      };
    case "aws:eks/nodeGroup:NodeGroup":
      return { ...common, resources: [{ autoscalingGroups: [{ name: `eks-${name}-asg` }] }] };
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return { ...common, latestVersion: 1 };
    case "aws:ecr/repository:Repository":
      return { ...common, registryId: MOCK_ACCOUNT, repositoryUrl: `${MOCK_ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${String(inputs.name ?? name)}` };
    case "docker-build:index:Image": {
      const tag = String((inputs.tags as string[] | undefined)?.[0] ?? name);
      return { digest: MOCK_IMAGE_DIGEST, ref: `${tag.replace(/:[^:/]*$/, "")}@${MOCK_IMAGE_DIGEST}`, contextHash: "mock-context-hash" };
    }
    case "aws:ssm/activation:Activation":
      return { ...common, activationCode: "mock-activation-code" };
    case "aws:fsx/lustreFileSystem:LustreFileSystem":
      // A read (LustreFileSystem.get): the file system lives in the examples' existing VPC. The
      // mount name is unknown offline, so the plan does not compare it.
      return { ...common, vpcId: MOCK_EXISTING_VPC, dnsName: `${name.replace(/^.*-fsx-/, "")}.fsx.${region}.amazonaws.com`, networkInterfaceIds: ["eni-0f5c0ffee0000001"] };
    default:
      return common;
  }
}

export interface PlanMocks extends pulumi.runtime.Mocks {
  readonly resources: RecordedResource[];
}

export function createMocks(options: {
  region: string;
  stackOutputs?: (stack: string) => Record<string, unknown>;
  /** What the account holds from an earlier update; the lookups by tag find it. @default nothing */
  existing?: readonly ExistingResource[];
}): PlanMocks {
  const resources: RecordedResource[] = [];
  return {
    resources,
    newResource(args: pulumi.runtime.MockResourceArgs) {
      const read = !!args.id;
      resources.push({ type: args.type, name: args.name, inputs: maskSecrets(args.inputs) as Record<string, unknown>, custom: args.custom ?? true, ...(read ? { read } : {}) });
      const inputs = unwrapSecrets(args.inputs) as Record<string, unknown>;
      if (args.type === "pulumi:pulumi:StackReference") {
        const stack = String(inputs.name);
        return { id: stack, state: { name: stack, outputs: options.stackOutputs?.(stack) ?? {}, secretOutputNames: ["kubeconfig"] } };
      }
      return { id: read ? args.id! : mockId(args.name), state: { ...inputs, ...computedState(args.type, args.name, inputs, options.region) } };
    },
    call(args: pulumi.runtime.MockCallArgs) {
      const account = accountAnswer(args.token, unwrapSecrets(args.inputs) as Record<string, unknown>, options.region, options.existing ?? []);
      if (account) return account;
      switch (args.token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
          return { accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/plan`, userId: "PLAN" };
        case "aws:iam/getSessionContext:getSessionContext": {
          // An assumed-role session resolves to its role; any other ARN passes through.
          const arn = String(unwrapSecrets(args.inputs) && (args.inputs as { arn?: string }).arn);
          const session = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
          return { arn, issuerArn: session ? `arn:aws:iam::${session[1]}:role/${session[2]}` : arn };
        }
        case "aws:index/getRegion:getRegion":
          return { name: options.region, region: options.region };
        case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
          return { userName: "AWS", password: "mock-ecr-password", authorizationToken: "bW9jaw==", proxyEndpoint: `https://${MOCK_ACCOUNT}.dkr.ecr.${options.region}.amazonaws.com`, expiresAt: "2099-01-01T00:00:00Z" };
        case "aws:index/getPartition:getPartition":
          return { partition: "aws", dnsSuffix: "amazonaws.com" };
        default:
          return unwrapSecrets(args.inputs) as Record<string, unknown>;
      }
    },
  };
}
