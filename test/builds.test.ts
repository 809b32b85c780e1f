import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { discoverBuilds, discoveryStats, forgetBuilds, type Build } from "../src/builds/index.js";
import { lintSource } from "../src/lint.js";
import { rules } from "../rules/index.js";
import { cli, tempTree } from "./helpers/cli.js";
import { writeFileSync } from "node:fs";

/**
 * Discovery of builds, one fixture repository per kind of declaration.
 * Each repository is written here and has git initialised, as a user's would.
 */

const NODE_APP = "FROM node:20 AS base\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nFROM base AS prod\nRUN npm run build\n";
const MOTIVATING = "FROM node:20\nWORKDIR /app\nCOPY . /app\nRUN npm ci\n";

function repo(files: Record<string, string>): string {
  const dir = tempTree(files);
  execFileSync("git", ["init", "-q"], { cwd: dir });
  return dir;
}

async function builds(dir: string, dockerfile: string): Promise<{ builds: Build[]; unknown: string[]; problems: string[] }> {
  const text = execFileSync("cat", [join(dir, dockerfile)], { encoding: "utf8" });
  const d = await discoverBuilds(join(dir, dockerfile), text, { cwd: dir });
  return {
    builds: d.builds.map((b) => ({ ...b, context: b.context === dir ? "." : b.context.slice(dir.length + 1) })),
    unknown: d.unknown.map((u) => `${u.at}: ${u.unknown ?? ""}`),
    problems: d.problems.map((p) => p.split(dir + "/").join("")),
  };
}

describe("discovery, by source", () => {
  it("compose: build as a string and as an object; dockerfile relative to the context; ${VAR} from .env or the default", async () => {
    const dir = repo({
      "docker/Dockerfile": NODE_APP,
      "web/Dockerfile": NODE_APP,
      "package.json": "{}",
      "web/package.json": "{}",
      ".env": "STAGE=prod\n",
      "compose.yaml": [
        "services:",
        "  web:",
        "    build: ./web",
        "  api:",
        "    build:",
        "      context: .",
        "      dockerfile: docker/Dockerfile",
        "      target: ${STAGE}",
        "      args:",
        "        NODE_ENV: ${MODE:-production}",
        "",
      ].join("\n"),
    });
    expect((await builds(dir, "docker/Dockerfile")).builds).toEqual([{ context: ".", target: "prod", args: { NODE_ENV: "production" }, source: "compose.yaml#services.api", guessed: false }]);
    expect((await builds(dir, "web/Dockerfile")).builds).toEqual([{ context: "web", args: {}, source: "compose.yaml#services.web", guessed: false }]);
  });

  it("compose: args as a list, the context relative to the compose file's folder", async () => {
    const dir = repo({
      "docker/Dockerfile": NODE_APP,
      "package.json": "{}",
      "deploy/docker-compose.prod.yml": "services:\n  app:\n    build:\n      context: ..\n      dockerfile: docker/Dockerfile\n      args:\n        - VERSION=1.2\n",
    });
    expect((await builds(dir, "docker/Dockerfile")).builds).toEqual([{ context: ".", args: { VERSION: "1.2" }, source: "deploy/docker-compose.prod.yml#services.app", guessed: false }]);
  });

  it("bake (HCL): context, dockerfile, target, args, inherits and variable defaults", async () => {
    const dir = repo({
      "docker/Dockerfile": NODE_APP,
      "package.json": "{}",
      "docker-bake.hcl": [
        'variable "NODE" { default = "20" }',
        'group "default" { targets = ["app"] }',
        'target "_common" {',
        '  context = "."',
        "  args = { NODE_VERSION = \"${NODE}\", KEEP = \"1\" }",
        "}",
        'target "app" {',
        '  inherits = ["_common"]',
        '  dockerfile = "docker/Dockerfile"',
        '  target = "prod"',
        '  args = { KEEP = "2" }',
        "}",
        "",
      ].join("\n"),
    });
    const found = await builds(dir, "docker/Dockerfile");
    expect(found.builds).toEqual([{ context: ".", target: "prod", args: { NODE_VERSION: "20", KEEP: "2" }, source: "docker-bake.hcl#target.app", guessed: false }]);
  });

  it("bake (JSON)", async () => {
    const dir = repo({
      "services/api/Dockerfile": NODE_APP,
      "package.json": "{}",
      "docker-bake.json": JSON.stringify({ variable: { T: { default: "prod" } }, target: { api: { context: ".", dockerfile: "services/api/Dockerfile", target: "${T}" } } }),
    });
    expect((await builds(dir, "services/api/Dockerfile")).builds).toEqual([{ context: ".", target: "prod", args: {}, source: "docker-bake.json#target.api", guessed: false }]);
  });

  it("devcontainer: build.dockerfile and build.context relative to the file's folder, comments allowed; the older dockerFile key", async () => {
    const dir = repo({
      ".devcontainer/Dockerfile": NODE_APP,
      ".devcontainer/devcontainer.json": '// dev\n{\n  "name": "x",\n  "build": { "dockerfile": "Dockerfile", "context": "..", "args": { "V": "1" } }, // trailing\n}\n',
      "package.json": "{}",
      "other/Dockerfile": NODE_APP,
      "other/.devcontainer.json": '{ "dockerFile": "Dockerfile" }',
    });
    expect((await builds(dir, ".devcontainer/Dockerfile")).builds).toEqual([{ context: ".", args: { V: "1" }, source: ".devcontainer/devcontainer.json#build", guessed: false }]);
    expect((await builds(dir, "other/Dockerfile")).builds[0]).toMatchObject({ context: "other", source: "other/.devcontainer.json#dockerFile" });
  });

  it("GitHub workflows: build-push-action, and run lines with cd, working-directory and flags", async () => {
    const dir = repo({
      "docker/Dockerfile": NODE_APP,
      "docker/worker.Dockerfile": NODE_APP,
      "app/Dockerfile": NODE_APP,
      "package.json": "{}",
      "app/package.json": "{}",
      ".github/workflows/ci.yml": [
        "on: push",
        "env:",
        "  STAGE: prod",
        "jobs:",
        "  build:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - uses: actions/checkout@v4",
        "      - uses: docker/build-push-action@v6",
        "        with:",
        "          context: .",
        "          file: ./docker/Dockerfile",
        "          target: prod",
        "          build-args: |",
        "            A=1",
        "            B=two",
        "      - run: |",
        "          cd docker",
        "          docker buildx build --push -t x:latest -f worker.Dockerfile --target $STAGE --build-arg C=3 ..",
        "      - working-directory: app",
        "        run: podman build --build-arg=D=4 .",
        "",
      ].join("\n"),
    });
    expect((await builds(dir, "docker/Dockerfile")).builds).toEqual([{ context: ".", target: "prod", args: { A: "1", B: "two" }, source: ".github/workflows/ci.yml#jobs.build.steps[1]", guessed: false }]);
    expect((await builds(dir, "docker/worker.Dockerfile")).builds).toEqual([{ context: ".", target: "prod", args: { C: "3" }, source: ".github/workflows/ci.yml#jobs.build.steps[2].run", guessed: false }]);
    expect((await builds(dir, "app/Dockerfile")).builds).toEqual([{ context: "app", args: { D: "4" }, source: ".github/workflows/ci.yml#jobs.build.steps[3].run", guessed: false }]);
  });

  it("GitLab CI script lines", async () => {
    const dir = repo({
      "docker/Dockerfile": NODE_APP,
      "package.json": "{}",
      ".gitlab-ci.yml": "variables:\n  IMAGE: x\nbuild:\n  script:\n    - docker build -t $IMAGE -f docker/Dockerfile .\n",
    });
    expect((await builds(dir, "docker/Dockerfile")).builds).toEqual([{ context: ".", args: {}, source: ".gitlab-ci.yml#build.script", guessed: false }]);
  });

  it("Makefiles: recipes run in the Makefile's folder, with its variables", async () => {
    const dir = repo({
      "docker/Dockerfile": NODE_APP,
      "package.json": "{}",
      "Makefile": "IMAGE := app\nDOCKERFILE ?= docker/Dockerfile\n\nimage:\n\t@docker build -t $(IMAGE) \\\n\t\t-f $(DOCKERFILE) --target prod .\n",
    });
    expect((await builds(dir, "docker/Dockerfile")).builds).toEqual([{ context: ".", target: "prod", args: {}, source: "Makefile#image", guessed: false }]);
  });

  it("shell scripts: from the repository root, or from their own folder after cd \"$(dirname \"$0\")\"", async () => {
    const dir = repo({
      "docker/Dockerfile": NODE_APP,
      "api/Dockerfile": NODE_APP,
      "package.json": "{}",
      "api/package.json": "{}",
      "scripts/build.sh": "#!/bin/sh\nset -e\ndocker build -f docker/Dockerfile .\n",
      "api/build.sh": '#!/bin/bash\ncd "$(dirname "$0")"\nTAG=1\ndocker build -t api:$TAG .\n',
    });
    expect((await builds(dir, "docker/Dockerfile")).builds).toEqual([{ context: ".", args: {}, source: "scripts/build.sh#line 3", guessed: false }]);
    expect((await builds(dir, "api/Dockerfile")).builds).toEqual([{ context: "api", args: {}, source: "api/build.sh#line 4", guessed: false }]);
  });
});

describe("discovery: what real repositories write", () => {
  it("bake: a null default leaves the argument unset, a default may name another variable, templates and empty targets are no builds", async () => {
    const dir = repo({
      "Dockerfile": NODE_APP,
      "package.json": "{}",
      "docker-bake.hcl": [
        'variable "GO_VERSION" { default = null }',
        'variable "CTX" { default = "." }',
        'variable "TEST_CTX" { default = CTX }',
        'target "_common" { args = { GO_VERSION = GO_VERSION } }',
        'target "meta-helper" {}',
        'target "test" {',
        '  inherits = ["_common"]',
        "  context = TEST_CTX",
        '  target = "prod"',
        "}",
        "",
      ].join("\n"),
    });
    expect((await builds(dir, "Dockerfile")).builds).toEqual([{ context: ".", target: "prod", args: {}, source: "docker-bake.hcl#target.test", guessed: false }]);
  });

  it("compose: `- NAME` args from the .env file, and many anchors", async () => {
    const anchors = Array.from({ length: 150 }, (_, i) => `  s${i}:\n    <<: *common\n`).join("");
    const dir = repo({
      "Dockerfile": NODE_APP,
      "package.json": "{}",
      ".env": "IMAGE=node:20\n",
      "compose.yaml": `x-common: &common\n  build:\n    context: .\n    args:\n      - IMAGE\nservices:\n${anchors}`,
    });
    const found = await builds(dir, "Dockerfile");
    expect(found.problems).toEqual([]);
    expect(found.builds).toEqual([{ context: ".", args: { IMAGE: "node:20" }, source: "compose.yaml#services.s0", guessed: false }]);
  });

  it("commands: a variable of options is not the context, an empty expansion is no argument", async () => {
    const dir = repo({
      "Dockerfile": NODE_APP,
      "docker/Dockerfile": NODE_APP,
      "package.json": "{}",
      "Makefile": "EMPTY :=\nimage:\n\tdocker buildx build $(DOCKER_BUILDX_ARGS) $(EMPTY) -t x -f Dockerfile .\n",
      "build.sh": 'docker build $EXTRA_FLAGS -f docker/Dockerfile --target prod .\n',
    });
    expect((await builds(dir, "Dockerfile")).builds[0].source).toBe("Makefile#image");
    expect((await builds(dir, "docker/Dockerfile")).builds[0]).toMatchObject({ context: ".", target: "prod", source: "build.sh#line 1" });
  });

  it("every parser works from the built CLI (bake's WebAssembly, devcontainer's JSON with comments, YAML)", () => {
    const dir = repo({
      "a/Dockerfile": NODE_APP,
      "b/Dockerfile": NODE_APP,
      "c/Dockerfile": NODE_APP,
      "package.json": "{}",
      "docker-bake.hcl": 'target "a" {\n  dockerfile = "a/Dockerfile"\n}\n',
      ".devcontainer/devcontainer.json": '{ // comment\n "build": { "dockerfile": "../b/Dockerfile", "context": ".." } }',
      "compose.yml": "services:\n  c:\n    build:\n      context: .\n      dockerfile: c/Dockerfile\n",
    });
    const r = cli(["a/Dockerfile", "b/Dockerfile", "c/Dockerfile", "--format", "json", "--debug"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect((JSON.parse(r.stdout) as { builds: { source: string }[] }[]).map((f) => f.builds.map((b) => b.source))).toEqual([
      ["docker-bake.hcl#target.a"],
      [".devcontainer/devcontainer.json#build"],
      ["compose.yml#services.c"],
    ]);
  });
});

describe("discovery: what no declaration says", () => {
  it("the structural test: the nearest folder up to the root where the COPY sources exist", async () => {
    const dir = repo({ "docker/app/Dockerfile": "FROM node:20\nCOPY package.json src/ ./\n", "package.json": "{}", "src/index.js": "" });
    expect((await builds(dir, "docker/app/Dockerfile")).builds).toEqual([{ context: ".", args: {}, source: "structure", guessed: false }]);
  });

  it("inconclusive: the Dockerfile's folder, marked as guessed", async () => {
    const dir = repo({ "docker/Dockerfile": MOTIVATING, "package.json": "{}" });
    expect((await builds(dir, "docker/Dockerfile")).builds).toEqual([{ context: "docker", args: {}, source: "guess", guessed: true }]);
  });

  it("values that cannot be resolved make the declaration unknown, not wrong", async () => {
    const dir = repo({
      "docker/Dockerfile": NODE_APP,
      "package.json": "{}",
      ".github/workflows/ci.yml": "on: push\njobs:\n  b:\n    strategy:\n      matrix:\n        t: [a, b]\n    steps:\n      - run: docker build -f docker/Dockerfile --target ${{ matrix.t }} .\n",
      "Makefile": "image:\n\tdocker build -f docker/Dockerfile --build-arg V=$(shell git describe) .\n",
      "build.sh": "docker build -f docker/Dockerfile $CONTEXT\n",
    });
    const found = await builds(dir, "docker/Dockerfile");
    expect(found.unknown.sort()).toEqual(["image: --build-arg $(make shell git describe)", "jobs.b.steps[0].run: --target ${{ matrix.t }}", "line 1: $CONTEXT"]);
    // Nothing usable is declared, so the structural test decides.
    expect(found.builds.map((b) => b.source)).toEqual(["structure"]);
  });

  it("broken configuration files are skipped and named, never fatal", async () => {
    const dir = repo({
      "docker/Dockerfile": NODE_APP,
      "package.json": "{}",
      "compose.yaml": "services:\n  api: [\n",
      "docker-bake.hcl": 'target "x" {{{\n',
      ".devcontainer/devcontainer.json": '{ "build": { "dockerfile": "../docker/Dockerfile", } , }} ',
      "docker-compose.yml": "services:\n  a:\n    build:\n      context: ../..\n  b:\n    build:\n      dockerfile: missing/Dockerfile\n",
      ".github/workflows/ci.yml": "jobs:\n  x:\n    steps:\n      - run: docker build -f docker/Dockerfile .\n",
    });
    const found = await builds(dir, "docker/Dockerfile");
    expect(found.builds).toEqual([{ context: ".", args: {}, source: ".github/workflows/ci.yml#jobs.x.steps[0].run", guessed: false }]);
    const problems = found.problems.join("\n");
    expect(problems).toMatch(/^compose\.yaml: .*skipped$/m);
    expect(problems).toMatch(/^docker-bake\.hcl: .*skipped$/m);
    expect(problems).toMatch(/^\.devcontainer\/devcontainer\.json: invalid JSON.*skipped$/m);
    expect(problems).toMatch(/docker-compose\.yml#services\.a: the context .* is outside the repository: skipped/);
    expect(problems).toMatch(/docker-compose\.yml#services\.b: the Dockerfile .*missing\/Dockerfile does not exist: skipped/);
  });

  it("several builds of one Dockerfile, identical ones once", async () => {
    const dir = repo({
      "Dockerfile": NODE_APP,
      "package.json": "{}",
      "compose.yaml": "services:\n  dev:\n    build:\n      context: .\n      target: base\n  prod:\n    build:\n      context: .\n      target: prod\n  again:\n    build:\n      context: .\n      target: prod\n",
      ".devcontainer/devcontainer.json": '{ "build": { "dockerfile": "../Dockerfile", "context": "..", "target": "base" } }',
    });
    const found = await builds(dir, "Dockerfile");
    expect(found.builds.map((b) => `${b.source} ${b.target}`)).toEqual([".devcontainer/devcontainer.json#build base", "compose.yaml#services.prod prod"]);
  });

  it("reads each configuration file once per run, however many Dockerfiles it searches for", async () => {
    const files: Record<string, string> = { "package.json": "{}", "compose.yaml": "services:\n", ".github/workflows/ci.yml": "jobs: {}\n", "Makefile": "all:\n\techo\n", ".env": "A=1\n" };
    for (let i = 0; i < 30; i++) files[`svc${i}/Dockerfile`] = NODE_APP;
    files["compose.yaml"] = "services:\n" + Array.from({ length: 30 }, (_, i) => `  s${i}:\n    build: ./svc${i}\n`).join("");
    const dir = repo(files);
    forgetBuilds();
    const before = { ...discoveryStats };
    for (let i = 0; i < 30; i++) {
      const d = await discoverBuilds(join(dir, `svc${i}/Dockerfile`), NODE_APP, { cwd: dir });
      expect(d.builds[0].source).toBe(`compose.yaml#services.s${i}`);
    }
    // compose.yaml, its .env, the workflow and the Makefile: four reads and one listing for thirty Dockerfiles.
    expect(discoveryStats.reads - before.reads).toBe(4);
    expect(discoveryStats.listings - before.listings).toBe(1);
  });

  it("re-reads a configuration file that changed when asked to check (the language server)", async () => {
    const dir = repo({ "Dockerfile": NODE_APP, "package.json": "{}", "compose.yaml": "services:\n  a:\n    build:\n      context: .\n      target: base\n" });
    expect((await discoverBuilds(join(dir, "Dockerfile"), NODE_APP, { cwd: dir })).builds[0].target).toBe("base");
    writeFileSync(join(dir, "compose.yaml"), "services:\n  a:\n    build:\n      context: .\n      target: prod   \n");
    expect((await discoverBuilds(join(dir, "Dockerfile"), NODE_APP, { cwd: dir })).builds[0].target).toBe("base");
    expect((await discoverBuilds(join(dir, "Dockerfile"), NODE_APP, { cwd: dir, recheck: true })).builds[0].target).toBe("prod");
  });
});

describe("a guessed context that lacks a COPY source is no context (model)", () => {
  it("a guessed context missing a source: rules reason from the text, as for standard input", () => {
    const dir = tempTree({ "docker/Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY package.json ./\nCOPY . .\nRUN npm ci\n" });
    const guessed = lintSource("FROM node:20\nWORKDIR /app\nCOPY package.json ./\nCOPY . .\nRUN npm ci\n", { rules, filePath: join(dir, "docker/Dockerfile"), context: join(dir, "docker"), contextGuessed: true });
    expect(guessed.model.context.root).toBeNull();
    const declared = lintSource("FROM node:20\n", { rules, filePath: join(dir, "docker/Dockerfile"), context: join(dir, "docker"), contextGuessed: false });
    expect(declared.model.context.root).toBe(join(dir, "docker"));
  });
});

describe("the CLI lints the build that really happens", () => {
  it("docker/Dockerfile built from the root: COPY . then npm ci is reported with no flags", () => {
    const dir = repo({
      "docker/Dockerfile": MOTIVATING,
      "package.json": "{}",
      ".github/workflows/image.yml": "on: push\njobs:\n  image:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: docker build -f docker/Dockerfile -t app .\n",
    });
    const r = cli(["docker/Dockerfile", "--format", "json", "--rule", "context-not-ignored=off"], { cwd: dir });
    expect(r.stderr).toBe("");
    const [file] = JSON.parse(r.stdout) as [{ messages: { ruleId: string }[]; builds: unknown[] }];
    expect(file.messages.map((m) => m.ruleId)).toContain("copy-before-install");
    expect(file.builds).toEqual([{ context: ".", target: null, source: ".github/workflows/image.yml#jobs.image.steps[1].run" }]);
    // The same through a directory search, and the stylish format.
    expect(cli(["."], { cwd: dir }).stdout).toContain("copy-before-install");
  });

  it("--context, --target and --build-arg win over what is discovered", () => {
    const dir = repo({ "docker/Dockerfile": MOTIVATING, "package.json": "{}", "compose.yaml": "services:\n  a:\n    build:\n      context: .\n      dockerfile: docker/Dockerfile\n      args:\n        X: '1'\n" });
    const r = cli(["--print-config", "docker/Dockerfile", "--context", "docker", "--target", "0", "--build-arg", "X=2"], { cwd: dir });
    expect(JSON.parse(r.stdout).builds).toEqual([{ context: "docker", target: "0", args: { X: "2" }, source: "command line" }]);
    const lint = cli(["docker/Dockerfile", "--context", "docker", "--format", "json"], { cwd: dir });
    expect((JSON.parse(lint.stdout) as [{ messages: { ruleId: string }[] }])[0].messages.map((m) => m.ruleId)).not.toContain("copy-before-install");
  });

  it("a finding that holds for some builds only names them", () => {
    const dir = repo({
      "Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
      "package.json": "{}",
      ".dockerignore": ".git\n",
      "tools/main.go": "package main\n",
      "compose.yaml": "services:\n  web:\n    build:\n      context: .\n  tools:\n    build:\n      context: ./tools\n      dockerfile: ../Dockerfile\n",
    });
    const r = cli(["Dockerfile", "--format", "json"], { cwd: dir });
    const [file] = JSON.parse(r.stdout) as [{ messages: { ruleId: string; message: string }[]; builds: { source: string }[] }];
    expect(file.builds.map((b) => b.source)).toEqual(["compose.yaml#services.web", "compose.yaml#services.tools"]);
    const copy = file.messages.filter((m) => m.ruleId === "copy-before-install");
    expect(copy).toHaveLength(1);
    expect(copy[0].message).toMatch(/\(in compose\.yaml#services\.web\)$/);
    // A finding of both builds is reported once, without a build named.
    const ids = file.messages.map((m) => `${m.ruleId}:${m.message}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("--debug names the configuration files skipped; without it they are silent", () => {
    const dir = repo({ "Dockerfile": NODE_APP, "package.json": "{}", "compose.yaml": "services: [\n" });
    expect(cli(["Dockerfile"], { cwd: dir }).stderr).toBe("");
    expect(cli(["Dockerfile", "--debug"], { cwd: dir }).stderr).toMatch(/layerlint: debug: .*compose\.yaml: .*skipped/);
  });

  it("explain names the build it explains, and --build picks one", () => {
    const dir = repo({ "Dockerfile": NODE_APP, "package.json": "{}", "compose.yaml": "services:\n  dev:\n    build:\n      context: .\n      target: base\n  prod:\n    build:\n      context: .\n      target: prod\n" });
    const first = JSON.parse(cli(["explain", "Dockerfile", "--format", "json"], { cwd: dir }).stdout) as { build: unknown; target: string };
    expect(first.build).toEqual({ context: ".", target: "base", source: "compose.yaml#services.dev" });
    expect(first.target).toBe("base");
    const picked = JSON.parse(cli(["explain", "Dockerfile", "--format", "json", "--build", "compose.yaml#services.prod"], { cwd: dir }).stdout) as { target: string };
    expect(picked.target).toBe("prod");
    const table = cli(["explain", "Dockerfile", "--format", "table"], { cwd: dir }).stdout;
    expect(table).toContain("build compose.yaml#services.dev");
    const bad = cli(["explain", "Dockerfile", "--build", "nope"], { cwd: dir });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--build nope: no such build");
  });

  it("the worker pool lints with the builds the main thread discovered", () => {
    const dir = repo({ "docker/Dockerfile": MOTIVATING, "package.json": "{}", "Makefile": "image:\n\tdocker build -f docker/Dockerfile .\n", "other/Dockerfile": "FROM alpine\n" });
    const r = cli([".", "--format", "json"], { cwd: dir, env: { LAYERLINT_WORKERS: "1" } });
    const files = JSON.parse(r.stdout) as { filePath: string; builds: { source: string }[]; messages: { ruleId: string }[] }[];
    const docker = files.find((f) => f.filePath === "docker/Dockerfile");
    expect(docker?.builds[0].source).toBe("Makefile#image");
    expect(docker?.messages.map((m) => m.ruleId)).toContain("copy-before-install");
    expect(files.find((f) => f.filePath === "other/Dockerfile")?.builds).toEqual([{ context: "other", target: null, source: "guess" }]);
  });
});
