import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import ajvFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { FORMAT_NAMES } from "../src/formatters/index.js";
import { cli, tempTree } from "./helpers/cli.js";
import { ROOT } from "./helpers/fixtures.js";

/** The CLI with GitHub Actions workflows (built CLI: npm test builds dist/ first). */

const DOCKERFILE = "FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\n";
const BUILDS = [
  "name: image",
  "on: push",
  "jobs:",
  "  image:",
  "    runs-on: ubuntu-latest",
  "    steps:",
  "      - uses: actions/checkout@v4",
  "      - uses: docker/setup-buildx-action@v3",
  "      - name: Build",
  "        uses: docker/build-push-action@v6",
  "        with:",
  "          context: .",
  "          file: app/Dockerfile",
  "",
].join("\n");
const TESTS_ONLY = "name: test\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n";
/** Mentions docker, so it is parsed, but builds nothing. */
const RUNS_CONTAINERS = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker compose up -d && npm test\n";
const BROKEN = "on: push\njobs:\n  image:\n    steps: [docker\n";

function repo(workflows: Record<string, string>): string {
  const files: Record<string, string> = { "app/Dockerfile": DOCKERFILE, "app/package.json": "{}" };
  for (const [name, text] of Object.entries(workflows)) files[`.github/workflows/${name}`] = text;
  return tempTree(files);
}

const json = (stdout: string): { filePath: string; messages: { ruleId: string; line: number; column: number; endLine: number; endColumn: number; fix?: unknown }[] }[] =>
  JSON.parse(stdout);

describe("workflows met by a directory search", () => {
  it("lints those that build an image, with filePath the workflow", () => {
    const dir = repo({ "image.yml": BUILDS, "test.yml": TESTS_ONLY, "compose.yaml": RUNS_CONTAINERS });
    const r = cli([".", "--format", "json"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const files = json(r.stdout);
    expect(files.map((f) => f.filePath)).toEqual([".github/workflows/image.yml", "app/Dockerfile"]);
    expect(files[0].messages).toMatchObject([{ ruleId: "ci-cache-not-persisted", line: 10, column: 9, endLine: 10, endColumn: 42, fix: { safety: "safe" } }]);
  });

  it("adds nothing to the report of a repository whose workflows build nothing", () => {
    const plain = repo({});
    const withWorkflows = repo({ "test.yml": TESTS_ONLY, "compose.yml": RUNS_CONTAINERS });
    for (const format of ["stylish", "sarif"]) {
      const a = cli([".", "--format", format], { cwd: plain });
      const b = cli([".", "--format", format], { cwd: withWorkflows });
      expect(a.stdout).toContain("app/Dockerfile");
      expect({ ...b, stdout: b.stdout.split(withWorkflows).join("<dir>") }).toEqual({ ...a, stdout: a.stdout.split(plain).join("<dir>") });
    }
  });

  it("skips a workflow that is not valid YAML, naming it with --debug", () => {
    const dir = repo({ "broken.yml": BROKEN, "image.yml": BUILDS });
    const r = cli([".", "--format", "json"], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expect(json(r.stdout).map((f) => f.filePath)).toEqual([".github/workflows/image.yml", "app/Dockerfile"]);
    const debug = cli([".", "--format", "json", "--debug"], { cwd: dir });
    expect(debug.stdout).toBe(r.stdout);
    // The lint skips it, and build discovery (which reads workflows for docker builds) says it skipped it too.
    const lines = debug.stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^layerlint: skipped \.github\/workflows\/broken\.yml: invalid YAML at line 5, column 1: .+$/);
    expect(lines.every((l) => l.includes(".github/workflows/broken.yml"))).toBe(true);
  });

  it("takes only the files directly in .github/workflows, and not git-ignored ones", () => {
    const dir = tempTree({
      "Dockerfile": DOCKERFILE,
      ".gitignore": ".github/workflows/local.yml\n",
      ".github/workflows/local.yml": BUILDS,
      ".github/workflows/templates/image.yml": BUILDS,
      "ci/image.yml": BUILDS,
    });
    expect(json(cli([".", "--format", "json"], { cwd: dir }).stdout).map((f) => f.filePath)).toEqual(["Dockerfile"]);
  });

  it("loads the YAML parser only when a workflow may build an image (the fast path stays as it was)", () => {
    const yamlLoaded = (cwd: string): boolean => cli(["."], { cwd, env: { NODE_DEBUG: "module" } }).stderr.includes("chunks/yaml.cjs");
    expect(yamlLoaded(repo({ "test.yml": TESTS_ONLY }))).toBe(false);
    // the check can fail: a workflow that mentions docker is parsed
    expect(yamlLoaded(repo({ "compose.yml": RUNS_CONTAINERS }))).toBe(true);
  });

  it("gives the same report on worker threads", () => {
    const dir = repo({ "image.yml": BUILDS, "test.yml": TESTS_ONLY });
    const serial = cli([".", "--format", "json"], { cwd: dir, env: { LAYERLINT_WORKERS: "0" } });
    expect(cli([".", "--format", "json"], { cwd: dir, env: { LAYERLINT_WORKERS: "2" } })).toEqual(serial);
  });
});

describe("a workflow named on the command line", () => {
  it("is linted whatever it builds", () => {
    const dir = repo({ "image.yml": BUILDS, "test.yml": TESTS_ONLY });
    const r = cli([".github/workflows/image.yml", ".github/workflows/test.yml", "--format", "json"], { cwd: dir });
    expect(r.status).toBe(0);
    expect(json(r.stdout).map((f) => [f.filePath, f.messages.map((m) => m.ruleId)])).toEqual([
      [".github/workflows/image.yml", ["ci-cache-not-persisted"]],
      [".github/workflows/test.yml", []],
    ]);
    // --max-warnings counts its findings like any other
    expect(cli([".github/workflows/image.yml", "--max-warnings", "0"], { cwd: dir }).status).toBe(1);
  });

  it("that is not valid YAML, or not a workflow, stops the run with one line naming it (exit 2)", () => {
    const dir = repo({ "broken.yml": BROKEN, "image.yml": BUILDS });
    const bad = cli([".github/workflows/image.yml", ".github/workflows/broken.yml"], { cwd: dir });
    expect(bad).toEqual({ status: 2, stdout: "", stderr: expect.stringMatching(/^layerlint: \.github\/workflows\/broken\.yml: invalid YAML at line 5, column 1: [^\n]+\n$/) });
    const other = tempTree({ "compose.yaml": "services:\n  app:\n    build: .\n" });
    expect(cli(["compose.yaml"], { cwd: other })).toEqual({ status: 2, stdout: "", stderr: "layerlint: compose.yaml: not a GitHub Actions workflow (no `jobs:` mapping)\n" });
  });

  it("--fix adds the cache inputs, keeping the rest; the file then lints clean", () => {
    const dir = repo({ "image.yml": BUILDS });
    const path = join(dir, ".github/workflows/image.yml");
    const dry = cli(["--fix-dry-run", path], { cwd: dir });
    expect(dry.stdout).toContain("+          cache-from: type=gha\n+          cache-to: type=gha,mode=max\n");
    expect(readFileSync(path, "utf8")).toBe(BUILDS);
    const fixed = cli(["--fix", path], { cwd: dir });
    expect(fixed).toMatchObject({ status: 0, stdout: "" });
    expect(readFileSync(path, "utf8")).toBe(BUILDS + "          cache-from: type=gha\n          cache-to: type=gha,mode=max\n");
    expect(cli([path, "--format", "json"], { cwd: dir }).stdout).toContain('"messages": []');
  });

  it("is read from standard input when --stdin-filename names a workflow", () => {
    const r = cli(["--stdin", "--stdin-filename", ".github/workflows/image.yml", "--format", "json"], { input: BUILDS, cwd: tempTree({}) });
    expect(json(r.stdout)[0]).toMatchObject({ filePath: ".github/workflows/image.yml", messages: [{ ruleId: "ci-cache-not-persisted" }] });
  });
});

describe("every format carries workflow findings", () => {
  it("prints each format, and the SARIF log is valid 2.1.0", () => {
    const dir = repo({ "image.yml": BUILDS });
    for (const format of FORMAT_NAMES) {
      const r = cli([".github/workflows/image.yml", "--format", format], { cwd: dir });
      expect(r.status, format).toBe(0);
      expect(r.stdout, format).toContain(format === "github" || format === "stylish" || format === "gnu" ? "ci-cache-not-persisted" : "image.yml");
    }
    expect(cli([".github/workflows/image.yml", "--format", "github"], { cwd: dir }).stdout).toMatch(
      /^::warning file=\.github\/workflows\/image\.yml,line=10,col=9,endLine=10,endColumn=41,title=ci-cache-not-persisted::step `Build` of job `image`/,
    );
    const schema = JSON.parse(readFileSync(join(ROOT, "test/schemas/sarif-2.1.0.json"), "utf8"));
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    ajvFormats.default(ajv);
    const validate = ajv.compile(schema);
    const log = JSON.parse(cli([".github/workflows/image.yml", "--format", "sarif"], { cwd: dir }).stdout);
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    const [result] = log.runs[0].results;
    expect(result).toMatchObject({ ruleId: "ci-cache-not-persisted", level: "warning" });
    expect(result.locations[0].physicalLocation).toMatchObject({ artifactLocation: { uri: ".github/workflows/image.yml" }, region: { startLine: 10, startColumn: 9 } });
    expect(result.fixes).toHaveLength(1);
  });
});
