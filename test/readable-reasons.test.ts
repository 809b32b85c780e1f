import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { explain, lint, parse, fromString, type ExplainReport } from "../src/index.js";
import { argDeclarations } from "../src/model/index.js";

/**
 * Every reason `explain` gives and every lint message is a sentence a user
 * can read: no control character, and none of the placeholders the model
 * uses for a build-arg's unknown new value.
 */
// eslint-disable-next-line no-control-regex
const UNREADABLE = /[\u0000-\u0008\u000b-\u001f\u007f]|changed-build-arg/;

function dockerfiles(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (const rule of readdirSync("rules", { withFileTypes: true })) {
    if (!rule.isDirectory()) continue;
    const dir = join("rules", rule.name, "fixtures");
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) if (n.endsWith(".Dockerfile")) out.push({ name: join(dir, n), text: readFileSync(join(dir, n), "utf8") });
  }
  return out;
}

const FILES = [
  ...dockerfiles(),
  {
    name: "build-args in every place a value shows",
    text: "ARG FLAVOR=a\nARG BASE=alpine:3.19\nFROM ${BASE} AS build-a\nARG UID=1000\nUSER $UID\nWORKDIR /home/$UID\nENV MODE=$UID\nRUN echo hi\nFROM build-a AS build-b\nFROM build-${FLAVOR} AS chosen\nARG V=1\nCOPY <<EOF /v\n$V\nEOF\nRUN --mount=type=bind,from=build-a,target=/a cat /a/x\nFROM chosen\nCOPY --from=chosen /v /v\n",
  },
];

function texts(report: ExplainReport): string[] {
  const out: string[] = [];
  for (const row of report.instructions) {
    if (row.reason !== null) out.push(row.reason);
    const deps = row.inputs.dependsOn;
    if (Array.isArray(deps)) for (const d of deps) out.push(String(d));
  }
  return out;
}

describe("reasons and messages are words", () => {
  it("covers files with build-args", () => {
    expect(FILES.length).toBeGreaterThan(20);
    expect(FILES.filter((f) => /\bARG\b/.test(f.text)).length).toBeGreaterThan(5);
  });

  for (const f of FILES) {
    it(f.name, () => {
      const args = new Set<string>();
      for (const ins of parse(fromString(f.text), "Dockerfile").instructions) {
        if (ins.keyword === "ARG") for (const a of argDeclarations(ins)) args.add(a.name);
      }
      const names = [...args];
      const reports = [
        // new values not given: the model's placeholders must never show
        explain(f.text, { context: null, changedBuildArgs: names, changedPaths: ["src/app.js", "package.json"] }),
        explain(f.text, { context: null, changedBuildArgs: names, baseChanged: true }),
        // new values given
        explain(f.text, { context: null, buildArgValues: Object.fromEntries(names.map((n) => [n, "b"])), previousBuildArgValues: {} }),
      ];
      for (const r of reports) for (const t of texts(r)) expect(t, f.name).not.toMatch(UNREADABLE);
      for (const finding of lint(f.text, { context: null, config: null }).findings) expect(finding.message, f.name).not.toMatch(UNREADABLE);
    });
  }

  it("names the build-arg whose new value is not given", () => {
    const r = explain("FROM alpine\nARG UID=1000\nUSER $UID\nWORKDIR /w\n", { context: null, changedBuildArgs: ["UID"] });
    expect(r.instructions.find((i) => i.keyword === "WORKDIR")?.reason).toBe("USER changed to (the new value of build-arg UID)");
  });

  it("says uncertain for a FROM that depends on a build-arg whose new value is not given, and for the stages it may pick", () => {
    const text = "ARG FLAVOR=a\nFROM alpine AS build-a\nRUN echo a\nFROM alpine AS build-b\nRUN echo b\nFROM alpine AS other\nRUN echo c\nFROM build-${FLAVOR}\nRUN echo d\n";
    const r = explain(text, { context: null, changedBuildArgs: ["FLAVOR"] });
    const status = r.instructions.filter((i) => i.keyword === "RUN").map((i) => [i.stage, i.status]);
    expect(status).toEqual([
      ["build-a", "uncertain"],
      ["build-b", "uncertain"],
      ["other", "skipped"],
      ["stage-3", "uncertain"],
    ]);
    const known = explain(text, { context: null, buildArgValues: { FLAVOR: "b" }, previousBuildArgValues: {} });
    expect(known.instructions.filter((i) => i.keyword === "RUN").map((i) => [i.stage, i.status])).toEqual([
      ["build-a", "skipped"],
      ["build-b", "rerun"],
      ["other", "skipped"],
      ["stage-3", "rerun"],
    ]);
  });

  it("a build-arg given its default value changes nothing", () => {
    const text = "FROM alpine\nARG EXTRA=\nARG UID=1000\nRUN echo $UID\n";
    const same = explain(text, { context: null, buildArgValues: { EXTRA: "", UID: "1000" }, previousBuildArgValues: {} });
    expect(same.instructions.filter((i) => i.step).map((i) => i.status)).toEqual(["cached", "cached"]);
    const other = explain(text, { context: null, buildArgValues: { UID: "1001" }, previousBuildArgValues: {} });
    expect(other.instructions.filter((i) => i.keyword === "RUN").map((i) => [i.status, i.reason])).toEqual([["rerun", "build-arg UID declared at line 3 changed"]]);
  });
});
