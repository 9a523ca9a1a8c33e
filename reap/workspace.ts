/**
 * The real PulumiWorkspace over the Pulumi Automation API (LocalWorkspace on this project's
 * directory). The Automation API drives the `pulumi` CLI, so the CLI must be on PATH; without it
 * the reaper stops with PulumiCliMissing before anything else.
 */
import * as fs from "fs";
import * as path from "path";
import type { LocalWorkspace as LocalWorkspaceType, StackSummary } from "@pulumi/pulumi/automation";
import type { DeployedStack, DestroyOptions, PulumiWorkspace, StackResource, UpdateRecord } from "./types";

/** pulumi-kubernetes: destroy drops objects of an unreachable cluster from the state (pulumi/pulumi-kubernetes#2489). */
export const DELETE_UNREACHABLE_ENV = "PULUMI_K8S_DELETE_UNREACHABLE";

export const PULUMI_INSTALL_URL = "https://www.pulumi.com/docs/install/";

/** An expected failure of the reaper's setup: printed as its message alone. */
export class ReapSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReapSetupError";
  }
}

/** The first executable named `command` on PATH, or undefined. */
export function findOnPath(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const exts = process.platform === "win32" ? (env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";") : [""];
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    for (const ext of exts) {
      const candidate = path.join(dir, command + ext);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export function requirePulumiCli(env: NodeJS.ProcessEnv = process.env): string {
  const found = findOnPath("pulumi", env);
  if (!found) {
    throw new ReapSetupError(
      `npm run reap needs the Pulumi CLI (${PULUMI_INSTALL_URL}): no \`pulumi\` on PATH. ` +
        "The reaper lists and destroys stacks through the Pulumi Automation API, which runs the CLI. " +
        "Install it, log in to the backend that holds this project's stacks (`pulumi login`), and run again.",
    );
  }
  return found;
}

/** A PulumiWorkspace on the project in `projectDir`; destroy output is streamed to `onOutput`. */
export async function openWorkspace(projectDir: string, onOutput: (text: string) => void): Promise<PulumiWorkspace> {
  requirePulumiCli();
  // Loaded here, not at the top: `--help` and the missing-CLI message need none of it.
  const { LocalWorkspace, Stack } = await import("@pulumi/pulumi/automation");
  let ws: LocalWorkspaceType;
  try {
    ws = await LocalWorkspace.create({ workDir: projectDir });
  } catch (e) {
    throw new ReapSetupError(`the Pulumi CLI could not open this project: ${firstLine(e)}`);
  }
  return {
    async listStacks(): Promise<DeployedStack[]> {
      let stacks: StackSummary[];
      try {
        stacks = await ws.listStacks();
      } catch (e) {
        throw new ReapSetupError(`cannot list the stacks of this project (is \`pulumi login\` done?): ${firstLine(e)}`);
      }
      return stacks.map((s) => ({
        name: s.name,
        lastUpdate: s.lastUpdate ? validDate(s.lastUpdate) : undefined,
        updateInProgress: s.updateInProgress ?? false,
        resourceCount: s.resourceCount,
      }));
    },
    async outputs(stack: string): Promise<Record<string, unknown>> {
      const map = await ws.stackOutputs(stack);
      return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, (v as { value: unknown }).value]));
    },
    async resources(stack: string): Promise<StackResource[]> {
      const exported = await ws.exportStack(stack);
      const resources = (exported.deployment?.resources ?? []) as Record<string, unknown>[];
      return resources.map((r) => ({
        type: String(r.type),
        urn: String(r.urn),
        retainOnDelete: r.retainOnDelete === true,
        protect: r.protect === true,
        ...(r.external === true ? { external: true } : {}),
        inputs: r.inputs as Record<string, unknown> | undefined,
        outputs: r.outputs as Record<string, unknown> | undefined,
      }));
    },
    async history(stack: string, count: number): Promise<UpdateRecord[]> {
      const selected = await Stack.select(stack, ws);
      const entries = await selected.history(count, 1, false);
      return entries.map((u) => ({ kind: u.kind, result: u.result, startTime: validTime(u.startTime), endTime: validTime(u.endTime) }));
    },
    async destroy(stack: string, options: DestroyOptions = {}): Promise<void> {
      const selected = await Stack.select(stack, ws);
      if (options.clusterGone) ws.envVars[DELETE_UNREACHABLE_ENV] = "true";
      try {
        // continueOnError: one resource that cannot go (a DependencyViolation, a denied action)
        // must not leave the NAT gateway, control plane and nodes billing behind it.
        await selected.destroy({
          onOutput,
          continueOnError: true,
          message: options.clusterGone ? "npm run reap: retrying the destroy of a stack whose cluster is gone" : "npm run reap: idle beyond idle.clusterIdleMinutes",
        });
      } finally {
        delete ws.envVars[DELETE_UNREACHABLE_ENV];
      }
    },
  };
}

/** The CLI prints a zero or missing endTime for an update still running. */
function validTime(d: Date | undefined): Date | undefined {
  return d instanceof Date && !Number.isNaN(d.getTime()) && d.getTime() > 0 ? d : undefined;
}

function validDate(text: string): Date | undefined {
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).trim().split("\n")[0];
}
