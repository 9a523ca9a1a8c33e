/**
 * OCI image references, parsed by the grammar container runtimes use
 * (distribution/reference, https://github.com/distribution/reference/blob/main/reference.go):
 *
 *   reference      := name [ ":" tag ] [ "@" digest ]
 *   name           := [ domain "/" ] path-component [ "/" path-component ]*
 *   domain         := domain-component [ "." domain-component ]* [ ":" port ]
 *   path-component := [a-z0-9]+ ( separator [a-z0-9]+ )*   separator := [_.] | "__" | "-"+
 *   tag            := [\w][\w.-]{0,127}
 *   digest         := algorithm ":" hex   (we pin sha256: exactly 64 lower-case hex digits)
 *
 * The first component is a registry when it holds a '.' or a ':' or is `localhost`
 * (splitDockerDomain in normalize.go); the whole name is at most 255 characters (NameTotalLengthMax).
 */

export interface ImageReference {
  /** Registry host[:port], undefined for Docker Hub shorthand (`pytorch/pytorch`). */
  readonly registry?: string;
  /** Repository path, e.g. `pytorch/pytorch`. */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

export const NAME_TOTAL_LENGTH_MAX = 255;
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN_RE = new RegExp(`^${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
export const SHA256_DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

export type ParsedReference = { readonly ok: true; readonly ref: ImageReference } | { readonly ok: false; readonly problems: readonly string[] };

export function parseImageReference(text: string): ParsedReference {
  const problems: string[] = [];
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!SHA256_DIGEST_RE.test(digest)) problems.push(`has digest ${JSON.stringify(digest)}, which is not sha256: and 64 lower-case hex digits`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.indexOf(":", lastSlash + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) problems.push(`has tag ${JSON.stringify(tag)}, which is not 1-128 letters, digits, '_', '.' or '-' starting with a letter, digit or '_'`);
  }
  if (rest.length === 0) return { ok: false, problems: ["has no repository name", ...problems] };
  if (rest.length > NAME_TOTAL_LENGTH_MAX) problems.push(`has a name of ${rest.length} characters (at most ${NAME_TOTAL_LENGTH_MAX})`);
  const parts = rest.split("/");
  let registry: string | undefined;
  if (parts.length > 1 && (parts[0].includes(".") || parts[0].includes(":") || parts[0] === "localhost")) {
    registry = parts.shift()!;
    if (!DOMAIN_RE.test(registry)) problems.push(`has registry ${JSON.stringify(registry)}, which is not a host name with an optional :port`);
  }
  for (const part of parts) {
    if (!PATH_COMPONENT_RE.test(part)) {
      problems.push(`has path component ${JSON.stringify(part)}, which must be lower-case letters and digits, separated by '.', '_', '__' or '-'`);
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, ref: { registry, path: parts.join("/"), tag, digest } };
}

/** Docker Hub spellings of one repository: `pytorch/pytorch`, `docker.io/pytorch/pytorch`, `index.docker.io/...`. */
export function normalizedRepository(ref: Pick<ImageReference, "registry" | "path">): string {
  const registry = ref.registry === undefined || ref.registry === "index.docker.io" || ref.registry === "registry-1.docker.io" ? "docker.io" : ref.registry;
  const path = registry === "docker.io" && !ref.path.includes("/") ? `library/${ref.path}` : ref.path;
  return `${registry}/${path}`;
}
