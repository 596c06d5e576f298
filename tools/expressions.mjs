#!/usr/bin/env node
// Evaluate GitHub Actions expressions (a job's `if:`) with GitHub's own evaluator, the npm
// package "@actions/expressions" (installed by `npm ci`), for tests that run workflows'
// conditions against real event payloads.
//
//   echo '{"contexts": {"github": {...}}, "expressions": ["github.event_name == 'push'"]}' \
//     | node tools/expressions.mjs
//
// Prints a JSON array: for each expression, whether it is truthy. The status functions of a
// job's `if:` read `status` from the input ("success" by default): success(), failure(),
// cancelled(), always(). Exit 2 when the package is missing or an expression does not parse.
let Evaluator, Lexer, Parser, data, truthy;
try {
  ({ Evaluator, Lexer, Parser, data } = await import("@actions/expressions"));
  ({ truthy } = await import("@actions/expressions/result"));
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
  console.error("@actions/expressions is not installed: run `npm ci` in the repository root.");
  process.exit(2);
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const status = input.status ?? "success";
const flag = (value) => () => new data.BooleanData(value);
const functions = new Map(
  [
    ["success", flag(status === "success")],
    ["failure", flag(status === "failure")],
    ["cancelled", flag(status === "cancelled")],
    ["always", flag(true)],
  ].map(([name, call]) => [name, { name, minArgs: 0, maxArgs: 0, call }])
);
const contexts = JSON.parse(JSON.stringify(input.contexts ?? {}), data.reviver);
const names = Object.keys(input.contexts ?? {});

const results = [];
for (const text of input.expressions) {
  // A bare `if:` is an expression without ${{ }}; one written with them means the same.
  const source = text.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, "$1");
  try {
    const lexed = new Lexer(source).lex();
    const parsed = new Parser(lexed.tokens, names, [...functions.values()]).parse();
    results.push(truthy(new Evaluator(parsed, contexts, functions).evaluate()));
  } catch (error) {
    console.error(`cannot evaluate ${JSON.stringify(text)}: ${error.message}`);
    process.exit(2);
  }
}
console.log(JSON.stringify(results));
