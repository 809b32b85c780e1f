import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { tempTree } from "./helpers/cli.js";
import { ROOT } from "./helpers/fixtures.js";

/**
 * The real-world benchmark's scoring, on a tiny corpus written here: one
 * repository whose Dockerfile layerlint reports twice (a right and a wrong
 * finding), with one labelled miss, one labelled finding on a file that is
 * not in the corpus, and one finding nobody labelled.
 */
const SCORE = join(ROOT, "bench/real-world/score.mjs");
const RULES = ["copy-before-install", "package-cache-in-layer", "update-without-install", "volatile-arg-early"];

interface Row {
  rule: string;
  tp: number;
  fp: number;
  fn: number;
  precision: number | null;
  recall: number | null;
}
interface Report {
  files: number;
  repositories: number;
  scores: { rules: Row[]; overall: Row };
  unjudged: { rule: string; line: number; path: string }[];
  skipped: string[];
  builds: unknown;
}

/** `fromRoot`: the manifests sit at the repository root, which the labels say is the context. */
function corpus(fromRoot = false): { dir: string; labels: string } {
  const where = fromRoot ? "acme+web/" : "acme+web/docker/";
  const dir = tempTree({
    "acme+web/docker/Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nARG GIT_SHA\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nRUN echo $GIT_SHA > /sha\n",
    [`${where}package.json`]: "{}",
    [`${where}package-lock.json`]: "{}",
    [`${where}.dockerignore`]: ".git\n",
  });
  mkdirSync(join(dir, "labels"));
  const labels = join(dir, "labels", "labels.json");
  const commit = "0".repeat(40);
  writeFileSync(
    labels,
    JSON.stringify({
      cacheRules: RULES,
      files: [
        {
          repo: "acme/web",
          commit,
          path: "docker/Dockerfile",
          builds: [{ context: fromRoot ? "." : "docker", dockerfile: "docker/Dockerfile", target: null, source: "compose" }],
          labels: [
            { line: 3, rule: "copy-before-install", verdict: "tp" },
            { line: 4, rule: "package-cache-in-layer", verdict: "fp" },
            { line: 2, rule: "update-without-install", verdict: "fn" },
            { line: 6, rule: "copy-before-install", verdict: "fp" },
          ],
        },
        { repo: "acme/gone", commit, path: "Dockerfile", builds: [], labels: [{ line: 1, rule: "copy-before-install", verdict: "fn" }] },
      ],
    }),
  );
  return { dir, labels };
}

function score(args: string[]): Report {
  const r = spawnSync(process.execPath, [SCORE, ...args, "--json"], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Report;
}

describe("bench/real-world/score.mjs", () => {
  it("counts tp, fp and fn per rule and overall, and lists unlabelled findings as unjudged", { timeout: 120_000 }, () => {
    const { dir, labels } = corpus();
    const report = score([dir, "--labels", labels]);
    expect(report.files).toBe(1);
    expect(report.repositories).toBe(2);
    const row = (rule: string) => report.scores.rules.find((r) => r.rule === rule);
    expect(row("copy-before-install")).toMatchObject({ tp: 1, fp: 0, fn: 0, precision: 1, recall: 1 });
    expect(row("package-cache-in-layer")).toMatchObject({ tp: 0, fp: 1, fn: 0, precision: 0, recall: null });
    expect(row("update-without-install")).toMatchObject({ tp: 0, fp: 0, fn: 1, precision: null, recall: 0 });
    expect(report.scores.overall).toMatchObject({ tp: 1, fp: 1, fn: 1, precision: 0.5, recall: 0.5 });
    expect(report.unjudged).toEqual([expect.objectContaining({ rule: "volatile-arg-early", line: 5, path: "docker/Dockerfile" })]);
    expect(report.skipped).toEqual([expect.stringContaining("acme/gone:Dockerfile: not in the corpus")]);
  });

  it("lints with the labelled context under --context-from-labels", { timeout: 120_000 }, () => {
    // Linted in its own folder, the Dockerfile's context holds no package.json
    // and the install after `COPY . .` is missed; the labelled context finds it.
    const { dir, labels } = corpus(true);
    const cbi = (r: Report) => r.scores.rules.find((x) => x.rule === "copy-before-install");
    expect(cbi(score([dir, "--labels", labels]))).toMatchObject({ tp: 0, fn: 1 });
    expect(cbi(score([dir, "--labels", labels, "--context-from-labels"]))).toMatchObject({ tp: 1, fn: 0 });
  });

  it("fails with one line on a missing corpus folder", () => {
    const r = spawnSync(process.execPath, [SCORE, join(ROOT, "no-such-corpus")], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("no such corpus folder");
  });

  it("judges discovered builds by context and target, per declaring source", async () => {
    const m = (await import(pathToFileURL(join(ROOT, "bench/real-world/scoring.mjs")).href)) as {
      compareBuilds: (d: object[], b: object[]) => { source: string; found: boolean }[];
      tallyBuilds: (r: { source: string; found: boolean }[]) => { source: string; declared: number; agreed: number }[];
    };
    const found = m.compareBuilds(
      [
        { context: "./", target: null, source: "compose" },
        { context: "api", target: "prod", source: "bake" },
        { context: "web/", target: null, source: "workflow" },
      ],
      [{ context: "." }, { context: "api", target: "dev" }, { context: "./web" }],
    );
    expect(found.map((f) => f.found)).toEqual([true, false, true]);
    expect(m.tallyBuilds(found)).toEqual([
      { source: "compose", declared: 1, agreed: 1 },
      { source: "bake", declared: 1, agreed: 0 },
      { source: "workflow", declared: 1, agreed: 1 },
    ]);
  });
});
