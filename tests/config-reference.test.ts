/**
 * The generated tables of docs/configuration.md: their defaults are what zod fills in, every part
 * of the namespace has one, and the markers around them cannot swallow prose. Freshness of the
 * committed file is tests/generated.test.ts.
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { code, yamlLiteral } from "../config/meta";
import { renderReferenceSection } from "../config/reference-docs";
import { clusterSchema, experimentSchema, idleSchema, nodePoolSchema, stackSchema } from "../config/schema";
import { queueingSchema } from "../config/queueing";
import { markedSectionIds, replaceMarkedSections } from "../tools/marked-sections";
import { PROJECT_DIR } from "./helpers/plan";

const DOC = fs.readFileSync(path.join(PROJECT_DIR, "docs/configuration.md"), "utf8");

/** key → default cell of a rendered key | default | meaning table. */
function defaultCells(table: string): Map<string, string> {
  const rows = table.split("\n").slice(2).map((line) => line.slice(2, -2).split(" | "));
  return new Map(rows.map(([key, dflt]) => [key, dflt]));
}

describe("the tables' defaults are zod's", () => {
  // What zod fills into an object with only its required keys; each literal default must read so.
  const cases: readonly [string, z.ZodObject, Record<string, unknown>][] = [
    ["idle", idleSchema, {}],
    ["queueing", queueingSchema, {}],
    ["nodePools", nodePoolSchema, { name: "p", gpu: "t4" }],
    ["experiment", experimentSchema, { name: "e", pool: "p" }],
    ["cluster.create", clusterSchema.options[0], { mode: "create" }],
  ];

  it.each(cases)("%s", (id, schema, required) => {
    const parsed = schema.parse(required) as Record<string, unknown>;
    const cells = defaultCells(renderReferenceSection(id));
    for (const [key, value] of Object.entries(parsed)) {
      if (key in required || (typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length > 0)) continue;
      expect([key, cells.get(code(key))]).toEqual([key, code(yamlLiteral(value))]);
    }
  });

  it("nested objects read as `parent.key` rows with their own defaults", () => {
    const cells = defaultCells(renderReferenceSection("cluster.create"));
    const parsed = clusterSchema.parse({ mode: "create" }) as { endpoint: Record<string, unknown>; systemNodes: Record<string, unknown> };
    for (const [parent, values] of Object.entries({ endpoint: parsed.endpoint, systemNodes: parsed.systemNodes })) {
      for (const [key, value] of Object.entries(values)) expect(cells.get(code(`${parent}.${key}`))).toBe(code(yamlLiteral(value)));
    }
  });
});

describe("docs/configuration.md", () => {
  it("has a generated table for every part of the namespace", () => {
    const modes = clusterSchema.options.map((o) => `cluster.${o.shape.mode.value}`);
    const parts = Object.keys(stackSchema.shape).filter((k) => !["cluster", "secretEnv"].includes(k));
    expect(markedSectionIds(DOC)).toEqual(expect.arrayContaining(["keys", ...modes, ...parts, "experiment.datasets.source"]));
  });

  it("lists every namespace key in the overview", () => {
    const overview = renderReferenceSection("keys");
    for (const key of Object.keys(stackSchema.shape)) expect(overview).toContain(code(`gpu-training-clusters:${key}`));
  });

  it("refuses a section that names no part of the schema", () => {
    expect(() => renderReferenceSection("experiment.nope")).toThrow("section experiment.nope: no key nope in the stack schema");
    expect(() => renderReferenceSection("cluster.recreate")).toThrow("recreate is no option of the union");
  });
});

describe("generated sections of a hand-written file", () => {
  const render = (id: string) => `table ${id}\n`;

  it("replaces only what lies between the markers", () => {
    const text = "intro\n<!-- generated: a -->\nstale\n<!-- end generated -->\nprose\n<!-- generated: b -->\n<!-- end generated -->\n";
    expect(replaceMarkedSections(text, render)).toBe("intro\n<!-- generated: a -->\ntable a\n<!-- end generated -->\nprose\n<!-- generated: b -->\ntable b\n<!-- end generated -->\n");
    expect(markedSectionIds(text)).toEqual(["a", "b"]);
  });

  it("refuses unclosed, nested and stray markers, naming the line", () => {
    expect(() => replaceMarkedSections("x\n<!-- generated: a -->\nprose", render, "f.md")).toThrow("f.md:2: generated section a is never closed");
    expect(() => replaceMarkedSections("<!-- generated: a -->\n<!-- generated: b -->\n<!-- end generated -->", render, "f.md")).toThrow("f.md:2: generated section b starts inside section a");
    expect(() => replaceMarkedSections("prose\n<!-- end generated -->", render, "f.md")).toThrow("f.md:2: <!-- end generated --> without");
  });
});

describe("values written as a stack file writes them", () => {
  it.each([
    ["10.0.0.0/16", "10.0.0.0/16"],
    ["1.35", '"1.35"'],
    ["true", '"true"'],
    [true, "true"],
    [200, "200"],
    [[], "[]"],
    [["--seconds", "60"], '["--seconds", "60"]'],
    [{}, "{}"],
    [{ mode: "create" }, "{ mode: create }"],
  ])("%j reads %s", (value, text) => {
    expect(yamlLiteral(value)).toBe(text);
  });
});
