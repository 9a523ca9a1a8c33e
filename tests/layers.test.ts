/**
 * Imports run one way (docs/architecture.md): a folder imports only from the folders below it,
 * never from one beside or above it. Type-only imports count: a type from a higher layer couples
 * the lower one to it just the same.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
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

/**
 * Every relative module a file names, as TypeScript's own pre-processor reads them: imports and
 * re-exports (type-only and side-effect ones too), `import x = require()`, `require()` and
 * `import()` calls, and `/// <reference path>`. A module named by a non-literal expression is
 * reported as `<computed>`, since no reader can follow it.
 */
export function importedModules(text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  const named = [...info.importedFiles, ...info.referencedFiles].map((f) => f.fileName);
  return [...named.filter((n) => n.startsWith(".")), ...(computedModuleCalls(text) > 0 ? ["<computed>"] : [])];
}

/** `require(x)` and `import(x)` calls whose module is not a plain string. */
function computedModuleCalls(text: string): number {
  let count = 0;
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === "require"))) {
      const arg = node.arguments[0];
      if (!arg || !(ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg))) count += 1;
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile("module.ts", text, ts.ScriptTarget.Latest, false));
  return count;
}

const files = [...LAYERS.flatMap((l) => l.split("|")).filter((l) => l !== "program" && fs.existsSync(path.join(PROJECT_DIR, l))).flatMap(sources), "program.ts", "index.ts"];

it("knows a layer for every folder of program code", () => {
  for (const file of files) expect([file, rank(layerOf(file))]).not.toEqual([file, -1]);
});

it("finds imports written every way", () => {
  const text = [
    `/// <reference path="../status/read.ts" />`,
    `import type { A } from "../plan/plan";`,
    `const x = require("../k8s/job");`,
    `export { y } from './z';`,
    `await import("../tools/mocks");`,
    `import "../components/naming";`,
    `import { n } from"../components/target";`,
    `import q = require("../reap/types");`,
  ].join("\n");
  expect(importedModules(text).sort()).toEqual(["../components/naming", "../components/target", "../k8s/job", "../plan/plan", "../reap/types", "../status/read.ts", "../tools/mocks", "./z"]);
  expect(importedModules("const m = require(name);")).toEqual(["<computed>"]);
  expect(importedModules("const m = await import(`../${name}`);")).toEqual(["<computed>"]);
});

it("has no import from a folder beside or above the importer", () => {
  const upward: string[] = [];
  for (const file of files) {
    const from = layerOf(file);
    for (const spec of importedModules(fs.readFileSync(path.join(PROJECT_DIR, file), "utf8"))) {
      if (spec === "<computed>") {
        upward.push(`${file} imports a module named by an expression, which no reader can check`);
        continue;
      }
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      const to = target.startsWith("..") ? "outside the project" : layerOf(target.endsWith(".ts") ? target : `${target}.ts`);
      if (to === from) continue;
      // A folder outside the layers (tests/, tools' helpers of tests) is above them all.
      if (rank(to) === -1 || !(rank(to) < rank(from))) upward.push(`${file} imports ${spec} (${to} is not below ${from})`);
    }
  }
  expect(upward).toEqual([]);
});
