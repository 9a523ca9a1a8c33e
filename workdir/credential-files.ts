/**
 * Files of a workdir that look like credentials. The archive travels in plain text: a ConfigMap's
 * binaryData (readable by anyone who can read ConfigMaps in the namespace) and the Pulumi state.
 * So a file named like a credential is refused unless `experiment.workdirAllow` lists it; secret
 * values reach the pods through `secretEnv` instead. The list is by file name, so it costs nothing
 * to check and names the file in the error; docs/training-job.md repeats it.
 */
import type { Problem } from "../config/errors";
import { show } from "../config/errors";

export const WORKDIR_ALLOW_KEY = "experiment.workdirAllow";

/** One kind of credential file: a test on the file's base name, and what such a file usually holds. */
export interface CredentialPattern {
  readonly pattern: string;
  readonly test: (base: string) => boolean;
  readonly holds: string;
}

const named = (names: readonly string[]) => (base: string) => names.includes(base);
const endsWith = (ext: string) => (base: string) => base.toLowerCase().endsWith(ext);

export const CREDENTIAL_PATTERNS: readonly CredentialPattern[] = [
  { pattern: ".env, .env.*", test: (b) => b === ".env" || b.startsWith(".env."), holds: "API keys and tokens for dotenv loaders" },
  { pattern: "*.pem", test: endsWith(".pem"), holds: "TLS and SSH private keys" },
  { pattern: "*.key", test: endsWith(".key"), holds: "private keys" },
  { pattern: "*.p12, *.pfx", test: (b) => endsWith(".p12")(b) || endsWith(".pfx")(b), holds: "certificates with their private keys" },
  { pattern: "id_rsa, id_dsa, id_ecdsa, id_ed25519", test: named(["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"]), holds: "SSH private keys (the .pub halves ship)" },
  { pattern: "credentials", test: named(["credentials"]), holds: "AWS access keys (~/.aws/credentials)" },
  { pattern: ".netrc", test: named([".netrc", "_netrc"]), holds: "logins curl, git and pip use for hosts" },
  { pattern: ".pypirc", test: named([".pypirc"]), holds: "PyPI upload tokens" },
  { pattern: ".git-credentials", test: named([".git-credentials"]), holds: "git's stored passwords and tokens" },
];

function looksLikeCredential(file: string): boolean {
  const base = file.slice(file.lastIndexOf("/") + 1);
  return CREDENTIAL_PATTERNS.some((p) => p.test(base));
}

/**
 * Problems for the shipped files (paths relative to the workdir) that look like credentials and
 * are not in `allow`, and for `allow` entries that name no shipped file (a typo allows nothing).
 */
export function credentialFileProblems(files: readonly string[], allow: readonly string[]): Problem[] {
  const allowed = new Set(allow.map((a) => a.replace(/^\.\//, "")));
  const found = files.filter((f) => looksLikeCredential(f) && !allowed.has(f));
  const problems: Problem[] = [];
  if (found.length > 0) {
    problems.push({
      path: "experiment.workdir",
      message: `ships files that look like credentials: ${found.join(", ")}; the workdir is stored in plain text (a ConfigMap and the Pulumi state), so pass secret values with secretEnv and add these files to the workdir's .gitignore, or list each file that holds no secret in ${WORKDIR_ALLOW_KEY} (e.g. ${show([found[0]])})`,
    });
  }
  allow.forEach((entry, i) => {
    if (!files.includes(entry.replace(/^\.\//, ""))) problems.push({ path: `${WORKDIR_ALLOW_KEY}[${i}]`, message: `names no file the workdir ships (got ${show(entry)}; give its path relative to experiment.workdir)` });
  });
  return problems;
}
