/**
 * Which cluster and which experiments `npm run status` / `npm run logs` look at:
 *
 * - `--kubeconfig PATH` (and `--context`): that cluster, for any stack; no Pulumi CLI involved;
 * - a `cluster.mode: existing` stack: the kubeconfig and context its stack file names (the
 *   default kubeconfig when it names none, as the Kubernetes provider does);
 * - any other stack: the `kubeconfig` output of the stack that owns the cluster (the stack
 *   itself, or the `cluster.stack` it reuses), read through the Pulumi Automation API, which
 *   runs the `pulumi` CLI (https://www.pulumi.com/docs/iac/automation-api/).
 *
 * The experiment is the stack file's `experiment.name`, in the stack's own namespace
 * (config/names.ts stackNamespace); a stack without one (a cluster-only stack) means every
 * experiment on its cluster, in every namespace. The stack file is read leniently: status must
 * work for a stack whose configuration no longer passes every rule.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { NAMESPACE, RawConfig } from "../config/load";
import { stackNamespace } from "../config/names";
import { listStacks, readStackFile, resolveStackArg } from "../config/stack-file";
import { PULUMI_INSTALL_URL, findOnPath } from "../reap/workspace";
import type { KubeconfigSource } from "./kube-client";

/**
 * The stack used when none is named: the same as `npm run plan`'s (tools/plan.ts DEFAULT_STACK,
 * not imported so that these commands do not load the Pulumi SDK; a test keeps them equal).
 */
export const DEFAULT_STACK = "t4-smoke";

/**
 * The stack output holding a cluster's kubeconfig: components/target.ts CLUSTER_OUTPUTS.kubeconfig
 * (not imported: that module loads the Pulumi Kubernetes SDK; a test keeps them equal).
 */
export const KUBECONFIG_OUTPUT = "kubeconfig";

/** An expected failure: printed as `error: <message>` alone, exit status 1. */
export class StatusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StatusError";
  }
}

export interface Target {
  readonly stack: string;
  /** The stack's experiment; undefined for a cluster-only stack (every experiment on the cluster). */
  readonly experiment?: string;
  /**
   * Where the experiment's runs are: the stack's namespace when the experiment is the stack
   * file's own; undefined for one named with --experiment, looked for in every namespace.
   */
  readonly namespace?: string;
  readonly kubeconfig: KubeconfigSource;
}

export interface TargetOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  /** Overrides the stack file's experiment (for cluster-only stacks). */
  readonly experiment?: string;
}

/** Stack outputs (secrets revealed) of a stack of this project: the Automation API seam. */
export type StackOutputsReader = (stack: string) => Promise<Record<string, unknown>>;

export interface TargetDeps {
  readonly projectDir: string;
  readonly stackOutputs: StackOutputsReader;
  readonly env?: NodeJS.ProcessEnv;
}

export async function resolveTarget(deps: TargetDeps, stackArg: string, options: TargetOptions): Promise<Target> {
  const { file, isPath } = resolveStackArg(deps.projectDir, stackArg);
  if (!fs.existsSync(file)) {
    const known = listStacks(deps.projectDir);
    throw new StatusError(isPath ? `no stack file at ${stackArg}` : `unknown stack "${stackArg}": there is no ${path.join("stacks", `Pulumi.${stackArg}.yaml`)} (stacks: ${known.join(", ") || "none"})`);
  }
  const stackFile = readStackFile(file);
  const raw = stackFile.config;
  const own = experimentName(raw);
  const experiment = options.experiment ?? own;
  const stack = stackFile.stack;
  const namespace = own !== undefined && experiment === own ? stackNamespace(stack) : undefined;
  if (options.kubeconfig) {
    return { stack, experiment, namespace, kubeconfig: { files: [readableKubeconfig(options.kubeconfig, "--kubeconfig")], context: options.context, origin: options.kubeconfig } };
  }
  const cluster = decode(raw[`${NAMESPACE}:cluster`]) as { mode?: unknown; stack?: unknown; organization?: unknown; kubeconfigPath?: unknown; context?: unknown } | undefined;
  const mode = cluster?.mode ?? "create";
  if (mode === "existing") {
    const given = typeof cluster?.kubeconfigPath === "string" ? cluster.kubeconfigPath : undefined;
    const context = options.context ?? (typeof cluster?.context === "string" ? cluster.context : undefined);
    if (given) return { stack, experiment, namespace, kubeconfig: { files: [readableKubeconfig(given, `cluster.kubeconfigPath of stack ${stack}`)], context, origin: given } };
    const files = defaultKubeconfigs(deps.env ?? process.env);
    return { stack, experiment, namespace, kubeconfig: { files, context, origin: files.join(path.delimiter) } };
  }
  // The same fully qualified name components/target.ts gives its StackReference: org/project/stack.
  const org = typeof cluster?.organization === "string" && cluster.organization ? cluster.organization : undefined;
  const owner = mode === "reuse" && typeof cluster?.stack === "string" ? (org ? `${org}/${NAMESPACE}/${cluster.stack}` : cluster.stack) : stack;
  const kubeconfig = await kubeconfigOutput(deps, stack, owner);
  return { stack, experiment, namespace, kubeconfig: { text: kubeconfig, context: options.context, origin: `output of stack ${owner}` } };
}

async function kubeconfigOutput(deps: TargetDeps, stack: string, owner: string): Promise<string> {
  let outputs: Record<string, unknown>;
  try {
    outputs = await deps.stackOutputs(owner);
  } catch (e) {
    if (e instanceof StatusError) throw e;
    throw new StatusError(`cannot read the outputs of stack ${owner} (is \`pulumi login\` done and the stack deployed?): ${(e instanceof Error ? e.message : String(e)).trim().split("\n")[0]}`);
  }
  const value = outputs[KUBECONFIG_OUTPUT];
  if (value === undefined || value === null || value === "") {
    throw new StatusError(`stack ${owner} has no ${KUBECONFIG_OUTPUT} output${owner === stack ? "" : ` (stack ${stack} runs on its cluster)`}: run \`pulumi up\` on it first, or pass --kubeconfig PATH`);
  }
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The real reader: the Automation API on this project, which needs the `pulumi` CLI on PATH. */
export function automationOutputs(projectDir: string, env: NodeJS.ProcessEnv = process.env): StackOutputsReader {
  return async (stack) => {
    if (!findOnPath("pulumi", env)) {
      throw new StatusError(
        `the kubeconfig of stack ${stack} is a stack output, read with the Pulumi CLI (${PULUMI_INSTALL_URL}): no \`pulumi\` on PATH. ` +
          "Install it and `pulumi login`, or pass --kubeconfig PATH",
      );
    }
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
    const ws = await LocalWorkspace.create({ workDir: projectDir });
    let map: Record<string, unknown>;
    try {
      map = await ws.stackOutputs(stack);
    } catch (e) {
      throw new Error(pulumiFailure(e));
    }
    return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, (v as { value: unknown }).value]));
  };
}

/**
 * Why a Pulumi CLI command failed: the first `error:` line of its stderr. The Automation API's
 * CommandError message begins with "code: N" and keeps the reason further down
 * (@pulumi/pulumi automation/errors.ts, commandResult.stderr).
 */
export function pulumiFailure(e: unknown): string {
  const stderr = (e as { commandResult?: { stderr?: unknown } })?.commandResult?.stderr;
  const line = typeof stderr === "string" ? stderr.split("\n").map((l) => l.trim()).find((l) => /^error:/.test(l)) : undefined;
  if (line) return line.replace(/^error:\s*/, "");
  const text = (e instanceof Error ? e.message : String(e)).trim();
  return text.split("\n").map((l) => l.trim()).find((l) => /^(stderr: )?error:/.test(l))?.replace(/^(stderr: )?error:\s*/, "") ?? text.split("\n")[0];
}

export function experimentName(raw: RawConfig): string | undefined {
  const experiment = decode(raw[`${NAMESPACE}:experiment`]) as { name?: unknown } | undefined;
  return typeof experiment?.name === "string" && experiment.name ? experiment.name : undefined;
}

function decode(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/**
 * The files of $KUBECONFIG that exist (merged, the first one's current context winning), else
 * ~/.kube/config, as kubectl reads them: "The KUBECONFIG environment variable holds a list of
 * kubeconfig files ... Ignore files that don't exist"
 * (https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/#merging-kubeconfig-files).
 */
export function defaultKubeconfigs(env: NodeJS.ProcessEnv): string[] {
  const listed = (env.KUBECONFIG ?? "").split(path.delimiter).filter(Boolean);
  if (listed.length === 0) return [readableKubeconfig(path.join(os.homedir(), ".kube", "config"), "the default kubeconfig")];
  const present = listed.filter((f) => fs.existsSync(expand(f))).map(expand);
  if (present.length === 0) throw new StatusError(`cannot read the kubeconfig: none of the files in $KUBECONFIG exists (${listed.join(path.delimiter)})`);
  return present;
}

function expand(file: string): string {
  return file.startsWith("~/") ? path.join(os.homedir(), file.slice(2)) : path.resolve(file);
}

/** The absolute path of a kubeconfig file that can be read, or a StatusError naming it. */
function readableKubeconfig(file: string, what: string): string {
  const resolved = expand(file);
  try {
    fs.accessSync(resolved, fs.constants.R_OK);
    if (!fs.statSync(resolved).isFile()) throw Object.assign(new Error("not a file"), { code: "not a file" });
    return resolved;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StatusError(`cannot read the kubeconfig ${file} (${what}): ${code === "ENOENT" ? "no such file" : code ?? String(e)}`);
  }
}
