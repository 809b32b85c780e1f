import { describe, expect, it } from "vitest";
import { cacheType, commandBuilds } from "../src/ci/builds.js";
import { isWorkflowFileName, isWorkflowPath, mayBuildImages } from "../src/ci/names.js";
import { parseWorkflow, type Workflow } from "../src/ci/workflow.js";
import { UsageError } from "../src/errors.js";
import { fromString } from "../src/read.js";

const parse = (text: string): Workflow => parseWorkflow(fromString(text), "ci.yml");
const slice = (w: Workflow, r: { start: { offset: number }; end: { offset: number } }): string => w.source.text.slice(r.start.offset, r.end.offset);

function runnerOf(runsOn: string, extra = ""): string {
  return parse(`on: push\njobs:\n  j:\n${extra}    runs-on: ${runsOn}\n    steps:\n      - run: echo\n`).jobs[0].runner;
}

describe("workflow model: where a job runs", () => {
  it("tells hosted, self-hosted and other runners apart", () => {
    expect(runnerOf("ubuntu-latest")).toBe("hosted");
    expect(runnerOf("ubuntu-24.04-arm")).toBe("hosted");
    expect(runnerOf("[windows-2022]")).toBe("hosted");
    expect(runnerOf("macos-14")).toBe("hosted");
    expect(runnerOf("[self-hosted, linux]")).toBe("self-hosted");
    expect(runnerOf("self-hosted")).toBe("self-hosted");
    expect(runnerOf("buildjet-4vcpu-ubuntu-2204")).toBe("other");
    expect(runnerOf("{ group: big, labels: [ubuntu-latest] }")).toBe("other");
    expect(runnerOf("${{ inputs.runner }}")).toBe("unknown");
    expect(parse("on: push\njobs:\n  j:\n    steps: []\n").jobs[0].runner).toBe("unknown");
  });

  it("resolves ${{ matrix.x }} from the matrix's listed values, include entries too", () => {
    const matrix = (values: string): string => `    strategy:\n      matrix:\n${values}`;
    expect(runnerOf("${{ matrix.os }}", matrix("        os: [ubuntu-latest, macos-latest]\n"))).toBe("hosted");
    expect(runnerOf("${{ matrix.os }}", matrix("        os: [ubuntu-latest]\n        include:\n          - os: windows-latest\n"))).toBe("hosted");
    expect(runnerOf("${{ matrix.os }}", matrix("        os: [ubuntu-latest]\n        include:\n          - os: my-box\n"))).toBe("other");
    expect(runnerOf("${{ matrix.os }}", matrix("        os: [ubuntu-latest, self-hosted]\n"))).toBe("self-hosted");
    expect(runnerOf("${{ matrix.os }}", matrix("        os: ${{ fromJSON(inputs.list) }}\n"))).toBe("unknown");
    expect(runnerOf("${{ matrix.runner }}", matrix("        os: [ubuntu-latest]\n"))).toBe("unknown");
  });

  it("keeps the labels as written", () => {
    expect(parse("on: push\njobs:\n  j:\n    runs-on: [self-hosted, '${{ matrix.arch }}']\n    steps: []\n").jobs[0].runsOn).toEqual(["self-hosted", "${{ matrix.arch }}"]);
  });
});

describe("workflow model: steps", () => {
  const text = [
    "on: push",
    "defaults:",
    "  run:",
    "    working-directory: top",
    "jobs:",
    "  build:",
    "    runs-on: ubuntu-latest",
    "    defaults:",
    "      run:",
    "        working-directory: app",
    "    steps:",
    "      - name: Build",
    "        id: b",
    "        uses: docker/build-push-action@v6",
    "        with:",
    "          context: .",
    "          cache-from: |",
    "            type=gha",
    "            type=registry,ref=x",
    "      - run: |",
    "          set -e",
    "          docker buildx build \\",
    "            --cache-to=type=gha -t app .",
    "        working-directory: svc",
    "  other:",
    "    runs-on: ubuntu-latest",
    "    steps:",
    "      - run: docker build .",
    "",
  ].join("\n");
  const w = parse(text);
  const [build, other] = w.jobs;

  it("reads jobs, steps, uses, with (each value with its range) and run", () => {
    expect(w.jobs.map((j) => j.id)).toEqual(["build", "other"]);
    const [action, script] = build.steps;
    expect(action).toMatchObject({ index: 0, name: "Build", id: "b", run: null });
    expect(action.uses?.value).toBe("docker/build-push-action@v6");
    expect([...action.with.keys()]).toEqual(["context", "cache-from"]);
    const context = action.with.get("context")!;
    expect(context.value).toBe(".");
    expect(context.range).toEqual({ start: { line: 15, column: 19, offset: text.indexOf("context: .") + 9 }, end: { line: 15, column: 20, offset: text.indexOf("context: .") + 10 } });
    expect(slice(w, context.keyRange)).toBe("context");
    expect(action.with.get("cache-from")!.value).toBe("type=gha\ntype=registry,ref=x\n");
    expect(script.run?.value).toContain("docker buildx build");
    expect(action.withBlock).toMatchObject({ flow: false });
  });

  it("gives each step its working directory: its own, else the job's, else the workflow's", () => {
    expect(build.defaultWorkingDirectory).toBe("app");
    expect(build.steps.map((s) => s.workingDirectory)).toEqual(["app", "svc"]);
    expect(other.defaultWorkingDirectory).toBe("top");
    expect(other.steps[0].workingDirectory).toBe("top");
  });

  it("finds the image builds with their cache settings and ranges", () => {
    const [action] = build.steps[0].builds;
    expect(action).toMatchObject({ via: "action", tool: "docker/build-push-action", cacheFrom: ["type=gha", "type=registry,ref=x"], cacheTo: [], noCache: false });
    expect(slice(w, action.range)).toBe("uses: docker/build-push-action@v6");
    const [command] = build.steps[1].builds;
    expect(command).toMatchObject({ via: "command", tool: "docker buildx build", cacheFrom: [], cacheTo: ["type=gha"] });
    // A literal block maps back to the file: the range is the command, over its continuation line.
    expect(slice(w, command.range)).toBe("docker buildx build \\\n            --cache-to=type=gha -t app .");
    expect(command.range.start).toMatchObject({ line: 21, column: 10 });
    const [plain] = other.steps[0].builds;
    expect(slice(w, plain.range)).toBe("docker build .");
  });

  it("falls back to the whole value when a folded scalar's text does not map back", () => {
    const folded = parse("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: >\n          docker build\n          -t x .\n");
    const [b] = folded.jobs[0].steps[0].builds;
    expect(b.command).toBe("docker build -t x .");
    expect(slice(folded, b.range)).toBe(">\n          docker build\n          -t x .");
  });

  it("resolves aliases", () => {
    const w2 = parse("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - &b\n        uses: docker/build-push-action@v6\n      - *b\n");
    expect(w2.jobs[0].steps.map((s) => s.builds.length)).toEqual([1, 1]);
  });
});

describe("workflow model: build commands", () => {
  it("recognises docker build, docker buildx build, docker image build and podman build, past sudo and env", () => {
    const tools = (script: string) => commandBuilds(script).map((b) => b.tool);
    expect(tools("docker build .\nsudo docker buildx build .\nFOO=1 docker image build .\npodman build .\n/usr/bin/docker build .")).toEqual([
      "docker build", "docker buildx build", "docker image build", "podman build", "docker build",
    ]);
    expect(tools("docker buildx bake\necho docker build\ndocker run build\n# docker build .\ndocker push x")).toEqual([]);
  });

  it("reads --cache-from/--cache-to in both spellings and --no-cache", () => {
    const [b] = commandBuilds("docker buildx build --cache-from type=gha --cache-from=user/app:c --cache-to 'type=gha,mode=max' --no-cache .");
    expect(b).toMatchObject({ cacheFrom: ["type=gha", "user/app:c"], cacheTo: ["type=gha,mode=max"], noCache: true });
    expect(commandBuilds("docker build --no-cache=false .")[0].noCache).toBe(false);
  });

  it("names the cache backend; a plain image reference is a registry", () => {
    expect(cacheType("type=gha,mode=max")).toBe("gha");
    expect(cacheType("mode=max,type=local,dest=x")).toBe("local");
    expect(cacheType("ghcr.io/o/app:cache")).toBe("registry");
  });
});

describe("workflow model: names and bad input", () => {
  it("knows workflow paths", () => {
    expect(isWorkflowPath("repo/.github/workflows/ci.yml")).toBe(true);
    expect(isWorkflowPath(".github/workflows/ci.yaml")).toBe(true);
    expect(isWorkflowPath("repo/.github/workflows/sub/ci.yml")).toBe(false);
    expect(isWorkflowPath("repo/compose.yml")).toBe(false);
    expect(isWorkflowFileName("anything.YML")).toBe(true);
    expect(isWorkflowFileName("Dockerfile")).toBe(false);
    expect(isWorkflowFileName("svc/Dockerfile.yml")).toBe(false);
    expect(isWorkflowFileName("svc/Dockerfile-ci.yml")).toBe(true);
    expect(mayBuildImages("run: npm test")).toBe(false);
    expect(mayBuildImages("uses: docker/build-push-action@v6")).toBe(true);
  });

  it("rejects invalid YAML and YAML that is not a workflow with one line naming the file and the place", () => {
    const problem = (text: string): string => {
      try {
        parse(text);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as UsageError).describe();
      }
      throw new Error("no error");
    };
    expect(problem("on: push\njobs:\n  x: [a\n")).toMatch(/^ci\.yml: invalid YAML at line \d+, column \d+: [^\n]+$/);
    expect(problem("a: 1\na: 2\n")).toMatch(/^ci\.yml: invalid YAML at line 2, column 1: Map keys must be unique$/);
    expect(problem("- just\n- a list\n")).toBe("ci.yml: not a GitHub Actions workflow (no `jobs:` mapping)");
    expect(problem("")).toBe("ci.yml: not a GitHub Actions workflow (no `jobs:` mapping)");
  });
});
