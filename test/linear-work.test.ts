// First: it starts the work counter before any of layerlint's code is compiled.
import { countWork, workGrowth } from "./helpers/work.js";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DockerfileParser, Instruction as AstInstruction } from "dockerfile-ast";
import { describe, expect, it } from "vitest";
import { parse } from "../src/parse/index.js";
import { withArgumentsMemo } from "../src/parse/ast.js";
import { fromString } from "../src/read.js";
import { lintSource } from "../src/lint.js";
import type { AnyRule } from "../src/engine/types.js";
import { rules } from "../rules/index.js";
// @ts-expect-error the benchmark shapes are plain JavaScript without types
import { SHAPES } from "../bench/shapes.mjs";

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

const byId = (id: string): AnyRule => {
  const rule = rules.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id}`);
  return rule;
};

/**
 * Growth is checked on counted work (blocks of src/ and rules/ executed, see
 * test/helpers/work.ts), never on time: linear code does about four times
 * the work for four times the input, a quadratic pass sixteen times. The
 * wall-clock curves of the same shapes are in `npm run bench` (bench/scaling.mjs).
 * The limit leaves room for the log factor of binary searches and of the
 * persistent maps; a quadratic pass exceeds it at these sizes.
 */
const LIMIT = 6;

describe("the work counter", () => {
  it("sees a quadratic loop and a linear one for what they are (the check can fail)", () => {
    const thisFile = (url: string): boolean => url.endsWith("/linear-work.test.ts");
    const quadratic = (n: number): number => {
      let x = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) x += j;
      return x;
    };
    const linear = (n: number): number => {
      let x = 0;
      for (let i = 0; i < n; i++) x += i;
      return x;
    };
    const growth = (f: (n: number) => number): number => countWork(() => f(2000), thisFile) / countWork(() => f(500), thisFile);
    expect(growth(quadratic)).toBeGreaterThan(LIMIT);
    expect(growth(linear)).toBeLessThan(LIMIT);
    // The same count, whatever the machine is doing: no timer is read.
    expect(countWork(() => quadratic(300), thisFile)).toBe(countWork(() => quadratic(300), thisFile));
  });
});

describe("rules that look along a stage do linear work in its length", () => {
  for (const id of ["package-cache-in-layer", "independent-run-after-copy"]) {
    it(`${id}: 4x the pairs, under ${LIMIT}x the work`, () => {
      const rule = byId(id);
      // The rule does report on this input, so its per-RUN work is not skipped.
      expect(lintSource(longStage(3), { rules: [rule], config: null, context: null }).findings.length).toBeGreaterThan(0);
      const g = workGrowth((n) => lintSource(longStage(n), { rules: [rule], config: null, context: null }), 250);
      expect(g.ratio, `${g.small} -> ${g.large}`).toBeLessThan(LIMIT);
    }, 60_000);
  }
});

interface Shape {
  text: string;
  context?: Record<string, string>;
}

function contextDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "layerlint-work-"));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

describe("every per-step state costs linear work, all rules on", () => {
  const shapes = SHAPES as Record<string, (n: number) => Shape>;
  const all = Object.fromEntries(rules.map((r) => [r.id, r.meta.severity]));
  for (const [name, make] of Object.entries(shapes)) {
    it(`${name}: 4x the instructions, under ${LIMIT}x the work`, () => {
      const inputs = new Map<number, { text: string; context: string | null }>();
      const input = (n: number): { text: string; context: string | null } => {
        let known = inputs.get(n);
        if (!known) {
          const shape = make(n);
          inputs.set(n, (known = { text: shape.text, context: shape.context ? contextDir(shape.context) : null }));
        }
        return known;
      };
      // The ignore matcher is a dependency: its work is the point of the long .dockerignore.
      const g = workGrowth((n) => {
        const { text, context } = input(n);
        lintSource(text, { rules, cliRules: all, config: null, context, filePath: context ? join(context, "Dockerfile") : "Dockerfile" });
      }, 1000);
      expect(g.ratio, `${g.small} -> ${g.large}`).toBeLessThan(LIMIT);
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
