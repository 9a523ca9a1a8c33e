/** Build raw Pulumi config (namespace:key → JSON string) from plain objects, as Pulumi stores it. */
import { ConfigError } from "../../config/errors";
import { RawConfig, loadStackSpec } from "../../config/load";
import type { StackSpec } from "../../config/spec";

export function raw(config: Record<string, unknown>, extra: Record<string, string> = {}): RawConfig {
  const out: Record<string, string> = { ...extra };
  for (const [k, v] of Object.entries(config)) out[`gpu-training-clusters:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  return out;
}

export const T4_POOL = { name: "t4", gpu: "t4", maxNodes: 1 };

/** Load a stack description; `aws:region` is set as every AWS stack must (pass `region: null` to leave it out). */
export function load(config: Record<string, unknown>, others: Record<string, RawConfig> = {}, region: string | null = "us-east-1"): StackSpec {
  return loadStackSpec(raw(config, region ? { "aws:region": region } : {}), { stack: "test", readStackConfig: (s) => others[s] });
}

/** The problem lines of the ConfigError `fn` throws (fails the test if it throws nothing else). */
export function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
    throw e;
  }
  throw new Error("expected a ConfigError, got none");
}
