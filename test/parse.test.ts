import { describe, expect, it } from "vitest";
import { parse } from "../src/parse/index.js";
import { decode, fromString } from "../src/read.js";

const p = (text: string) => parse(fromString(text));

describe("read", () => {
  it("strips a BOM and remembers it, keeps CRLF", () => {
    const s = decode(Buffer.from("\uFEFFFROM a\r\nRUN b\r\n", "utf8"));
    expect(s.bom).toBe(true);
    expect(s.eol).toBe("\r\n");
    expect(s.text.startsWith("FROM")).toBe(true);
  });
  it("refuses NUL bytes", () => {
    expect(() => decode(Buffer.from([70, 0, 1]), "x")).toThrow(/binary/);
  });
  it("reads invalid UTF-8 with replacement characters and says so", () => {
    const s = decode(Buffer.from([0x46, 0x52, 0x4f, 0x4d, 0x20, 0xff, 0x0a]));
    expect(s.replacedInvalidUtf8).toBe(true);
    expect(s.text).toContain("\uFFFD");
  });
});

describe("parse", () => {
  it("splits stages, names them and links stage bases", () => {
    const f = p("ARG V=1\nFROM node:${V} AS Build\nRUN a\nFROM build\nCOPY --from=build /x /y\nFROM scratch\n");
    expect(f.globalArgs).toHaveLength(1);
    expect(f.stages.map((s) => [s.index, s.name, s.base])).toEqual([
      [0, "build", "node:${V}"],
      [1, null, "build"],
      [2, null, "scratch"],
    ]);
    expect(f.stages[1].baseStage).toBe(f.stages[0]);
  });

  it("keeps heredoc bodies out of the arguments and reads them whole", () => {
    const f = p('FROM a\nRUN <<EOF bash\nset -e\necho "$HOME"\nEOF\nCOPY <<-"A" <<B /dst/\n\tone\n\tA\ntwo\nB\nRUN x\n');
    const run = f.stages[0].instructions[0];
    expect(run.argText).toBe("<<EOF bash");
    expect(run.args.map((a) => a.value)).toEqual(["<<EOF", "bash"]);
    expect(run.heredocs).toEqual([expect.objectContaining({ name: "EOF", body: 'set -e\necho "$HOME"\n', stripTabs: false, quoted: false })]);
    expect(run.range.end.line).toBe(4);
    const copy = f.stages[0].instructions[1];
    expect(copy.heredocs.map((h) => [h.name, h.body, h.stripTabs, h.quoted])).toEqual([
      ["A", "one\n", true, true],
      ["B", "two\n", false, false],
    ]);
    expect(f.stages[0].instructions[2].keyword).toBe("RUN");
  });

  it("reports an unterminated heredoc as a problem, not a crash", () => {
    const f = p("FROM a\nRUN <<EOF\necho hi\n");
    expect(f.problems.map((x) => x.message)).toEqual([expect.stringContaining("unterminated heredoc <<EOF")]);
  });

  it("reads the exec form from the raw JSON (spaces and escapes kept)", () => {
    const f = p('FROM a\nRUN ["sh", "-c", "echo b c \\"q\\""]\nCMD [ "x" ]\n');
    expect(f.stages[0].instructions[0].json).toEqual(["sh", "-c", 'echo b c "q"']);
    expect(f.stages[0].instructions[1].json).toEqual(["x"]);
  });

  it("splits --mount into options and keeps other flags", () => {
    const f = p('FROM a\nRUN --mount=type=cache,target=/root/.npm,sharing=locked --mount=type=bind,source=pkg.json,target=/p --network=none npm ci\nCOPY --from=b --chown=1:1 --chmod=644 --link x y\nADD --checksum=sha256:ab https://e/x /x\n');
    const [run, copy, add] = f.stages[0].instructions;
    expect(run.mounts.map((m) => [m.type, m.target, m.source, m.options.sharing])).toEqual([
      ["cache", "/root/.npm", null, "locked"],
      ["bind", "/p", "pkg.json", undefined],
    ]);
    expect(run.flags.map((x) => x.name)).toEqual(["mount", "mount", "network"]);
    expect(run.argText).toBe("npm ci");
    expect(copy.flags.map((x) => [x.name, x.value])).toEqual([["from", "b"], ["chown", "1:1"], ["chmod", "644"], ["link", null]]);
    expect(add.flags[0]).toMatchObject({ name: "checksum", value: "sha256:ab" });
  });

  it("joins continuations and drops comment lines inside them", () => {
    const f = p("FROM a\nRUN apt-get update \\\n  # refresh\n  && apt-get install -y curl\n");
    expect(f.stages[0].instructions[0].argText).toBe("apt-get update   && apt-get install -y curl");
  });

  it("honours # escape=` and upper-cases lowercase keywords", () => {
    const f = p("# escape=`\nfrom a\nrun echo a `\n  b\n");
    expect(f.directives.escape).toBe("`");
    const run = f.stages[0].instructions[0];
    expect(run.keyword).toBe("RUN");
    expect(run.argText).toBe("echo a   b");
  });

  it("reads parser directives at the top only", () => {
    const f = p("# syntax=docker/dockerfile:1.7\n# check=skip=JSONArgsRecommended\nFROM a\n# escape=`\n");
    expect(f.directives).toEqual({ syntax: "docker/dockerfile:1.7", escape: "\\", check: "skip=JSONArgsRecommended" });
  });

  it("unwraps ONBUILD triggers", () => {
    const f = p("FROM a\nONBUILD RUN --mount=type=cache,target=/c npm ci\n");
    const ob = f.stages[0].instructions[0];
    expect(ob.trigger?.keyword).toBe("RUN");
    expect(ob.trigger?.onbuild).toBe(ob);
    expect(ob.trigger?.mounts[0].type).toBe("cache");
  });

  it("gives the same lines and columns for CRLF + BOM as for LF", () => {
    const lf = p("FROM a\nRUN x \\\n  y\nCOPY . .\n");
    const crlf = parse(decode(Buffer.from("\uFEFFFROM a\r\nRUN x \\\r\n  y\r\nCOPY . .\r\n")));
    const pos = (f: typeof lf) => f.instructions.map((i) => [i.range.start.line, i.range.start.column, i.range.end.line, i.range.end.column]);
    expect(pos(crlf)).toEqual(pos(lf));
    expect(crlf.instructions[1].argText).toBe(lf.instructions[1].argText);
  });

  it("flags instructions before the first FROM other than ARG", () => {
    expect(p("RUN x\nFROM a\n").problems).toHaveLength(1);
  });
});
