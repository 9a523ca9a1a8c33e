/**
 * schema/stack.schema.json, the JSON Schema editors check stack files with: it compiles, every
 * example stack passes it, and what it refuses (a misspelt key at any level, a value outside an
 * enum) the loader refuses too. Its freshness is tests/generated.test.ts.
 */
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import { parse, stringify } from "yaml";
import { collectStack } from "../config/load";
import { listStacks, parseStackFile, stackConfigReader, stackFilePath } from "../config/stack-file";
import { STACK_SCHEMA_PATH } from "../config/json-schema";
import { PROJECT_DIR } from "./helpers/plan";

const MODELINE = "# yaml-language-server: $schema=../schema/stack.schema.json";
const schema = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, STACK_SCHEMA_PATH), "utf8"));
// strict: unknown keywords, ignored keywords and ambiguous types are errors, not silently skipped.
const validate = new Ajv({ strict: true, allErrors: true }).compile(schema);

type Doc = { config: Record<string, unknown> } & Record<string, unknown>;
const STACKS = listStacks(PROJECT_DIR);
const read = (stack: string): Doc => parse(fs.readFileSync(stackFilePath(PROJECT_DIR, stack), "utf8"));

function schemaErrors(doc: unknown): string[] {
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** The loader's problems with a stack file of this text, as `npm run plan` would list them. */
function loaderProblems(doc: unknown, stack: string): string[] {
  const file = parseStackFile(stringify(doc), stackFilePath(PROJECT_DIR, stack), stack);
  const ctx = { stack, readStackConfig: stackConfigReader(PROJECT_DIR), isSecret: (k: string) => file.secretKeys.includes(k) };
  return collectStack(file.config, ctx).problems.map((p) => `${p.path}: ${p.message}`);
}

/** A copy of a stack's document, changed by `edit`. */
function edited(stack: string, edit: (config: Record<string, any>) => void): Doc {
  const doc = structuredClone(read(stack));
  edit(doc.config);
  return doc;
}

function rename(object: Record<string, unknown>, from: string, to: string): void {
  expect(object).toHaveProperty([from]);
  object[to] = object[from];
  delete object[from];
}

it("the example stacks are there", () => {
  expect(STACKS.length).toBeGreaterThan(0);
});

describe.each(STACKS)("stacks/Pulumi.%s.yaml", (stack) => {
  it("names the schema on its first line", () => {
    expect(fs.readFileSync(stackFilePath(PROJECT_DIR, stack), "utf8").split("\n")[0]).toBe(MODELINE);
  });

  it("passes the JSON Schema, as it passes the loader", () => {
    const doc = read(stack);
    expect(loaderProblems(doc, stack)).toEqual([]);
    expect(schemaErrors(doc)).toEqual([]);
  });
});

/** Changes that both the JSON Schema and the loader must refuse: [what, stack, edit]. */
const REFUSED: readonly [string, string, (c: Record<string, any>) => void][] = [
  ["a misspelt namespace key", "t4-smoke", (c) => rename(c, "gpu-training-clusters:experiment", "gpu-training-clusters:experimnt")],
  ["a misspelt provider key (aws)", "t4-smoke", (c) => rename(c, "aws:region", "aws:regoin")],
  ["a misspelt provider key (kubernetes)", "rtx4090-existing", (c) => (c["kubernetes:kubeconfg"] = "~/.kube/config")],
  ["a misspelt provider key (pulumi)", "t4-smoke", (c) => (c["pulumi:tag"] = { team: "ml" })],
  ["an unknown namespace", "t4-smoke", (c) => (c["awss:profile"] = "dev")],
  ["a misspelt experiment key", "t4-smoke", (c) => rename(c["gpu-training-clusters:experiment"], "maxRunTimeMinutes", "maxRuntimeMinutes")],
  ["a misspelt pool key", "shared-cluster", (c) => rename(c["gpu-training-clusters:nodePools"][1], "gpusPerNode", "gpusPerNod")],
  ["a misspelt cluster key", "shared-cluster", (c) => rename(c["gpu-training-clusters:cluster"], "availabilityZones", "availabilityZone")],
  ["a misspelt key two objects down", "rtx4090-hybrid", (c) => rename(c["gpu-training-clusters:cluster"].endpoint, "privateAccess", "privateAcces")],
  ["a misspelt volume source key", "a100-8gpu", (c) => rename(c["gpu-training-clusters:experiment"].datasets[0].source, "bucket", "bucekt")],
  ["a misspelt idle key", "t4-smoke", (c) => rename(c["gpu-training-clusters:idle"], "clusterIdleMinutes", "clusterIdleMins")],
  ["a key of another cluster mode", "shared-t4-sweep", (c) => (c["gpu-training-clusters:cluster"].kubeconfigPath = "~/.kube/config")],
  ["a region that is no AWS region", "t4-smoke", (c) => (c["aws:region"] = "us-east-9")],
  ["a region outside the program's partition", "t4-smoke", (c) => (c["aws:region"] = "us-gov-west-1")],
  ["a GPU outside the catalog", "t4-smoke", (c) => (c["gpu-training-clusters:nodePools"][0].gpu = "t4-16gb")],
  ["an unknown cluster mode", "t4-smoke", (c) => (c["gpu-training-clusters:cluster"].mode = "recreate")],
  ["an unknown volume source type", "a100-8gpu", (c) => (c["gpu-training-clusters:experiment"].datasets[0].source.type = "efs")],
  ["an unquoted Kubernetes version (a YAML number)", "t4-smoke", (c) => (c["gpu-training-clusters:cluster"].kubernetesVersion = 1.35)],
  ["a Kubernetes version outside the catalog", "t4-smoke", (c) => (c["gpu-training-clusters:cluster"].kubernetesVersion = "1.29")],
  ["a number where a string belongs", "t4-smoke", (c) => (c["gpu-training-clusters:experiment"].env = { LEARNING_RATE: 3e-4 })],
  ["a secret stored in plain text", "t4-smoke", (c) => (c["gpu-training-clusters:secretEnv"] = { WANDB_API_KEY: "plain" })],
  ["a value that does not match its pattern", "t4-smoke", (c) => (c["gpu-training-clusters:cluster"] = { mode: "create", vpcCidr: "10.0.0.0/8x" })],
];

describe.each(REFUSED)("%s", (_what, stack, edit) => {
  it("fails the JSON Schema and the loader", () => {
    const doc = edited(stack, edit);
    expect(schemaErrors(doc)).not.toEqual([]);
    expect(loaderProblems(doc, stack)).not.toEqual([]);
  });
});

describe("what the JSON Schema accepts beyond the example stacks", () => {
  it("secretEnv entries written by `pulumi config set --secret --path`", () => {
    const doc = edited("t4-smoke", (c) => (c["gpu-training-clusters:secretEnv"] = { WANDB_API_KEY: { secure: "v1:abc" } }));
    expect(schemaErrors(doc)).toEqual([]);
    expect(loaderProblems(doc, "t4-smoke")).toEqual([]);
  });

  it("every provider key of config/provider-keys.ts, with any value", () => {
    const doc = edited("t4-smoke", (c) => Object.assign(c, { "aws:profile": "dev", "kubernetes:enableServerSideApply": true, "pulumi:tags": { team: "ml" } }));
    expect(schemaErrors(doc)).toEqual([]);
    expect(loaderProblems(doc, "t4-smoke")).toEqual([]);
  });

  it("the stack file's own top-level keys, and refuses others", () => {
    const withEnv = { ...read("t4-smoke"), environment: ["my-project/dev"], secretsprovider: "passphrase", encryptionsalt: "v1:salt" };
    expect(schemaErrors(withEnv)).toEqual([]);
    expect(schemaErrors({ ...read("t4-smoke"), confg: {} })).not.toEqual([]);
  });
});

describe("the schema's text", () => {
  it("documents every key of the namespace, at every depth", () => {
    const undocumented: string[] = [];
    const walk = (node: any, at: string) => {
      if (!node || typeof node !== "object") return;
      for (const [key, sub] of Object.entries<any>(node.properties ?? {})) {
        // A discriminator (`mode: create`) is described by its option.
        if (!sub.description && sub.const === undefined) undocumented.push(`${at}.${key}`);
        walk(sub, `${at}.${key}`);
      }
      for (const k of ["anyOf", "oneOf"]) for (const option of node[k] ?? []) walk(option, at);
      walk(node.items, `${at}[]`);
    };
    for (const [key, sub] of Object.entries<any>(schema.properties.config.properties)) {
      if (key.startsWith("gpu-training-clusters:")) walk({ properties: { [key]: sub } }, "config");
    }
    expect(undocumented).toEqual([]);
  });

  it("carries no meta key of ours, only JSON Schema keywords (ajv strict mode compiled it)", () => {
    expect(JSON.stringify(schema)).not.toMatch(/"(defaultText|docRows)"/);
  });
});
