import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rules } from "../rules/index.js";
import { impact } from "../src/impact/index.js";
import { toHtml } from "../src/impact/render.js";
import { fromString } from "../src/read.js";
import { cli } from "./helpers/cli.js";
import { ROOT } from "./helpers/fixtures.js";
import { scriptedRepo } from "./helpers/git.js";

const DOCKERFILE = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\nCMD [\"node\", \"dist/index.js\"]\n";

/** Ten commits: the first adds everything, seven edit sources, one edits the lock file, one only an ignored file. */
function history() {
  return scriptedRepo([
    {
      message: "initial",
      write: {
        Dockerfile: DOCKERFILE,
        ".dockerignore": ".git\nnotes/\n",
        "package.json": '{ "name": "app", "scripts": { "build": "tsc" } }\n',
        "package-lock.json": '{ "lockfileVersion": 3 }\n',
        "src/index.ts": "export {};\n",
      },
    },
    ...[1, 2, 3, 4, 5, 6, 7].map((i) => ({ message: `edit ${i}`, write: { "src/index.ts": `export const v = ${i};\n` } })),
    { message: "bump a dependency", write: { "package-lock.json": '{ "lockfileVersion": 3, "v": 2 }\n' } },
    { message: "notes only", write: { "notes/todo.md": "x\n" } },
  ]);
}

describe("layerlint impact", () => {
  const { dir, shas } = history();

  it("counts how often each step re-ran, now and after the fixes", () => {
    const report = impact({ dockerfilePath: join(dir, "Dockerfile"), source: fromString(DOCKERFILE), rules, commits: 50 });
    expect(report.commits).toBe(10);
    const by = (text: string) => report.steps.find((s) => s.instruction === text);
    // The ignored notes/ commit re-runs nothing; the other nine re-run everything after COPY . .
    expect(by("COPY . .")).toMatchObject({ reruns: 9, costClass: "cheap" });
    expect(by("RUN npm ci")).toMatchObject({ reruns: 9, costClass: "dependency install" });
    expect(by("RUN npm run build")).toMatchObject({ reruns: 9, costClass: "compile" });
    expect(by("WORKDIR /app")?.reruns).toBe(0);
    // After the fix the install depends on the manifests only: the initial commit and the lock-file bump.
    expect(by("RUN npm ci")?.rerunsAfterFix).toBe(2);
    expect(by("RUN npm run build")?.rerunsAfterFix).toBe(9);
  });

  it("prints the JSON contract", () => {
    const r = cli(["impact", "Dockerfile", "--format", "json"], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(["commits", "dockerfile", "steps", "stepsAfterFix"]);
    // The fixed Dockerfile's own steps: the manifest COPY the fix adds, and the install that now stays cached.
    const install = out.stepsAfterFix.find((s: { instruction: string }) => s.instruction.startsWith("RUN npm ci"));
    expect(install).toMatchObject({ reruns: 2, costClass: "dependency install" });
    expect(out.stepsAfterFix.map((s: { instruction: string }) => s.instruction)).toContain("COPY package.json package-lock.json ./");
    expect(out.stepsAfterFix.length).toBeGreaterThan(out.steps.length);
    expect(out.commits).toBe(10);
    for (const s of out.steps) expect(Object.keys(s).sort()).toEqual(["costClass", "instruction", "line", "rerunsAfterFix", "reruns", "step"].sort());
    expect(out.steps.find((s: { instruction: string }) => s.instruction === "RUN npm ci")).toEqual({
      line: 4,
      step: "[4/5]",
      instruction: "RUN npm ci",
      costClass: "dependency install",
      reruns: 9,
      rerunsAfterFix: 2,
    });
  });

  it("--since and --commits choose the commits", () => {
    const since = JSON.parse(cli(["impact", "--since", shas[7], "--format", "json"], { cwd: dir }).stdout);
    expect(since.commits).toBe(2);
    expect(since.steps.find((s: { instruction: string }) => s.instruction === "RUN npm ci").reruns).toBe(1);
    expect(JSON.parse(cli(["impact", "-n", "3", "--format", "json"], { cwd: dir }).stdout).commits).toBe(3);
  });

  it("table and markdown say it in words; nothing goes to stderr on a pipe", () => {
    const t = cli(["impact"], { cwd: dir });
    expect(t.stdout).toContain("`RUN npm ci`: re-ran in 9 of 10 commits; after fixes: 2 of 10");
    expect(t.stderr).toBe("");
    const md = cli(["impact", "--format", "markdown"], { cwd: dir }).stdout;
    expect(md).toContain("| [4/5] | `RUN npm ci` | dependency install | 9/10 | 2/10 |");
  });

  it("bad input: not a git repository, a bad format, a missing Dockerfile", () => {
    const plain = join(ROOT, "examples", "clean");
    const notGit = execFileSync("mktemp", ["-d"], { encoding: "utf8" }).trim();
    writeFileSync(join(notGit, "Dockerfile"), DOCKERFILE);
    const r = cli(["impact"], { cwd: notGit });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/git rev-parse failed/);
    expect(cli(["impact", "--format", "pdf"], { cwd: plain }).status).toBe(2);
    const missing = cli(["impact", "nope.Dockerfile"], { cwd: dir });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\.Dockerfile: no such file/);
  });

  it("html is a self-contained page that renders in headless Chromium", () => {
    const report = impact({ dockerfilePath: join(dir, "Dockerfile"), source: fromString(DOCKERFILE), rules, commits: 50 });
    const html = toHtml(report);
    expect(html).not.toMatch(/<script|https?:\/\/|<link /i);
    const chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find(existsSync);
    if (!chromium) {
      // CI installs Chromium (.ci/run); a developer machine without it still checks the page's text.
      expect(process.env.CI, "Chromium is required in CI").toBeFalsy();
      return;
    }
    const out = join(ROOT, "test-results");
    mkdirSync(out, { recursive: true });
    const page = join(out, "impact.html");
    writeFileSync(page, html);
    const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", `--user-data-dir=${join(out, "chromium-profile")}`];
    const dom = spawnSync(chromium, [...flags, "--dump-dom", `file://${page}`], { encoding: "utf8", timeout: 60_000 });
    expect(dom.stdout).toContain("<h2>layers</h2>");
    expect(dom.stdout).toContain("<code>RUN npm ci</code>: re-ran in 9 of 10 commits; after fixes: 2 of 10");
    expect((dom.stdout.match(/class="layer"/g) ?? []).length).toBe(report.steps.length * 2);
    const shot = join(out, "impact.png");
    spawnSync(chromium, [...flags, "--window-size=1100,700", `--screenshot=${shot}`, `file://${page}`], { timeout: 60_000 });
    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(png.length).toBeGreaterThan(5_000);
  }, 120_000);
});

describe("impact's cost classes", () => {
  it("go build, cargo build and mvn package are compiles; go mod download is an install", async () => {
    const { costClass } = await import("../src/impact/cost.js");
    const { buildModel } = await import("../src/model/index.js");
    const { parse } = await import("../src/parse/index.js");
    const model = buildModel(parse(fromString("FROM golang:1.23\nRUN go mod download\nRUN go build -o /app .\nRUN cargo build --release\nRUN mvn -B package\n")));
    const classes = model.infos.filter((i) => i.instruction.keyword === "RUN").map((i) => costClass(model, i));
    expect(classes).toEqual(["dependency install", "compile", "compile", "compile"]);
  });
});
