/**
 * The launcher's catalog.json says what catalog/ says: every pulled image with its CUDA runtime,
 * arch list and public reference, every driver minimum, and nothing the catalog does not have.
 */
import * as fs from "fs";
import * as path from "path";
import { driverMinimums, minDriverFor } from "../catalog/drivers";
import { smName } from "../catalog/gpus";
import { DEFAULT_IMAGE_KEY, imageKeys, lookupImage, publicReference, pulledImages } from "../catalog/images";
import { LAUNCHER_CATALOG_DIR, LAUNCHER_CATALOG_FILE, launcherFacts, launcherFactsJson } from "../catalog/launcher-facts";
import { PROJECT_DIR } from "./helpers/plan";

const shipped = () => JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, LAUNCHER_CATALOG_DIR, LAUNCHER_CATALOG_FILE), "utf8"));

describe("launcher catalog.json", () => {
  it("lists every pulled catalog image with its CUDA runtime, arch list and public reference", () => {
    const builds = shipped().builds as { key: string; cudaRuntime: string; archList: string[]; image: string; torchVersion?: string }[];
    expect(builds.map((b) => b.key).sort()).toEqual(pulledImages().map((i) => i.key).sort());
    for (const build of builds) {
      const found = lookupImage(build.key);
      if (!found.ok || found.image.build) throw new Error(`${build.key} is not a pulled catalog image`);
      expect(build.cudaRuntime).toBe(found.image.cudaRuntime);
      expect(build.archList).toEqual(found.image.archs.map(smName));
      expect(build.image).toBe(publicReference(found.image));
      expect(build.torchVersion).toBe(found.image.torchVersion);
    }
  });

  it("leaves out images the stack builds itself, which have no public reference", () => {
    const built = imageKeys().filter((k) => !pulledImages().some((i) => i.key === k));
    expect(built.length).toBeGreaterThan(0);
    for (const key of built) expect(shipped().builds.map((b: { key: string }) => b.key)).not.toContain(key);
  });

  it("puts the default image first, since the preflight advises the first build that fits", () => {
    expect(shipped().defaultBuild).toBe(DEFAULT_IMAGE_KEY);
    expect(shipped().builds[0].key).toBe(DEFAULT_IMAGE_KEY);
  });

  it("carries every driver minimum of catalog/drivers.ts, CUDA 12.9 included, and one for each build", () => {
    const table = shipped().driverMinimum as Record<string, string>;
    expect(table).toEqual(driverMinimums());
    expect(table["12.9"]).toBe(minDriverFor("12.9"));
    for (const build of shipped().builds) expect(table[build.cudaRuntime]).toBe(minDriverFor(build.cudaRuntime));
    // The preflight's floor for a runtime is its major's X.0 entry.
    for (const runtime of Object.keys(table)) expect(table[`${runtime.split(".")[0]}.0`]).toBeDefined();
  });

  it("is stable text: sorted keys at every level, two-space indent, one trailing newline", () => {
    const text = launcherFactsJson();
    expect(launcherFactsJson()).toBe(text);
    expect(text.endsWith("}\n")).toBe(true);
    expect(text.endsWith("\n\n")).toBe(false);
    const keysInOrder = (value: unknown): boolean => {
      if (Array.isArray(value)) return value.every(keysInOrder);
      if (value === null || typeof value !== "object") return true;
      const keys = Object.keys(value);
      return keys.join("\0") === [...keys].sort().join("\0") && Object.values(value).every(keysInOrder);
    };
    expect(keysInOrder(JSON.parse(text))).toBe(true);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(launcherFacts())));
  });
});
