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

// A Map, so that the usual upper-case keyword is found without upper-casing it
// (and no name of Object.prototype can be mistaken for a keyword).
const KIND_OF = new Map<string, StepKind>(Object.entries(KINDS));

/** The kind of a keyword, or null for a keyword BuildKit does not know. */
export function kindOf(keyword: string): StepKind | null {
  return KIND_OF.get(keyword) ?? KIND_OF.get(keyword.toUpperCase()) ?? null;
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
