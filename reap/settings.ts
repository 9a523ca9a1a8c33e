/**
 * A stack's idle settings as deployed, and as its file says. The program exports its plan as the
 * `summary` output (program.ts deploy), and the plan carries `idle.clusterIdleMinutes` and
 * `idle.protected` (plan/plan.ts IdlePlan): what was deployed decides, wherever the reaper runs.
 * Protection is the exception that fails safe: a stack file that protects a stack keeps it too,
 * until the two agree. Pure.
 */
import type { StackSpec } from "../config/spec";
import type { Observed } from "./decide";

export interface IdleSettings {
  readonly clusterIdleMinutes: number;
  readonly protected: boolean;
  /** Where the values come from. */
  readonly source: "deployed" | "stack file";
  /** The stack file disagrees with what was deployed: what differs and what to do. */
  readonly mismatch?: string;
}

/** The idle settings in a stack's outputs, or undefined when it exports none (deployed before they were exported). */
export function deployedIdle(outputs: Record<string, unknown> | undefined): { clusterIdleMinutes: number; protected: boolean } | undefined {
  const summary = outputs?.summary;
  const idle = summary && typeof summary === "object" ? (summary as { idle?: unknown }).idle : undefined;
  if (!idle || typeof idle !== "object") return undefined;
  const { clusterIdleMinutes, protected: isProtected } = idle as { clusterIdleMinutes?: unknown; protected?: unknown };
  if (typeof clusterIdleMinutes !== "number" || typeof isProtected !== "boolean") return undefined;
  return { clusterIdleMinutes, protected: isProtected };
}

export function idleSettings(deployed: ReturnType<typeof deployedIdle>, spec: Observed<StackSpec>): Observed<IdleSettings> {
  const file = spec.ok ? spec.value.idle : undefined;
  if (!deployed) {
    return file ? { ok: true, value: { clusterIdleMinutes: file.clusterIdleMinutes, protected: file.protected, source: "stack file" } } : { ok: false, error: spec.ok ? "no idle settings" : spec.error };
  }
  const differs: string[] = [];
  if (file && file.clusterIdleMinutes !== deployed.clusterIdleMinutes) differs.push(`clusterIdleMinutes ${file.clusterIdleMinutes} in the file, ${deployed.clusterIdleMinutes} deployed`);
  if (file && file.protected !== deployed.protected) differs.push(`protected ${file.protected} in the file, ${deployed.protected} deployed`);
  return {
    ok: true,
    value: {
      clusterIdleMinutes: deployed.clusterIdleMinutes,
      protected: deployed.protected || file?.protected === true,
      source: "deployed",
      ...(differs.length > 0 ? { mismatch: `the stack file differs from what was deployed (${differs.join("; ")}): the deployed values decide${file?.protected && !deployed.protected ? ", but the file's protection keeps it too" : ""}; \`pulumi up\` the stack to make them agree` } : {}),
    },
  };
}
