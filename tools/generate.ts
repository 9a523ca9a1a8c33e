/**
 * `npm run generate`: rewrite every generated file (tools/generated-files.ts) from its sources.
 * `npm run generate -- --check` only reports the stale ones and exits 1 if there are any.
 */
import * as fs from "fs";
import * as path from "path";
import { runMain } from "./cli";
import { GENERATED_FILES } from "./generated-files";

const PROJECT_DIR = path.resolve(__dirname, "..");
const USAGE = "usage: npm run generate [-- --check]";

async function main(): Promise<number> {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const file of GENERATED_FILES) {
    const at = path.join(PROJECT_DIR, file.path);
    const current = fs.existsSync(at) ? fs.readFileSync(at, "utf8") : undefined;
    const next = file.render(current);
    if (next === current) continue;
    stale += 1;
    if (check) {
      process.stdout.write(`stale: ${file.path} (from ${file.from})\n`);
    } else {
      fs.mkdirSync(path.dirname(at), { recursive: true });
      fs.writeFileSync(at, next);
      process.stdout.write(`wrote ${file.path}\n`);
    }
  }
  if (stale === 0) process.stdout.write(`${GENERATED_FILES.length} generated files are current\n`);
  return check && stale > 0 ? 1 : 0;
}

if (require.main === module) runMain(main, USAGE);
