import { describe, expect, it } from "vitest";
import { rules } from "../rules/index.js";
import { lintSource } from "../src/lint.js";

/** The ids of the findings for `text`, every rule at its default severity. */
function ids(text: string): string[] {
  return lintSource(text, { rules, config: null, context: null }).findings.map((f) => f.ruleId);
}

const UNPINNED = "FROM debian\n";

describe("ignore comments", () => {
  it("layerlint ignore= applies to the next instruction, global ignore= to the file", () => {
    expect(ids(UNPINNED)).toEqual(["unpinned-base-image"]);
    expect(ids("RUN true\n# layerlint ignore=unpinned-base-image\nFROM debian\n")).not.toContain("unpinned-base-image");
    expect(ids("ARG X\n# layerlint global ignore=unpinned-base-image\nFROM debian\nFROM ubuntu\n")).not.toContain("unpinned-base-image");
  });

  it("hadolint ignore= names the rule by its hadolint id", () => {
    expect(ids("ARG X\n# hadolint ignore=DL3006\nFROM debian\n")).toEqual([]);
  });

  it("works on the first lines of the file, where dockerfile-ast reads `# key=value` as a directive", () => {
    expect(ids("# hadolint ignore=DL3006\nFROM debian\n")).toEqual([]);
    expect(ids("# layerlint ignore=unpinned-base-image\nFROM debian\n")).toEqual([]);
    expect(ids("# syntax=docker/dockerfile:1\n# hadolint ignore=DL3006\nFROM debian\n")).toEqual([]);
    expect(ids("# syntax=docker/dockerfile:1\n# layerlint global ignore=unpinned-base-image\nFROM debian\nFROM ubuntu\n")).toEqual([]);
    expect(ids("# hadolint global ignore=DL3007\nFROM alpine:latest\n")).toEqual([]);
  });

  it("leaves BuildKit's own directives as directives", () => {
    const r = lintSource("# syntax=docker/dockerfile:1\n# escape=`\nFROM debian\n", { rules, config: null, context: null });
    expect(r.file.directives).toMatchObject({ syntax: "docker/dockerfile:1", escape: "`" });
    expect(r.file.comments).toEqual([]);
  });
});
