import { describe, expect, it } from "vitest";
import rule from "../../rules/syntax/index.js";
import { messagesOf } from "../helpers/rule.js";

const messages = (text: string): string[] => messagesOf(rule, text);

describe("syntax", () => {
  it("reports a file without instructions, as BuildKit's parser does", () => {
    for (const text of ["# only a comment\n", "", "\n\n", "# syntax=docker/dockerfile:1\n"]) {
      expect(messages(text)).toEqual([expect.stringMatching(/^file with no instructions; BuildKit refuses the whole file/)]);
    }
  });

  it("words EXPOSE and HEALTHCHECK duration problems as BuildKit does", () => {
    expect(messages("FROM alpine\nEXPOSE abc\n")).toEqual([expect.stringMatching(/^invalid containerPort: abc;/)]);
    expect(messages("FROM alpine\nEXPOSE 80/tcp 1.2.3.4:8080:80/udp 9000-9010 $PORT\n")).toEqual([]);
    expect(messages("FROM alpine\nHEALTHCHECK --interval=5 CMD true\n")).toEqual([expect.stringContaining('(BuildKit: time: missing unit in duration "5")')]);
    expect(messages("FROM alpine\nHEALTHCHECK --timeout=3x CMD true\n")).toEqual([expect.stringContaining('time: unknown unit "x" in duration "3x"')]);
    expect(messages("FROM alpine\nHEALTHCHECK --interval=abc CMD true\n")).toEqual([expect.stringContaining('time: invalid duration "abc"')]);
    expect(messages("FROM alpine\nHEALTHCHECK --interval=100us CMD true\n")).toEqual([expect.stringContaining('Interval "interval" cannot be less than 1ms')]);
    expect(messages("FROM alpine\nHEALTHCHECK --interval=1m30s --timeout=0 --start-period=1.5s --retries=3 CMD true\n")).toEqual([]);
  });

  it("reports the parser's problems as findings", () => {
    expect(messages("RUN echo early\nFROM alpine\n")).toEqual([expect.stringMatching(/^`RUN` before the first FROM/)]);
    expect(messages("FROM alpine\nRUN <<EOF\necho\n")).toEqual([expect.stringMatching(/^unterminated heredoc <<EOF/)]);
  });

  it("suggests the keyword a typo was meant to be, and none for an unrelated word", () => {
    expect(messages("FROM alpine\nCOPPY a /a\n")).toEqual([expect.stringContaining("did you mean `COPY`?")]);
    expect(messages("FROM alpine\nFOOBARBAZ x\n")[0]).not.toContain("did you mean");
  });

  it("is suppressed by hadolint's parse-error id", () => {
    expect(messages("FROM alpine\n# hadolint ignore=DL1000\nCOPY --chmown=1 a /a\n")).toEqual([]);
  });

  it("takes flags of newer frontends and a bare -- that ends the flags", () => {
    expect(messages("FROM alpine\nCOPY --parents --exclude=*.md a/ /a/\nADD --unpack=false x.tgz /x\nRUN --device=nvidia.com/gpu=all -- --not-a-flag\n")).toEqual([]);
  });

  it("reads ENV and LABEL words the way BuildKit does: quotes and escapes keep a value together", () => {
    expect(messages('FROM alpine\nENV A="x y" B=one\\ two C=\'q r\'\nLABEL description="An app, with spaces"\n')).toEqual([]);
    expect(messages("FROM alpine\nENV A=1 two\n")).toEqual([expect.stringContaining('"two" in ENV has no "="')]);
  });
});
