import { DockerfileParser, Instruction as AstInstruction } from "dockerfile-ast";
import { describe, expect, it } from "vitest";
import { parse } from "../src/parse/index.js";
import { withArgumentsMemo } from "../src/parse/ast.js";
import { fromString } from "../src/read.js";
import { lintSource } from "../src/lint.js";
import type { AnyRule } from "../src/engine/types.js";
import { rules } from "../rules/index.js";

/**
 * A long stage of RUN/COPY pairs: every RUN leaves an apt index behind and
 * follows a broad COPY, so the rules that look at later or earlier steps
 * of the stage do their whole work on each of them.
 */
function longStage(pairs: number): string {
  const lines = ["FROM debian:12"];
  for (let i = 0; i < pairs; i++) {
    lines.push(`COPY src${i}/ /app/src${i}/`);
    lines.push(`RUN apt-get update && apt-get install -y tool${i}`);
  }
  lines.push(`RUN rm -rf /tmp/*`);
  return lines.join("\n") + "\n";
}

function lintTime(rule: AnyRule, text: string): number {
  const t0 = process.hrtime.bigint();
  lintSource(text, { rules: [rule], config: null, context: null });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/** Median lint times at n and 4n pairs, interleaved so that a pause of the machine hits both sizes alike. */
function growth(rule: AnyRule, n: number, rounds = 7): { small: number; large: number } {
  const small: number[] = [];
  const large: number[] = [];
  const smallText = longStage(n);
  const largeText = longStage(4 * n);
  lintTime(rule, smallText);
  lintTime(rule, largeText);
  for (let i = 0; i < rounds; i++) {
    small.push(lintTime(rule, smallText));
    large.push(lintTime(rule, largeText));
  }
  return { small: median(small), large: median(large) };
}

const byId = (id: string): AnyRule => {
  const rule = rules.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id}`);
  return rule;
};

describe("rules that look along a stage cost linear time in its length", () => {
  // Quadratic work grows sixteenfold from n to 4n pairs; linear fourfold. 10 leaves room for a noisy machine.
  for (const id of ["package-cache-in-layer", "independent-run-after-copy"]) {
    it(`${id}: 4x the pairs costs well under 16x the time`, () => {
      const rule = byId(id);
      // The rule does report on this input, so its per-RUN work is not skipped.
      expect(lintSource(longStage(3), { rules: [rule], config: null, context: null }).findings.length).toBeGreaterThan(0);
      const { small, large } = growth(rule, 1000);
      expect(large / Math.max(small, 1), `${small.toFixed(1)} ms -> ${large.toFixed(1)} ms`).toBeLessThan(10);
    }, 60_000);
  }
});

describe("the arguments scan memo of the parse", () => {
  it("gives the same arguments as dockerfile-ast and puts its method back afterwards", () => {
    const proto = AstInstruction.prototype as unknown as { getRawArguments: unknown };
    const original = proto.getRawArguments;
    const text = "FROM a AS b\nRUN --mount=type=cache,target=/root/.npm --network=none npm ci \\\n  && echo 'x y'\nCOPY --from=b --link [\"a b\", \"/c/\"]\nONBUILD RUN --mount=type=tmpfs,target=/t make\n";
    const seen = (ins: AstLike): string[] => ins.getArguments().map((a) => a.getValue());
    const expected = DockerfileParser.parse(text).getInstructions().map(seen);
    const memoized = withArgumentsMemo(() => {
      const ast = DockerfileParser.parse(text);
      // Asked twice: each caller gets a list of its own, flags shifted off only once.
      ast.getInstructions().forEach(seen);
      return ast.getInstructions().map(seen);
    });
    expect(memoized).toEqual(expected);
    expect(proto.getRawArguments).toBe(original);
    expect(() => withArgumentsMemo(() => { throw new Error("boom"); })).toThrow("boom");
    expect(proto.getRawArguments).toBe(original);
    expect(parse(fromString(text)).instructions.map((i) => i.args.map((a) => a.value))).toEqual(expected);
  });
});

interface AstLike {
  getArguments(): { getValue(): string }[];
}
