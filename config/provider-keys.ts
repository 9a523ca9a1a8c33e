/**
 * The config keys each non-project namespace a stack file may use actually has, so a misspelt
 * provider key (`aws:regoin`, `kubernetes:kubeconfg`) is an error rather than silently ignored.
 */
import { didYouMean } from "./suggest";

/**
 * The AWS provider's config variables of the pinned @pulumi/aws 7.48.0: the getters its generated
 * config module exports (config/vars.d.ts, one per provider config variable). Written out rather
 * than read from that module, which loads the whole Pulumi SDK (about a second of CPU) into every
 * command that reads a stack file (`npm run exec`, `job:local`); tests/provider-keys.test.ts
 * keeps the list equal to the module's exports.
 */
export const AWS_KEYS: readonly string[] = [
  "accessKey", "allowedAccountIds", "assumeRoleWithWebIdentity", "assumeRoles", "customCaBundle", "defaultTags",
  "ec2MetadataServiceEndpoint", "ec2MetadataServiceEndpointMode", "endpoints", "forbiddenAccountIds", "httpProxy", "httpsProxy",
  "ignoreTags", "insecure", "maxRetries", "noProxy", "profile", "region", "retryMode", "s3UsEast1RegionalEndpoint", "s3UsePathStyle",
  "secretKey", "sharedConfigFiles", "sharedCredentialsFiles", "skipCredentialsValidation", "skipMetadataApiCheck",
  "skipRegionValidation", "skipRequestingAccountId", "stsRegion", "tagPolicyCompliance", "token", "tokenBucketRateLimiterCapacity",
  "useDualstackEndpoint", "useFipsEndpoint", "userAgents",
];

/**
 * The Kubernetes provider's config variables: the package schema's `config.variables`
 * (pulumi/pulumi-kubernetes provider/pkg/gen/schema.go: kubeconfig, context, cluster, namespace,
 * deleteUnreachable, skipUpdateUnreachable, enableServerSideApply, enableReplaceCRD,
 * enableConfigMapMutable, renderYamlToDirectory, suppressDeprecationWarnings,
 * suppressHelmHookWarnings, strictMode), plus the provider options the pinned 4.34.2 SDK adds in
 * provider.d.ts (enableSecretMutable, enablePatchForce, alwaysRender, clusterIdentifier,
 * upsertExistingObjects, kubeClientSettings, helmReleaseSettings).
 */
const KUBERNETES_KEYS: readonly string[] = [
  "kubeconfig", "context", "cluster", "namespace", "deleteUnreachable", "skipUpdateUnreachable", "enableServerSideApply",
  "enableReplaceCRD", "enableConfigMapMutable", "renderYamlToDirectory", "suppressDeprecationWarnings", "suppressHelmHookWarnings",
  "strictMode", "enableSecretMutable", "enablePatchForce", "alwaysRender", "clusterIdentifier", "upsertExistingObjects",
  "kubeClientSettings", "helmReleaseSettings",
];

/**
 * What Pulumi itself reads under `pulumi:`: stack tags, turning default providers off, and
 * auto-naming (https://www.pulumi.com/docs/iac/concepts/config/,
 * https://www.pulumi.com/docs/iac/concepts/resources/names/ "pulumi:autonaming").
 */
const PULUMI_KEYS: readonly string[] = ["tags", "disable-default-providers", "autonaming"];

export const PROVIDER_KEYS: Readonly<Record<string, readonly string[]>> = { aws: AWS_KEYS, kubernetes: KUBERNETES_KEYS, pulumi: PULUMI_KEYS };

/** A problem message for `ns:name` when the namespace has no such key, else undefined. */
export function providerKeyProblem(ns: string, name: string): string | undefined {
  const known = PROVIDER_KEYS[ns];
  if (!known) return undefined;
  // `pulumi config set --path aws:defaultTags.tags.team x` writes a nested mapping under
  // `aws:defaultTags`; a key written with the dots is a key of its own, which no provider reads.
  const head = name.split(".")[0];
  if (head !== name && known.includes(head)) {
    return `is read by nothing: the provider reads ${show(`${ns}:${head}`)} as a whole (write the rest nested under it, e.g. \`pulumi config set --path '${ns}:${name}' <value>\`)`;
  }
  if (known.includes(name)) return undefined;
  const near = didYouMean(head, known).replace(/"([^"]+)"/g, (_, n: string) => JSON.stringify(`${ns}:${n}`));
  return `is not a config key of ${show(ns)} (got ${JSON.stringify(name)}; allowed: ${known.map((k) => `${ns}:${k}`).join(", ")})${near}`;
}

const show = (s: string) => JSON.stringify(s);
