/** The project's CLIs as a user runs them (`npm run <tool>` runs `tsx tools/<tool>.ts`), without npx's own start-up. */
import * as path from "path";

export const ROOT = path.resolve(__dirname, "../..");
export const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
