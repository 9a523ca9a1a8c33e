/**
 * Kubernetes' own rules for the strings we put into objects, so the plan refuses what the API
 * server would refuse at `pulumi up`. Ported from k8s.io/apimachinery/pkg/util/validation/validation.go
 * (https://github.com/kubernetes/apimachinery/blob/master/pkg/util/validation/validation.go):
 * IsDNS1123Label, IsDNS1123Subdomain, IsQualifiedName, IsValidLabelValue and
 * IsCIdentifier. Each returns the reasons a value fails ([] when it passes).
 */

export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;
export const QUALIFIED_NAME_MAX = 63;
export const LABEL_VALUE_MAX = 63;

const DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL}$`);
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);
// qualifiedNameFmt: alphanumeric at both ends, '-', '_' and '.' inside.
const QUALIFIED_NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const C_IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

const tooLong = (value: string, max: number) => (value.length > max ? [`must be no more than ${max} characters (got ${value.length})`] : []);

export function dns1123Label(value: string): string[] {
  return [
    ...tooLong(value, DNS1123_LABEL_MAX),
    ...(DNS1123_LABEL_RE.test(value) ? [] : ["must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit"]),
  ];
}

export function dns1123Subdomain(value: string): string[] {
  return [
    ...tooLong(value, DNS1123_SUBDOMAIN_MAX),
    ...(DNS1123_SUBDOMAIN_RE.test(value)
      ? []
      : ["must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit"]),
  ];
}

/** A label or annotation key: `[prefix/]name`, the prefix a DNS-1123 subdomain, the name at most 63 characters. */
export function qualifiedName(value: string): string[] {
  const parts = value.split("/");
  if (parts.length > 2) return ["must be a name with at most one '/' (an optional DNS subdomain prefix, e.g. example.com/my-key)"];
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  const problems: string[] = [];
  if (prefix !== undefined) {
    if (prefix.length === 0) problems.push("has an empty prefix before '/'");
    else problems.push(...dns1123Subdomain(prefix).map((p) => `prefix ${p}`));
  }
  if (name.length === 0) problems.push("has an empty name part");
  else {
    problems.push(...tooLong(name, QUALIFIED_NAME_MAX).map((p) => `name part ${p}`));
    if (!QUALIFIED_NAME_RE.test(name)) problems.push("name part must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit");
  }
  return problems;
}

/** A label value: empty, or at most 63 characters of the qualified-name alphabet. */
export function labelValue(value: string): string[] {
  if (value === "") return [];
  return [
    ...tooLong(value, LABEL_VALUE_MAX),
    ...(QUALIFIED_NAME_RE.test(value) ? [] : ["must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit"]),
  ];
}

/**
 * Environment variable names. The API accepts `[-._a-zA-Z][-._a-zA-Z0-9]*` (IsEnvVarName), and
 * since Kubernetes 1.34 any printable ASCII but '=' (KEP-4369, RelaxedEnvironmentVariableValidation:
 * alpha 1.30, beta 1.32, stable 1.34; https://www.kubernetes.dev/resources/keps/4369/). We require
 * a C identifier (IsCIdentifier): what every supported cluster version accepts, and what the
 * training script's shell and Python can both name.
 */
export function envVarName(value: string): string[] {
  return C_IDENTIFIER_RE.test(value) ? [] : ["must be a C identifier: letters, digits and '_', not starting with a digit"];
}
