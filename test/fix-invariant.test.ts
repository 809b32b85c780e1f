import { describe, expect, it } from "vitest";
import { rules } from "../rules/index.js";
import { applyFixesOnce } from "../src/fix/apply.js";
import { fixInvariantViolations } from "../src/fix/invariant.js";
import { lintSource, type LintOptions } from "../src/lint.js";
import { fixturesOf, ruleIds } from "./helpers/fixtures.js";

/**
 * A fix never changes what a step it leaves in place sees: its command,
 * ENV and ARGs, USER, WORKDIR, SHELL and the files before it. Every fix
 * layerlint offers on every fixture is applied alone and checked.
 */

describe("the checker sees a changed environment", () => {
  it("an install moved above the ENV it ran with", () => {
    const before = "FROM debian:12\nARG GIT_SHA\nENV DEBIAN_FRONTEND=noninteractive GIT_SHA=$GIT_SHA\nRUN apt-get install -y tzdata\nRUN echo $GIT_SHA\n";
    const after = "FROM debian:12\nRUN apt-get install -y tzdata\nARG GIT_SHA\nENV DEBIAN_FRONTEND=noninteractive GIT_SHA=$GIT_SHA\nRUN echo $GIT_SHA\n";
    expect(fixInvariantViolations(before, after).map((v) => v.what)).toContain('ENV DEBIAN_FRONTEND was "noninteractive", is unset');
  });

  it("an ENV moved below the install that read it", () => {
    const before = "FROM python:3.12\nENV PYTHONDONTWRITEBYTECODE=1\nRUN pip install -r requirements.txt\n";
    const after = "FROM python:3.12\nRUN pip install -r requirements.txt\nENV PYTHONDONTWRITEBYTECODE=1\n";
    expect(fixInvariantViolations(before, after)).toHaveLength(1);
  });

  it("USER, WORKDIR and the order of RUNs", () => {
    expect(fixInvariantViolations("FROM a\nUSER app\nRUN make\n", "FROM a\nRUN make\nUSER app\n").map((v) => v.what)).toEqual(['USER was "app", is unset']);
    expect(fixInvariantViolations("FROM a\nWORKDIR /x\nRUN make\n", "FROM a\nRUN make\nWORKDIR /x\n").map((v) => v.what)).toContain('WORKDIR was "/x", is "/"');
    expect(fixInvariantViolations("FROM a\nRUN ./one\nRUN ./two\n", "FROM a\nRUN ./two\nRUN ./one\n")).not.toEqual([]);
  });

  it("a COPY of sources moved above a build, and a new COPY of files the original never copied", () => {
    expect(fixInvariantViolations("FROM a\nRUN make\nCOPY . .\n", "FROM a\nCOPY . .\nRUN make\n")).not.toEqual([]);
    expect(fixInvariantViolations("FROM a\nCOPY src src\nRUN npm ci\n", "FROM a\nCOPY package.json ./\nCOPY src src\nRUN npm ci\n")).not.toEqual([]);
  });

  it("allows the manifest-first split and an ARG taken away from a step that does not name it", () => {
    expect(fixInvariantViolations("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\n", "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n")).toEqual([]);
    expect(fixInvariantViolations("FROM a\nARG GIT_SHA\nRUN apk add curl\nRUN echo $GIT_SHA\n", "FROM a\nRUN apk add curl\nARG GIT_SHA\nRUN echo $GIT_SHA\n")).toEqual([]);
  });
});

for (const id of ruleIds()) {
  describe(`fixes of ${id} keep every step's inputs`, () => {
    for (const f of fixturesOf(id)) {
      it(f.name, () => {
        const only = rules.filter((r) => f.allRules || r.id === f.ruleId);
        const options: LintOptions = { rules: only, filePath: f.path, config: null, context: f.contextDir, cliRules: Object.fromEntries(only.map((r) => [r.id, r.meta.severity])) };
        const findings = lintSource(f.text, options).findings.filter((x) => x.fix);
        const problems: string[] = [];
        for (const finding of findings) {
          const { text, applied } = applyFixesOnce(f.text, [finding], true);
          if (applied.length === 0) continue;
          for (const v of fixInvariantViolations(f.text, text, f.contextDir, finding.fix?.safety)) problems.push(`${finding.ruleId} (${finding.fix?.safety}) line ${v.line} \`${v.step}\`: ${v.what}`);
        }
        expect(problems).toEqual([]);
      });
    }
  });
}
