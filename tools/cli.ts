/** Shared command-line plumbing: argument errors and ConfigErrors end the process cleanly. */
import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../config/errors";
import { resolveStackArg } from "../config/stack-file";
import { Target, TargetOptions, automationOutputs, resolveTarget } from "../status/target";

/** The project directory: every tool lives in tools/. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** The parsed arguments, or undefined once `--help` has printed the usage (the command then exits 0). */
export function unlessHelp<A>(parsed: A | "help", usage: string): A | undefined {
  if (parsed !== "help") return parsed;
  process.stdout.write(`${usage}\n`);
  return undefined;
}

/** The cluster of a stack as status, logs, exec and dev find it: `--kubeconfig`, or the stack's kubeconfig output. */
export function stackTarget(stack: string, options: TargetOptions): Promise<Target> {
  return resolveTarget({ projectDir: PROJECT_DIR, stackOutputs: automationOutputs(PROJECT_DIR) }, stack, options);
}

export class UsageError extends Error {}

/** An expected failure told in one line, without the usage text. */
export class CommandError extends Error {}

/** The stack file a command-line argument names; a usage error when there is none. */
export function existingStackFile(projectDir: string, nameOrPath: string): string {
  const { file, isPath } = resolveStackArg(projectDir, nameOrPath);
  if (!fs.existsSync(file)) {
    throw new UsageError(isPath ? `no stack file at ${nameOrPath}` : `no stack "${nameOrPath}" (expected ${path.relative(process.cwd(), file)})`);
  }
  return file;
}

/** Run a command's main; expected failures print their message alone and exit non-zero. */
export function runMain(main: () => Promise<number | void>, usage: string): void {
  main().then(
    (code) => {
      process.exitCode = code ?? 0;
    },
    (e: unknown) => {
      if (e instanceof UsageError) {
        process.stderr.write(`error: ${e.message}\n\n${usage}\n`);
        process.exitCode = 2;
      } else if (e instanceof CommandError) {
        process.stderr.write(`error: ${e.message}\n`);
        process.exitCode = 2;
      } else if (e instanceof ConfigError) {
        process.stderr.write(`error: ${e.message}\n`);
        process.exitCode = 1;
      } else {
        // A bug, not bad input: keep the stack so it can be reported.
        process.stderr.write(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exitCode = 70;
      }
    },
  );
}
