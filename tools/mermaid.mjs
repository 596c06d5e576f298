#!/usr/bin/env node
// Parse the Mermaid blocks of Markdown files with Mermaid's own parser (npm package "mermaid",
// pinned to the version GitHub renders with; installed by `npm ci`). Mermaid needs a DOM even
// to parse (its sanitizer), so jsdom provides one. Nothing is drawn.
//
//   node tools/mermaid.mjs [FILE...]      (no FILE: read one Markdown document from stdin)
//   node tools/mermaid.mjs --serve        (one document per stdin line, as a JSON string)
//
// Prints a JSON array, one entry per ```mermaid block: {file, line, ok, type, config, error}.
// `config` is what the block's front matter or directives set. Exit: 0 every block parses,
// 1 some block does not, 2 the tool is missing or a file cannot be read.
// With --serve it stays up (loading jsdom and mermaid takes a second) and answers each line
// with one line, that document's array, until stdin ends; anything else it would print goes
// to stderr.
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";

const serve = process.argv[2] === "--serve";
if (serve) console.log = console.info = console.warn = console.debug = console.error;

let JSDOM;
try {
  ({ JSDOM } = await import("jsdom"));
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
  console.error("jsdom is not installed: run `npm ci` in the repository root (or `make test`).");
  process.exit(2);
}
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
let mermaid;
try {
  ({ default: mermaid } = await import("mermaid"));
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
  console.error("mermaid is not installed: run `npm ci` in the repository root (or `make test`).");
  process.exit(2);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

// Fenced blocks opened by ```mermaid at the start of a line and closed by the next ``` line.
function blocks(text) {
  const lines = text.split(/\r?\n/);
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    if (/^```mermaid\s*$/.test(lines[i])) {
      let end = i + 1;
      while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
      found.push({ line: i + 2, text: lines.slice(i + 1, end).join("\n") });
      i = end;
    }
  }
  return found;
}

async function parseAll(file, text) {
  const results = [];
  for (const block of blocks(text)) {
    try {
      const parsed = await mermaid.parse(block.text);
      results.push({ file, line: block.line, ok: true, type: parsed.diagramType, config: parsed.config ?? {}, error: null });
    } catch (error) {
      results.push({ file, line: block.line, ok: false, type: null, config: null, error: String(error.message ?? error) });
    }
  }
  return results;
}

if (serve) {
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    process.stdout.write(`${JSON.stringify(await parseAll("-", JSON.parse(line)))}\n`);
  }
  process.exit(0);
}

const files = process.argv.slice(2);
const documents = [];
try {
  if (files.length === 0) documents.push({ file: "-", text: await readStdin() });
  for (const file of files) documents.push({ file, text: await readFile(file, "utf8") });
} catch (error) {
  console.error(`cannot read: ${error.message}`);
  process.exit(2);
}

const results = [];
for (const { file, text } of documents) results.push(...(await parseAll(file, text)));
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
