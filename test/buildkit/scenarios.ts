/**
 * Cache scenarios checked against a real BuildKit by cache.test.ts: each is
 * a small build context (the Dockerfile included), one change, and
 * optionally build-args and a target. The test builds cold, applies the
 * change, builds again, and compares every step's real status with
 * layerlint's prediction. Adding a case is adding one entry.
 *
 * Base images are all the local busybox image, so RUN commands may only use
 * busybox tools, and builds have no network.
 */
/** A file's text, its text and mode, or a symlink to `link`. */
export type FileSpec = string | { content: string; mode: number } | { link: string };

export interface Change {
  /** Files to write (new content), the Dockerfile included. */
  write?: Record<string, string>;
  /** New permission bits. */
  chmod?: Record<string, number>;
  /** Files whose modification time is bumped, content unchanged. */
  touch?: string[];
  remove?: string[];
  /** Build-arg values of the second build (replacing the first build's). */
  buildArgs?: Record<string, string>;
}

export interface Scenario {
  name: string;
  /** What a real build taught the model, when this scenario first disagreed with it. */
  measured?: string;
  files: Record<string, FileSpec>;
  /** Build-arg values of the first build. */
  buildArgs?: Record<string, string>;
  target?: string;
  change: Change;
}

const NODE_LIKE = `FROM node:20
WORKDIR /app
COPY package.json ./
RUN cat package.json > /deps.txt
COPY . .
RUN cat src/app.js > /built.txt
`;

const NODE_FILES: Record<string, FileSpec> = {
  Dockerfile: NODE_LIKE,
  "package.json": '{"name":"demo"}\n',
  "src/app.js": "console.log(1)\n",
  "README.md": "demo\n",
};

export const SCENARIOS: Scenario[] = [
  {
    name: "a source file copied by COPY . .",
    files: NODE_FILES,
    change: { write: { "src/app.js": "console.log(2)\n" } },
  },
  {
    name: "a manifest copied before the install",
    files: NODE_FILES,
    change: { write: { "package.json": '{"name":"demo","version":"2"}\n' } },
  },
  {
    name: "a file excluded by .dockerignore",
    files: { ...NODE_FILES, ".dockerignore": "*.log\ndocs/\n", "docs/guide.md": "one\n", "debug.log": "a\n" },
    change: { write: { "docs/guide.md": "two\n", "debug.log": "b\n" } },
  },
  {
    name: "a file re-included by a ! pattern",
    files: { ...NODE_FILES, ".dockerignore": "docs/\n!docs/keep.md\n", "docs/keep.md": "one\n", "docs/drop.md": "one\n" },
    change: { write: { "docs/keep.md": "two\n" } },
  },
  {
    name: "a file excluded only by the part of the ignore file a ! pattern does not undo",
    files: { ...NODE_FILES, ".dockerignore": "docs/\n!docs/keep.md\n", "docs/keep.md": "one\n", "docs/drop.md": "one\n" },
    change: { write: { "docs/drop.md": "two\n" } },
  },
  {
    name: "a file excluded by a ** pattern",
    files: { ...NODE_FILES, ".dockerignore": "**/*.tmp\n", "src/deep/x.tmp": "1\n" },
    change: { write: { "src/deep/x.tmp": "2\n" } },
  },
  {
    name: "a nested directory that a leading-/ pattern does not exclude",
    files: { ...NODE_FILES, ".dockerignore": "/build\n", "build/out.txt": "1\n", "src/build/keep.txt": "1\n" },
    change: { write: { "build/out.txt": "2\n", "src/build/keep.txt": "2\n" } },
  },
  {
    name: "a file under a trailing-/ pattern",
    files: { ...NODE_FILES, ".dockerignore": "tmp/\n", "tmp/cache.txt": "1\n" },
    change: { write: { "tmp/cache.txt": "2\n" } },
  },
  {
    name: "a build-arg declared in the stage re-runs every later RUN",
    files: {
      Dockerfile: "FROM alpine:3.19\nRUN echo first > /first\nARG GIT_SHA=abc\nRUN echo second > /second\nCOPY a.txt /a.txt\nRUN echo third > /third\n",
      "a.txt": "a\n",
    },
    change: { buildArgs: { GIT_SHA: "def" } },
  },
  {
    name: "a build-arg declared only before the first FROM",
    files: {
      Dockerfile: "ARG VERSION=1\nFROM alpine:3.19\nRUN echo one > /one\nRUN echo two > /two\n",
    },
    change: { buildArgs: { VERSION: "2" } },
  },
  {
    name: "a global build-arg declared again in the stage",
    files: {
      Dockerfile: "ARG VERSION=1\nFROM alpine:3.19\nRUN echo one > /one\nARG VERSION\nRUN echo two > /two\n",
    },
    change: { buildArgs: { VERSION: "2" } },
  },
  {
    name: "a build-arg given a value for the first time",
    files: {
      Dockerfile: "FROM alpine:3.19\nARG TOKEN\nRUN echo one > /one\n",
    },
    change: { buildArgs: { TOKEN: "x" } },
  },
  {
    name: "a build-arg that only a COPY after it uses",
    files: {
      Dockerfile: "FROM alpine:3.19\nARG SRC=a.txt\nCOPY $SRC /data.txt\nCOPY b.txt /b.txt\n",
      "a.txt": "a\n",
      "b.txt": "b\n",
    },
    change: { buildArgs: { SRC: "b.txt" } },
  },
  {
    name: "a build-arg declared before a COPY that does not use it",
    files: {
      Dockerfile: "FROM alpine:3.19\nARG LEVEL=1\nCOPY a.txt /a.txt\nWORKDIR /w\n",
      "a.txt": "a\n",
    },
    change: { buildArgs: { LEVEL: "2" } },
  },
  {
    name: "an ENV that takes a build-arg",
    files: {
      Dockerfile: "FROM alpine:3.19 AS base\nARG MODE=dev\nENV APP_MODE=$MODE\nRUN echo one > /one\n\nFROM base AS final\nRUN echo two > /two\n",
    },
    change: { buildArgs: { MODE: "prod" } },
  },
  {
    name: "a mode change of a copied file",
    files: {
      Dockerfile: "FROM alpine:3.19\nCOPY run.sh /run.sh\nRUN sh /run.sh > /out\n",
      "run.sh": { content: "echo hi\n", mode: 0o644 },
    },
    change: { chmod: { "run.sh": 0o755 } },
  },
  {
    name: "a touch of a copied file",
    files: NODE_FILES,
    change: { touch: ["src/app.js", "package.json"] },
  },
  {
    name: "a file read through a bind mount",
    measured: "a single-stage file with a RUN --mount prints its steps as [stage-0 i/n], not [i/n]",
    files: {
      Dockerfile: "FROM alpine:3.19\nRUN echo setup > /setup\nRUN --mount=type=bind,source=data.txt,target=/d.txt cat /d.txt > /out\nRUN echo after > /after\n",
      "data.txt": "1\n",
      "other.txt": "1\n",
    },
    change: { write: { "data.txt": "2\n" } },
  },
  {
    name: "a context file a bind mount does not read",
    files: {
      Dockerfile: "FROM alpine:3.19\nRUN --mount=type=bind,source=data.txt,target=/d.txt cat /d.txt > /out\n",
      "data.txt": "1\n",
      "other.txt": "1\n",
    },
    change: { write: { "other.txt": "2\n" } },
  },
  {
    name: "a bind mount of the whole context",
    files: {
      Dockerfile: "FROM alpine:3.19\nRUN --mount=type=bind,target=/ctx ls /ctx > /listing\n",
      ".dockerignore": "notes.txt\n",
      "a.txt": "1\n",
      "notes.txt": "1\n",
    },
    change: { write: { "a.txt": "2\n" } },
  },
  {
    name: "a file behind a cache mount (seeded from a stage)",
    measured: "a cache mount's from= stage is in the RUN's key: the RUN re-ran when the stage did",
    files: {
      Dockerfile:
        "FROM alpine:3.19 AS seed\nCOPY seed.txt /seed/seed.txt\n\nFROM alpine:3.19\nRUN --mount=type=cache,target=/c,from=seed,source=/seed cat /c/seed.txt > /dev/null\nRUN echo done > /done\n",
      "seed.txt": "1\n",
    },
    change: { write: { "seed.txt": "2\n" } },
  },
  {
    name: "a file a cache-mounted RUN writes, then a context change elsewhere",
    files: {
      Dockerfile: "FROM alpine:3.19\nRUN --mount=type=cache,target=/cache echo x >> /cache/log\nRUN --mount=type=tmpfs,target=/scratch echo y > /scratch/y\nCOPY a.txt /a.txt\n",
      "a.txt": "1\n",
    },
    change: { write: { "a.txt": "2\n" } },
  },
  {
    name: "COPY --from a stage that re-ran with identical output",
    files: {
      Dockerfile:
        "FROM alpine:3.19 AS build\nCOPY . /src\nRUN mkdir /out && cp /src/a.txt /out/a.txt\n\nFROM alpine:3.19\nCOPY --from=build /out /out\nRUN cat /out/a.txt > /final\n",
      "a.txt": "a\n",
      "b.txt": "b1\n",
    },
    change: { write: { "b.txt": "b2\n" } },
  },
  {
    name: "COPY --from a stage that re-ran with different output",
    files: {
      Dockerfile:
        "FROM alpine:3.19 AS build\nCOPY . /src\nRUN mkdir /out && cp /src/a.txt /out/a.txt\n\nFROM alpine:3.19\nCOPY --from=build /out /out\nRUN cat /out/a.txt > /final\n",
      "a.txt": "a\n",
      "b.txt": "b1\n",
    },
    change: { write: { "a.txt": "a2\n" } },
  },
  {
    name: "COPY --from a stage that copied the changed file straight to the copied path",
    files: {
      Dockerfile: "FROM alpine:3.19 AS build\nCOPY a.txt /out/a.txt\n\nFROM alpine:3.19\nCOPY --from=build /out/a.txt /a.txt\nRUN cat /a.txt > /final\n",
      "a.txt": "a\n",
    },
    change: { write: { "a.txt": "a2\n" } },
  },
  {
    name: "a bind mount from a stage that re-ran with identical output",
    files: {
      Dockerfile:
        "FROM alpine:3.19 AS build\nCOPY . /src\nRUN mkdir /out && cp /src/a.txt /out/a.txt\n\nFROM alpine:3.19\nRUN --mount=type=bind,from=build,source=/out,target=/o cat /o/a.txt > /final\n",
      "a.txt": "a\n",
      "b.txt": "b1\n",
    },
    change: { write: { "b.txt": "b2\n" } },
  },
  {
    name: "a heredoc body edit",
    files: {
      Dockerfile: "FROM alpine:3.19\nRUN echo before > /before\nRUN <<EOF\necho one > /one\nEOF\nRUN echo after > /after\n",
    },
    change: { write: { Dockerfile: "FROM alpine:3.19\nRUN echo before > /before\nRUN <<EOF\necho two > /one\nEOF\nRUN echo after > /after\n" } },
  },
  {
    name: "a COPY heredoc edit",
    files: {
      Dockerfile: "FROM alpine:3.19\nCOPY <<EOF /conf.txt\nmode=a\nEOF\nRUN cat /conf.txt > /seen\n",
    },
    change: { write: { Dockerfile: "FROM alpine:3.19\nCOPY <<EOF /conf.txt\nmode=b\nEOF\nRUN cat /conf.txt > /seen\n" } },
  },
  {
    name: "a WORKDIR edit",
    files: {
      Dockerfile: "FROM alpine:3.19\nRUN echo one > /one\nWORKDIR /app\nCOPY a.txt ./\nRUN pwd > /where\n",
      ".dockerignore": "Dockerfile\n",
      "a.txt": "a\n",
    },
    change: { write: { Dockerfile: "FROM alpine:3.19\nRUN echo one > /one\nWORKDIR /srv\nCOPY a.txt ./\nRUN pwd > /where\n" } },
  },
  {
    name: "a USER edit before a COPY, a WORKDIR and a RUN",
    measured: "WORKDIR re-runs when USER changes (it creates the directory as that user); COPY does not",
    files: {
      Dockerfile: "FROM alpine:3.19\nRUN echo one > /one\nUSER 1000\nCOPY a.txt /a.txt\nWORKDIR /w\nRUN id -u > /tmp/uid\n",
      ".dockerignore": "Dockerfile\n",
      "a.txt": "a\n",
    },
    change: { write: { Dockerfile: "FROM alpine:3.19\nRUN echo one > /one\nUSER 1001\nCOPY a.txt /a.txt\nWORKDIR /w\nRUN id -u > /tmp/uid\n" } },
  },
  {
    name: "an ENV edit before a COPY, a WORKDIR and a RUN",
    files: {
      Dockerfile: "FROM alpine:3.19\nRUN echo one > /one\nENV LEVEL=1\nCOPY a.txt /a.txt\nWORKDIR /w\nRUN echo two > /two\n",
      ".dockerignore": "Dockerfile\n",
      "a.txt": "a\n",
    },
    change: { write: { Dockerfile: "FROM alpine:3.19\nRUN echo one > /one\nENV LEVEL=2\nCOPY a.txt /a.txt\nWORKDIR /w\nRUN echo two > /two\n" } },
  },
  {
    name: "a SHELL edit",
    files: {
      Dockerfile: 'FROM alpine:3.19\nRUN echo one > /one\nSHELL ["/bin/sh", "-c"]\nRUN echo two > /two\n',
    },
    change: { write: { Dockerfile: 'FROM alpine:3.19\nRUN echo one > /one\nSHELL ["/bin/sh", "-ec"]\nRUN echo two > /two\n' } },
  },
  {
    name: "a LABEL edit with the Dockerfile excluded from the context",
    files: {
      Dockerfile: 'FROM alpine:3.19\nLABEL version="1"\nCOPY . /app\nRUN echo built > /built\nCMD ["sh"]\n',
      ".dockerignore": "Dockerfile\n",
      "a.txt": "a\n",
    },
    change: { write: { Dockerfile: 'FROM alpine:3.19\nLABEL version="2"\nCOPY . /app\nRUN echo built > /built\nCMD ["sh", "-c", "true"]\n' } },
  },
  {
    name: "a LABEL edit when COPY . . also copies the Dockerfile",
    files: {
      Dockerfile: 'FROM alpine:3.19\nLABEL version="1"\nRUN echo deps > /deps\nCOPY . /app\nRUN echo built > /built\n',
      "a.txt": "a\n",
    },
    change: { write: { Dockerfile: 'FROM alpine:3.19\nLABEL version="2"\nRUN echo deps > /deps\nCOPY . /app\nRUN echo built > /built\n' } },
  },
  {
    name: "a step inserted in the middle of a stage",
    files: {
      Dockerfile: "FROM alpine:3.19\nRUN echo one > /one\nRUN echo two > /two\n",
      ".dockerignore": "Dockerfile\n",
    },
    change: { write: { Dockerfile: "FROM alpine:3.19\nRUN echo one > /one\nRUN echo new > /new\nRUN echo two > /two\n" } },
  },
  {
    name: "a stage the target does not need",
    files: {
      Dockerfile:
        "FROM alpine:3.19 AS base\nRUN echo base > /base\n\nFROM base AS test\nCOPY tests/ /tests/\nRUN cat /tests/t.txt > /ran\n\nFROM base AS final\nCOPY app.txt /app.txt\n",
      "tests/t.txt": "1\n",
      "app.txt": "1\n",
    },
    change: { write: { "tests/t.txt": "2\n" } },
  },
  {
    name: "--target builds a middle stage",
    target: "build",
    files: {
      Dockerfile: "FROM alpine:3.19 AS build\nCOPY src.txt /src.txt\nRUN cat /src.txt > /out\n\nFROM alpine:3.19 AS release\nCOPY notes.txt /notes.txt\n",
      "src.txt": "1\n",
      "notes.txt": "1\n",
    },
    change: { write: { "src.txt": "2\n", "notes.txt": "2\n" } },
  },
  {
    name: "an ONBUILD COPY trigger run by the child stage",
    measured: "the child runs the trigger as [app 1/1] and its own RUN as [app 2/1]: triggers are numbered but not counted",
    files: {
      Dockerfile: "FROM alpine:3.19 AS template\nRUN echo t > /t\nONBUILD COPY trig.txt /trig.txt\n\nFROM template AS app\nRUN cat /trig.txt > /seen\n",
      "trig.txt": "1\n",
    },
    change: { write: { "trig.txt": "2\n" } },
  },
  {
    name: "an ONBUILD RUN trigger and a change to the stage it comes from",
    files: {
      Dockerfile: "FROM alpine:3.19 AS template\nCOPY base.txt /base.txt\nONBUILD RUN echo trig > /trig\n\nFROM template AS app\nRUN echo app > /app\n",
      "base.txt": "1\n",
    },
    change: { write: { "base.txt": "2\n" } },
  },
  {
    name: "identical first steps in two stages",
    files: {
      Dockerfile:
        "FROM alpine:3.19 AS one\nRUN echo shared > /shared\nCOPY one.txt /x\n\nFROM alpine:3.19 AS two\nRUN echo shared > /shared\nCOPY two.txt /x\n\nFROM alpine:3.19\nCOPY --from=one /x /one\nCOPY --from=two /x /two\n",
      "one.txt": "1\n",
      "two.txt": "1\n",
    },
    change: { write: { "two.txt": "2\n" } },
  },
  {
    name: "a file matched by a COPY glob, and one it does not match",
    files: {
      Dockerfile: "FROM alpine:3.19\nCOPY *.txt /data/\nRUN ls /data > /list\nCOPY *.md /docs/\n",
      "a.txt": "1\n",
      "b.md": "1\n",
    },
    change: { write: { "b.md": "2\n" } },
  },
  {
    name: "a file outside the directory a COPY brings in",
    files: {
      Dockerfile: "FROM alpine:3.19\nCOPY src/ /app/src/\nRUN ls /app/src > /list\n",
      "src/a.txt": "1\n",
      "tools/b.txt": "1\n",
    },
    change: { write: { "tools/b.txt": "2\n" } },
  },
  {
    name: "a local file brought in by ADD",
    files: {
      Dockerfile: "FROM alpine:3.19\nADD conf.txt /etc/conf.txt\nRUN cat /etc/conf.txt > /seen\n",
      "conf.txt": "1\n",
    },
    change: { write: { "conf.txt": "2\n" } },
  },
  {
    name: "a file deleted and another added under COPY . .",
    files: NODE_FILES,
    change: { remove: ["README.md"], write: { "CHANGELOG.md": "new\n" } },
  },
  {
    name: "a default value edited in the Dockerfile",
    files: {
      Dockerfile: "FROM alpine:3.19\nCOPY a.txt /a.txt\nARG LEVEL=1\nRUN echo one > /one\n",
      ".dockerignore": "Dockerfile\n",
      "a.txt": "a\n",
    },
    change: { write: { Dockerfile: "FROM alpine:3.19\nCOPY a.txt /a.txt\nARG LEVEL=2\nRUN echo one > /one\n" } },
  },
  {
    name: "a FROM <stage> child after its base stage re-ran",
    files: {
      Dockerfile: "FROM alpine:3.19 AS base\nCOPY a.txt /a.txt\n\nFROM base AS child\nRUN echo child > /child\nWORKDIR /w\n",
      "a.txt": "a\n",
    },
    change: { write: { "a.txt": "b\n" } },
  },
  {
    name: "a build-arg declared in the base stage, seen from a FROM <stage> child",
    measured: "a stage built FROM another keeps that stage's ARGs in its RUN keys",
    files: {
      Dockerfile: "FROM alpine:3.19 AS base\nARG LEVEL=1\n\nFROM base AS child\nRUN echo child > /child\n",
    },
    change: { buildArgs: { LEVEL: "2" } },
  },
  {
    name: "an ENV edit in the base stage, inherited by a FROM <stage> child",
    files: {
      Dockerfile: "FROM alpine:3.19 AS base\nRUN echo base > /base\nENV LEVEL=1\n\nFROM base AS child\nRUN echo child > /child\n",
      ".dockerignore": "Dockerfile\n",
    },
    change: { write: { Dockerfile: "FROM alpine:3.19 AS base\nRUN echo base > /base\nENV LEVEL=2\n\nFROM base AS child\nRUN echo child > /child\n" } },
  },
  {
    name: "COPY --link after a step that re-ran",
    files: {
      Dockerfile: "FROM alpine:3.19\nCOPY a.txt /a.txt\nCOPY --link b.txt /b.txt\nRUN cat /b.txt > /seen\n",
      "a.txt": "1\n",
      "b.txt": "1\n",
    },
    change: { write: { "a.txt": "2\n" } },
  },
  {
    name: "COPY --chown after a USER edit",
    files: {
      Dockerfile: "FROM alpine:3.19\nUSER 1000\nCOPY --chown=1000:1000 a.txt /a.txt\nRUN echo run > /tmp/run\n",
      ".dockerignore": "Dockerfile\n",
      "a.txt": "1\n",
    },
    change: { write: { Dockerfile: "FROM alpine:3.19\nUSER 1001\nCOPY --chown=1000:1000 a.txt /a.txt\nRUN echo run > /tmp/run\n" } },
  },
  {
    name: "a .dockerignore that ignores itself gains a pattern (COPY . .)",
    measured: "the files sent change with the ignore file even when it ignores itself: the model says uncertain",
    files: {
      Dockerfile: "FROM alpine:3.19\nCOPY . /app\nRUN ls /app > /list\n",
      ".dockerignore": ".dockerignore\nDockerfile\n",
      "notes.txt": "1\n",
      "a.txt": "1\n",
    },
    change: { write: { ".dockerignore": ".dockerignore\nDockerfile\nnotes.txt\n" } },
  },
  {
    name: "a .dockerignore that ignores itself gains a pattern another COPY does not see",
    files: {
      Dockerfile: "FROM alpine:3.19\nCOPY src/ /app/src/\nRUN ls /app > /list\n",
      ".dockerignore": ".dockerignore\nDockerfile\n",
      "notes.txt": "1\n",
      "src/a.txt": "1\n",
    },
    change: { write: { ".dockerignore": ".dockerignore\nDockerfile\nnotes.txt\n" } },
  },
  {
    name: "a build-arg passed with the value it already had",
    measured: "BuildKit keys on the value: passing the default changes nothing (the test compares values, not names)",
    files: {
      Dockerfile: "FROM alpine:3.19\nARG LEVEL=1\nRUN echo one > /one\n",
    },
    change: { buildArgs: { LEVEL: "1" } },
  },
  {
    name: "a build-arg read in a heredoc body",
    files: {
      Dockerfile: "FROM alpine:3.19\nRUN echo first > /first\nARG NAME=a\nRUN <<EOF\necho $NAME > /name\nEOF\n",
    },
    change: { buildArgs: { NAME: "b" } },
  },
  {
    name: "an ENV after an ARG of the same name shadows it",
    measured: "later RUNs see the ENV value: a new --build-arg re-runs nothing",
    files: {
      Dockerfile: "FROM alpine:3.19\nARG MODE=dev\nENV MODE=prod\nRUN echo $MODE > /mode\nCOPY a.txt /a.txt\n",
      "a.txt": "a\n",
    },
    change: { buildArgs: { MODE: "staging" } },
  },
  {
    name: "an ENV before an ARG of the same name: the ARG wins",
    files: {
      Dockerfile: "FROM alpine:3.19\nENV MODE=prod\nRUN echo first > /first\nARG MODE=dev\nRUN echo $MODE > /mode\n",
    },
    change: { buildArgs: { MODE: "staging" } },
  },
  {
    name: "an ENV edit before an ARG of the same name that has a value",
    measured: "the ARG's value replaces the variable: the RUN after it keeps its key",
    files: {
      Dockerfile: "FROM alpine:3.19\nENV MODE=prod\nARG MODE=dev\nRUN echo $MODE > /mode\n",
      ".dockerignore": "Dockerfile\n",
    },
    change: { write: { Dockerfile: "FROM alpine:3.19\nENV MODE=test\nARG MODE=dev\nRUN echo $MODE > /mode\n" } },
  },
  {
    name: "a COPY source that is a symlink to a file",
    measured: "the link is followed: editing its target re-runs the COPY",
    files: {
      Dockerfile: "FROM alpine:3.19\nCOPY current.conf /etc/app.conf\nRUN cat /etc/app.conf > /seen\n",
      "configs/prod.conf": "a=1\n",
      "current.conf": { link: "configs/prod.conf" },
    },
    change: { write: { "configs/prod.conf": "a=2\n" } },
  },
  {
    name: "a COPY source that is a symlink to a folder",
    measured: "the link is followed: editing a file of the folder it points to re-runs the COPY",
    files: {
      Dockerfile: "FROM alpine:3.19\nCOPY current/ /x/\nRUN ls /x > /seen\n",
      "v2/a.txt": "1\n",
      current: { link: "v2" },
    },
    change: { write: { "v2/a.txt": "2\n" } },
  },
  {
    name: "a symlink inside a copied folder is copied as a link",
    files: {
      Dockerfile: "FROM alpine:3.19\nCOPY app/ /app/\nRUN ls -l /app > /seen\n",
      "app/main.txt": "1\n",
      "app/conf": { link: "../shared/conf.txt" },
      "shared/conf.txt": "1\n",
    },
    change: { write: { "shared/conf.txt": "2\n" } },
  },
  {
    name: "a COPY heredoc with an unquoted delimiter expands a build-arg",
    measured: "the body is expanded before it is copied: a new value re-runs the COPY",
    files: {
      Dockerfile: "FROM alpine:3.19\nARG VERSION=1\nCOPY <<EOF /etc/app.conf\nversion=${VERSION}\nEOF\nCOPY a.txt /a.txt\n",
      "a.txt": "a\n",
    },
    change: { buildArgs: { VERSION: "2" } },
  },
  {
    name: "a COPY heredoc with a quoted delimiter does not expand",
    files: {
      Dockerfile: 'FROM alpine:3.19\nARG VERSION=1\nCOPY <<"EOF" /etc/app.conf\nversion=${VERSION}\nEOF\nCOPY a.txt /a.txt\n',
      "a.txt": "a\n",
    },
    change: { buildArgs: { VERSION: "2" } },
  },
  {
    name: "a COPY heredoc that expands an ENV",
    files: {
      Dockerfile: "FROM alpine:3.19\nENV LEVEL=1\nCOPY <<EOF /etc/app.conf\nlevel=$LEVEL\nEOF\n",
      ".dockerignore": "Dockerfile\n",
    },
    change: { write: { Dockerfile: "FROM alpine:3.19\nENV LEVEL=2\nCOPY <<EOF /etc/app.conf\nlevel=$LEVEL\nEOF\n" } },
  },
  {
    name: "a FROM chosen by a build-arg follows the given value",
    measured: "with --build-arg FLAVOR=b the engine builds stage build-b, and a COPY --from of the chosen stage follows it",
    files: {
      Dockerfile:
        "ARG FLAVOR=a\nFROM alpine:3.19 AS build-a\nRUN echo a > /flavor\n\nFROM alpine:3.19 AS build-b\nRUN echo b > /flavor\n\nFROM build-${FLAVOR} AS chosen\nRUN cat /flavor > /seen\n\nFROM alpine:3.19\nCOPY --from=chosen /seen /seen\nCOPY a.txt /a.txt\n",
      "a.txt": "a\n",
    },
    change: { buildArgs: { FLAVOR: "b" } },
  },
  {
    name: "a FROM chosen by a build-arg left at its default",
    files: {
      Dockerfile:
        "ARG FLAVOR=a\nFROM alpine:3.19 AS build-a\nCOPY a.txt /flavor\n\nFROM alpine:3.19 AS build-b\nCOPY b.txt /flavor\n\nFROM build-${FLAVOR} AS chosen\nRUN cat /flavor > /seen\n",
      "a.txt": "a\n",
      "b.txt": "b\n",
    },
    change: { write: { "b.txt": "b2\n" } },
  },
  {
    name: "a build-arg given its empty default",
    measured: "passing the default value changes no key",
    files: {
      Dockerfile: "FROM alpine:3.19\nARG EXTRA=\nRUN echo one $EXTRA > /one\nARG UID=1000\nRUN echo $UID > /uid\n",
    },
    change: { buildArgs: { EXTRA: "", UID: "1000" } },
  },
  {
    name: "a USER taken from a build-arg",
    measured: "the reason names the build-arg in words",
    files: {
      Dockerfile: "FROM alpine:3.19\nRUN echo one > /one\nARG UID=1000\nUSER $UID\nWORKDIR /w\nRUN echo two > /tmp/two\n",
    },
    change: { buildArgs: { UID: "1001" } },
  },
  {
    name: "a symlink matched by a COPY wildcard is followed",
    measured: "found by the generated cases: each path a wildcard matches is followed, so re-moding the file a matched link points to re-runs the COPY",
    files: {
      Dockerfile: "FROM alpine:3.19 AS s0\nLABEL l=1\n\nFROM s0 AS s1\nCOPY --link src/*.txt /app/\n",
      "src/app.txt": "app\n",
      "src/shared.txt": { link: "../b.txt" },
      "b.txt": "b\n",
    },
    change: { chmod: { "b.txt": 0o755 } },
  },
  {
    name: "a stage read through a mount now ends at an earlier step",
    measured: "found by the generated cases: the bytes at the mounted path did not change, so BuildKit kept the RUN; the model says uncertain",
    files: {
      Dockerfile: "FROM alpine:3.19 AS s0\nRUN echo x > /dev/null\nWORKDIR /app\n\nFROM alpine:3.19 AS s1\nRUN echo y > /dev/null\nRUN --mount=type=bind,from=s0,source=/etc,target=/m ls /m > /dev/null\nRUN echo after > /dev/null\n",
    },
    change: {
      write: {
        Dockerfile: "FROM alpine:3.19 AS s0\nRUN echo x > /dev/null\n\nFROM alpine:3.19 AS s1\nRUN echo y > /dev/null\nRUN --mount=type=bind,from=s0,source=/etc,target=/m ls /m > /dev/null\nRUN echo after > /dev/null\n",
      },
    },
  },
  {
    name: "a stage copied from now ends at an earlier step",
    files: {
      Dockerfile: "FROM alpine:3.19 AS s0\nRUN echo x > /dev/null\nWORKDIR /app\n\nFROM alpine:3.19 AS s1\nCOPY --from=s0 /etc /e/\nRUN echo after > /dev/null\n",
    },
    change: {
      write: { Dockerfile: "FROM alpine:3.19 AS s0\nRUN echo x > /dev/null\n\nFROM alpine:3.19 AS s1\nCOPY --from=s0 /etc /e/\nRUN echo after > /dev/null\n" },
    },
  },
  {
    name: "an ARG without a value deleted from the Dockerfile",
    measured: "found by the generated cases: an ARG with no default and no --build-arg sets nothing, so the RUNs after it stay cached when it goes",
    files: {
      Dockerfile: "FROM alpine:3.19\nRUN echo one > /dev/null\nARG A\nRUN echo two > /dev/null\n",
      ".dockerignore": "Dockerfile\n",
    },
    change: { write: { Dockerfile: "FROM alpine:3.19\nRUN echo one > /dev/null\nRUN echo two > /dev/null\n" } },
  },
  {
    name: "ONBUILD triggers of a base stage and a child stage with no step of its own",
    measured: "found by the generated cases: a stage FROM <stage> with no RUN, COPY, ADD or WORKDIR of its own does not run the base stage's triggers",
    files: {
      Dockerfile: "FROM alpine:3.19 AS s0\nCOPY a.txt /a.txt\nONBUILD RUN echo trig > /dev/null\n\nFROM s0 AS s1\nENV A=1\n",
      "a.txt": "1\n",
    },
    change: { write: { "a.txt": "2\n" } },
  },
];
