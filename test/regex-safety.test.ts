import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { check, type Diagnostics } from "recheck";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/fixtures.js";

/**
 * Every regular expression in src/ and rules/ (found in the source, so a
 * new one is tested without anyone listing it) is checked by recheck, a
 * ReDoS checker: it builds the pattern's automaton and proves it runs in
 * linear time, or, where it cannot (back-references, lookarounds), counts
 * the steps of a backtracking matcher on generated attack strings. Both
 * are deterministic (a fixed seed, no timeout): nothing is timed, so a
 * loaded machine cannot fail the test. A polynomial or exponential pattern
 * fails with the attack string that shows it.
 */

interface FoundRegex {
  where: string;
  source: string;
  flags: string;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== "fixtures" && name !== "node_modules") out.push(...sourceFiles(p));
    } else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

function findRegexes(): FoundRegex[] {
  const out: FoundRegex[] = [];
  for (const file of [...sourceFiles(join(ROOT, "src")), ...sourceFiles(join(ROOT, "rules"))]) {
    const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const where = (node: ts.Node): string => `${relative(ROOT, file)}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    const visit = (node: ts.Node): void => {
      if (ts.isRegularExpressionLiteral(node)) {
        const text = node.text;
        const end = text.lastIndexOf("/");
        out.push({ where: where(node), source: text.slice(1, end), flags: text.slice(end + 1) });
      } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "RegExp") {
        const [pattern, flags] = node.arguments ?? [];
        // Patterns built at run time are made of escaped words (see each call site); only literal ones are testable here.
        if (pattern && ts.isStringLiteralLike(pattern)) out.push({ where: where(node), source: pattern.text, flags: flags && ts.isStringLiteralLike(flags) ? flags.text : "" });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out;
}

/** The same answer on every machine: a fixed seed for the fuzzing part, and no time limit (the step limits of the checker bound it). */
const judge = (source: string, flags: string): Promise<Diagnostics> => check(source, flags, { randomSeed: 42, timeout: null });

const regexes = findRegexes();

describe("regular expressions run in linear time on adversarial input", () => {
  it("catches a quadratic and an exponential pattern (the check can fail)", async () => {
    const quadratic = await judge("[ \\t]+$", "");
    expect(quadratic.status === "vulnerable" && quadratic.complexity.type).toBe("polynomial");
    const exponential = await judge("^(a+)+$", "");
    expect(exponential.status === "vulnerable" && exponential.complexity.type).toBe("exponential");
    expect((await judge("^[A-Za-z_][A-Za-z0-9_]*$", "")).status).toBe("safe");
  }, 60_000);

  it("finds the patterns in the source", () => {
    // If this drops sharply the extraction broke, and the tests below prove nothing.
    expect(regexes.length).toBeGreaterThan(30);
  });

  // Checked together, each distinct pattern once (several are written in many places): one agent process serves every check.
  it(`every pattern of src/ and rules/ (${regexes.length})`, async () => {
    const places = new Map<string, FoundRegex[]>();
    for (const found of regexes) {
      const key = `/${found.source}/${found.flags}`;
      places.set(key, [...(places.get(key) ?? []), found]);
    }
    const unsafe: string[] = [];
    for (const [key, [found, ...more]] of places) {
      const d = await judge(found.source, found.flags);
      if (d.status === "safe") continue;
      const why = d.status === "vulnerable" ? `${d.complexity.type}, attack ${d.attack.pattern}` : `unknown (${d.error.kind})`;
      unsafe.push(`${[found, ...more].map((f) => f.where).join(", ")} ${key}: ${why}`);
    }
    expect(unsafe).toEqual([]);
  }, 300_000);
});
