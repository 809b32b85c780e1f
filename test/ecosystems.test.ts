import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cacheMountFlag, ECOSYSTEMS, ecosystemById, findInstalls, installCandidates, manifestsOf, refineOnDisk, type InstallMatch, type ProjectFiles } from "../src/ecosystems/index.js";

/** The one install a script holds (fails when there is not exactly one). */
function one(script: string): InstallMatch {
  const found = findInstalls(script);
  expect(found.map((f) => f.command.text), script).toHaveLength(1);
  return found[0];
}

function filesOf(tree: Record<string, string>): ProjectFiles {
  return { read: (p) => tree[p] ?? null, list: () => Object.keys(tree).sort() };
}

describe("the ecosystem table", () => {
  it("has every ecosystem the rules rely on, each with caches and a cache mount", () => {
    const ids = ECOSYSTEMS.map((e) => e.id);
    for (const id of ["npm", "yarn", "pnpm", "bun", "pip", "pipenv", "poetry", "uv", "bundler", "composer", "go", "cargo", "maven", "gradle", "dotnet", "mix"]) {
      expect(ids).toContain(id);
      const e = ecosystemById(id);
      expect(e?.cacheDirs.length, id).toBeGreaterThan(0);
      expect(e?.cacheMounts.length, id).toBeGreaterThan(0);
      expect(e?.cleanup.length, id).toBeGreaterThan(0);
      for (const m of e?.cacheMounts ?? []) expect(m.target.startsWith("/"), `${id} ${m.target}`).toBe(true);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("puts a command only to the rows that can match it: a row listing its programs matches no other first word", () => {
    const programs = ECOSYSTEMS.flatMap((e) => e.programs ?? []);
    // Written out, not taken from the lists under test: a name missing from a list must still be tried.
    const tools = ["npm", "yarn", "pnpm", "bun", "pip", "pip3", "python", "python3", "pipenv", "poetry", "uv", "bundle", "bundler", "gem", "composer", "php",
      "go", "cargo", "mvn", "./mvnw", "gradle", "./gradlew", "dotnet", "mix", "sh", "make", "node", "apt-get"];
    const firsts = [...new Set([...tools, ...programs])];
    const words = [...firsts, "install", "ci", "i", "add", "sync", "restore", "download", "fetch", "build", "get", "mod", "-r", "requirements.txt",
      "-m", "composer.phar", "/usr/bin/composer", "--frozen-lockfile", "dependency:go-offline", "deps.get", "--no-root", "-C", "app", ".", "--cwd"];
    const check = (command: string[]): void => {
      for (const e of ECOSYSTEMS) {
        if (e.matchInstall(command) !== null) expect(installCandidates(command[0]), `${e.id}: ${command.join(" ")}`).toContain(e);
      }
    };
    // Every command of up to three words from the vocabulary, then longer random ones.
    for (const program of firsts) {
      check([program]);
      for (const a of words) {
        check([program, a]);
        for (const b of words) check([program, a, b]);
      }
    }
    fc.assert(fc.property(fc.constantFrom(...firsts), fc.array(fc.constantFrom(...words), { maxLength: 6 }), (p, rest) => check([p, ...rest])), { numRuns: 2000 });
    // Rows without a list are asked about every command.
    for (const e of ECOSYSTEMS.filter((row) => row.programs === undefined)) expect(installCandidates("anything")).toContain(e);
  });

  it("writes cache mount flags, with sharing only where it matters", () => {
    expect(cacheMountFlag(ecosystemById("npm")!.cacheMounts[0])).toBe("--mount=type=cache,target=/root/.npm");
    expect(cacheMountFlag(ecosystemById("maven")!.cacheMounts[0])).toBe("--mount=type=cache,target=/root/.m2/repository,sharing=locked");
    expect(ecosystemById("pip")!.noCacheFlags).toContain("--no-cache-dir");
    expect(ecosystemById("uv")!.noCacheEnv).toContain("UV_NO_CACHE=1");
  });
});

describe("recognising installs", () => {
  const plain: [string, string][] = [
    ["npm ci", "npm"],
    ["npm install --omit dev", "npm"],
    ["yarn", "yarn"],
    ["yarn install --frozen-lockfile", "yarn"],
    ["yarn install --immutable", "yarn"],
    ["pnpm install --frozen-lockfile", "pnpm"],
    ["pnpm fetch --prod", "pnpm"],
    ["bun install --frozen-lockfile", "bun"],
    ["pip install -r requirements.txt", "pip"],
    ["python3 -m pip install --no-cache-dir -r req/base.txt -c constraints.txt", "pip"],
    ["pipenv install --deploy --system", "pipenv"],
    ["poetry install --no-root --only main", "poetry"],
    ["uv sync --frozen --no-install-project", "uv"],
    ["uv pip install -r requirements.txt", "uv"],
    ["bundle install --jobs 4", "bundler"],
    ["go mod download", "go"],
    ["mvn -B dependency:go-offline", "maven"],
    ["gradle dependencies --no-daemon", "gradle"],
    ["dotnet restore src/Api/Api.csproj", "dotnet"],
    ["mix deps.get --only prod", "mix"],
    ["composer install --no-scripts --no-autoloader", "composer"],
  ];
  for (const [script, id] of plain) {
    it(`\`${script}\` reads manifests only (${id})`, () => {
      const m = one(script);
      expect(m.ecosystem.id).toBe(id);
      expect(m.needsSources).toBe(false);
      expect(m.readsManifests).not.toBe(false);
    });
  }

  const builds: [string, string, string | undefined][] = [
    ["pip install .", "pip", undefined],
    ["pip install -r requirements.txt -e .", "pip", "pip install -r requirements.txt"],
    ["poetry install --only main", "poetry", "poetry install --only main --no-root"],
    ["uv sync --locked", "uv", "uv sync --locked --no-install-project"],
    ["go build -o /bin/app ./cmd/app", "go", "go mod download"],
    ["go -C svc build .", "go", "go -C svc mod download"],
    ["cargo build --release", "cargo", "mkdir src && echo 'fn main() {}' > src/main.rs && cargo fetch && rm -r src"],
    ["mvn -B -s settings.xml package -DskipTests", "maven", "mvn -B -s settings.xml -DskipTests dependency:go-offline"],
    ["./gradlew bootJar --no-daemon", "gradle", "./gradlew --no-daemon dependencies"],
    ["dotnet publish -c Release -r linux-x64 -o /app", "dotnet", "dotnet restore -r linux-x64"],
    ["mix release", "mix", "mix deps.get"],
    ["composer install --no-dev", "composer", "composer install --no-dev --no-scripts --no-autoloader"],
  ];
  for (const [script, id, split] of builds) {
    it(`\`${script}\` needs the sources (${id}), split: ${split ?? "none"}`, () => {
      const m = one(script);
      expect(m.ecosystem.id).toBe(id);
      expect(m.needsSources).toBe(true);
      expect(m.sourcesReason).toBeTruthy();
      expect(m.dependencyOnly).toBe(split);
    });
  }

  const named = ["npm install -g typescript", "npm i express", "yarn global add serve", "pnpm add -g pnpm", "pip install flask==3.0", "go install golang.org/x/tools/cmd/goimports@latest", "cargo install ripgrep", "gem install bundler", "mix local.hex --force", "bun add zod", "uv tool install ruff", "dotnet tool install -g dotnet-ef", "composer global require laravel/installer"];
  for (const script of named) {
    it(`\`${script}\` installs named packages and reads no manifest`, () => {
      expect(one(script).readsManifests).toBe(false);
    });
  }

  it("finds nothing in commands that are not installs", () => {
    expect(findInstalls("npm run build && yarn test && go version && echo pip install")).toEqual([]);
    expect(findInstalls("cargo --version; mvn --version")).toEqual([]);
  });

  it("follows `cd` and the tools' own directory flags", () => {
    const m = one("cd frontend && npm ci");
    expect(m.cwd).toBe("frontend");
    expect(manifestsOf(m).required).toEqual(["package.json"]);
    const prefixed = one("npm ci --prefix web");
    expect(manifestsOf(prefixed).required).toEqual(["web/package.json"]);
    expect(manifestsOf(prefixed).optional).toContain("web/package-lock.json");
    const mvn = one("mvn -f api/pom.xml dependency:go-offline");
    expect(manifestsOf(mvn).required).toEqual(["api/pom.xml"]);
    expect(findInstalls("cd $APP && npm ci")[0].cwd).toBe("\0unknown");
  });

  it("lists what each form reads", () => {
    expect(manifestsOf(one("pnpm fetch"))).toEqual({ required: ["pnpm-lock.yaml"], optional: ["pnpm-workspace.yaml", ".npmrc", ".pnpmfile.cjs"] });
    expect(manifestsOf(one("pip install -r a.txt -c b.txt")).required).toEqual(["a.txt", "b.txt"]);
    expect(manifestsOf(one("./mvnw -B package")).required).toEqual(["pom.xml", "mvnw", ".mvn/wrapper/maven-wrapper.properties"]);
    expect(manifestsOf(one("dotnet restore Shop.sln")).required).toEqual(["Shop.sln"]);
    expect(manifestsOf(one("npm ci")).optional).toEqual(["package-lock.json", "npm-shrinkwrap.json", ".npmrc"]);
  });

  it("notes cache-avoiding flags", () => {
    expect(one("pip install --no-cache-dir -r r.txt").noCache).toBe(true);
    expect(one("pip install -r r.txt").noCache).toBe(false);
    expect(one("uv sync --no-cache --frozen --no-install-project").noCache).toBe(true);
  });
});

describe("refining an install with the files on disk", () => {
  it("adds npm workspace members and notices install scripts", () => {
    const files = filesOf({
      "package.json": JSON.stringify({ workspaces: ["packages/*"] }),
      "packages/a/package.json": "{}",
      "packages/a/index.js": "",
      "node_modules/x/package.json": "{}",
    });
    const m = refineOnDisk(one("npm ci"), files);
    expect(m?.manifests).toEqual(["packages/a/package.json"]);
    const withPrepare = refineOnDisk(one("npm ci"), filesOf({ "package.json": JSON.stringify({ scripts: { prepare: "husky" } }) }));
    expect(withPrepare?.needsSources).toBe(true);
    expect(withPrepare?.sourcesReason).toContain("prepare");
    const ignored = refineOnDisk(one("npm ci --ignore-scripts"), filesOf({ "package.json": JSON.stringify({ scripts: { prepare: "husky" } }) }));
    expect(ignored?.needsSources).toBe(false);
  });

  it("reads pnpm-workspace.yaml, and a --prefix project in its directory", () => {
    const files = filesOf({ "pnpm-workspace.yaml": "packages:\n  - 'apps/*'\n  - \"libs/*\"\n", "package.json": "{}", "apps/web/package.json": "{}", "libs/ui/package.json": "{}", "tools/x/package.json": "{}" });
    expect(refineOnDisk(one("pnpm install"), files)?.manifests).toEqual(["apps/web/package.json", "libs/ui/package.json"]);
    const nested = filesOf({ "web/package.json": JSON.stringify({ workspaces: ["pkgs/*"] }), "web/pkgs/a/package.json": "{}" });
    expect(refineOnDisk(one("npm ci --prefix web"), nested)?.manifests).toEqual(["web/pkgs/a/package.json"]);
  });

  it("follows requirement files and spots a local install inside them", () => {
    const files = filesOf({ "requirements.txt": "flask\n-r requirements/base.txt\n", "requirements/base.txt": "-c ../constraints.txt\nrequests\n", "constraints.txt": "" });
    expect(refineOnDisk(one("pip install -r requirements.txt"), files)?.manifests).toEqual(["requirements.txt", "requirements/base.txt", "constraints.txt"]);
    const editable = refineOnDisk(one("pip install -r requirements.txt"), filesOf({ "requirements.txt": "-e .\n" }));
    expect(editable?.needsSources).toBe(true);
  });

  it("knows projects that need no sources after all, and builds that download nothing", () => {
    expect(refineOnDisk(one("uv sync --frozen"), filesOf({ "pyproject.toml": "[project]\nname='x'\n" }))?.needsSources).toBe(false);
    expect(refineOnDisk(one("uv sync --frozen"), filesOf({ "pyproject.toml": "[project]\nname='x'\n\n[build-system]\nrequires=[]\n" }))?.needsSources).toBe(true);
    expect(refineOnDisk(one("poetry install"), filesOf({ "pyproject.toml": "[tool.poetry]\npackage-mode = false\n" }))?.needsSources).toBe(false);
    expect(refineOnDisk(one("composer install"), filesOf({ "composer.json": JSON.stringify({ autoload: { "psr-4": { "A\\": "src/" } } }) }))?.needsSources).toBe(false);
    expect(refineOnDisk(one("composer install"), filesOf({ "composer.json": JSON.stringify({ scripts: { "post-autoload-dump": "artisan" } }) }))?.needsSources).toBe(true);
    expect(refineOnDisk(one("go build ."), filesOf({ "go.mod": "module x", "vendor/modules.txt": "" }))).toBeNull();
  });

  it("drops splits that cannot work: workspaces, multi-module builds, a gemspec", () => {
    expect(refineOnDisk(one("cargo build"), filesOf({ "Cargo.toml": "[workspace]\nmembers=[]\n" }))?.dependencyOnly).toBeUndefined();
    const mvn = refineOnDisk(one("mvn package"), filesOf({ "pom.xml": "<modules><module>core</module></modules>", "core/pom.xml": "" }));
    expect(mvn?.dependencyOnly).toBeUndefined();
    expect(mvn?.manifests).toEqual(["core/pom.xml"]);
    expect(refineOnDisk(one("bundle install"), filesOf({ Gemfile: "source 'x'\ngemspec\n" }))?.needsSources).toBe(true);
  });

  it("lists every .NET project and shared props a restore reads, not bin/ or obj/", () => {
    const files = filesOf({ "App.sln": "", "src/A/A.csproj": "", "src/A/obj/x.csproj": "", "Directory.Build.props": "", "src/A/Program.cs": "" });
    expect(refineOnDisk(one("dotnet restore"), files)?.manifests).toEqual(["App.sln", "Directory.Build.props", "src/A/A.csproj"]);
  });

  it("reads umbrella apps, Gradle subprojects, go.work modules and uv workspace members", () => {
    expect(refineOnDisk(one("mix deps.get"), filesOf({ "mix.exs": 'apps_path: "apps"', "apps/a/mix.exs": "", "apps/a/lib/a.ex": "" }))?.manifests).toEqual(["apps/a/mix.exs"]);
    expect(refineOnDisk(one("gradle dependencies"), filesOf({ "settings.gradle": "include 'core', ':web'", "build.gradle": "", "core/build.gradle": "", "web/build.gradle.kts": "" }))?.manifests).toEqual(["core/build.gradle", "web/build.gradle.kts"]);
    expect(refineOnDisk(one("go mod download"), filesOf({ "go.work": "go 1.22\nuse (\n\t./a\n)\n", "a/go.mod": "" }))?.manifests).toEqual(["go.work", "a/go.mod"]);
    expect(refineOnDisk(one("uv sync --no-install-workspace"), filesOf({ "pyproject.toml": '[tool.uv.workspace]\nmembers = ["pkgs/*"]\n', "pkgs/a/pyproject.toml": "" }))?.manifests).toEqual(["pkgs/a/pyproject.toml"]);
  });
});

describe("a tool asked about itself installs nothing", () => {
  it.each(["yarn --version", "bundle --version", "npm --help", "pip -V", "yarn -v", "composer --version && yarn"])("%s", (script) => {
    const found = findInstalls(script);
    expect(found.map((m) => m.command.text)).toEqual(script.endsWith("&& yarn") ? ["yarn"] : []);
  });
});
