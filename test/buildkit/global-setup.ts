/**
 * vitest globalSetup for the real-BuildKit suite: installs (first run only) and starts the
 * private Docker engine of test/buildkit/engine.sh, exports DOCKER_HOST, DOCKER_CONFIG and
 * LAYERLINT_DOCKER_CLI to the test workers (through process.env, which they inherit), and
 * stops the engine at teardown. Any failure throws: the suite fails, it never skips.
 *
 * LAYERLINT_BUILDKIT_KEEP=1 leaves the daemon running after the run (stop it with
 * `test/buildkit/engine.sh stop`).
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ENGINE_SH = join(dirname(fileURLToPath(import.meta.url)), "engine.sh");

function engine(mode: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // stderr (progress and errors) goes to the terminal; stdout carries the export lines
    const child = spawn("bash", [ENGINE_SH, mode], { stdio: ["ignore", "pipe", "inherit"] });
    const out: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${ENGINE_SH} ${mode}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString("utf8");
      if (code === 0) resolve(stdout);
      else
        reject(
          new Error(
            `test/buildkit/engine.sh ${mode} failed (${signal ? `killed by ${signal}` : `exit ${code}`}); ` +
              "the real-BuildKit tests cannot run without the engine (see its messages above)",
          ),
        );
    });
  });
}

/** Parses `export NAME='value'` lines (single-quoted as engine.sh writes them). */
function parseExports(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^export ([A-Z_][A-Z0-9_]*)='(.*)'$/.exec(line.trim());
    if (m) env[m[1]] = m[2].replace(/'\\''/g, "'");
  }
  return env;
}

export default async function setup(): Promise<() => Promise<void>> {
  await engine("install", 600_000);
  const env = parseExports(await engine("start", 120_000));
  for (const name of ["DOCKER_HOST", "DOCKER_CONFIG", "LAYERLINT_DOCKER_CLI"]) {
    if (!env[name]) throw new Error(`test/buildkit/engine.sh start did not print ${name}`);
  }
  Object.assign(process.env, env, { DOCKER_BUILDKIT: "1" });
  return async () => {
    if (process.env.LAYERLINT_BUILDKIT_KEEP === "1") return;
    await engine("stop", 120_000);
  };
}
