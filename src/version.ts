import { readFileSync } from "node:fs";

// Replaced with the package version when scripts/build.mjs bundles the code.
declare const __LAYERLINT_VERSION__: string | undefined;

/** The package version: fixed at build time, read from package.json when running from source. */
export function version(): string {
  if (typeof __LAYERLINT_VERSION__ === "string") return __LAYERLINT_VERSION__;
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}
