/**
 * The day every program-level test runs on, so that no test's verdict changes with the date: the
 * dated table catalog/kubernetes-versions.ts holds on it (1.35 in standard support). Only
 * tests/dated-tables.test.ts reads the wall clock, to say when that table has gone stale.
 */
export const TEST_NOW = new Date("2026-12-01T12:00:00Z");
