import { DockerfileParser } from "dockerfile-ast";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAst } from "../src/parse/ast.js";
// @ts-expect-error the benchmark generator is plain JavaScript without types
import { bigDockerfile, corpus } from "../bench/generate.mjs";

interface Span {
  start: { line: number; character: number };
  end: { line: number; character: number };
}
interface Internals {
  initialInstructions: { getComments(): { getRange(): Span }[] };
  buildStages: { getComments(): { getRange(): Span }[] }[];
}

/** Where every comment went: the initial instructions or which stage. */
function allocation(ast: unknown): Span[][] {
  const d = ast as Internals;
  return [d.initialInstructions, ...d.buildStages].map((t) => t.getComments().map((c) => c.getRange()));
}

const same = (text: string): void => {
  expect(allocation(parseAst(text)), text.slice(0, 200)).toEqual(allocation(DockerfileParser.parse(text)));
};

describe("parseAst: dockerfile-ast's parse with a faster comment allocation", () => {
  it("gives every comment to the same stage as dockerfile-ast", () => {
    for (const text of (corpus as (n: number, seed: number) => string[])(200, 7)) same(text);
    same((bigDockerfile as (n: number) => string)(3000));
    same("# top\nARG A=1\n# before from\nFROM a AS one\n# in one\nRUN x \\\n# inside a continuation\n  && y\n\n# between\nFROM one\n# last\n");
    same("# only a comment\n");
    same("FROM a\n# trailing\n");
    same("");
  });

  it("agrees on random arrangements of comments, instructions and continuations", () => {
    const line = fc.constantFrom("# c", "FROM a", "FROM b AS s", "RUN x \\", "  y", "ARG V=1", "", "  # indented", "COPY . .", "RUN <<EOF", "EOF");
    fc.assert(fc.property(fc.array(line, { maxLength: 30 }), (lines) => same(lines.join("\n") + "\n")), { numRuns: 400 });
  });

  it("leaves dockerfile-ast's own parse untouched afterwards", () => {
    const before = DockerfileParser.parse("FROM a\n# c\nRUN x\n");
    parseAst("FROM a\n# c\nRUN x\n");
    expect(allocation(DockerfileParser.parse("FROM a\n# c\nRUN x\n"))).toEqual(allocation(before));
  });
});
