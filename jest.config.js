/**
 * Three tiers, each a Jest project with its own script; `npm test` runs them all.
 * - unit: pure functions (schema, rules, builders, catalog, reports): seconds.
 * - program: the real Pulumi program under the SDK's mocks (plans of stacks, account answers).
 * - e2e: real processes: `npm run job:local` with torchrun, the CLIs against stand-in API servers,
 *   the reaper with the Automation API (the launcher's Python tests are `npm run test:launcher`).
 * A file not listed under program or e2e is a unit test.
 */
const PROGRAM = [
  "account-program", "aws/plan-aws", "aws/rules", "built-image", "catalog", "checks", "config-reference",
  "crd-schemas", "dated-tables", "experiment-stacks", "golden", "job-stacks", "k8s-builders", "launcher-facts",
  "nothing-lost", "plan-stacks", "queueing", "secret-env", "workdir-plan", "generated", "training-experiment", "day-two",
  "training-image", "reap/teardown-role", "network-policy", "plan-every-size", "api-judge", "tenancy",
];
const E2E = [
  "exec/cli", "status/logs-run", "job-local", "stack-battery", "workdir-archive", "reap/cli", "reap/e2e", "reap/e2e-teardown", "reap/kube", "status/cli", "status/read",
];
const files = (names) => names.map((n) => `<rootDir>/tests/${n}.test.ts`);

const project = (displayName, testMatch, testPathIgnorePatterns = []) => ({
  displayName,
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch,
  testPathIgnorePatterns,
  // Type checking is `npm run typecheck` (tsc over tests too). Inside Jest, ts-jest only transpiles
  // (isolatedModules): a type-checking ts-jest builds a whole TypeScript program per worker, ~1 GB
  // with the @pulumi/aws typings, and such a worker cannot finish exiting within Jest's 500 ms grace
  // on a loaded machine, so Jest force-kills it and reports it as leaking.
  transform: { "^.+\\.tsx?$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.jest.json" }] },
  testTimeout: 60000,
});

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    project("unit", ["**/*.test.ts"], [...PROGRAM, ...E2E].map((n) => `/tests/${escape(n)}\\.test\\.ts$`)),
    project("program", files(PROGRAM)),
    project("e2e", files(E2E)),
  ],
  // Pulumi's runtime keeps global state: each test file runs in its own module registry, and one
  // worker per core keeps a file's plans in order.
  maxWorkers: 2,
  // A worker that ran many plan suites holds the SDK's and the program's modules of each file; a
  // fresh worker after such a file exits within Jest's grace period.
  workerIdleMemoryLimit: "600MB",
};
