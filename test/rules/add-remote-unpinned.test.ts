import { describe, expect, it } from "vitest";
import rule from "../../rules/add-remote-unpinned/index.js";
import { messagesOf } from "../helpers/rule.js";

/** The fixtures check which lines are reported; this checks what the ADD messages say. */
const messages = (text: string): string[] => messagesOf(rule, text);

describe("add-remote-unpinned ADD messages", () => {
  it("say what BuildKit's HTTP source does: a request on every build, a download unless the ETag matches", () => {
    const [m] = messages("FROM alpine:3.20\nADD https://example.com/tool-1.2.3.tar.gz /tmp/\n");
    expect(m).toContain("`ADD https://example.com/tool-1.2.3.tar.gz` has no `--checksum`");
    expect(m).toContain("BuildKit asks the server for it on every build (and downloads it again unless the server's ETag says it has not changed)");
    expect(m).not.toContain("downloads it on every build");
  });

  it("quote the source as written, with the ARG-expanded URL beside it", () => {
    const [url] = messages("FROM alpine:3.20\nARG V=1.2.3\nADD https://example.com/v${V}/tool.tar.gz /tmp/\n");
    expect(url).toContain("`ADD https://example.com/v${V}/tool.tar.gz` (with ARGs expanded: `https://example.com/v1.2.3/tool.tar.gz`) has no");
    const [git] = messages("FROM alpine:3.20\nARG REF=main\nADD https://github.com/moby/buildkit.git#${REF} /src\n");
    expect(git).toContain("`ADD https://github.com/moby/buildkit.git#${REF}` (with ARGs expanded: `https://github.com/moby/buildkit.git#main`) follows branch `main`");
  });
});
