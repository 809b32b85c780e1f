import { describe, expect, it } from "vitest";
import type { Finding, Fix, TextEdit } from "../src/engine/types.js";
import { applyFixesOnce, fixLoop, MAX_PASSES } from "../src/fix/apply.js";
import { deleteInstruction, insertLinesBefore, instructionLines, moveInstructionBefore } from "../src/fix/edits.js";
import { parse } from "../src/parse/index.js";
import { fromString } from "../src/read.js";

const at = { line: 0, column: 0, offset: 0 };

function finding(edits: TextEdit[], safety: Fix["safety"] = "safe"): Finding {
  return { ruleId: "r", severity: "warning", message: "m", range: { start: at, end: at }, fix: { edits, safety } };
}

const edit = (start: number, end: number, text: string): TextEdit => ({ range: [start, end], text });

describe("applyFixesOnce", () => {
  it("applies fixes that do not overlap, in any order of reporting", () => {
    const r = applyFixesOnce("abcdef", [finding([edit(4, 5, "E")]), finding([edit(0, 1, "A")])]);
    expect(r.text).toBe("AbcdEf");
    expect(r.applied).toHaveLength(2);
  });

  it("applies the edits of one fix all together, or none of them", () => {
    const first = finding([edit(1, 2, "B")]);
    // Its second edit overlaps the first fix: the whole second fix waits, its first edit included.
    const second = finding([edit(4, 5, "E"), edit(1, 3, "X")]);
    const r = applyFixesOnce("abcdef", [first, second]);
    expect(r.text).toBe("aBcdef");
    expect(r.applied).toEqual([first]);
  });

  it("lets two insertions at one point wait for the next pass", () => {
    const r = applyFixesOnce("ab", [finding([edit(1, 1, "1")]), finding([edit(1, 1, "2")])]);
    expect(r.text).toBe("a1b");
    expect(r.applied).toHaveLength(1);
  });

  it("treats an insertion inside a replaced range as an overlap, but not at its edges", () => {
    expect(applyFixesOnce("abcdef", [finding([edit(1, 4, "X")]), finding([edit(2, 2, "!")])]).applied).toHaveLength(1);
    expect(applyFixesOnce("abcdef", [finding([edit(1, 4, "X")]), finding([edit(4, 4, "!")])]).text).toBe("aX!ef");
  });

  it("skips unsafe fixes unless they are allowed", () => {
    const f = [finding([edit(0, 1, "Z")], "unsafe")];
    expect(applyFixesOnce("abc", f).text).toBe("abc");
    expect(applyFixesOnce("abc", f, true).text).toBe("Zbc");
  });

  it("skips a fix with an edit outside the text or a reversed range", () => {
    expect(applyFixesOnce("abc", [finding([edit(2, 9, "x")])]).applied).toEqual([]);
    expect(applyFixesOnce("abc", [finding([edit(2, 1, "x")])]).applied).toEqual([]);
    expect(applyFixesOnce("abc", [finding([edit(0.5, 1, "x")])]).applied).toEqual([]);
  });

  it("skips a fix whose own edits overlap", () => {
    expect(applyFixesOnce("abcdef", [finding([edit(0, 3, "x"), edit(2, 4, "y")])]).applied).toEqual([]);
  });
});

describe("fixLoop", () => {
  it("re-lints and applies until nothing changes", () => {
    // Each pass fixes the first "a" only, as a rule that reports one finding per pass would.
    const lint = (text: string): Finding[] => {
      const i = text.indexOf("a");
      return i === -1 ? [] : [finding([edit(i, i + 1, "b")])];
    };
    const r = fixLoop("aaa", lint);
    expect(r.text).toBe("bbb");
    expect(r.passes).toBe(3);
    expect(r.fixCount).toBe(3);
    expect(r.findings).toEqual([]);
  });

  it(`stops after ${MAX_PASSES} passes`, () => {
    const lint = (text: string): Finding[] => [finding([edit(text.length, text.length, "x")])];
    const r = fixLoop("", lint);
    expect(r.passes).toBe(MAX_PASSES);
    expect(r.text).toBe("x".repeat(MAX_PASSES));
  });

  it("stops on a cycle (two fixes undoing each other)", () => {
    const lint = (text: string): Finding[] => [finding([edit(0, 1, text === "A" ? "B" : "A")])];
    const r = fixLoop("A", lint);
    expect(r.passes).toBeLessThan(MAX_PASSES);
    expect(["A", "B"]).toContain(r.text);
  });

  it("changes nothing when no finding has a fix", () => {
    const r = fixLoop("abc", () => [{ ruleId: "r", severity: "info", message: "m", range: { start: at, end: at } }]);
    expect(r).toMatchObject({ text: "abc", passes: 0, fixCount: 0 });
  });
});

describe("line edits", () => {
  const file = (text: string) => parse(fromString(text));

  it("inserts whole lines with the instruction's indentation and the file's line ending", () => {
    const f = file("FROM a\r\n  RUN b\r\n");
    const run = f.instructions[1];
    const e = insertLinesBefore(f, run, ["COPY x ./"]);
    expect(applyFixesOnce(f.text, [finding([e])]).text).toBe("FROM a\r\n  COPY x ./\r\n  RUN b\r\n");
  });

  it("takes an instruction's continuation and comment lines whole, and ends the last line", () => {
    const f = file("FROM a\nRUN b \\\n  # note\n  c");
    const lines = instructionLines(f, f.instructions[1]);
    expect(lines.text).toBe("RUN b \\\n  # note\n  c\n");
    expect(applyFixesOnce(f.text, [finding([deleteInstruction(f, f.instructions[1])])]).text).toBe("FROM a\n");
  });

  it("moves an instruction as one fix of two edits", () => {
    const f = file("FROM a\nCOPY . .\nRUN b\nCMD c\n");
    const moved = moveInstructionBefore(f, f.instructions[1], f.instructions[3]);
    expect(moved).toHaveLength(2);
    expect(applyFixesOnce(f.text, [finding(moved)]).text).toBe("FROM a\nRUN b\nCOPY . .\nCMD c\n");
  });

  it("keeps a heredoc with its instruction", () => {
    const f = file("FROM a\nCOPY <<EOF /x\nhello\nEOF\nRUN b\n");
    const copy = f.instructions[1];
    expect(instructionLines(f, copy).text).toBe("COPY <<EOF /x\nhello\nEOF\n");
  });
});
