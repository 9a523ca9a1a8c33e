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
  testTimeout: 60000,
};
