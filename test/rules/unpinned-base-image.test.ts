import { describe, expect, it } from "vitest";
import rule from "../../rules/unpinned-base-image/index.js";
import { lintSource } from "../../src/lint.js";
import type { LoadedConfig } from "../../src/engine/config.js";

function lint(text: string, requireDigest: boolean): string[] {
  const config: LoadedConfig = { path: null, dir: "/", data: { rules: { "unpinned-base-image": ["info", { requireDigest }] } } };
  return lintSource(text, { rules: [rule], config, context: null }).findings.map((f) => f.message);
}

describe("unpinned-base-image requireDigest", () => {
  const text = "FROM node:20-alpine AS build\nFROM alpine:3.20@sha256:0a4eaa0eecf5f8c050e5bba433f58c052be7587ee8af3e8b3910ef9ab5fbe9f5\n";
  it("is off by default: a version tag is enough", () => {
    expect(lint(text, false)).toEqual([]);
  });
  it("reports a tagged image without a digest when on", () => {
    const messages = lint(text, true);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain("`node:20-alpine` has no digest");
  });
});
