import { DockerfileParser } from "dockerfile-ast";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAst, withArgumentsMemo } from "../src/parse/ast.js";
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

  it("builds the same instructions as dockerfile-ast, though it builds each once and scans its arguments once", () => {
    const texts = [
      ...(corpus as (n: number, seed: number) => string[])(150, 11),
      "# escape=`\nFROM a\nRUN x `\n  && y\nCOPY --chown=1:1 [\"a b\", \"c\"]\nCMD [\"run\", \"--flag\"]\n",
      "FROM a\r\nRUN <<EOF\r\necho hi\r\nEOF\r\nCOPY <<A <<B /x/\r\na\r\nA\r\nb\r\nB\r\n",
      "ONBUILD RUN x\nHEALTHCHECK --interval=5s CMD [\"curl\"]\nSHELL [\"/bin/sh\", \"-c\"]\nENV A=1 B=\"2 3\"\nLABEL a=b\n",
      "RUN --mount=type=cache,target=/x \\\n  # a comment\n  apt-get update\nENTRYPOINT exec x\n",
    ];
    for (const text of texts) expect(withArgumentsMemo(() => tree(parseAst(text))), text.slice(0, 200)).toEqual(tree(DockerfileParser.parse(text)));
    const line = fc.constantFrom("FROM a", "RUN x \\", "  y", "CMD [\"a\", \"b\"]", "RUN <<EOF", "EOF", "COPY --from=s [\"a\", \"b\"] c", "# c", "", "ARG V", "# escape=`", "ENV X=1 \\", "USER u");
    fc.assert(
      fc.property(fc.array(line, { maxLength: 25 }), (lines) => {
        const text = lines.join("\n") + "\n";
        expect(withArgumentsMemo(() => tree(parseAst(text)))).toEqual(tree(DockerfileParser.parse(text)));
      }),
      { numRuns: 400 },
    );
  });

  it("leaves dockerfile-ast's own parse untouched afterwards", () => {
    const before = DockerfileParser.parse("FROM a\n# c\nRUN x\n");
    parseAst("FROM a\n# c\nRUN x\n");
    expect(allocation(DockerfileParser.parse("FROM a\n# c\nRUN x\n"))).toEqual(allocation(before));
  });
});

/** Every instruction as dockerfile-ast's public getters describe it. */
function tree(ast: ReturnType<typeof DockerfileParser.parse>): unknown[] {
  type Any = Record<string, (() => unknown) | undefined>;
  const values = (list: unknown): unknown =>
    Array.isArray(list) ? list.map((a) => ({ value: (a as { getValue(): unknown }).getValue(), range: (a as { getRange(): unknown }).getRange() })) : list;
  return ast.getInstructions().map((ins) => {
    const i = ins as unknown as Any;
    return {
      kind: ins.constructor.name,
      keyword: ins.getKeyword(),
      range: ins.getRange(),
      text: ins.getTextContent(),
      args: values(ins.getArguments()),
      flags: i.getFlags ? (i.getFlags.call(ins) as { getName(): string; getValue(): unknown; getRange(): unknown }[]).map((f) => [f.getName(), f.getValue(), f.getRange()]) : null,
      json: i.getJSONStrings ? values(i.getJSONStrings.call(ins)) : null,
      heredocs: i.getHeredocs ? (i.getHeredocs.call(ins) as { getName(): string; getContentRange(): unknown; getDelimiterRange(): unknown }[]).map((h) => [h.getName(), h.getContentRange(), h.getDelimiterRange()]) : null,
      variables: ins.getVariables().map((v) => [v.getName(), v.getRange()]),
    };
  });
}
