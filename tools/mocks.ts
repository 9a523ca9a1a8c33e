/**
 * The mock resource monitor the offline plan and the tests run the program under. It records
 * every resource registration with the inputs the program gave it, and answers with the values
 * a real provider would compute (ids, ARNs, endpoints) so dependent resources can be wired.
 * Values here are plausible placeholders, never read back as facts.
 */
import type * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  readonly custom: boolean;
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
    default:
      return common;
  }
}

export interface PlanMocks extends pulumi.runtime.Mocks {
  readonly resources: RecordedResource[];
}

export function createMocks(options: { region: string; stackOutputs?: (stack: string) => Record<string, unknown> }): PlanMocks {
  const resources: RecordedResource[] = [];
  return {
    resources,
    newResource(args: pulumi.runtime.MockResourceArgs) {
      resources.push({ type: args.type, name: args.name, inputs: maskSecrets(args.inputs) as Record<string, unknown>, custom: args.custom ?? true });
      const inputs = unwrapSecrets(args.inputs) as Record<string, unknown>;
      if (args.type === "pulumi:pulumi:StackReference") {
        const stack = String(inputs.name);
        return { id: stack, state: { name: stack, outputs: options.stackOutputs?.(stack) ?? {}, secretOutputNames: ["kubeconfig"] } };
      }
      return { id: `${args.name}-id`, state: { ...inputs, ...computedState(args.type, args.name, inputs, options.region) } };
    },
    call(args: pulumi.runtime.MockCallArgs) {
      switch (args.token) {
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
          return { names: ["a", "b", "c", "d", "e", "f"].map((z) => `${options.region}${z}`), zoneIds: [1, 2, 3, 4, 5, 6].map((i) => `use1-az${i}`) };
        case "aws:index/getCallerIdentity:getCallerIdentity":
          return { accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/plan`, userId: "PLAN" };
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
