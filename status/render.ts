/** `npm run status` output: readable lines and a pods table, or JSON for scripts. Pure. */
import { dollars } from "./cost";
import { attemptsLine } from "./attempts";
import type { ExperimentStatus, SweepStatus } from "./report";

export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${sec}s`;
  return `${sec}s`;
}

function stateLine(s: ExperimentStatus): string {
  const took = s.elapsedSeconds !== undefined ? duration(s.elapsedSeconds) : undefined;
  switch (s.state) {
    case "running":
      return `running for ${took ?? "?"}${s.startedAt ? ` (since ${s.startedAt.toISOString()})` : ""}`;
    case "starting":
      return `starting${took ? ` for ${took}` : ""}: pods are being scheduled, nodes added or images pulled`;
    case "queued":
      return `queued${took ? ` for ${took}` : ""}`;
    case "succeeded":
    case "failed":
      return `${s.state}${took ? ` after ${took}` : ""}${s.finishedAt ? ` (ended ${s.finishedAt.toISOString()})` : ""}`;
    default:
      return `${s.state}${took ? ` (${took})` : ""}`;
  }
}

function costLine(s: ExperimentStatus): string {
  const priced = s.cost.nodes.filter((n) => n.dollars !== undefined);
  const unpriced = s.cost.nodes.filter((n) => n.dollars === undefined);
  const parts: string[] = [];
  if (s.cost.dollars !== undefined) {
    const types = [...new Set(priced.map((n) => `${n.instanceType} at $${n.pricePerHour!.toFixed(3)}/h`))].join(", ");
    const bound = s.cost.upperBound ? "at most " : "";
    const basis = s.cost.upperBound ? "on-demand, us-east-1; spot nodes cost less" : "on-demand, us-east-1";
    parts.push(`${bound}${dollars(s.cost.dollars)} so far (${priced.length} node${priced.length === 1 ? "" : "s"}: ${types}; ${basis})`);
  }
  if (unpriced.length > 0) parts.push(`n/a for ${unpriced.map((n) => `${n.node} (${n.unpriced})`).join(", ")}`);
  return parts.length > 0 ? parts.join("; ") : "n/a: no pod has started on a node yet";
}

/** Time to first step: each phase with the time it took since the one before, then the total. */
function startLine(s: ExperimentStatus): string {
  const [first, ...rest] = s.startPhases;
  const last = rest[rest.length - 1];
  const steps = rest.map((p) => `${p.phase} +${duration(p.afterSeconds)}`).join(", ");
  const total = duration((last.at.getTime() - first.at.getTime()) / 1000);
  return `${steps} (${last.phase === "first step" ? `${total} to the first step` : `${total} since ${first.phase}; no first step yet`})`;
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ").trimEnd());
}

/** The sweep's runs, as one group: counts by state, then one row per run with its values. */
function sweepLines(sweep: SweepStatus): string[] {
  const counts = new Map<string, number>();
  for (const r of sweep.runs) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  const summary = [...counts.entries()].map(([state, n]) => `${n} ${state}`).join(", ");
  const rows = [["RUN", "STATE", "VALUES"], ...sweep.runs.map((r) => [r.name, r.state, Object.entries(r.env).map(([k, v]) => `${k}=${v}`).join(" ") || "-"])];
  return [`  ${"sweep".padEnd(10)} ${sweep.runs.length} run${sweep.runs.length === 1 ? "" : "s"} (sweep ${sweep.id}): ${summary}`, ...table(rows).map((l) => `    ${l}`)];
}

export function renderStatus(s: ExperimentStatus, now: Date): string {
  const by =
    s.submittedBy === "exec"
      ? ", submitted by npm run exec"
      : s.submittedBy === "dev"
        ? `, the interactive pod of npm run dev${s.devIdleMinutes ? `, ending after ${s.devIdleMinutes} idle minutes` : ""}`
        : s.submittedBy
          ? `, submitted by ${s.submittedBy}`
          : "";
  const lines = [`experiment ${s.experiment}  (${s.kind} ${s.namespace}/${s.name}${by})`];
  const field = (label: string, value: string) => lines.push(`  ${label.padEnd(10)} ${value}`);
  field("state", stateLine(s));
  field("queue", s.queue.text);
  const where = [...new Set(s.pods.filter((p) => p.node).map((p) => `${p.node} (${p.instanceType ?? "instance type unknown"})`))];
  if (where.length > 0) field("where", where.join(", "));
  field("cost", costLine(s));
  if (s.attempts) field("attempts", attemptsLine(s.attempts));
  if (s.progress?.throughput) field("throughput", `${s.progress.throughput.value} ${s.progress.throughput.unit} (rank 0)`);
  if (s.progress?.line) field("progress", s.progress.line);
  if (s.verdict) field("verdict", `${s.verdict.outcome}: ${s.verdict.reason}`);
  if (s.startPhases.length > 1) field("start", startLine(s));
  // The sweep's other runs are listed with it, not counted as earlier runs.
  const earlier = s.earlierRuns - (s.sweep ? s.sweep.runs.length - 1 : 0);
  if (earlier > 0) field("earlier", `${earlier} earlier run${earlier === 1 ? "" : "s"} of this experiment still listed`);
  if (s.sweep) lines.push(...sweepLines(s.sweep));
  if (s.pods.length === 0) {
    field("pods", "none yet");
  } else {
    lines.push("  pods");
    const rows = [["RANK", "POD", "NODE", "INSTANCE", "PHASE", "RESTARTS", "AGE"]];
    for (const p of s.pods) {
      const age = p.startedAt ? duration(((p.finishedAt ?? now).getTime() - p.startedAt.getTime()) / 1000) : "-";
      rows.push([String(p.rank), p.name, p.node ?? "-", p.instanceType ?? "-", p.detail ? `${p.phase} (${p.detail})` : p.phase, String(p.restarts), age]);
    }
    lines.push(...table(rows).map((l) => `    ${l}`));
  }
  return lines.join("\n");
}

/** JSON for scripts: dates as ISO strings, cost rounded to cents' hundredths. */
export function statusJson(s: ExperimentStatus): unknown {
  return JSON.parse(
    JSON.stringify({ ...s, cost: { ...s.cost, dollars: s.cost.dollars === undefined ? null : Math.round(s.cost.dollars * 10000) / 10000 } }),
  );
}
