// A deterministic generator of realistic Dockerfiles: the benchmarks' fixed
// inputs. The same seed always gives the same files, so figures from
// different runs and machines are comparable; nothing is fetched.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** mulberry32: a small, fast, seedable PRNG (good enough for test data). */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
    some: (list, lo, hi) => {
      const n = r.int(lo, Math.min(hi, list.length));
      const copy = [...list];
      const out = [];
      for (let i = 0; i < n; i++) out.push(copy.splice(Math.floor(next() * copy.length), 1)[0]);
      return out;
    },
  };
  return r;
}

const APT_PACKAGES = ["curl", "ca-certificates", "git", "build-essential", "libpq-dev", "gnupg", "unzip", "openssh-client", "tzdata", "locales", "jq", "wget", "libssl-dev", "pkg-config", "python3-dev", "libffi-dev"];
const APK_PACKAGES = ["curl", "ca-certificates", "git", "bash", "tzdata", "openssl", "build-base", "libc6-compat", "tini", "su-exec"];
const PIP_PACKAGES = ["gunicorn", "uvicorn", "requests", "boto3", "psycopg2-binary", "celery", "redis"];
const NPM_GLOBALS = ["pm2", "typescript", "pnpm", "serve"];

const comment = (r) =>
  r.pick([
    "# install system dependencies",
    "# copy the manifests first so the dependency layer is cached",
    "# build the application",
    "# runtime image",
    "# non-root user for the runtime",
    "# TODO: pin the base image by digest",
    "# keep the image small",
  ]);

/** A RUN that installs OS packages, in one of the common styles (good and bad). */
function osInstall(r, distro) {
  if (distro === "alpine") {
    const pkgs = r.some(APK_PACKAGES, 2, 6).join(" ");
    return r.chance(0.7) ? `RUN apk add --no-cache ${pkgs}` : `RUN apk update && apk add ${pkgs}`;
  }
  const pkgs = r.some(APT_PACKAGES, 2, 7);
  if (r.chance(0.6)) {
    return ["RUN apt-get update \\", "    && apt-get install -y --no-install-recommends \\", ...pkgs.map((p) => `       ${p} \\`), "    && rm -rf /var/lib/apt/lists/*"].join("\n");
  }
  if (r.chance(0.5)) return `RUN --mount=type=cache,target=/var/cache/apt,sharing=locked apt-get update && apt-get install -y ${pkgs.join(" ")}`;
  return `RUN apt-get update\nRUN apt-get install -y ${pkgs.join(" ")}`;
}

const ECOSYSTEMS = {
  node(r, name) {
    const pm = r.pick(["npm", "npm", "yarn", "pnpm"]);
    const image = r.pick(["node:20-alpine", "node:20-bookworm-slim", "node:18", "node:22-alpine"]);
    const manifests = { npm: "package.json package-lock.json", yarn: "package.json yarn.lock", pnpm: "package.json pnpm-lock.yaml" }[pm];
    const install = { npm: "npm ci", yarn: "yarn install --frozen-lockfile", pnpm: "pnpm install --frozen-lockfile" }[pm];
    const build = [`FROM ${image} AS ${name}`, "WORKDIR /app"];
    if (r.chance(0.3)) build.push(`RUN npm install -g ${r.pick(NPM_GLOBALS)}`);
    if (r.chance(0.75)) {
      build.push(`COPY ${manifests} ./`);
      build.push(r.chance(0.4) ? `RUN --mount=type=cache,target=/root/.npm ${install}` : `RUN ${install}`);
      build.push("COPY . .");
    } else {
      build.push("COPY . .", `RUN ${install}`);
    }
    build.push(`RUN ${pm} run build`);
    return { image, build, artifact: "/app/dist", run: ["node", "dist/server.js"], port: 3000, distro: image.includes("alpine") ? "alpine" : "debian" };
  },
  python(r, name) {
    const image = r.pick(["python:3.12-slim", "python:3.11", "python:3.12-alpine"]);
    const build = [`FROM ${image} AS ${name}`, "ENV PYTHONDONTWRITEBYTECODE=1 \\\n    PYTHONUNBUFFERED=1", "WORKDIR /srv"];
    if (r.chance(0.5)) build.push(osInstall(r, image.includes("alpine") ? "alpine" : "debian"));
    if (r.chance(0.3)) {
      build.push("RUN pip install poetry==1.8.3", "COPY pyproject.toml poetry.lock ./", "RUN poetry install --no-root --only main", "COPY . .");
    } else if (r.chance(0.7)) {
      build.push("COPY requirements.txt .", r.chance(0.5) ? "RUN pip install --no-cache-dir -r requirements.txt" : "RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt", "COPY . .");
    } else {
      build.push("COPY . .", `RUN pip install -r requirements.txt ${r.some(PIP_PACKAGES, 1, 3).join(" ")}`);
    }
    return { image, build, artifact: "/srv", run: ["gunicorn", "-b", "0.0.0.0:8000", "app:app"], port: 8000, distro: image.includes("alpine") ? "alpine" : "debian" };
  },
  go(r, name) {
    const image = r.pick(["golang:1.22", "golang:1.23-alpine", "golang:1.21-bookworm"]);
    const build = [`FROM ${image} AS ${name}`, "WORKDIR /src"];
    if (r.chance(0.7)) build.push("COPY go.mod go.sum ./", r.chance(0.5) ? "RUN --mount=type=cache,target=/go/pkg/mod go mod download" : "RUN go mod download");
    build.push("COPY . .", "ARG TARGETOS", "ARG TARGETARCH", "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags=\"-s -w\" -o /out/app ./cmd/app");
    return { image, build, artifact: "/out/app", run: ["/app"], port: 8080, distro: image.includes("alpine") ? "alpine" : "debian", runtime: r.pick(["gcr.io/distroless/static-debian12", "alpine:3.20", "scratch"]) };
  },
  rust(r, name) {
    const image = r.pick(["rust:1.79", "rust:1.80-slim-bookworm"]);
    const build = [`FROM ${image} AS ${name}`, "WORKDIR /usr/src/app"];
    if (r.chance(0.6)) build.push("COPY Cargo.toml Cargo.lock ./", "RUN mkdir src && echo 'fn main() {}' > src/main.rs && cargo build --release && rm -rf src");
    build.push("COPY . .", "RUN cargo build --release --locked");
    return { image, build, artifact: "/usr/src/app/target/release/app", run: ["/usr/local/bin/app"], port: 8080, distro: "debian", runtime: "debian:bookworm-slim" };
  },
  java(r, name) {
    const maven = r.chance(0.5);
    const image = maven ? "maven:3.9-eclipse-temurin-21" : "gradle:8.8-jdk21";
    const build = [`FROM ${image} AS ${name}`, "WORKDIR /build"];
    if (maven) build.push("COPY pom.xml .", "RUN mvn -B dependency:go-offline", "COPY src ./src", "RUN mvn -B package -DskipTests");
    else build.push("COPY build.gradle settings.gradle ./", "COPY gradle ./gradle", "RUN gradle dependencies --no-daemon", "COPY . .", "RUN gradle bootJar --no-daemon");
    return { image, build, artifact: maven ? "/build/target/app.jar" : "/build/build/libs/app.jar", run: ["java", "-jar", "/app/app.jar"], port: 8080, distro: "debian", runtime: "eclipse-temurin:21-jre" };
  },
  ruby(r, name) {
    const image = r.pick(["ruby:3.3-slim", "ruby:3.2-alpine"]);
    const build = [`FROM ${image} AS ${name}`, "WORKDIR /app", osInstall(r, image.includes("alpine") ? "alpine" : "debian")];
    build.push("COPY Gemfile Gemfile.lock ./", "RUN bundle config set --local without 'development test' && bundle install --jobs 4", "COPY . .");
    if (r.chance(0.5)) build.push("RUN bundle exec rake assets:precompile");
    return { image, build, artifact: "/app", run: ["bundle", "exec", "puma", "-C", "config/puma.rb"], port: 3000, distro: image.includes("alpine") ? "alpine" : "debian" };
  },
  php(r, name) {
    const image = "php:8.3-fpm";
    const build = [`FROM ${image} AS ${name}`, "WORKDIR /var/www/html", osInstall(r, "debian"), "RUN docker-php-ext-install pdo_mysql opcache", "COPY --from=composer:2 /usr/bin/composer /usr/bin/composer"];
    build.push("COPY composer.json composer.lock ./", "RUN composer install --no-dev --no-scripts --prefer-dist", "COPY . .");
    return { image, build, artifact: "/var/www/html", run: ["php-fpm"], port: 9000, distro: "debian" };
  },
};

/**
 * One typical Dockerfile: parser directives and comments, global ARGs, a
 * build stage for one ecosystem with its dependency install (cache-friendly
 * or not), often a separate runtime stage, ENV/LABEL/USER/EXPOSE/HEALTHCHECK,
 * an occasional heredoc. `suffix` makes stage names unique when files are
 * concatenated.
 */
export function typicalDockerfile(r, suffix = "") {
  const lines = [];
  if (r.chance(0.5)) lines.push(`# syntax=docker/dockerfile:1.${r.int(4, 9)}`);
  if (r.chance(0.4)) lines.push(comment(r));
  if (r.chance(0.4)) lines.push(`ARG APP_VERSION=${r.int(0, 3)}.${r.int(0, 20)}.${r.int(0, 9)}`);
  const eco = r.pick(Object.keys(ECOSYSTEMS));
  const buildName = `build${suffix}`;
  const spec = ECOSYSTEMS[eco](r, buildName);
  if (r.chance(0.3)) spec.build.splice(2, 0, `ENV APP_HOME=/opt/app${suffix} \\\n    PATH=/opt/app${suffix}/bin:$PATH`);
  if (r.chance(0.4)) spec.build.splice(2, 0, comment(r));
  lines.push(...spec.build);
  if (r.chance(0.15)) {
    lines.push("RUN <<EOF", "set -eux", `echo "built ${eco}" > /tmp/build-info`, "date -u > /tmp/build-date", "EOF");
  }
  if (r.chance(0.7)) {
    const runtime = spec.runtime ?? spec.image;
    lines.push("", comment(r), `FROM ${runtime} AS runtime${suffix}`);
    if (r.chance(0.4) && !runtime.includes("distroless") && runtime !== "scratch") lines.push(osInstall(r, runtime.includes("alpine") ? "alpine" : "debian"));
    if (r.chance(0.5)) lines.push(`LABEL org.opencontainers.image.title="${eco}-service${suffix}" \\`, `      org.opencontainers.image.version="\${APP_VERSION:-dev}"`);
    lines.push("WORKDIR /app");
    lines.push(`COPY --from=${buildName} ${spec.artifact} ${spec.artifact.endsWith(".jar") ? "/app/app.jar" : "/app/"}`);
    if (r.chance(0.5)) lines.push(`ENV PORT=${spec.port} \\`, "    NODE_ENV=production");
    if (r.chance(0.4) && runtime !== "scratch" && !runtime.includes("distroless")) lines.push("RUN useradd -r -u 10001 app || adduser -D -u 10001 app", "USER 10001");
  }
  lines.push(`EXPOSE ${spec.port}`);
  if (r.chance(0.3)) lines.push(`HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://localhost:${spec.port}/health || exit 1`);
  lines.push(`CMD ${JSON.stringify(spec.run).replace(/,/g, ", ")}`);
  return lines.join("\n") + "\n";
}

/** `count` typical Dockerfiles from one seed. */
export function corpus(count, seed = 1) {
  const r = rng(seed);
  return Array.from({ length: count }, () => typicalDockerfile(r));
}

/**
 * A Dockerfile of at least `minLines` lines: typical files concatenated
 * with unique stage names (a generated monorepo Dockerfile), so every
 * instruction kind and every rule's visitors scale together.
 */
export function bigDockerfile(minLines, seed = 2) {
  const r = rng(seed);
  const parts = [];
  let lines = 0;
  for (let i = 0; lines < minLines; i++) {
    const text = typicalDockerfile(r, `-${i}`).replace(/^# syntax=.*\n/, "");
    parts.push(text);
    lines += text.split("\n").length - 1;
  }
  return parts.join("\n");
}

/**
 * Writes a tree of `count` Dockerfiles (services/<group>/<name>/Dockerfile,
 * some named Dockerfile.dev or *.Dockerfile) with a manifest and source file
 * next to each so that context questions have something to answer.
 */
export function writeTree(root, count, seed = 3) {
  const r = rng(seed);
  for (let i = 0; i < count; i++) {
    const dir = join(root, "services", `group-${i % 40}`, `svc-${i}`);
    mkdirSync(dir, { recursive: true });
    const name = i % 10 === 3 ? "Dockerfile.dev" : i % 10 === 7 ? "api.Dockerfile" : "Dockerfile";
    writeFileSync(join(dir, name), typicalDockerfile(r));
    writeFileSync(join(dir, "package.json"), "{}\n");
    writeFileSync(join(dir, "requirements.txt"), "flask\n");
    if (i % 4 === 0) writeFileSync(join(dir, ".dockerignore"), "node_modules\n.git\n*.log\n");
  }
}

/** A "typical" single file for the cold-start benchmark: the median-length file of the corpus. */
export function medianFile(seed = 1) {
  const files = corpus(101, seed);
  return [...files].sort((a, b) => a.length - b.length)[50];
}
