/**
 * `npm run exec -- [STACK|PATH] [--kubeconfig PATH] [--context NAME] [--follow] [--env K=V]...`:
 * the stack's experiment, with its workdir as it is now, submitted as a new run on the stack's
 * cluster without `pulumi up`. The objects come from the plan's builders (k8s/experiment.ts), so
 * the run has the stack's image, GPUs, volumes, secrets (by reference), launcher and Kueue queue;
 * k8s/exec-run.ts names and labels it as submitted outside the stack, with a TTL. The cluster is
 * found as `npm run status` finds it (status/target.ts).
 */
import { randomBytes } from "crypto";
import { checkStack } from "../checks";
import { NAMESPACE, RawConfig } from "../config/load";
import { readStackFile, resolveStackArg, stackConfigReader } from "../config/stack-file";
import { buildExperimentObjects, experimentInput } from "../k8s/experiment";
import { ExecRun, execRun, execRunName } from "../k8s/exec-run";
import { readLauncherFiles } from "../components/launcher-files";
import { connectKube } from "../status/kube-client";
import { DEFAULT_STACK } from "../status/target";
import { PROJECT_DIR, UsageError, runMain, stackTarget, unlessHelp } from "./cli";
import { checkPreconditions, firstAdmission, runResult, submit } from "./exec-submit";
import { followRank0 } from "./logs";
import { takeValue } from "./status";
import { clusterFailure } from "./cluster-errors";

/**
 * The Pulumi project, whose name is the config namespace (Pulumi.yaml `name`). Not imported from
 * tools/plan-runner.ts, which loads the Pulumi SDK: a second of start-up this command does not need.
 */
const PROJECT = NAMESPACE;

export const USAGE = `usage: npm run exec -- [STACK|PATH] [--kubeconfig PATH] [--context NAME] [--follow] [--env NAME=VALUE]...

Submits the experiment of STACK (default ${DEFAULT_STACK}), with its workdir as it is now, as a new run
on the stack's cluster, without \`pulumi up\`. Kueue queues it like any run; \`pulumi up\` never touches
it; it is deleted a day after it finishes.

  --follow, -f       stream rank 0's log, then exit with the run's result (0 succeeded, 1 failed)
  --env NAME=VALUE   add or override one variable of experiment.env for this run (repeatable)
  --kubeconfig PATH  submit to this cluster; otherwise as \`npm run status\` finds it
  --context NAME     a context of that kubeconfig
  --help             this text

Exit status: 0 submitted (or, with --follow, succeeded); 1 the cluster refused it, cannot admit it,
or the run failed; 2 bad arguments or stack.`;

export interface ExecArgs {
  readonly stack: string;
  readonly follow: boolean;
  readonly env: Readonly<Record<string, string>>;
  readonly kubeconfig?: string;
  readonly context?: string;
}

export function parseExecArgs(argv: readonly string[]): ExecArgs | "help" {
  let stack: string | undefined;
  let follow = false;
  const env: Record<string, string> = {};
  const options: { kubeconfig?: string; context?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return "help";
    const valued = takeValue(argv, i, ["--kubeconfig", "--context", "--env"]);
    if (valued) {
      i = valued.next;
      if (valued.name === "--env") {
        const eq = valued.value.indexOf("=");
        if (eq <= 0) throw new UsageError(`--env takes NAME=VALUE (got ${valued.value})`);
        env[valued.value.slice(0, eq)] = valued.value.slice(eq + 1);
      } else options[valued.name.slice(2) as "kubeconfig" | "context"] = valued.value;
    } else if (arg === "--follow" || arg === "-f") follow = true;
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else if (stack) throw new UsageError(`one stack at a time (got ${stack} and ${arg})`);
    else stack = arg;
  }
  return { stack: stack ?? DEFAULT_STACK, follow, env, ...options };
}

/**
 * The stack's configuration with `--env` merged into `experiment.env`, so the schema and rules
 * judge the extra variables as they judge the file's (`experiment.env.RANK` is refused, ...).
 */
export function withExtraEnv(raw: RawConfig, extra: Readonly<Record<string, string>>): RawConfig {
  const key = `${NAMESPACE}:experiment`;
  if (Object.keys(extra).length === 0 || raw[key] === undefined) return raw;
  const experiment = JSON.parse(raw[key]) as { env?: Record<string, string> };
  return { ...raw, [key]: JSON.stringify({ ...experiment, env: { ...experiment.env, ...extra } }) };
}

/** The exec run of a stack file: every offline check, then the plan's builders under a fresh name. */
export function buildExecRun(projectDir: string, stackFile: string, extraEnv: Readonly<Record<string, string>>, nonce: string): { run: ExecRun; stack: string; localQueue?: string; verdict: ReturnType<typeof checkStack> } {
  const file = readStackFile(stackFile);
  const isSecret = (key: string) => file.secretKeys.includes(key);
  const verdict = checkStack({ raw: withExtraEnv(file.config, extraEnv), load: { project: PROJECT, stack: file.stack, readStackConfig: stackConfigReader(projectDir), isSecret }, projectDir });
  const { spec, plan, archive } = verdict;
  if (!spec.experiment || !plan.experiment) throw new UsageError(`stack "${file.stack}" has no experiment to run (a cluster-only stack)`);
  if (plan.experiment.image.build) {
    throw new UsageError(`stack "${file.stack}" builds its image with \`pulumi up\` (image ${plan.experiment.image.resolved}); exec runs only pinned images: run \`pulumi up\` for this stack`);
  }
  const shipped = archive ? { archiveBase64: archive.gzip.toString("base64"), sha256: archive.summary.sha256 } : undefined;
  const input = { ...experimentInput(spec, plan, readLauncherFiles(), shipped), runName: execRunName(spec.experiment.name, nonce) };
  return { run: execRun(buildExperimentObjects(input)), stack: file.stack, localQueue: plan.queueing.localQueue, verdict };
}

async function main(): Promise<number> {
  const args = unlessHelp(parseExecArgs(process.argv.slice(2)), USAGE);
  if (!args) return 0;
  try {
    // Target first: a stack that cannot be found or a kubeconfig that cannot be read is one line.
    const target = await stackTarget(args.stack, args);
    const { file } = resolveStackArg(PROJECT_DIR, args.stack);
    const built = buildExecRun(PROJECT_DIR, file, args.env, randomBytes(3).toString("hex").slice(0, 5));
    const { run, verdict } = built;
    const experiment = verdict.spec.experiment!;
    const kube = await connectKube(target.kubeconfig);
    const namespace = verdict.plan.queueing.namespace;
    await checkPreconditions(kube, { stack: built.stack, experiment, localQueue: built.localQueue, namespace });
    const created = await submit(kube, run);
    process.stderr.write(`exec: created ${run.kind} ${created.name} on ${kube.server}${built.localQueue ? ` in LocalQueue ${built.localQueue}` : ""}\n`);
    const admission = built.localQueue ? await firstAdmission(kube, run, created) : { state: "unknown" as const };
    if (admission.state === "admitted") process.stderr.write("exec: admitted by Kueue\n");
    else if (admission.state === "queued") process.stderr.write(`exec: queued by Kueue: ${admission.why}\n`);
    if (!args.follow) {
      process.stdout.write(`${created.name}\n`);
      process.stderr.write(`exec: npm run status -- ${built.stack}; npm run logs -- ${built.stack} --follow\n`);
      return 0;
    }
    await followRank0(kube, namespace, run.kind, created.name);
    const result = await runResult(kube, run, created);
    process.stderr.write(`exec: ${result.text}\n`);
    return result.code;
  } catch (e) {
    return clusterFailure(e);
  }
}

if (require.main === module) runMain(main, USAGE);
