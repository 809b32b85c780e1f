/**
 * What an instruction is to BuildKit. Only FROM, RUN, COPY, ADD and WORKDIR
 * are build steps (they get a `[stage i/n]` label); RUN, COPY and ADD make
 * filesystem layers; the rest only edit the image configuration.
 */
export type StepKind = "base" | "layer" | "file-op" | "metadata";

const KINDS: Readonly<Record<string, StepKind>> = {
  FROM: "base",
  RUN: "layer",
  COPY: "layer",
  ADD: "layer",
  WORKDIR: "file-op",
  ARG: "metadata",
  ENV: "metadata",
  LABEL: "metadata",
  USER: "metadata",
  EXPOSE: "metadata",
  CMD: "metadata",
  ENTRYPOINT: "metadata",
  VOLUME: "metadata",
  STOPSIGNAL: "metadata",
  HEALTHCHECK: "metadata",
  SHELL: "metadata",
  ONBUILD: "metadata",
  MAINTAINER: "metadata",
};

/** The kind of a keyword, or null for a keyword BuildKit does not know. */
export function kindOf(keyword: string): StepKind | null {
  return KINDS[keyword.toUpperCase()] ?? null;
}

export const KNOWN_KEYWORDS: readonly string[] = Object.keys(KINDS);

export function describeKind(kind: StepKind): string {
  switch (kind) {
    case "base":
      return "base image";
    case "layer":
      return "creates a layer";
    case "file-op":
      return "file operation";
    case "metadata":
      return "metadata only, no layer";
  }
}
