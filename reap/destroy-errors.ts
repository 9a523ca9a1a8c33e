/**
 * A failed `pulumi destroy`, in full and classified, with the next step. The Automation API's
 * CommandError message is `code: N\n stdout: ...\n stderr: ...\n err?: ...`
 * (@pulumi/pulumi automation/cmd.js CommandResult.toString): its first line says nothing, the
 * cause is in stderr. Pure.
 */

export type DestroyFailureKind = "lock-held" | "dependency-violation" | "access-denied" | "expired-credentials" | "cluster-unreachable" | "other";

export interface DestroyFailure {
  readonly kind: DestroyFailureKind;
  /** The whole error as Pulumi printed it (stderr, else the message). */
  readonly text: string;
  /** What to do, one line. */
  readonly next: string;
}

/** Patterns, most specific first; each from the tool that prints it. */
const KINDS: readonly { readonly kind: DestroyFailureKind; readonly test: RegExp; readonly next: (stack: string) => string }[] = [
  {
    // Self-managed backends: "the stack is currently locked by 1 lock(s). Either wait for the other
    // process(es) to end or delete the lock file with `pulumi cancel`."; Pulumi Cloud: "[409] Conflict:
    // Another update is currently in progress." (Automation API ConcurrentUpdateError).
    kind: "lock-held",
    test: /currently locked by|Another update is currently in progress|\[409\] Conflict|ConcurrentUpdateError/i,
    next: (s) => `another update holds the stack's lock; if no \`pulumi\` process still runs on it (a killed reaper leaves the lock), run \`pulumi cancel --stack ${s} --yes\`, then re-run npm run reap`,
  },
  {
    kind: "expired-credentials",
    test: /ExpiredToken|RequestExpired|security token included in the request is expired|token has expired|InvalidClientTokenId|no valid credential sources|failed to refresh cached credentials/i,
    next: () => "the AWS credentials have expired or are invalid: refresh them (a new session or OIDC token with a duration longer than the slowest destroy), then re-run npm run reap",
  },
  {
    kind: "access-denied",
    test: /AccessDenied|UnauthorizedOperation|is not authorized to perform|Forbidden: .* cannot/i,
    next: () => "the teardown credentials lack a permission (the action is named above): add it to the role from docs/teardown.md, then re-run npm run reap (it retries the destroy)",
  },
  {
    kind: "dependency-violation",
    test: /DependencyViolation|has dependencies and cannot be deleted|resource .* has a dependent object/i,
    next: () => "something created outside the stack still uses a resource of it (a LoadBalancer Service's load balancer or security group, an ENI, an EBS volume): delete that (see 'left billing'), then re-run npm run reap",
  },
  {
    kind: "cluster-unreachable",
    test: /configured Kubernetes cluster is unreachable|PULUMI_K8S_DELETE_UNREACHABLE/i,
    next: () => "the cluster's API no longer answers: if the EKS cluster is gone, the next run retries with PULUMI_K8S_DELETE_UNREACHABLE=true once its endpoint no longer resolves",
  },
];

export function classifyDestroyError(e: unknown, stack: string): DestroyFailure {
  const text = errorText(e);
  const hit = KINDS.find((k) => k.test.test(text));
  return hit ? { kind: hit.kind, text, next: hit.next(stack) } : { kind: "other", text, next: "read the error above; fix its cause, then re-run npm run reap (it retries the destroy)" };
}

/**
 * What the CLI wrote to stderr (where it writes the cause), else the whole message. The Automation
 * API keeps the process error as `commandResult.err`, whose `stderr` is the CLI's alone, while
 * `commandResult.stderr` may hold the process error's message (command line, stderr and stdout).
 */
export function errorText(e: unknown): string {
  const result = (e as { commandResult?: { stderr?: unknown; err?: { stderr?: unknown } } } | undefined)?.commandResult;
  const cli = typeof result?.err?.stderr === "string" ? result.err.stderr : typeof result?.stderr === "string" ? result.stderr : undefined;
  if (cli && cli.trim() && !cli.startsWith("Command failed with exit code")) return cli.trim();
  const message = e instanceof Error ? e.message : String(e);
  const stderr = /\n stderr: ([\s\S]*?)\n err\?: ([\s\S]*)$/.exec(message);
  if (!stderr) return message.trim();
  // err? repeats stderr after the command line; it only matters when stderr is empty.
  return stderr[1].trim() || stderr[2].trim() || message.trim();
}
