/** @type {import('jest').Config} */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  // Pulumi's runtime keeps global state: one worker per file keeps mocks isolated.
  maxWorkers: 2,
  testTimeout: 60000,
};
