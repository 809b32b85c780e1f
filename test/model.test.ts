import { describe, expect, it } from "vitest";
import { buildModel, keyInputs, loadContext, simulate, type CacheModel, type ChangeSet, type StepStatus } from "../src/model/index.js";
import { parse } from "../src/parse/index.js";
import { fromString } from "../src/read.js";
import { tempTree } from "./helpers/cli.js";

function model(text: string, options: { ignore?: string; target?: string; buildArgs?: Record<string, string>; dir?: string } = {}): CacheModel {
  const context = options.dir ? loadContext(options.dir) : loadContext(null, { ignoreText: options.ignore ?? "" });
  return buildModel(parse(fromString(text), "Dockerfile"), { context, target: options.target, buildArgs: options.buildArgs });
}

function labels(m: CacheModel): (string | null)[] {
  return m.file.stages.flatMap((s) => m.stageInfos(s).map((i) => i.label));
}

/** `label-or-keyword status` for every step, in build order. */
function outcome(m: CacheModel, change: ChangeSet): string[] {
  return simulate(m, change)
    .predictions.filter((p) => p.status !== null)
    .map((p) => `${p.info.label} ${p.status}`);
}

function statuses(m: CacheModel, change: ChangeSet): (StepStatus | null)[] {
  return simulate(m, change).predictions.map((p) => p.status);
}

describe("step kinds and labels as BuildKit prints them", () => {
  it("numbers only FROM, RUN, COPY, ADD and WORKDIR in a single stage", () => {
    const m = model("FROM alpine\nARG A\nENV B=1\nWORKDIR /app\nLABEL x=y\nCOPY . .\nRUN make\nCMD [\"x\"]\n");
    expect(labels(m)).toEqual(["[1/4]", null, null, "[2/4]", null, "[3/4]", "[4/4]", null]);
    expect(m.infos.map((i) => i.kind)).toEqual(["base", "metadata", "metadata", "file-op", "metadata", "layer", "layer", "metadata"]);
  });

  it("names a single stage stage-0 once a RUN mounts or a COPY copies --from", () => {
    expect(labels(model("FROM alpine\nRUN --mount=type=cache,target=/c echo\n"))).toEqual(["[stage-0 1/2]", "[stage-0 2/2]"]);
    expect(labels(model("FROM alpine\nCOPY --from=busybox /bin/sh /sh\n"))).toEqual(["[stage-0 1/2]", "[stage-0 2/2]"]);
    expect(labels(model("FROM alpine\nRUN --network=none echo\n"))).toEqual(["[1/2]", "[2/2]"]);
  });

  it("uses lower-cased stage names, stage-N for unnamed stages, and pads the index", () => {
    const m = model("FROM alpine AS Build\nRUN a\nFROM alpine\n" + "RUN x\n".repeat(9));
    expect(labels(m)[0]).toBe("[build 1/2]");
    expect(labels(m).slice(2, 4)).toEqual(["[stage-1  1/10]", "[stage-1  2/10]"]);
    expect(labels(m)[11]).toBe("[stage-1 10/10]");
  });

  it("does not count FROM scratch or FROM <stage> as steps", () => {
    const m = model("FROM alpine AS base\nRUN a\nFROM base AS child\nRUN b\nFROM scratch AS out\nCOPY --from=child /x /x\n");
    expect(labels(m)).toEqual(["[base 1/2]", "[base 2/2]", null, "[child 1/1]", null, "[out 1/1]"]);
    expect(m.baseStage(m.file.stages[1])).toBe(m.file.stages[0]);
  });

  it("resolves FROM <stage> written with a global ARG", () => {
    const m = model("ARG BASE=base\nFROM alpine AS base\nRUN a\nFROM ${BASE} AS child\nRUN b\n");
    expect(m.baseStage(m.file.stages[1])).toBe(m.file.stages[0]);
    expect(labels(m)).toEqual(["[base 1/2]", "[base 2/2]", null, "[child 1/1]"]);
  });

  it("runs ONBUILD triggers first in the child stage, numbered but not counted", () => {
    const m = model("FROM alpine AS t\nONBUILD COPY x /x\nONBUILD RUN echo\nFROM t AS app\nRUN b\n");
    expect(labels(m)).toEqual(["[t 1/1]", null, null, null, "[app 1/1]", "[app 2/1]", "[app 3/1]"]);
    expect(m.triggers.map((t) => t.instruction.keyword)).toEqual(["COPY", "RUN"]);
    expect(m.triggers[0].stage.name).toBe("app");
    expect(m.copies(m.triggers[0].instruction, "x")).toBe(true);
  });
});

describe("cache inputs", () => {
  it("keys a RUN on the ARGs declared in the stage before it, not on global ones", () => {
    const m = model("ARG G=1\nFROM alpine\nRUN a\nARG A=2\nARG G\nRUN b\n");
    const [first, second] = m.infos.filter((i) => i.instruction.keyword === "RUN");
    expect(first.inputs.args).toEqual([]);
    expect(second.inputs.args?.map((a) => [a.name, a.value])).toEqual([
      ["A", "2"],
      ["G", "1"],
    ]);
  });

  it("separates bind mounts (keyed) from cache, secret, tmpfs and ssh mounts", () => {
    const m = model(
      "FROM alpine\nRUN --mount=type=bind,source=go.sum,target=/s --mount=type=cache,target=/c --mount=type=secret,id=t --mount=type=tmpfs,target=/t --mount=type=ssh go build\n",
    );
    const run = m.infos[1];
    expect(run.inputs.bindMounts?.map((x) => x.type)).toEqual(["bind"]);
    expect(run.inputs.unkeyedMounts?.map((x) => x.type)).toEqual(["cache", "secret", "tmpfs", "ssh"]);
    expect(m.mountReads(run.instruction, "go.sum")).toBe(true);
    expect(m.mountReads(run.instruction, "main.go")).toBe(false);
    expect(keyInputs(m, run)).toContain("not: the content of the cache mount /c, the secret mount, the tmpfs mount /t, the ssh mount");
  });

  it("follows the stage graph: FROM <stage>, COPY --from, RUN --mount from=", () => {
    const m = model(
      "FROM alpine AS a\nFROM alpine AS b\nFROM a AS c\nCOPY --from=b /x /x\nFROM alpine AS d\nRUN --mount=type=bind,from=c,target=/m true\nFROM alpine AS unused\n",
      { target: "d" },
    );
    expect([...m.needed].map((s) => s.name).sort()).toEqual(["a", "b", "c", "d"]);
    expect(m.dependencies(m.file.stages[2]).map((s) => s.name)).toEqual(["a", "b"]);
  });

  it("describes what a COPY and a FROM depend on", () => {
    const dir = tempTree({ Dockerfile: "", "package.json": "{}", "src/a.ts": "", ".dockerignore": "src\n" });
    const m = model("FROM node:20@sha256:abc\nCOPY . /app\n", { dir });
    expect(keyInputs(m, m.infos[0])).toEqual(["image node:20@sha256:abc (pinned by digest)"]);
    expect(keyInputs(m, m.infos[1])).toEqual(["parent step", "content and mode of .dockerignore, Dockerfile, package.json", "destination /app"]);
  });
});

describe(".dockerignore semantics in copies()", () => {
  const copiesAll = (ignore: string, path: string): boolean => {
    const m = model("FROM alpine\nCOPY . .\n", { ignore });
    return m.copies(m.infos[1].instruction, path);
  };
  it("** matches any depth", () => {
    expect(copiesAll("**/*.log", "a/b/c.log")).toBe(false);
    expect(copiesAll("**/*.log", "c.log")).toBe(false);
    expect(copiesAll("**/*.log", "a/c.txt")).toBe(true);
  });
  it("! re-includes, and the last matching pattern wins", () => {
    expect(copiesAll("docs\n!docs/keep.md", "docs/keep.md")).toBe(true);
    expect(copiesAll("docs\n!docs/keep.md", "docs/drop.md")).toBe(false);
    expect(copiesAll("!a.txt\n*.txt", "a.txt")).toBe(false);
  });
  it("a leading / anchors nothing more: patterns are relative to the context root", () => {
    expect(copiesAll("/build", "build/x")).toBe(false);
    expect(copiesAll("/build", "src/build/x")).toBe(true);
  });
  it("a trailing / still matches the directory", () => {
    expect(copiesAll("tmp/", "tmp/x")).toBe(false);
  });
  it("patterns with .. are cleaned", () => {
    expect(copiesAll("a/../b", "b/x")).toBe(false);
    expect(copiesAll("a/../b", "a/x")).toBe(true);
  });
  it("matches COPY sources: globs, directories, files", () => {
    const m = model("FROM alpine\nCOPY *.txt src/ go.mod /app/\n");
    const copy = m.infos[1].instruction;
    expect(["a.txt", "src/x/y.go", "go.mod", "b.md", "sub/a.txt"].map((p) => m.copies(copy, p))).toEqual([true, true, true, false, false]);
  });
});

describe("change simulation", () => {
  const NODE = "FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\nCMD [\"node\"]\n";

  it("a source change re-runs from COPY . . on, with the reason in words", () => {
    const m = model(NODE);
    const sim = simulate(m, { changedPaths: ["src/app.ts"] });
    expect(sim.predictions.map((p) => p.status)).toEqual(["cached", "cached", "cached", "cached", "rerun", "rerun", null]);
    expect(sim.predictions[4].reason).toBe("COPY . . brings in changed src/app.ts");
    expect(sim.predictions[5].reason).toBe("parent step re-ran");
    expect(sim.predictions[6].reason).toBeNull();
    expect(sim.counts).toEqual({ cached: 4, rerun: 2, uncertain: 0, skipped: 0 });
  });

  it("a manifest change re-runs the install", () => {
    expect(statuses(model(NODE), { changedPaths: ["package.json"] })).toEqual(["cached", "cached", "rerun", "rerun", "rerun", "rerun", null]);
  });

  it("ignored files never invalidate; re-included ones do", () => {
    const m = model(NODE, { ignore: "docs\n!docs/keep.md\n" });
    expect(statuses(m, { changedPaths: ["docs/drop.md"] })).toEqual(["cached", "cached", "cached", "cached", "cached", "cached", null]);
    expect(statuses(m, { changedPaths: ["docs/keep.md"] })[4]).toBe("rerun");
  });

  it("an ARG in the stage re-runs every later RUN, used or not, and no COPY", () => {
    const m = model("FROM alpine\nRUN a\nARG GIT_SHA\nCOPY x /x\nRUN b\n");
    const sim = simulate(m, { buildArgs: ["GIT_SHA"] });
    expect(sim.predictions.map((p) => p.status)).toEqual(["cached", "cached", null, "cached", "rerun"]);
    expect(sim.predictions[4].reason).toBe("build-arg GIT_SHA declared at line 3 changed");
  });

  it("a global ARG not declared again changes no RUN, but does change a FROM that uses it", () => {
    expect(statuses(model("ARG V=1\nFROM alpine\nRUN a\n"), { buildArgs: ["V"] })).toEqual(["cached", "cached"]);
    const sim = simulate(model("ARG TAG=1\nFROM alpine:$TAG\nRUN a\n"), { buildArgs: ["TAG"] });
    expect(sim.predictions.map((p) => p.status)).toEqual(["rerun", "rerun"]);
    expect(sim.predictions[0].reason).toBe("uses build-arg TAG, which changed");
  });

  it("a FROM <stage> child keeps the build-args its base stage declared", () => {
    const sim = simulate(model("FROM alpine AS a\nARG MODE\nENV APP_MODE=$MODE\nFROM a\nRUN x\n"), { buildArgs: ["MODE"] });
    expect(sim.predictions.map((p) => p.status)).toEqual(["cached", null, null, null, "rerun"]);
    expect(sim.predictions[4].reason).toBe("build-arg MODE declared at line 2 changed");
  });

  it("an edited ignore file makes context COPY steps uncertain", () => {
    const m = model("FROM alpine\nCOPY src/ /src/\nRUN x\n", { ignore: ".dockerignore\n" });
    const sim = simulate(m, { changedPaths: [".dockerignore"] });
    expect(sim.predictions.map((p) => p.status)).toEqual(["cached", "uncertain", "uncertain"]);
    expect(sim.predictions[1].reason).toBe(".dockerignore changed: the files sent to this step may differ");
  });

  it("bind mount sources are in the key, cache mounts are not", () => {
    const m = model("FROM alpine\nRUN --mount=type=bind,source=go.sum,target=/s a\nRUN --mount=type=cache,target=/c b\n");
    expect(statuses(m, { changedPaths: ["go.sum"] })).toEqual(["cached", "rerun", "rerun"]);
    expect(statuses(m, { changedPaths: ["main.go"] })).toEqual(["cached", "cached", "cached"]);
  });

  it("a COPY --from a stage that re-ran is uncertain, and so is what follows it", () => {
    const m = model("FROM alpine AS build\nCOPY . /src\nRUN make\nFROM alpine\nCOPY --from=build /out /out\nRUN x\n");
    const sim = simulate(m, { changedPaths: ["a.c"] });
    expect(sim.predictions.map((p) => p.status)).toEqual(["cached", "rerun", "rerun", "cached", "uncertain", "uncertain"]);
    expect(sim.predictions[4].reason).toBe("stage build re-ran; the copied bytes may be identical");
  });

  it("a COPY --from is a sure re-run when the changed file lands in the copied path", () => {
    const m = model("FROM alpine AS build\nCOPY a.txt /out/a.txt\nFROM alpine\nCOPY --from=build /out /out\n");
    const sim = simulate(m, { changedPaths: ["a.txt"] });
    expect(sim.predictions.map((p) => p.status)).toEqual(["cached", "rerun", "cached", "rerun"]);
    expect(sim.predictions[3].reason).toBe("stage build re-ran and brings in changed a.txt as /out/a.txt");
  });

  it("skips stages the target does not need", () => {
    const m = model("FROM alpine AS test\nRUN t\nFROM alpine AS final\nRUN f\n", { target: "final" });
    const sim = simulate(m, { changedPaths: [] });
    expect(sim.predictions.map((p) => p.status)).toEqual(["skipped", "skipped", "cached", "cached"]);
    expect(sim.predictions[0].reason).toBe("stage test is not needed to build final");
  });

  it("a moved base image re-runs the stage unless pinned by digest", () => {
    expect(statuses(model("FROM alpine\nRUN a\n"), { baseChanged: true })).toEqual(["rerun", "rerun"]);
    expect(statuses(model("FROM alpine@sha256:abc\nRUN a\n"), { baseChanged: true })).toEqual(["cached", "cached"]);
  });

  it("an ONBUILD trigger re-runs in the child when its file changes", () => {
    const m = model("FROM alpine AS t\nONBUILD COPY x /x\nFROM t AS app\nRUN b\n");
    expect(outcome(m, { changedPaths: ["x"] })).toEqual(["[t 1/1] cached", "[app 1/1] rerun", "[app 2/1] rerun"]);
  });

  describe("Dockerfile edits (previous text)", () => {
    const edit = (before: string, after: string, ignore = "Dockerfile\n"): ReturnType<typeof simulate> =>
      simulate(model(after, { ignore }), { previous: model(before, { ignore }) });

    it("a WORKDIR edit re-runs it and what follows", () => {
      const sim = edit("FROM a\nRUN x\nWORKDIR /app\nRUN y\n", "FROM a\nRUN x\nWORKDIR /srv\nRUN y\n");
      expect(sim.predictions.map((p) => p.status)).toEqual(["cached", "cached", "rerun", "rerun"]);
      expect(sim.predictions[2].reason).toBe("the instruction changed: WORKDIR /srv");
    });

    it("a USER edit re-runs later RUN and WORKDIR steps, not a COPY", () => {
      const sim = edit("FROM a\nUSER 1\nCOPY f /f\nWORKDIR /w\nRUN y\n", "FROM a\nUSER 2\nCOPY f /f\nWORKDIR /w\nRUN y\n");
      expect(sim.predictions.map((p) => p.status)).toEqual(["cached", null, "cached", "rerun", "rerun"]);
      expect(sim.predictions[3].reason).toBe("USER changed to 2");
    });

    it("an ENV edit re-runs later RUNs only", () => {
      const sim = edit("FROM a\nENV A=1\nCOPY f /f\nRUN y\n", "FROM a\nENV A=2\nCOPY f /f\nRUN y\n");
      expect(sim.predictions.map((p) => p.status)).toEqual(["cached", null, "cached", "rerun"]);
      expect(sim.predictions[3].reason).toBe("ENV A changed");
    });

    it("a deleted step re-runs what followed it, and says so", () => {
      const sim = edit("FROM a\nRUN one\nRUN two\nRUN three\n", "FROM a\nRUN one\nRUN three\n");
      expect(sim.predictions.map((p) => [p.status, p.reason])).toEqual([
        ["cached", "its inputs did not change"],
        ["cached", "its inputs did not change"],
        ["rerun", "an earlier step of the stage changed"],
      ]);
    });

    it("an inserted step re-runs what follows it", () => {
      const sim = edit("FROM a\nRUN one\nRUN two\n", "FROM a\nRUN one\nRUN new\nRUN two\n");
      expect(sim.predictions.map((p) => p.status)).toEqual(["cached", "cached", "rerun", "rerun"]);
      expect(sim.predictions[3].reason).toBe("parent step re-ran");
    });

    it("a heredoc body edit re-runs the RUN", () => {
      const sim = edit("FROM a\nRUN <<EOF\necho 1\nEOF\n", "FROM a\nRUN <<EOF\necho 2\nEOF\n");
      expect(sim.predictions.map((p) => p.status)).toEqual(["cached", "rerun"]);
    });

    it("a LABEL edit re-runs nothing unless COPY . . copies the Dockerfile", () => {
      expect(edit("FROM a\nLABEL v=1\nCOPY . .\n", "FROM a\nLABEL v=2\nCOPY . .\n").predictions.map((p) => p.status)).toEqual(["cached", null, "cached"]);
      const m = model("FROM a\nLABEL v=2\nCOPY . .\n");
      expect(statuses(m, { previous: model("FROM a\nLABEL v=1\nCOPY . .\n"), changedPaths: ["Dockerfile"] })).toEqual(["cached", null, "rerun"]);
    });
  });
});
