import type { Formatter } from "./types.js";

export type { FileReport, Formatter, FormatterContext } from "./types.js";

/**
 * Each format is its own module, loaded only when asked for, so a
 * pre-commit run that prints stylish output never loads the SARIF code.
 */
const FORMATTERS: Readonly<Record<string, () => Promise<{ default: Formatter }>>> = {
  stylish: () => import("./stylish.js"),
  json: () => import("./json.js"),
  sarif: () => import("./sarif.js"),
  github: () => import("./github.js"),
  gnu: () => import("./gnu.js"),
  checkstyle: () => import("./checkstyle.js"),
  junit: () => import("./junit.js"),
};

export const FORMAT_NAMES: readonly string[] = Object.keys(FORMATTERS);

export async function loadFormatter(name: string): Promise<Formatter> {
  const load = FORMATTERS[name];
  if (!load) throw new Error(`unknown format "${name}"`);
  return (await load()).default;
}
