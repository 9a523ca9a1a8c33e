/**
 * Files of this repository written by code from the sources they describe, so that a fact lives
 * in one place: `npm run generate` writes them, and tests/generated.test.ts fails when a
 * committed copy differs from what its generator gives now. Each entry is pure: the same sources
 * always give the same text.
 */
import { LAUNCHER_CATALOG_DIR, LAUNCHER_CATALOG_FILE, launcherFactsJson } from "../catalog/launcher-facts";
import { STACK_SCHEMA_PATH, renderStackJsonSchema } from "../config/json-schema";
import { renderReferenceSection } from "../config/reference-docs";
import { renderTeardownPolicy } from "../reap/teardown-policy";
import { replaceMarkedSections } from "./marked-sections";

export interface GeneratedFile {
  /** Path relative to the project directory. */
  readonly path: string;
  /** What the file is generated from, for the freshness test's message. */
  readonly from: string;
  /**
   * The file's new text, given its current text (undefined when missing): a generator may own
   * the whole file, or only a marked section of a hand-written one.
   */
  readonly render: (current: string | undefined) => string;
}

const CONFIGURATION_DOC = "docs/configuration.md";
const TEARDOWN_DOC = "docs/teardown.md";

/** Every generated file; a generator registers here and nowhere else. */
export const GENERATED_FILES: readonly GeneratedFile[] = [
  { path: STACK_SCHEMA_PATH, from: "config/schema.ts via config/json-schema.ts", render: () => renderStackJsonSchema() },
  {
    path: CONFIGURATION_DOC,
    from: "config/schema.ts via config/reference-docs.ts (the tables between <!-- generated --> markers)",
    render: (current) => {
      if (current === undefined) throw new Error(`${CONFIGURATION_DOC} is hand-written around its generated tables; restore it from git`);
      return replaceMarkedSections(current, renderReferenceSection, CONFIGURATION_DOC);
    },
  },
  {
    path: TEARDOWN_DOC,
    from: "reap/teardown-policy.ts (the policy between <!-- generated: teardown-policy --> markers)",
    render: (current) => {
      if (current === undefined) throw new Error(`${TEARDOWN_DOC} is hand-written around its generated policy; restore it from git`);
      return replaceMarkedSections(current, (id) => {
        if (id !== "teardown-policy") throw new Error(`${TEARDOWN_DOC}: unknown generated section ${id}`);
        return renderTeardownPolicy();
      }, TEARDOWN_DOC);
    },
  },
  {
    // The launcher's driver minimums and PyTorch builds, read by images/launcher/preflight.py.
    path: `${LAUNCHER_CATALOG_DIR}/${LAUNCHER_CATALOG_FILE}`,
    from: "catalog/drivers.ts and catalog/images.ts via catalog/launcher-facts.ts",
    render: () => launcherFactsJson(),
  },
];
