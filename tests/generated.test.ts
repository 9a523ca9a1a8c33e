/** Every generated file is what its generator gives now: edit the source, then `npm run generate`. */
import * as fs from "fs";
import * as path from "path";
import { GENERATED_FILES } from "../tools/generated-files";
import { PROJECT_DIR } from "./helpers/plan";

for (const file of GENERATED_FILES) {
  it(`${file.path} matches its generator (${file.from}); run \`npm run generate\` after editing the source`, () => {
    const at = path.join(PROJECT_DIR, file.path);
    const current = fs.existsSync(at) ? fs.readFileSync(at, "utf8") : undefined;
    expect(current).toBeDefined();
    expect(file.render(current)).toBe(current);
  });
}

it("the registry names each file once", () => {
  const paths = GENERATED_FILES.map((f) => f.path);
  expect(new Set(paths).size).toBe(paths.length);
});
