import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import ajvFormats from "ajv-formats";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { beforeAll, describe, expect, it } from "vitest";
import { rules } from "../rules/index.js";
import type { AnyRule, Finding } from "../src/engine/types.js";
import { FORMAT_NAMES, loadFormatter, type FileReport, type FormatterContext } from "../src/formatters/index.js";
import { escapeData, escapeProperty } from "../src/formatters/github.js";
import { escapeXml } from "../src/formatters/xml.js";
import { lintSource } from "../src/lint.js";
import { cli, tempTree } from "./helpers/cli.js";
import { ROOT } from "./helpers/fixtures.js";

const BAD = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";
const CLEAN = "FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\n";
/** Everything a format has to escape: its own delimiters, XML's five, line breaks, a tab, a control character, an emoji. */
const NASTY = `bad "value" <x> & 'y' 100% done: a,b\r\nnext\tline \u0001 \u{1F600}`;
const CWD = join(ROOT, "test");

/** A range over `text` from one offset to another, with 0-based lines and columns. */
function rangeOf(text: string, start: number, end: number): Finding["range"] {
  const pos = (offset: number) => {
    const before = text.slice(0, offset);
    const line = before.split("\n").length - 1;
    return { line, column: offset - (before.lastIndexOf("\n") + 1), offset };
  };
  return { start: pos(start), end: pos(end) };
}

/** A linted file with a real fixable finding, plus crafted findings for the corners. */
function sampleReports(): FileReport[] {
  const filePath = join(CWD, "svc", "Dockerfile");
  // One rule only: the expectations below must not move when other rules start to report on BAD.
  const real = lintSource(BAD, { rules: rules.filter((r) => r.id === "copy-before-install"), filePath, config: null, context: null });
  expect(real.findings.some((f) => f.ruleId === "copy-before-install" && f.fix)).toBe(true);
  const text = "FROM alpine\nRUN echo one \\\n  two\nCOPY a b\n";
  const crafted: Finding[] = [
    { ruleId: "copy-before-install", severity: "error", message: NASTY, range: rangeOf(text, 12, 32) },
    { ruleId: "copy-before-install", severity: "info", message: "an info finding", range: rangeOf(text, 33, 41) },
    {
      ruleId: "copy-before-install",
      severity: "warning",
      message: "with an unsafe fix and a suggestion",
      range: rangeOf(text, 33, 42),
      fix: { safety: "unsafe", edits: [{ range: [33, 42], text: "COPY --link a b\n" }] },
      suggestions: [{ message: "drop the COPY", fix: { safety: "safe", edits: [{ range: [33, 42], text: "" }] } }],
    },
    { ruleId: "layerlint", severity: "warning", message: "invalid UTF-8", range: rangeOf(text, 0, 0) },
  ];
  return [
    { filePath, text: real.source.text, findings: real.findings },
    { filePath: join(CWD, "odd dir", "a:b,c.Dockerfile"), text, findings: crafted },
    { filePath: join(CWD, "clean", "Dockerfile"), text: CLEAN, findings: [] },
  ];
}

/** The real finding's message: the rule owns its wording, these tests only check how formats carry it. */
function realMessage(): string {
  const message = sampleReports()[0].findings[0].message;
  expect(message).toMatch(/^`RUN npm ci` re-runs whenever any file copied by `COPY \. \.` changes/);
  return message;
}

const ctx: FormatterContext = { color: false, rules, cwd: CWD, version: "9.8.7" };

async function format(name: string, reports: FileReport[] = sampleReports(), context: FormatterContext = ctx): Promise<string> {
  return (await loadFormatter(name))(reports, context);
}

/** The official SARIF 2.1.0 schema, kept in test/schemas/ (see its README for the origin). */
function sarifValidator() {
  const schema = JSON.parse(readFileSync(join(ROOT, "test/schemas/sarif-2.1.0.json"), "utf8"));
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  // ajv-formats is CommonJS: under NodeNext its default import is the module, whose `default` is the plugin.
  ajvFormats.default(ajv);
  return ajv.compile(schema);
}

function applyReplacements(text: string, replacements: { deletedRegion: { charOffset: number; charLength: number }; insertedContent: { text: string } }[]): string {
  // Every region refers to the original text: apply from the end so earlier offsets stay valid.
  const sorted = [...replacements].sort((a, b) => b.deletedRegion.charOffset - a.deletedRegion.charOffset || b.deletedRegion.charLength - a.deletedRegion.charLength);
  let out = text;
  for (const r of sorted) out = out.slice(0, r.deletedRegion.charOffset) + r.insertedContent.text + out.slice(r.deletedRegion.charOffset + r.deletedRegion.charLength);
  return out;
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", htmlEntities: true, isArray: (name) => ["file", "error", "testsuite", "testcase"].includes(name) });
/** What XML 1.0 cannot contain at all: a conforming parser rejects the document. */
// eslint-disable-next-line no-control-regex -- these control characters are exactly what is looked for
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** NASTY as an XML document gives it back: the control character replaced, everything else intact. */
const NASTY_IN_XML = NASTY.replace("\u0001", "\uFFFD");

describe("formatter registry", () => {
  it("knows every format and loads each", async () => {
    expect([...FORMAT_NAMES].sort()).toEqual(["checkstyle", "github", "gnu", "json", "junit", "sarif", "stylish"]);
    for (const name of FORMAT_NAMES) expect(typeof (await loadFormatter(name))).toBe("function");
  });

  it("every format reports no files as nothing found", async () => {
    expect(await format("stylish", [])).toBe("");
    expect(JSON.parse(await format("json", []))).toEqual([]);
    expect(await format("github", [])).toBe("");
    expect(await format("gnu", [])).toBe("");
    expect(xml.parse(await format("checkstyle", [])).checkstyle.file).toBeUndefined();
    expect(xml.parse(await format("junit", [])).testsuites).toMatchObject({ tests: "0", failures: "0" });
  });
});

describe("sarif", () => {
  const validate = sarifValidator();

  it("the schema file is the one its README names", () => {
    const bytes = readFileSync(join(ROOT, "test/schemas/sarif-2.1.0.json"));
    const readme = readFileSync(join(ROOT, "test/schemas/README.md"), "utf8");
    expect(readme).toContain(createHash("sha256").update(bytes).digest("hex"));
  });

  it("the schema validator rejects what SARIF 2.1.0 forbids (it is not vacuous)", () => {
    expect(validate({ version: "2.1.0", runs: [{ tool: { driver: { name: "x" } }, results: [{ message: { text: "m" }, level: "warn" }] }] })).toBe(false);
    expect(validate({ version: "2.0.0", runs: [] })).toBe(false);
    expect(validate({ version: "2.1.0", runs: [{ tool: { driver: { name: "x" } }, results: [{ message: { text: "m" }, locations: [{ physicalLocation: { region: { startLine: 0 } } }] }] }] })).toBe(false);
    expect(validate({ version: "2.1.0", runs: [{ tool: { driver: { name: "x" } }, results: [] }] })).toBe(true);
  });

  it("validates against the official schema, with every finding, fix and suggestion", async () => {
    const log = JSON.parse(await format("sarif"));
    const ok = validate(log);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
    const empty = JSON.parse(await format("sarif", []));
    expect(validate(empty)).toBe(true);
    expect(empty.runs[0].results).toEqual([]);
  });

  it("describes every rule in tool.driver with docs link and default level", async () => {
    const driver = JSON.parse(await format("sarif")).runs[0].tool.driver;
    expect(driver).toMatchObject({ name: "layerlint", version: "9.8.7", informationUri: expect.stringMatching(/^https:\/\//) });
    for (const rule of rules) {
      const d = driver.rules.find((r: { id: string }) => r.id === rule.id);
      expect(d, rule.id).toBeDefined();
      expect(d.shortDescription.text).toBe(rule.meta.description);
      expect(d.fullDescription.text).toContain(rule.meta.description);
      expect(d.helpUri).toBe(`https://github.com/layerlint/layerlint/blob/main/rules/${rule.id}/README.md`);
      expect(d.defaultConfiguration.level).toBe({ error: "error", warning: "warning", info: "note" }[rule.meta.severity]);
    }
  });

  it("gives results 1-based regions, a relative URI, the right ruleIndex and level", async () => {
    const run = JSON.parse(await format("sarif")).runs[0];
    expect(run.originalUriBaseIds["%SRCROOT%"].uri).toBe(pathToFileURL(CWD).href + "/");
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
    const real = run.results[0];
    expect(real).toMatchObject({ ruleId: "copy-before-install", level: "warning" });
    expect(real.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: "svc/Dockerfile", uriBaseId: "%SRCROOT%" },
      region: { startLine: 3, startColumn: 1, endLine: 3, endColumn: 9, charOffset: 26, charLength: 8 },
    });
    const [nasty, info] = run.results.slice(-4);
    expect(nasty.message.text).toBe(NASTY);
    expect(nasty.level).toBe("error");
    expect(nasty.locations[0].physicalLocation.artifactLocation.uri).toBe("odd%20dir/a%3Ab%2Cc.Dockerfile");
    // A range over a continuation line: line 2 column 1 to line 3 column 6 (exclusive end).
    expect(nasty.locations[0].physicalLocation.region).toMatchObject({ startLine: 2, startColumn: 1, endLine: 3, endColumn: 6, charOffset: 12, charLength: 20 });
    expect(info.level).toBe("note");
    const self = run.results.at(-1);
    expect(run.tool.driver.rules[self.ruleIndex].id).toBe("layerlint");
  });

  it("carries fixes whose replacements, applied to the file, give the fixed text", async () => {
    const reports = sampleReports();
    const run = JSON.parse(await format("sarif", reports)).runs[0];
    const real = run.results[0];
    expect(real.fixes).toHaveLength(1);
    const change = real.fixes[0].artifactChanges[0];
    expect(change.artifactLocation.uri).toBe("svc/Dockerfile");
    const expected = applyReplacements(BAD, reports[0].findings[0].fix!.edits.map((e) => ({ deletedRegion: { charOffset: e.range[0], charLength: e.range[1] - e.range[0] }, insertedContent: { text: e.text } })));
    expect(applyReplacements(BAD, change.replacements)).toBe(expected);
    expect(expected).not.toBe(BAD);
    // Lines and columns of each deleted region agree with its offsets.
    const lines = BAD.split("\n");
    for (const r of change.replacements) {
      const d = r.deletedRegion;
      const offsetOf = (line: number, column: number) => lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 1;
      expect(offsetOf(d.startLine, d.startColumn)).toBe(d.charOffset);
      expect(offsetOf(d.endLine, d.endColumn)).toBe(d.charOffset + d.charLength);
    }
    const withFixAndSuggestion = run.results.at(-2);
    expect(withFixAndSuggestion.fixes.map((f: { description: { text: string } }) => f.description.text)).toEqual([expect.stringContaining("unsafe"), "drop the COPY"]);
  });

  it("names a file outside the working directory by an absolute file URI", async () => {
    const outside = join(ROOT, "..", "elsewhere", "Dockerfile");
    const log = JSON.parse(await format("sarif", [{ filePath: outside, text: null, findings: sampleReports()[0].findings }]));
    expect(validate(log)).toBe(true);
    expect(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation).toEqual({ uri: pathToFileURL(outside).href });
    expect(log.runs[0].results[0].fixes[0].artifactChanges[0].replacements[0].deletedRegion.startLine).toBeUndefined();
  });
});

describe("github", () => {
  it("escapes data and properties as GitHub's toolkit does", () => {
    expect(escapeData("100%\r\nnext: a,b")).toBe("100%25%0D%0Anext: a,b");
    expect(escapeProperty("100%\r\nnext: a,b")).toBe("100%25%0D%0Anext%3A a%2Cb");
  });

  it("prints one workflow command per finding, relative paths, info as notice", async () => {
    const lines = (await format("github")).trimEnd().split("\n");
    expect(lines[0]).toBe(
      `::warning file=svc/Dockerfile,line=3,col=1,endLine=3,endColumn=8,title=copy-before-install::${realMessage()}`,
    );
    expect(lines[1]).toBe(
      "::error file=odd dir/a%3Ab%2Cc.Dockerfile,line=2,col=1,endLine=3,endColumn=5,title=copy-before-install::bad \"value\" <x> & 'y' 100%25 done: a,b%0D%0Anext\tline \u0001 \u{1F600}",
    );
    expect(lines[2]).toMatch(/^::notice file=odd dir\/a%3Ab%2Cc\.Dockerfile,line=4,col=1,endLine=4,endColumn=8,title=copy-before-install::an info finding$/);
    // An empty range still annotates one column; the command never spans lines.
    expect(lines[4]).toBe("::warning file=odd dir/a%3Ab%2Cc.Dockerfile,line=1,col=1,endLine=1,endColumn=1,title=layerlint::invalid UTF-8");
    expect(lines).toHaveLength(5);
  });

  it("parses back: unescaping every property and the message gives the original values", async () => {
    const unescape = (s: string) => s.replace(/%3A/g, ":").replace(/%2C/g, ",").replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%25/g, "%");
    const line = (await format("github")).split("\n")[1];
    const m = /^::(\w+) ([^:]*)::(.*)$/.exec(line);
    expect(m).not.toBeNull();
    const props = Object.fromEntries(m![2].split(",").map((p) => p.split("=")).map(([k, v]) => [k, unescape(v)]));
    expect(props).toEqual({ file: "odd dir/a:b,c.Dockerfile", line: "2", col: "1", endLine: "3", endColumn: "5", title: "copy-before-install" });
    expect(unescape(m![3])).toBe(NASTY);
  });

  it("ends an annotation that stops at a line start on the line before", async () => {
    const text = "FROM a\nRUN b\n";
    const out = await format("github", [{ filePath: join(CWD, "Dockerfile"), text, findings: [{ ruleId: "x", severity: "warning", message: "m", range: rangeOf(text, 7, 13) }] }]);
    expect(out).toBe("::warning file=Dockerfile,line=2,col=1,endLine=2,title=x::m\n");
  });
});

describe("gnu", () => {
  it("prints file:line:col: severity: message [rule-id], one line per finding", async () => {
    const lines = (await format("gnu")).trimEnd().split("\n");
    expect(lines[0]).toBe(`${join(CWD, "svc", "Dockerfile")}:3:1: warning: ${realMessage()} [copy-before-install]`);
    expect(lines).toHaveLength(5);
    // The pattern Vim's and Emacs' GNU error parsers use.
    for (const l of lines) expect(l).toMatch(/^[^:\n]+(?::[^:\n]+)*:\d+:\d+: (error|warning|info): .+ \[[a-z-]+\]$/);
    expect(lines[2]).toMatch(/:4:1: info: an info finding \[copy-before-install\]$/);
    expect(lines[1]).toContain(": error: bad \"value\" <x> & 'y' 100% done: a,b next\tline");
  });
});

describe("XML escaping", () => {
  it("keeps valid text, escapes markup and line breaks, replaces what XML 1.0 cannot hold", () => {
    expect(escapeXml(`a&b<c>d"e'f`)).toBe("a&amp;b&lt;c&gt;d&quot;e&apos;f");
    expect(escapeXml("x\r\n\ty")).toBe("x&#13;&#10;&#9;y");
    expect(escapeXml("\u{1F600} \uD800 \uDC00 \u0000 \uFFFF é")).toBe("\u{1F600} \uFFFD \uFFFD \uFFFD \uFFFD é");
  });
});

describe("checkstyle", () => {
  it("is well-formed XML that parses back to the findings", async () => {
    const out = await format("checkstyle");
    expect(XMLValidator.validate(out)).toBe(true);
    expect(out).not.toMatch(XML_FORBIDDEN);
    const doc = xml.parse(out);
    expect(doc.checkstyle.version).toBe("4.3");
    const files = doc.checkstyle.file;
    expect(files.map((f: { name: string }) => f.name)).toEqual(sampleReports().map((r) => r.filePath));
    expect(files[0].error).toEqual([
      { line: "3", column: "1", severity: "warning", message: realMessage(), source: "copy-before-install" },
    ]);
    expect(files[1].error[0]).toMatchObject({ line: "2", column: "1", severity: "error", source: "copy-before-install" });
    expect(files[1].error[0].message).toBe(NASTY_IN_XML);
    expect(files[1].error.map((e: { severity: string }) => e.severity)).toEqual(["error", "info", "warning", "warning"]);
    expect(files[2].error).toBeUndefined();
  });
});

describe("junit", () => {
  it("is well-formed XML with one failing test case per finding and a passing one per clean file", async () => {
    const out = await format("junit");
    expect(XMLValidator.validate(out)).toBe(true);
    expect(out).not.toMatch(XML_FORBIDDEN);
    const root = xml.parse(out).testsuites;
    expect(root).toMatchObject({ name: "layerlint", tests: "6", failures: "5", errors: "0" });
    const [svc, odd, clean] = root.testsuite;
    expect(svc).toMatchObject({ name: join(CWD, "svc", "Dockerfile"), tests: "1", failures: "1" });
    expect(svc.testcase[0]).toMatchObject({ name: "copy-before-install at 3:1", classname: join(CWD, "svc", "Dockerfile") });
    expect(svc.testcase[0].failure).toMatchObject({ type: "warning", message: expect.stringContaining("`RUN npm ci`") });
    expect(svc.testcase[0].failure["#text"]).toContain(":3:1: warning: `RUN npm ci`");
    expect(odd.testcase[0].failure.message).toBe(NASTY_IN_XML);
    expect(odd.testcase[0].failure.type).toBe("error");
    expect(odd.testcase).toHaveLength(4);
    expect(clean).toMatchObject({ tests: "1", failures: "0" });
    expect(clean.testcase[0].failure).toBeUndefined();
  });
});

describe("CLI: formats and report options", () => {
  beforeAll(() => {
    expect(existsSync(join(ROOT, "dist", "cli.js")), "run `npm run build` first").toBe(true);
  });
  const severities = { "copy-before-install": "warning" };
  /** Only copy-before-install, as a warning, so the test does not depend on other rules. */
  const isolated = (extra: Record<string, string> = {}) => {
    const others = Object.fromEntries(rules.filter((r: AnyRule) => r.id !== "copy-before-install").map((r) => [r.id, "off"]));
    return JSON.stringify({ rules: { ...others, ...severities, ...extra } });
  };

  it("-f sarif from the CLI validates and names files relative to the working directory", () => {
    const dir = tempTree({ "svc/Dockerfile": BAD, "svc/package.json": "{}", ".layerlintrc.json": isolated() });
    const r = cli(["-f", "sarif", "svc"], { cwd: dir });
    expect(r.status).toBe(0);
    const log = JSON.parse(r.stdout);
    const validate = sarifValidator();
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    expect(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe("svc/Dockerfile");
    expect(log.runs[0].results[0].fixes).toHaveLength(1);
  });

  it("-f github, gnu, checkstyle, junit from the CLI", () => {
    const dir = tempTree({ Dockerfile: BAD, "package.json": "{}", ".layerlintrc.json": isolated() });
    expect(cli(["-f", "github", "Dockerfile"], { cwd: dir }).stdout).toMatch(/^::warning file=Dockerfile,line=3,col=1,endLine=3,endColumn=8,title=copy-before-install::/);
    expect(cli(["-f", "gnu", "Dockerfile"], { cwd: dir }).stdout).toMatch(/^Dockerfile:3:1: warning: .+ \[copy-before-install\]\n$/);
    for (const f of ["checkstyle", "junit"]) {
      const out = cli(["-f", f, "Dockerfile"], { cwd: dir }).stdout;
      expect(XMLValidator.validate(out), f).toBe(true);
      expect(out).toContain("copy-before-install");
    }
    const bad = cli(["-f", "nope", "Dockerfile"], { cwd: dir });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown format "nope"');
  });

  it("--output-file writes the report atomically (new directories, replaced file, no temporary left)", () => {
    const dir = tempTree({ Dockerfile: BAD, "package.json": "{}", ".layerlintrc.json": isolated() });
    const stdout = cli(["-f", "sarif", "Dockerfile"], { cwd: dir }).stdout;
    const r = cli(["-f", "sarif", "-o", "reports/deep/layerlint.sarif", "Dockerfile"], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
    expect(readFileSync(join(dir, "reports/deep/layerlint.sarif"), "utf8")).toBe(stdout);
    mkdirSync(join(dir, "out"));
    writeFileSync(join(dir, "out", "report.txt"), "old report that is longer than the new one ".repeat(100));
    expect(cli(["-f", "gnu", "--output-file", "out/report.txt", "Dockerfile"], { cwd: dir }).status).toBe(0);
    expect(readFileSync(join(dir, "out", "report.txt"), "utf8")).toMatch(/^Dockerfile:3:1: warning: .*\[copy-before-install\]\n$/);
    expect(readdirSync(join(dir, "out"))).toEqual(["report.txt"]);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(readdirSync(join(dir, "reports/deep"))).toEqual(["layerlint.sarif"]);
    // With --fix-dry-run the diff goes to standard output and the report still to the file.
    const dry = cli(["--fix-dry-run", "-f", "gnu", "-o", "out/dry.txt", "Dockerfile"], { cwd: dir });
    expect(dry.stdout).toContain("+COPY . .");
    // (the report lists what is left after the fixes: nothing here)
    expect(readFileSync(join(dir, "out", "dry.txt"), "utf8")).toBe("");
    // The exit code still reflects the findings when the report goes to a file.
    expect(cli(["-o", "out/r.txt", "--max-warnings", "0", "Dockerfile"], { cwd: dir }).status).toBe(1);
  });

  it("--quiet reports errors only, and --max-warnings counts warnings", () => {
    const dir = tempTree({ Dockerfile: BAD, "package.json": "{}", ".layerlintrc.json": isolated() });
    const loud = cli(["-f", "gnu", "Dockerfile"], { cwd: dir });
    expect(loud.stdout).toContain("warning");
    const quiet = cli(["-f", "gnu", "--quiet", "Dockerfile"], { cwd: dir });
    expect(quiet.stdout).toBe("");
    expect(quiet.status).toBe(0);
    const quietErr = cli(["-f", "gnu", "-q", "--rule", "copy-before-install=error", "Dockerfile"], { cwd: dir });
    expect(quietErr.stdout).toMatch(/: error: /);
    expect(quietErr.status).toBe(1);
    expect(cli(["--max-warnings", "0", "Dockerfile"], { cwd: dir }).status).toBe(1);
    expect(cli(["--max-warnings", "1", "Dockerfile"], { cwd: dir }).status).toBe(0);
    expect(cli(["--max-warnings=0", "Dockerfile", "--rule", "copy-before-install=info"], { cwd: dir }).status).toBe(0);
  });

  it("--color forces colours even with NO_COLOR; --no-color and NO_COLOR turn them off", () => {
    const dir = tempTree({ Dockerfile: BAD, "package.json": "{}", ".layerlintrc.json": isolated() });
    const ESC = "\u001b[";
    expect(cli(["--color", "Dockerfile"], { cwd: dir, env: { NO_COLOR: "1" } }).stdout).toContain(ESC);
    expect(cli(["--no-color", "Dockerfile"], { cwd: dir }).stdout).not.toContain(ESC);
    expect(cli(["Dockerfile"], { cwd: dir, env: { NO_COLOR: "1" } }).stdout).not.toContain(ESC);
    const plain = cli(["--no-color", "Dockerfile"], { cwd: dir }).stdout;
    // eslint-disable-next-line no-control-regex -- removing ANSI colour sequences
    expect(cli(["--color", "Dockerfile"], { cwd: dir }).stdout.replace(/\u001b\[[0-9;]*m/g, "")).toBe(plain);
  });

  it("--list-rules lists every rule with severity, fixability and description", () => {
    const text = cli(["--list-rules"]);
    expect(text.status).toBe(0);
    const lines = text.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(rules.length);
    for (const rule of rules) {
      const line = lines.find((l) => l.split(/\s+/)[0] === rule.id);
      expect(line, rule.id).toBeDefined();
      const [, severity, fixable] = line!.split(/\s{2,}/);
      expect(severity).toBe(rule.meta.enabledByDefault === false ? "off" : rule.meta.severity);
      expect(fixable).toBe(rule.meta.fixable === false ? "no" : rule.meta.fixable);
      expect(line).toContain(rule.meta.description);
    }
    const json = JSON.parse(cli(["--list-rules", "--format", "json"]).stdout);
    expect(json.map((r: { id: string }) => r.id)).toEqual(rules.map((r) => r.id));
    expect(json[0]).toEqual({ id: rules[0].id, severity: expect.any(String), fixable: expect.any(String), description: rules[0].meta.description });
  });

  it("--print-config FILE prints the configuration that applies to that file", () => {
    const dir = tempTree({
      ".layerlintrc.json": JSON.stringify({ rules: { "copy-before-install": "error" }, overrides: [{ files: ["*.dev.Dockerfile"], rules: { "copy-before-install": "off" } }] }),
      Dockerfile: BAD,
      "app.dev.Dockerfile": BAD,
    });
    const main = cli(["--print-config", "Dockerfile"], { cwd: dir });
    expect(main.status).toBe(0);
    const config = JSON.parse(main.stdout);
    expect(config.configFile).toBe(join(dir, ".layerlintrc.json"));
    expect(config.rules["copy-before-install"]).toEqual(["error", expect.any(Object)]);
    expect(Object.keys(config.rules).sort()).toEqual(rules.map((r) => r.id).sort());
    expect(JSON.parse(cli(["--print-config", "app.dev.Dockerfile"], { cwd: dir }).stdout).rules["copy-before-install"][0]).toBe("off");
    const withFlag = JSON.parse(cli(["--print-config", "app.dev.Dockerfile", "--rule", "copy-before-install=info"], { cwd: dir }).stdout);
    expect(withFlag.rules["copy-before-install"][0]).toBe("info");
    const none = tempTree({ Dockerfile: BAD });
    expect(JSON.parse(cli(["--print-config", join(none, "Dockerfile")], { cwd: none }).stdout).configFile).toBeNull();
  });
});
