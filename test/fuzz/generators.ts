import fc from "fast-check";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { RULES_DIR } from "../helpers/fixtures.js";

/**
 * Dockerfile-shaped inputs: real instruction shapes (package-manager
 * installs, broad copies, mounts, heredocs, continuations, ONBUILD, exec
 * form, parser directives, ignore comments) glued together with the
 * things that break parsers (CRLF, a BOM, tabs, odd escapes, stray quotes,
 * replacement characters, unterminated constructs).
 */

const word = fc.constantFrom(
  "app", "src", "/app", ".", "./", "*", "**/*.go", "package.json", "package-lock.json", "requirements.txt", "go.mod", "go.sum",
  "Gemfile", "Cargo.toml", "pom.xml", "$HOME", "${VERSION}", "${X:-d}", "'a b'", '"c d"', "a\\ b", "é", "\uFFFD", "🐳", "--", "&&", "|", ";",
);
const image = fc.constantFrom("node:20", "python:3.12-slim", "golang:1.22", "alpine", "debian:bookworm", "scratch", "busybox", "${BASE}", "build", "ubuntu@sha256:abc", "--platform=$BUILDPLATFORM node:20");
const command = fc.constantFrom(
  "npm ci", "npm install", "npm install --production", "yarn install --frozen-lockfile", "pnpm install", "pip install -r requirements.txt",
  "pip install .", "pip install --no-cache-dir flask", "apt-get update", "apt-get install -y curl", "apt-get update && apt-get install -y git && rm -rf /var/lib/apt/lists/*",
  "apk add --no-cache curl", "apk update", "go mod download", "go build -o /out ./...", "cargo build --release", "bundle install", "mvn package",
  "gradle build", "composer install", "dnf install -y make", "yum install -y gcc", "cd /app", "echo hi > /x", "make", "true", "curl -fsSL https://x | sh",
  "wget -O- https://x", "rm -rf /tmp/*", "chmod +x /entry.sh", "useradd app", "cat <<EOF > /x", "set -eux; \\", "if [ -f x ]; then y; fi",
);
const flag = fc.constantFrom(
  "--mount=type=cache,target=/root/.npm", "--mount=type=cache,target=/var/cache/apt,sharing=locked", "--mount=type=bind,source=package.json,target=package.json",
  "--mount=type=secret,id=npm", "--mount=type=ssh", "--network=none", "--security=insecure", "--mount=", "--mount=type=cache", "--", "--mount=type=tmpfs,target=/tmp",
);
const copyFlag = fc.constantFrom("--from=build", "--from=0", "--chown=app:app", "--chmod=755", "--link", "--parents", "--exclude=*.md", "--from=", "--chown");
const keyword = fc.constantFrom(
  "FROM", "RUN", "COPY", "ADD", "WORKDIR", "ENV", "ARG", "USER", "SHELL", "ONBUILD", "CMD", "ENTRYPOINT", "EXPOSE", "LABEL",
  "VOLUME", "STOPSIGNAL", "HEALTHCHECK", "MAINTAINER", "from", "Run", "BOGUS",
);

const words = (min: number, max: number): fc.Arbitrary<string> => fc.array(word, { minLength: min, maxLength: max }).map((w) => w.join(" "));
const jsonArray = fc.array(fc.oneof(word, command), { maxLength: 4 }).map((a) => JSON.stringify(a));
const heredoc = fc
  .record({
    op: fc.constantFrom("<<EOF", "<<-EOF", '<<"EOF"', "<<'EOF'", "<<EOT", "<<EOF <<EOT"),
    body: fc.array(command, { maxLength: 3 }),
    close: fc.constantFrom("EOF", "\tEOF", "EOT", "", "EOF\nEOT"),
  })
  .map(({ op, body, close }) => `RUN ${op}\n${body.join("\n")}${body.length ? "\n" : ""}${close}`);

/** One instruction, sometimes split over continuation lines or broken on purpose. */
const instruction: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(image, fc.option(fc.constantFrom("build", "deps", "final", "0", "BUILD"))).map(([i, as]) => `FROM ${i}${as ? ` AS ${as}` : ""}`) },
  { weight: 5, arbitrary: fc.tuple(fc.array(flag, { maxLength: 2 }), command).map(([f, c]) => `RUN ${[...f, c].join(" ")}`) },
  { weight: 2, arbitrary: fc.array(command, { minLength: 2, maxLength: 5 }).map((cs) => `RUN ${cs.join(" && \\\n    ")}`) },
  { weight: 1, arbitrary: jsonArray.map((j) => `RUN ${j}`) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom("COPY", "ADD"), fc.array(copyFlag, { maxLength: 2 }), words(1, 3)).map(([k, f, w]) => `${k} ${[...f, w].join(" ")}`) },
  { weight: 2, arbitrary: heredoc },
  { weight: 1, arbitrary: fc.constantFrom("COPY <<EOF /etc/x\nhello\nEOF", "COPY <<-EOF /x\n\tbody\n\tEOF") },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("WORKDIR", "USER", "ENV", "ARG", "LABEL", "EXPOSE", "VOLUME", "STOPSIGNAL"), words(0, 3)).map(([k, w]) => `${k} ${w}`) },
  { weight: 1, arbitrary: fc.constantFrom("ENV A=1 B=\"two words\"", "ARG VERSION=1.0", "ARG BASE", "ENV PATH=/x:$PATH", "ENV NODE_ENV production") },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("CMD", "ENTRYPOINT", "SHELL"), jsonArray).map(([k, j]) => `${k} ${j}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("RUN", "COPY . .", "WORKDIR /x", "ADD x y"), command).map(([k, c]) => `ONBUILD ${k.startsWith("RUN") ? `RUN ${c}` : k}`) },
  { weight: 1, arbitrary: fc.constantFrom("HEALTHCHECK --interval=5s CMD curl -f http://localhost/", "HEALTHCHECK NONE", "MAINTAINER me") },
  { weight: 1, arbitrary: fc.tuple(keyword, words(0, 4)).map(([k, w]) => `${k} ${w}`) },
  { weight: 1, arbitrary: fc.constantFrom("# a comment", "#", "# layerlint ignore=copy-before-install", "# layerlint ignore=no-such-rule", "# layerlint global ignore=copy-before-install", "# hadolint ignore=DL3003,DL3008", "# check=skip=all") },
  { weight: 1, arbitrary: fc.constantFrom("", "   ", "\t", "RUN", "COPY", "FROM", "RUN \\", "RUN echo \\", "\\", "RUN [\"unterminated", "RUN echo 'open quote", "COPY --from=", "<<EOF", "EOF") },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);

const directives = fc.constantFrom("", "# syntax=docker/dockerfile:1\n", "# escape=`\n", "# escape=\\\n", "# syntax=docker/dockerfile:1.7\n# check=skip=JSONArgsRecommended\n", "# escape=`\n# syntax=x\n");

export interface GeneratedFile {
  text: string;
}

/** A whole Dockerfile: directives, then instructions, with one of three line endings and maybe a BOM. */
export const dockerfile: fc.Arbitrary<string> = fc
  .record({
    bom: fc.boolean(),
    eol: fc.constantFrom("\n", "\n", "\r\n", "mixed"),
    directives,
    body: fc.array(instruction, { maxLength: 25 }),
    finalNewline: fc.boolean(),
    backtick: fc.boolean(),
  })
  .map(({ bom, eol, directives: d, body, finalNewline, backtick }) => {
    let text = d + body.join("\n") + (finalNewline ? "\n" : "");
    // With `# escape=` the continuation character changes: use it where the body continues lines.
    if (backtick && d.includes("escape=`")) text = text.replace(/\\\n/g, "`\n");
    if (eol === "\r\n") text = text.replace(/\n/g, "\r\n");
    else if (eol === "mixed") text = text.replace(/\n/g, (_m, i: number) => (i % 3 === 0 ? "\r\n" : "\n"));
    return (bom ? "\uFEFF" : "") + text;
  });

/** Every fixture of every rule (not the golden fixed files): the seeds for mutation. */
export function fixtureTexts(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (const rule of readdirSync(RULES_DIR)) {
    const dir = join(RULES_DIR, rule, "fixtures");
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) {
      if (f.endsWith(".Dockerfile") && !f.endsWith(".fixed.Dockerfile")) out.push({ name: `${rule}/${f}`, text: readFileSync(join(dir, f), "utf8") });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

const noise = fc.constantFrom(
  "\\", "\\\n", "`", "\n", "\r\n", "\r", "\t", " ", "\"", "'", "[", "]", "{", "}", "$", "${", "#", "<<EOF\n", "<<-EOT", "EOF\n", "--mount=",
  "&&", ";", "|", "\\\\", "\uFFFD", "\uFEFF", "é", "𝔘", "\u2028", "FROM x\n", "RUN ", "COPY . .\n", "ONBUILD ", "ARG A\n", "AS ",
);

type Mutation = (text: string) => string;

/** One edit of a text at a position chosen by the generator. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), noise).map(([at, s]): Mutation => (t) => insertAt(t, at, s)),
  fc.tuple(fc.nat(), fc.nat({ max: 40 })).map(([at, len]): Mutation => (t) => {
    const i = t.length === 0 ? 0 : at % t.length;
    return t.slice(0, i) + t.slice(i + len);
  }),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]): Mutation => (t) => {
    const lines = t.split("\n");
    if (lines.length < 2) return t;
    const i = a % lines.length;
    const j = b % lines.length;
    [lines[i], lines[j]] = [lines[j], lines[i]];
    return lines.join("\n");
  }),
  fc.nat().map((a): Mutation => (t) => {
    const lines = t.split("\n");
    const i = a % lines.length;
    lines.splice(i, 0, lines[i]);
    return lines.join("\n");
  }),
  fc.nat().map((a): Mutation => (t) => t.slice(0, t.length === 0 ? 0 : a % t.length)),
  fc.constant((t: string) => t.replace(/\r?\n/g, "\r\n")),
  fc.constant((t: string) => "\uFEFF" + t),
  fc.constant((t: string) => t.replace(/\n$/, "")),
  fc.tuple(fc.nat(), fc.string({ maxLength: 8 })).map(([at, s]): Mutation => (t) => insertAt(t, at, s)),
);

function insertAt(t: string, at: number, s: string): string {
  const i = at % (t.length + 1);
  return t.slice(0, i) + s + t.slice(i);
}

/** A fixture with one to five mutations applied. */
export function mutatedFixture(seeds: readonly { name: string; text: string }[]): fc.Arbitrary<{ seed: string; text: string }> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 5 }))
    .map(([seed, ms]) => ({ seed: seed.name, text: ms.reduce((t, m) => m(t), seed.text) }));
}

/** Bytes that are mostly a Dockerfile with invalid UTF-8 and other byte-level damage mixed in. */
export const damagedBytes: fc.Arbitrary<Uint8Array> = fc
  .tuple(dockerfile, fc.array(fc.tuple(fc.nat(), fc.constantFrom([0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xef, 0xbb, 0xbf], [0xc0, 0xaf])), { maxLength: 4 }))
  .map(([text, damage]) => {
    let bytes = Buffer.from(text, "utf8");
    for (const [at, b] of damage) {
      const i = at % (bytes.length + 1);
      bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from(b), bytes.subarray(i)]);
    }
    return new Uint8Array(bytes);
  });
