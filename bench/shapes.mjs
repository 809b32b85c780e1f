// Dockerfiles that stress one piece of per-step state each, at any size:
// the inputs of the scaling curve (bench/scaling.mjs) and of the growth
// tests that count work (test/linear-work.test.ts). Each shape's size is in
// instructions, about; `context` is a build context to write beside it.

/** ENV lines each using the previous one, interleaved with RUNs: every RUN keys on the whole environment. */
export function envChain(n) {
  const lines = ["FROM debian:12", "ENV V0=/opt"];
  for (let i = 1; i < n / 2; i++) lines.push(`ENV V${i}=$V${i - 1}/x${i}`, `RUN echo "$V${i}" > /tmp/f${i}`);
  return { text: lines.join("\n") + "\n" };
}

/** ARG declarations (some re-declared) interleaved with RUNs: every RUN keys on every ARG before it. */
export function argScopes(n) {
  const lines = ["ARG BASE=debian:12", "FROM $BASE", "ARG A0=0"];
  for (let i = 1; i < n / 2; i++) lines.push(i % 5 === 0 ? `ARG A${i - 3}=${i}` : `ARG A${i}=$A${i - 1}`, `RUN echo $A${i - 1}`);
  return { text: lines.join("\n") + "\n" };
}

/** RUNs with cache and bind mounts, from earlier stages and the context. */
export function mounts(n) {
  const lines = ["FROM golang:1.22 AS tools", "RUN go install example.com/tool@v1", "FROM golang:1.22"];
  for (let i = 0; i < n; i++) {
    lines.push(`RUN --mount=type=cache,target=/root/.cache/c${i} --mount=type=bind,source=src/p${i % 50},target=/src/p${i} --mount=type=bind,from=tools,source=/go/bin,target=/t${i} go build ./p${i}`);
  }
  return { text: lines.join("\n") + "\n" };
}

/** Relative WORKDIRs, each below the previous one, with a COPY and a RUN in each. */
export function workdirChain(n) {
  const lines = ["FROM node:20"];
  for (let i = 0; i < n / 3; i++) lines.push(`WORKDIR d${i % 10}`, `COPY f${i % 7}.txt ./`, `RUN cat f${i % 7}.txt`);
  return { text: lines.join("\n") + "\n" };
}

/** Thousands of stages, each built on the previous one and copying from the one before that. */
export function stages(n) {
  const lines = ["FROM alpine:3.20 AS s0", "ENV S0=0"];
  for (let i = 1; i < n / 4; i++) {
    lines.push(`FROM s${i - 1} AS s${i}`, `ENV S${i}=$S${i - 1}`, `COPY --from=s${Math.max(0, i - 2)} /etc/hostname /h${i}`, `RUN echo $S${i}`);
  }
  return { text: lines.join("\n") + "\n" };
}

/** A long .dockerignore (n patterns, some exceptions) over a context of a few dozen files. */
export function longDockerignore(n) {
  const patterns = [];
  for (let i = 0; i < n; i++) patterns.push(i % 10 === 0 ? `!keep/k${i}.txt` : i % 3 === 0 ? `**/*.tmp${i}` : `build/out${i}/`);
  const context = { ".dockerignore": patterns.join("\n") + "\n", "package.json": "{}", "package-lock.json": "{}" };
  for (let i = 0; i < 40; i++) context[`src/m${i}.js`] = "";
  for (let i = 0; i < 10; i++) context[`keep/k${i * 10}.txt`] = "";
  const text = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCOPY src/ ./src/\nRUN npm run build\n";
  return { text, context };
}

export const SHAPES = { envChain, argScopes, mounts, workdirChain, stages, longDockerignore };
