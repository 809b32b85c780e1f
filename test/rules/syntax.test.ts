import { describe, expect, it } from "vitest";
import rule from "../../rules/syntax/index.js";
import { messagesOf } from "../helpers/rule.js";

const messages = (text: string): string[] => messagesOf(rule, text);

describe("syntax", () => {
  it("leaves a file without instructions alone: it is being written", () => {
    expect(messages("# only a comment\n")).toEqual([]);
    expect(messages("")).toEqual([]);
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
