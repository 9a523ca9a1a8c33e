/** @type {import('jest').Config} */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  // Type checking is `npm run typecheck` (tsc over tests too). Inside Jest, ts-jest only transpiles
  // (isolatedModules): a type-checking ts-jest builds a whole TypeScript program per worker, ~1 GB
  // with the @pulumi/aws typings, and such a worker cannot finish exiting within Jest's 500 ms grace
  // on a loaded machine, so Jest force-kills it and reports it as leaking.
  transform: { "^.+\\.tsx?$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.jest.json" }] },
  // Pulumi's runtime keeps global state: one worker per file keeps mocks isolated.
  maxWorkers: 2,
  // Each plan loads a fresh copy of the Pulumi SDK (tests/helpers/plan.ts), so a worker that runs
  // many plan suites grows past 1 GB; a fresh worker after such a file exits within Jest's grace period.
  workerIdleMemoryLimit: "600MB",
  testTimeout: 60000,
};
