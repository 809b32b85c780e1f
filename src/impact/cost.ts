import { findInstalls } from "../ecosystems/index.js";
import { findSystemCommands } from "../ecosystems/system.js";
import type { CacheModel, StepInfo } from "../model/index.js";
import { commandWords, splitCommands } from "../model/shell.js";

/**
 * How expensive a step is when it re-runs, in classes a reader can weigh:
 * a dependency install or a compile costs minutes, a COPY seconds.
 */
export type CostClass = "dependency install" | "compile" | "download" | "package manager" | "cheap";

const COMPILE = [
  /^go (build|install|test|generate)\b/,
  /^cargo (build|install|test)\b/,
  /^(mvn|mvnw|\.\/mvnw)\b.*\b(package|install|verify|compile)\b/,
  /^(gradle|gradlew|\.\/gradlew)\b.*\b(build|assemble|jar|bootJar|installDist|compile\w*)\b/,
  /^(npm|pnpm|yarn|bun) (run )?(build|compile|dist)\b/,
  /^(npx )?(tsc|webpack|vite build|next build|esbuild|rollup|ng build)\b/,
  /^(make|cmake|ninja|meson|gcc|g\+\+|cc|clang|javac|rustc)\b/,
  /^dotnet (build|publish|pack)\b/,
  /^mix (compile|release)\b/,
  /^python[0-9.]* (setup\.py|-m build|-m compileall)\b/,
];

const DOWNLOAD = /^(curl|wget|git clone|git fetch|aria2c)\b/;

export function costClass(model: CacheModel, info: StepInfo): CostClass {
  const ins = info.instruction;
  if (ins.keyword === "ADD" && (info.inputs.sources ?? []).some((s) => s.kind === "url" || s.kind === "git")) return "download";
  if (ins.keyword !== "RUN") return "cheap";
  const script = model.script(ins);
  // The table marks the commands that compile the project (`go build`, `cargo build`, `mvn package`): those are compiles.
  const installs = findInstalls(script);
  if (installs.some((i) => i.builds !== true)) return "dependency install";
  if (installs.length > 0) return "compile";
  const commands = splitCommands(script).map((c) => commandWords(c).join(" "));
  if (commands.some((c) => COMPILE.some((re) => re.test(c)))) return "compile";
  if (commands.some((c) => DOWNLOAD.test(c))) return "download";
  if (findSystemCommands(script).some((c) => c.action === "install" || c.action === "update")) return "package manager";
  return "cheap";
}
