/**
 * `npm run plan -- [STACK|PATH] [--out DIR]`: the offline plan of a stack. Runs the real program
 * under the Pulumi SDK's mocks, prints the readable plan, and writes DIR/plan.json and
 * DIR/manifests/*.yaml. No cloud, no Pulumi CLI. With `--against PATH/plan.json` (the plan of what
 * is deployed), the mock account holds that plan's resources, and the plan ends with what the next
 * `pulumi up` would change (tools/plan-diff.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { listStacks } from "../config/stack-file";
import { UsageError, existingStackFile, runMain } from "./cli";
import { runPlan, writePlan } from "./plan-runner";
import { PlannedResource, diffPlans, renderDiff } from "./plan-diff";

export const DEFAULT_STACK = "t4-smoke";
const PROJECT_DIR = path.resolve(__dirname, "..");

const USAGE = `usage: npm run plan -- [STACK|PATH|--stack-file PATH] [--out DIR] [--date YYYY-MM-DD] [--against PLAN.json]

  STACK   a stack of this project (stacks/Pulumi.<STACK>.yaml); default ${DEFAULT_STACK}
  PATH    a stack file anywhere, named Pulumi.<stack>.yaml (also --stack-file PATH)
  --out   where plan.json, plan.txt and manifests/ go; default out/<stack>
  --date  plan as on that day (the Kubernetes support dates); default today
  --against  the plan.json of what is deployed: print what the next pulumi up changes

stacks: ${listStacks(PROJECT_DIR).join(", ")}`;

interface Args {
  readonly stackFile: string;
  readonly out?: string;
  readonly now?: Date;
  readonly against?: string;
}

/** A calendar day (UTC noon, so no time zone moves it to another day). */
function parseDay(text: string | undefined): Date {
  const day = text && /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T12:00:00Z`) : undefined;
  if (!day || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== text) throw new UsageError(`--date needs a day such as 2027-01-31 (got ${text ?? "nothing"})`);
  return day;
}

export function parseArgs(argv: readonly string[]): Args | "help" {
  let target: string | undefined;
  let out: string | undefined;
  let now: Date | undefined;
  let against: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return "help";
    if (arg === "--out") {
      out = argv[++i];
      if (!out) throw new UsageError("--out needs a directory");
    } else if (arg === "--stack-file") {
      const file = argv[++i];
      if (!file) throw new UsageError("--stack-file needs a path");
      if (target) throw new UsageError(`one stack at a time (got ${target} and ${file})`);
      target = file.includes("/") ? file : `./${file}`;
    } else if (arg === "--date" || arg.startsWith("--date=")) {
      now = parseDay(arg === "--date" ? argv[++i] : arg.slice("--date=".length));
    } else if (arg === "--against" || arg.startsWith("--against=")) {
      against = arg === "--against" ? argv[++i] : arg.slice("--against=".length);
      if (!against) throw new UsageError("--against needs the path of a plan.json");
      if (!fs.existsSync(against)) throw new UsageError(`--against: no such file ${against}`);
    } else if (arg.startsWith("--out=")) {
      out = arg.slice("--out=".length);
    } else if (arg.startsWith("-")) {
      throw new UsageError(`unknown option ${arg}`);
    } else if (target) {
      throw new UsageError(`one stack at a time (got ${target} and ${arg})`);
    } else {
      target = arg;
    }
  }
  return { stackFile: existingStackFile(PROJECT_DIR, target ?? DEFAULT_STACK), out, now, against };
}

function readDeployed(file: string): PlannedResource[] {
  let json: { resources?: unknown };
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new UsageError(`--against: ${file} is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!Array.isArray(json.resources)) throw new UsageError(`--against: ${file} has no "resources" list (a plan.json of npm run plan)`);
  return json.resources as PlannedResource[];
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const deployed = args.against ? readDeployed(args.against) : undefined;
  const run = await runPlan({ projectDir: PROJECT_DIR, stackFile: args.stackFile, now: args.now, existing: deployed });
  const outDir = path.resolve(args.out ?? path.join(PROJECT_DIR, "out", run.stack));
  writePlan(run, outDir);
  process.stdout.write(`${run.text}\n\n`);
  process.stdout.write(`${run.json.resources.length} resources, ${run.manifests.length} Kubernetes manifests\n`);
  if (deployed) process.stdout.write(`\nagainst ${args.against}:\n${renderDiff(diffPlans(deployed, run.json.resources))}\n\n`);
  process.stdout.write(`wrote ${path.relative(process.cwd(), path.join(outDir, "plan.json")) || "plan.json"} and ${path.relative(process.cwd(), path.join(outDir, "manifests"))}/\n`);
  return 0;
}

if (require.main === module) runMain(main, USAGE);
