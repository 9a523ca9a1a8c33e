/**
 * Imports run one way (docs/architecture.md): a folder imports only from the folders below it,
 * never from one beside or above it. Type-only imports count: a type from a higher layer couples
 * the lower one to it just the same.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "./helpers/plan";

/** Bottom to top. A module may import from its own folder and from folders listed before it. */
export const LAYERS: readonly string[] = ["catalog", "config", "plan", "k8s|workdir", "checks", "components", "program", "reap", "status", "tools"];

const rank = (folder: string): number => LAYERS.findIndex((l) => l.split("|").includes(folder));

/** `catalog/gpus.ts` → "catalog"; `program.ts` and `index.ts` → "program". */
function layerOf(relative: string): string {
  const top = relative.split("/")[0];
  return top.endsWith(".ts") ? "program" : top;
}

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(PROJECT_DIR, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return sources(rel);
    return e.name.endsWith(".ts") ? [rel] : [];
  });
}

/** Every relative module a file names: import/export ... from, require(), import(). */
export function importedModules(text: string): string[] {
  const found: string[] = [];
  const re = /(?:from\s+|require\(\s*|import\(\s*)["'](\.{1,2}\/[^"']+)["']/g;
  for (let m = re.exec(text); m; m = re.exec(text)) found.push(m[1]);
  return found;
}

const files = [...LAYERS.flatMap((l) => l.split("|")).filter((l) => l !== "program" && fs.existsSync(path.join(PROJECT_DIR, l))).flatMap(sources), "program.ts", "index.ts"];

it("knows a layer for every folder of program code", () => {
  for (const file of files) expect([file, rank(layerOf(file))]).not.toEqual([file, -1]);
});

it("finds imports written every way", () => {
  expect(importedModules(`import type { A } from "../plan/plan";\nconst x = require("../k8s/job");\nexport { y } from './z';\nawait import("../tools/mocks")`)).toEqual([
    "../plan/plan",
    "../k8s/job",
    "./z",
    "../tools/mocks",
  ]);
});

it("has no import from a folder beside or above the importer", () => {
  const upward: string[] = [];
  for (const file of files) {
    const from = layerOf(file);
    for (const spec of importedModules(fs.readFileSync(path.join(PROJECT_DIR, file), "utf8"))) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      if (target.startsWith("..")) continue;
      const to = layerOf(target.endsWith(".ts") ? target : `${target}.ts`);
      if (to === from) continue;
      if (!(rank(to) < rank(from))) upward.push(`${file} imports ${spec} (${to} is not below ${from})`);
    }
  }
  expect(upward).toEqual([]);
});
