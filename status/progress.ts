/**
 * What a rank's log says: its latest progress line (the last one with a training rate or the smoke
 * result; bandwidth lines are not progress), the throughput in it, the smoke workload's
 * result, and the preflight's or launcher's failure line. Pure. The formats are the launcher's own:
 * images/launcher/smoke.py prints `smoke: rank R/W on DEV: N steps in S s, X samples/s, loss ...`,
 * `smoke: total X samples/s over W ranks (...)`, an all_reduce bandwidth line, and last
 * `SMOKE_RESULT {json}`; images/launcher/preflight.py writes `preflight: error: <problem>` lines and
 * then `preflight: failed with N problem(s); training not started`; images/launcher/launch.py
 * writes `launch: error: <problem>`.
 */

export interface Throughput {
  readonly value: number;
  /** e.g. "samples/s", "tokens/s", "it/s". */
  readonly unit: string;
}

export interface SmokeResult {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly samplesPerSecondTotal?: number;
  readonly worldSize?: number;
}

export interface LogSummary {
  /** The last line that reports progress (a rate, a smoke line); else the last line. */
  readonly progressLine?: string;
  readonly throughput?: Throughput;
  readonly smoke?: SmokeResult;
  /** The first `preflight: error:` or `launch: error:` line, without its prefix. */
  readonly failureLine?: string;
  /** How many such lines there were. */
  readonly failureCount: number;
}

export const SMOKE_RESULT_PREFIX = "SMOKE_RESULT ";
const FAILURE = /^(preflight|launch): error: (.*)$/;
/** Training rates; bandwidths (GB/s, MiB/s) are deliberately not throughput. */
const RATE = /(\d[\d,]*(?:\.\d+)?)\s*(samples|sample|tokens|tok|it|its|items|images|imgs|img|steps|seqs|sequences|examples|batches)\s*(?:\/\s*(?:s|sec|second)|per\s+sec(?:ond)?)\b/gi;
const PROGRESS_LINE_LIMIT = 240;

/**
 * With `--tee`, torch.distributed.run prefixes each worker's console line with `[<role><local
 * rank>]:` (torch/distributed/elastic/multiprocessing/tail_log.py, `[default0]:` for the default
 * role); the launcher tees whenever it keeps rank logs (images/launcher/keep_logs.py).
 */
const TEE_PREFIX = /^\[[A-Za-z_]+\d+\]:/;

export function summarizeLog(text: string): LogSummary {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trimEnd().replace(TEE_PREFIX, ""))
    .filter((l) => l.trim() !== "");
  let smoke: SmokeResult | undefined;
  let progressLine: string | undefined;
  let smokeLine: string | undefined;
  let throughput: Throughput | undefined;
  let failureLine: string | undefined;
  let failureCount = 0;
  for (const line of lines) {
    const failure = FAILURE.exec(line.trim());
    if (failure) {
      failureCount++;
      failureLine ??= `${failure[1]}: ${failure[2]}`;
      continue;
    }
    const at = line.indexOf(SMOKE_RESULT_PREFIX);
    if (at >= 0) {
      const parsed = parseSmokeResult(line.slice(at + SMOKE_RESULT_PREFIX.length));
      if (parsed) {
        smoke = parsed;
        progressLine = line.slice(at);
        if (parsed.samplesPerSecondTotal !== undefined) throughput = { value: parsed.samplesPerSecondTotal, unit: "samples/s" };
        continue;
      }
    }
    const rate = lastRate(line);
    if (rate) {
      progressLine = line;
      throughput = rate;
    } else if (/^\s*smoke: /.test(line)) {
      smokeLine = line;
    }
  }
  return {
    progressLine: shorten(progressLine ?? smokeLine ?? lines[lines.length - 1]),
    throughput,
    smoke,
    failureLine,
    failureCount,
  };
}

/** The last training rate in a line; a `total` figure wins over per-rank ones before it. */
export function lastRate(line: string): Throughput | undefined {
  let found: Throughput | undefined;
  for (const m of line.matchAll(RATE)) {
    const value = Number(m[1].replace(/,/g, ""));
    if (Number.isFinite(value)) found = { value, unit: `${m[2].toLowerCase()}/s` };
  }
  return found;
}

function parseSmokeResult(json: string): SmokeResult | undefined {
  try {
    const r = JSON.parse(json) as Record<string, unknown>;
    if (typeof r !== "object" || r === null || typeof r.ok !== "boolean") return undefined;
    return {
      ok: r.ok,
      problems: Array.isArray(r.problems) ? r.problems.map(String) : [],
      samplesPerSecondTotal: typeof r.samples_per_s_total === "number" ? r.samples_per_s_total : undefined,
      worldSize: typeof r.world_size === "number" ? r.world_size : undefined,
    };
  } catch {
    return undefined;
  }
}

function shorten(line: string | undefined): string | undefined {
  if (line === undefined) return undefined;
  const t = line.trim();
  return t.length > PROGRESS_LINE_LIMIT ? `${t.slice(0, PROGRESS_LINE_LIMIT - 1)}…` : t;
}
