// Tests of the real-BuildKit harness itself: run with `npm run test:buildkit`.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BuildResult,
  type Engine,
  diffTrees,
  effectiveStatus,
  formatSteps,
  getEngine,
  offlineDockerfile,
  parseBuildLog,
  sha256,
  writeContext,
} from "./harness.js";

const contexts: string[] = [];
function context(files: Parameters<typeof writeContext>[0]): string {
  const dir = writeContext(files);
  contexts.push(dir);
  return dir;
}

const statuses = (r: BuildResult): string[] => r.steps.map((s) => s.status);
const labels = (r: BuildResult): string[] => r.steps.map((s) => s.label);

function expectOk(r: BuildResult): void {
  if (!r.ok) throw new Error(`build failed:\n${r.log.slice(-3000)}`);
}

let engine: Engine;
beforeAll(() => {
  engine = getEngine();
});
afterAll(() => {
  for (const dir of contexts) rmSync(dir, { recursive: true, force: true });
});

describe("offlineDockerfile (no engine)", () => {
  it("drops the syntax directive, keeps the line count and the escape directive", () => {
    const src = "# syntax=docker/dockerfile:1.7\n# escape=`\nFROM node:18-alpine@sha256:" + "ab".repeat(32) + " AS deps\nRUN echo `\n  hi\n";
    const out = offlineDockerfile(src);
    expect(out.text).toBe("# escape=`\n\nFROM node:18-alpine AS deps\nRUN echo `\n  hi\n");
    expect(out.baseImages).toEqual(["node:18-alpine"]);
  });

  it("resolves global ARGs and build args, skips stages and scratch, sees COPY --from images", () => {
    const src = [
      "ARG BASE=debian:12",
      'ARG TAG="3.19"',
      "FROM ${BASE} AS build",
      "FROM alpine:${TAG:-latest}",
      "FROM scratch AS empty",
      "FROM build",
      "COPY --from=nginx:1.27 /etc/nginx /etc/nginx",
      "COPY --from=build /x /x",
      "COPY --from=0 /x /y",
      "RUN --mount=type=bind,from=busybox:1,target=/b true",
    ].join("\n");
    expect(offlineDockerfile(src).baseImages).toEqual(["debian:12", "alpine:3.19", "nginx:1.27", "busybox:1"]);
    expect(offlineDockerfile(src, { BASE: "ubuntu:24.04", OTHER: "x" }).baseImages[0]).toBe("ubuntu:24.04");
    expect(offlineDockerfile(src).text).toBe(src);
  });
});

describe("parseBuildLog (no engine)", () => {
  it("reads padded labels and fills steps BuildKit did not print", () => {
    const df = ["FROM a AS one", "RUN x", ...Array.from({ length: 9 }, (_, i) => `RUN y${i}`), "FROM a", "RUN x", "RUN z"].join("\n");
    const log = [
      "#4 [one  1/11] FROM docker.io/library/a:latest",
      "#4 DONE 0.0s",
      "#5 [one  2/11] RUN x",
      "#5 CACHED",
      "#6 [one 11/11] RUN y8",
      "#6 0.051 output",
      "#6 DONE 0.1s",
      "#7 [stage-1 3/3] RUN z",
      "#7 ERROR: process did not complete",
    ].join("\n");
    const steps = parseBuildLog(log, df);
    expect(steps.map((s) => `${s.status} ${s.label} ${s.line}`)).toEqual([
      "BASE [one  1/11] 1",
      "CACHED [one  2/11] 2",
      ...Array.from({ length: 8 }, (_, i) => `DEDUP [one ${String(i + 3).padStart(2)}/11] ${i + 3}`),
      "RAN [one 11/11] 11",
      "BASE [stage-1 1/3] 12",
      "DEDUP [stage-1 2/3] 13",
      "ERROR [stage-1 3/3] 14",
    ]);
    expect(steps[12].twin).toEqual({ label: "[one  2/11]", status: "CACHED" });
    expect(steps[2].twin).toBeUndefined();
    const failed = parseBuildLog(log, df, { failed: true });
    expect(failed[2].status).toBe("PENDING"); // never started
    expect(failed[12].status).toBe("DEDUP"); // merged with [one  2/11]

    // the merged step may as well be printed under the later stage's label
    const df2 = "FROM a AS one\nRUN x\nFROM a\nRUN x\nCOPY --from=one /s /t\n";
    const log2 = "#5 [stage-1 2/3] RUN x\n#5 DONE 0.1s\n#6 [stage-1 3/3] COPY --from=one /s /t\n#6 DONE 0.0s\n";
    expect(formatSteps(parseBuildLog(log2, df2)).split("\n")).toEqual([
      "BASE\t[one 1/2] FROM a AS one",
      "DEDUP\t[one 2/2] RUN x (= [stage-1 2/3]: RAN)",
      "BASE\t[stage-1 1/3] FROM a",
      "RAN\t[stage-1 2/3] RUN x",
      "RAN\t[stage-1 3/3] COPY --from=one /s /t",
    ]);
  });
});

describe("real builds", () => {
  it("classic demo: only what follows a changed COPY re-runs", async () => {
    const ctx = context({
      Dockerfile: [
        "# syntax=docker/dockerfile:1",
        "FROM node:18-alpine",
        "WORKDIR /app",
        "COPY package.json /app/",
        "RUN echo install && cat /app/package.json > /deps",
        "COPY . /app",
        "RUN echo build",
        "",
      ].join("\n"),
      "package.json": '{"name":"demo","version":"1.0.0"}\n',
      "index.js": "console.log(1)\n",
    });
    await engine.prune();
    const cold = await engine.build(ctx);
    expectOk(cold);
    expect(readFileSync(join(ctx, "Dockerfile"), "utf8").split("\n")[0]).toBe("");
    expect(labels(cold)).toEqual(["[1/6]", "[2/6]", "[3/6]", "[4/6]", "[5/6]", "[6/6]"]);
    expect(cold.steps.map((s) => s.line)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(cold.steps[0].instruction).toBe("FROM docker.io/library/node:18-alpine");
    expect(cold.steps[3].instruction).toBe("RUN echo install && cat /app/package.json > /deps");
    expect(statuses(cold), formatSteps(cold.steps)).toEqual(["BASE", "RAN", "RAN", "RAN", "RAN", "RAN"]);

    const warm = await engine.build(ctx);
    expect(statuses(warm), formatSteps(warm.steps)).toEqual(["BASE", "CACHED", "CACHED", "CACHED", "CACHED", "CACHED"]);

    writeFileSync(join(ctx, "index.js"), "console.log(2)\n");
    const src = await engine.build(ctx);
    expect(statuses(src), formatSteps(src.steps)).toEqual(["BASE", "CACHED", "CACHED", "CACHED", "RAN", "RAN"]);

    writeFileSync(join(ctx, "package.json"), '{"name":"demo","version":"1.0.1"}\n');
    const deps = await engine.build(ctx);
    expect(statuses(deps), formatSteps(deps.steps)).toEqual(["BASE", "CACHED", "RAN", "RAN", "RAN", "RAN"]);
    console.log(`timings: cold ${cold.seconds.toFixed(2)}s, warm ${warm.seconds.toFixed(2)}s, ` +
      `index.js ${src.seconds.toFixed(2)}s, package.json ${deps.seconds.toFixed(2)}s`);
  });

  it("labels: named, unnamed, stage-on-stage, scratch, padding, deduplicated steps", async () => {
    const df = [
      "FROM alpine:3 AS Base", // 1  [base 1/3]
      "WORKDIR /app", //          2
      "RUN echo shared > /s", //  3
      "FROM base AS build", //    4  not a step
      "RUN echo build > /b", //   5  [build 1/2]
      "COPY f /f", //             6
      "FROM scratch AS files", // 7  not a step
      "COPY f /f", //             8  [files 1/1]
      "FROM alpine:3", //         9  [stage-3  1/10]: same as base's FROM
      "WORKDIR /app", //         10  same as base's
      "RUN echo shared > /s", // 11  same as base's
      "COPY --from=build /b /b",
      "COPY --from=files /f /f2",
      "RUN echo 6",
      "RUN echo 7",
      "RUN echo 8",
      "RUN echo 9",
      "RUN echo 10",
    ].join("\n");
    const ctx = context({ Dockerfile: df, f: "one\n" });
    await engine.prune();
    const cold = await engine.build(ctx);
    expectOk(cold);
    // a merged step is printed under base's label in some runs, under stage-3's in others
    const rows = (r: BuildResult): string[] => r.steps.map((s) => `${effectiveStatus(s)} ${s.label} ${s.line}`);
    const expectMerged = (r: BuildResult): void => {
      for (const [x, y] of [["[base 2/3]", "[stage-3  2/10]"], ["[base 3/3]", "[stage-3  3/10]"]]) {
        const pair = r.steps.filter((s) => s.label === x || s.label === y);
        const dedup = pair.filter((s) => s.status === "DEDUP");
        expect(dedup, formatSteps(r.steps)).toHaveLength(1);
        const printed = pair.find((s) => s !== dedup[0]);
        expect(dedup[0].twin?.label).toBe(printed?.label);
        expect(r.log).not.toContain(`${dedup[0].label} `);
        expect(r.log).toContain(`${printed?.label} `);
      }
    };
    expectMerged(cold);
    expect(rows(cold), formatSteps(cold.steps)).toEqual([
      "BASE [base 1/3] 1",
      "RAN [base 2/3] 2",
      "RAN [base 3/3] 3",
      "RAN [build 1/2] 5",
      "RAN [build 2/2] 6",
      "RAN [files 1/1] 8",
      "BASE [stage-3  1/10] 9",
      "RAN [stage-3  2/10] 10",
      "RAN [stage-3  3/10] 11",
      "RAN [stage-3  4/10] 12",
      "RAN [stage-3  5/10] 13",
      "RAN [stage-3  6/10] 14",
      "RAN [stage-3  7/10] 15",
      "RAN [stage-3  8/10] 16",
      "RAN [stage-3  9/10] 17",
      "RAN [stage-3 10/10] 18",
    ]);

    // change f: the scratch stage and build's COPY re-run; their outputs for the final stage
    // are the same bytes for --from=build /b, so that COPY stays cached
    writeFileSync(join(ctx, "f"), "two\n");
    const changed = await engine.build(ctx);
    expectMerged(changed);
    expect(rows(changed).map((r) => r.split(" ")[0]), formatSteps(changed.steps)).toEqual([
      "BASE", "CACHED", "CACHED", "CACHED", "RAN", "RAN", "BASE", "CACHED", "CACHED", "CACHED", "RAN",
      "RAN", "RAN", "RAN", "RAN", "RAN",
    ]);

    // --target: only the stages the target needs
    const target = await engine.build(ctx, { target: "build" });
    expectOk(target);
    expect(rows(target)).toEqual(["BASE [base 1/3] 1", "CACHED [base 2/3] 2", "CACHED [base 3/3] 3",
      "CACHED [build 1/2] 5", "CACHED [build 2/2] 6"]);

    // single stage: no stage name at all
    const single = context({ Dockerfile: "FROM alpine:3\nRUN echo single\nCOPY f /f\n", f: "x\n" });
    const one = await engine.build(single);
    expectOk(one);
    expect(labels(one)).toEqual(["[1/3]", "[2/3]", "[3/3]"]);
    expect(one.steps.every((s) => s.stage === "")).toBe(true);
  });

  it("exportTree: same Dockerfile, same tree; a changed file changes its sha256", async () => {
    const ctx = context({
      Dockerfile: [
        "FROM alpine:3",
        "WORKDIR /app",
        "COPY app.txt run.sh /app/",
        "RUN chmod 750 /app/run.sh && echo made > /app/made && ln -s made /app/link && rm /bin/vi",
        "",
      ].join("\n"),
      "app.txt": "version 1\n",
      "run.sh": { content: "#!/bin/sh\necho run\n", mode: 0o644 },
    });
    await engine.prune();
    expectOk(await engine.build(ctx, { tag: "layerlint-test/tree:a" }));
    await engine.prune();
    expectOk(await engine.build(ctx, { tag: "layerlint-test/tree:b" }));
    const a = await engine.exportTree("layerlint-test/tree:a");
    const b = await engine.exportTree("layerlint-test/tree:b");
    expect(diffTrees(a, b)).toEqual([]);
    expect(a.get("/app/app.txt")).toMatchObject({ type: "file", mode: 0o644, sha256: sha256("version 1\n") });
    expect(a.get("/app/run.sh")).toMatchObject({ type: "file", mode: 0o750 });
    expect(a.get("/app/made")?.sha256).toBe(sha256("made\n"));
    expect(a.get("/app/link")).toMatchObject({ type: "symlink", target: "made" });
    expect(a.get("/app")).toMatchObject({ type: "dir", mode: 0o755 });
    expect(a.get("/tmp")).toMatchObject({ type: "dir", mode: 0o1777 });
    expect(a.get("/bin/sh")).toMatchObject({ type: "symlink", target: "busybox" });
    expect(a.has("/bin/vi")).toBe(false); // deleted by a whiteout in the RUN layer
    expect(a.has("/.dockerenv")).toBe(false);

    writeFileSync(join(ctx, "app.txt"), "version 2\n");
    expectOk(await engine.build(ctx, { tag: "layerlint-test/tree:c" }));
    const c = await engine.exportTree("layerlint-test/tree:c");
    expect(diffTrees(a, c)).toEqual(["/app/app.txt"]);
    expect(c.get("/app/app.txt")?.sha256).toBe(sha256("version 2\n"));
  });

  it("heredocs build (RUN and COPY)", async () => {
    const ctx = context({
      Dockerfile: ["FROM alpine:3", "RUN <<EOF", "echo one > /h", "echo two >> /h", "EOF", "COPY <<EOF /greeting", "hello", "EOF", ""].join("\n"),
    });
    const r = await engine.build(ctx, { tag: "layerlint-test/heredoc:1" });
    expectOk(r);
    expect(r.steps.map((s) => `${s.label} ${s.instruction} ${s.line}`)).toEqual([
      "[1/3] FROM docker.io/library/alpine:3 1",
      "[2/3] RUN <<EOF (echo one > /h...) 2",
      "[3/3] COPY <<EOF /greeting 6",
    ]);
    const tree = await engine.exportTree("layerlint-test/heredoc:1");
    expect(tree.get("/h")?.sha256).toBe(sha256("one\ntwo\n"));
    expect(tree.get("/greeting")?.sha256).toBe(sha256("hello\n"));
  });

  it("build args reach FROM and RUN", async () => {
    const ctx = context({
      Dockerfile: ["ARG BASE=debian:12", "FROM ${BASE}", "ARG MSG=default", 'RUN echo "$MSG" > /msg', "RUN echo after > /after", ""].join("\n"),
    });
    await engine.prune();
    const hello = await engine.build(ctx, { buildArgs: { BASE: "ubuntu:24.04", MSG: "hello" }, tag: "layerlint-test/args:hello" });
    expectOk(hello);
    expect(hello.steps[0].instruction).toBe("FROM docker.io/library/ubuntu:24.04");
    expect((await engine.exportTree("layerlint-test/args:hello")).get("/msg")?.sha256).toBe(sha256("hello\n"));
    const again = await engine.build(ctx, { buildArgs: { BASE: "ubuntu:24.04", MSG: "hello" } });
    expect(statuses(again)).toEqual(["BASE", "CACHED", "CACHED"]);
    // a new value re-runs every RUN after the ARG, even one that does not read it
    const bye = await engine.build(ctx, { buildArgs: { BASE: "ubuntu:24.04", MSG: "bye" } });
    expect(statuses(bye), formatSteps(bye.steps)).toEqual(["BASE", "RAN", "RAN"]);
    const dflt = await engine.build(ctx, { tag: "layerlint-test/args:default" });
    expectOk(dflt);
    expect(dflt.steps[0].instruction).toBe("FROM docker.io/library/debian:12");
    expect((await engine.exportTree("layerlint-test/args:default")).get("/msg")?.sha256).toBe(sha256("default\n"));
  });

  it("a failing RUN gives ok=false, ERROR, and PENDING for the steps after it", async () => {
    const ctx = context({ Dockerfile: "FROM alpine:3\nRUN echo a\nRUN exit 3\nRUN echo never\n" });
    const r = await engine.build(ctx);
    expect(r.ok).toBe(false);
    expect(statuses(r)).toEqual(["BASE", expect.stringMatching(/^(RAN|CACHED)$/), "ERROR", "PENDING"]);
    expect(r.log).toContain("exit code: 3");
  });
});

describe("labels of a single-stage file that mounts or copies from a source", () => {
  it("prints its steps as stage-0, and the layout agrees", async () => {
    const engine = getEngine();
    const ctx = writeContext({
      Dockerfile: "FROM alpine:3.19\nWORKDIR /app\nRUN --mount=type=cache,target=/cache echo hi > /hi\nCOPY --from=busybox:1 /bin/true /true\n",
    });
    const built = await engine.build(ctx);
    expect(built.ok, built.log).toBe(true);
    const labels = built.steps.filter((s) => s.status !== "BASE").map((s) => s.label);
    expect(labels).toEqual(["[stage-0 2/4]", "[stage-0 3/4]", "[stage-0 4/4]"]);
    for (const step of built.steps.filter((s) => s.status !== "BASE")) expect(built.log).toContain(`${step.label} `);
  });
});
