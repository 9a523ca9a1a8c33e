/**
 * Generated sections of a hand-written file: the lines between
 *
 *     <!-- generated: ID -->
 *     <!-- end generated -->
 *
 * belong to a generator, which renders each ID; everything outside the markers is left as it is.
 * A marker that is unclosed, nested or stray is an error, so a broken edit cannot swallow prose.
 */

const BEGIN = /^<!-- generated: ([A-Za-z0-9_.-]+) -->$/;
const END = /^<!-- end generated -->$/;

/** The IDs of the file's generated sections, in order. */
export function markedSectionIds(text: string): string[] {
  return text
    .split("\n")
    .map((line) => BEGIN.exec(line)?.[1])
    .filter((id): id is string => id !== undefined);
}

/** `text` with every generated section replaced by `render(id)` (markers kept). */
export function replaceMarkedSections(text: string, render: (id: string) => string, file = "the file"): string {
  const out: string[] = [];
  let open: { readonly id: string; readonly line: number } | undefined;
  text.split("\n").forEach((line, index) => {
    const begin = BEGIN.exec(line);
    if (begin) {
      if (open) throw new Error(`${file}:${index + 1}: generated section ${begin[1]} starts inside section ${open.id} (line ${open.line}); close that one first with <!-- end generated -->`);
      open = { id: begin[1], line: index + 1 };
      out.push(line, ...render(begin[1]).replace(/\n+$/, "").split("\n"));
    } else if (END.test(line)) {
      if (!open) throw new Error(`${file}:${index + 1}: <!-- end generated --> without a <!-- generated: ID --> before it`);
      open = undefined;
      out.push(line);
    } else if (!open) {
      out.push(line);
    }
  });
  if (open) throw new Error(`${file}:${open.line}: generated section ${open.id} is never closed (add <!-- end generated -->)`);
  return out.join("\n");
}
