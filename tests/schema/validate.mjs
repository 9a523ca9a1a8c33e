#!/usr/bin/env node
/**
 * Validates Kubernetes manifests against the upstream OpenAPI schemas, offline.
 *
 *   node tests/schema/validate.mjs FILE_OR_DIR...
 *
 * Each YAML document is checked twice:
 *  1. with the matching `kubernetes-models` class (`new Job(obj).validate()`): JSON Schema
 *     validators generated from the Kubernetes OpenAPI spec (types, enums, required fields,
 *     quantity formats);
 *  2. for unknown fields, which those schemas allow (the API server drops or rejects them), by
 *     walking the object against the attribute maps of `@kubernetes/client-node`'s models,
 *     generated from the same OpenAPI spec.
 * Prints a JSON array of { file, index, apiVersion, kind, name, errors } and exits 1 when any
 * document has errors. ESM because kubernetes-models is ESM-only; jest runs it as a child process.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import * as clientNode from "@kubernetes/client-node";
import AjvModule from "ajv";

/**
 * Custom resources (Kueue, JobSet) have no kubernetes-models class: they are checked with Ajv
 * against our own JSON Schemas of the fields we emit (tests/schema/crds/, each citing the upstream
 * CRD and version it encodes), and a JobSet's embedded Job spec against the batch/v1 schema.
 */
const Ajv = AjvModule.default ?? AjvModule;
const CRD_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), "crds");
const CRD_SCHEMAS = {
  "kueue.x-k8s.io/v1beta2 ResourceFlavor": "resourceflavor.schema.json",
  "kueue.x-k8s.io/v1beta2 ClusterQueue": "clusterqueue.schema.json",
  "kueue.x-k8s.io/v1beta2 LocalQueue": "localqueue.schema.json",
  "jobset.x-k8s.io/v1alpha2 JobSet": "jobset.schema.json",
};
const ajv = new Ajv({ allErrors: true, strict: true });
for (const file of fs.readdirSync(CRD_DIR).filter((f) => f.endsWith(".schema.json"))) {
  ajv.addSchema(JSON.parse(fs.readFileSync(path.join(CRD_DIR, file), "utf8")));
}

async function validateCustomResource(obj, schemaId) {
  const errors = [];
  if (!ajv.validate(schemaId, obj)) {
    errors.push(...ajv.errors.map((e) => `crd: ${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ""}`));
  }
  // CEL rule of the ClusterQueue CRD: every flavor lists as many resources as the group covers.
  for (const group of obj.spec?.resourceGroups ?? []) {
    for (const flavor of group.flavors ?? []) {
      if ((flavor.resources ?? []).length !== (group.coveredResources ?? []).length) errors.push(`crd: flavor ${flavor.name} must have the same number of resources as the coveredResources`);
    }
  }
  // CEL rule of the ClusterQueue CRD (kueue v0.19.2 apis/kueue/v1beta2/clusterqueue_types.go): a
  // borrowingLimit needs a cohort.
  const borrows = (obj.spec?.resourceGroups ?? []).some((g) => (g.flavors ?? []).some((f) => (f.resources ?? []).some((r) => r.borrowingLimit !== undefined)));
  if (obj.kind === "ClusterQueue" && borrows && !obj.spec?.cohortName) errors.push("crd: borrowingLimit must be nil when cohort is empty");
  for (const [i, rjob] of (obj.kind === "JobSet" ? obj.spec?.replicatedJobs ?? [] : []).entries()) {
    const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: `${obj.metadata?.name}-${rjob.name}-0` }, spec: rjob.template?.spec };
    errors.push(...(await validateObject(job)).map((e) => `replicatedJobs[${i}].template: ${e}`));
  }
  return errors;
}

const PRIMITIVES = new Set(["string", "number", "boolean", "any", "object", "Date", "IntOrString", "RuntimeRawExtension"]);

/** `kubernetes-models/v1/Service`, `kubernetes-models/batch/v1/Job`: the package mirrors apiVersion. */
function modelPath(apiVersion, kind) {
  return `kubernetes-models/${apiVersion}/${kind}`;
}

function clientModelName(apiVersion, kind) {
  const version = apiVersion.split("/").pop();
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
}

/** Unknown fields of `value` as declared type `type`, appended to `errors` as "path: message". */
function unknownFields(value, type, at, errors) {
  if (value === null || value === undefined || PRIMITIVES.has(type)) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, array[1], `${at}[${i}]`, errors));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === "object") for (const [k, v] of Object.entries(value)) unknownFields(v, map[1], `${at}.${k}`, errors);
    return;
  }
  const model = clientNode[type];
  if (typeof model?.getAttributeTypeMap !== "function" || typeof value !== "object" || Array.isArray(value)) return;
  const attributes = model.getAttributeTypeMap();
  for (const [key, child] of Object.entries(value)) {
    const attribute = attributes.find((a) => a.baseName === key);
    if (!attribute) {
      errors.push(`${at ? `${at}.` : ""}${key}: unknown field of ${type}`);
      continue;
    }
    unknownFields(child, attribute.type, `${at ? `${at}.` : ""}${key}`, errors);
  }
}

async function validateObject(obj) {
  const errors = [];
  if (!obj || typeof obj !== "object") return ["not an object"];
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== "string" || typeof kind !== "string") return ["apiVersion and kind are required"];
  const crdSchema = CRD_SCHEMAS[`${apiVersion} ${kind}`];
  if (crdSchema) return validateCustomResource(obj, crdSchema);
  let Model;
  try {
    Model = (await import(modelPath(apiVersion, kind)))[kind];
  } catch {
    return [`no upstream schema for ${apiVersion} ${kind}`];
  }
  try {
    new Model(obj).validate();
  } catch (e) {
    errors.push(...String(e.message).split(", ").map((m) => `schema: ${m}`));
  }
  const clientModel = clientModelName(apiVersion, kind);
  if (typeof clientNode[clientModel]?.getAttributeTypeMap !== "function") {
    errors.push(`no field list for ${apiVersion} ${kind} (${clientModel})`);
  } else {
    unknownFields(obj, clientModel, "", errors);
  }
  return errors;
}

function yamlFiles(args) {
  return args.flatMap((arg) =>
    fs.statSync(arg).isDirectory()
      ? fs.readdirSync(arg).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(arg, f))
      : [arg],
  );
}

const results = [];
for (const file of yamlFiles(process.argv.slice(2))) {
  const docs = parseAllDocuments(fs.readFileSync(file, "utf8"));
  for (const [index, doc] of docs.entries()) {
    const obj = doc.toJS();
    if (obj === null) continue;
    const errors = doc.errors.length > 0 ? doc.errors.map((e) => `yaml: ${e.message}`) : await validateObject(obj);
    results.push({ file, index, apiVersion: obj?.apiVersion, kind: obj?.kind, name: obj?.metadata?.name, errors });
  }
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
process.exitCode = results.some((r) => r.errors.length > 0) ? 1 : 0;
