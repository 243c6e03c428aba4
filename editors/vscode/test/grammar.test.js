// Tokenizes gopy with the extension's grammar, as VS Code does (vscode-textmate
// + vscode-oniguruma), and checks the scopes of the gopy constructs.
// source.python comes from the tm-grammars package: VS Code's own Python
// grammar (MagicPython), the one the extension includes in VS Code.
// Run: npm install && npm test (from editors/vscode).
"use strict";
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const HERE = path.resolve(__dirname, "..");
const SAMPLES = path.resolve(HERE, "..", "..", "samples");
const GRAMMARS = {
  "source.gopy": path.join(HERE, "syntaxes", "gopy.tmLanguage.json"),
  "source.python": require.resolve("tm-grammars/grammars/python.json"),
};

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      const file = GRAMMARS[scopeName];
      if (!file) return null;
      return vsctm.parseRawGrammar(fs.readFileSync(file, "utf8"), file);
    },
  });
  return registry.loadGrammar("source.gopy");
}

// Every token of every line: {line, text, start, scopes}.
function tokenize(grammar, source) {
  let state = vsctm.INITIAL;
  const out = [];
  source.split("\n").forEach((line, row) => {
    const result = grammar.tokenizeLine(line, state);
    for (const t of result.tokens) {
      out.push({ row, line, text: line.slice(t.startIndex, t.endIndex), start: t.startIndex, scopes: t.scopes });
    }
    state = result.ruleStack;
  });
  return out;
}

const failures = [];
function check(ok, message) {
  if (!ok) failures.push(message);
}

// The scopes of the `n`-th token whose text, trimmed, is `text` on line `row`.
function scopesOf(tokens, row, text, n = 0) {
  const found = tokens.filter((t) => t.row === row && t.text.trim() === text);
  if (found.length <= n) {
    failures.push(`line ${row + 1}: no token ${JSON.stringify(text)} in ` + JSON.stringify(tokens.filter((t) => t.row === row).map((t) => t.text)));
    return [];
  }
  return found[n].scopes;
}

function expectScope(tokens, row, text, scope, n = 0, want = true) {
  const scopes = scopesOf(tokens, row, text, n);
  if (!scopes.length) return;
  check(scopes.includes(scope) === want, `line ${row + 1} (${tokens.find((t) => t.row === row).line.trim()}): ${JSON.stringify(text)} ${want ? "lacks" : "has"} ${scope}: ${scopes.join(" ")}`);
}

const SNIPPET = [
  /* 0 */ "async def main():",
  /* 1 */ "    ch := chan(3)",
  /* 2 */ "    ch <- 1",
  /* 3 */ "    print(<-ch, f(<-ch))",
  /* 4 */ "    v, ok := <-ch",
  /* 5 */ "    go worker(1)",
  /* 6 */ "    defer close(ch)",
  /* 7 */ "    select:",
  /* 8 */ "        case v := <-ch:",
  /* 9 */ "            pass",
  /* 10 */ "        case out <- 2: pass",
  /* 11 */ "        default:",
  /* 12 */ "            go = 1",
  /* 13 */ "    for i := range 10:",
  /* 14 */ "        obj.go()",
  /* 15 */ "    for range ch:",
  /* 16 */ "        pass",
  /* 17 */ "    for range in x:",
  /* 18 */ "        s = \"a <- b\"  # c <- d",
  /* 19 */ "    if (n := 10) > 5: go f(n)",
  /* 20 */ "    select: pass",
  /* 21 */ "    x = obj.close()",
].join("\n");

const KW = {
  chan: "keyword.operator.channel.gopy",
  go: "keyword.control.goroutine.gopy",
  decl: "keyword.operator.assignment.short-declaration.gopy",
  builtin: "support.function.builtin.gopy",
};

async function main() {
  const grammar = await loadGrammar();
  const t = tokenize(grammar, SNIPPET);
  expectScope(t, 1, ":=", KW.decl);
  expectScope(t, 1, "chan", KW.builtin);
  expectScope(t, 2, "<-", KW.chan);
  expectScope(t, 3, "<-", KW.chan, 0);
  expectScope(t, 3, "<-", KW.chan, 1); // inside a call inside a call
  expectScope(t, 4, ":=", KW.decl);
  expectScope(t, 4, "<-", KW.chan);
  expectScope(t, 5, "go", KW.go);
  expectScope(t, 6, "defer", KW.go);
  expectScope(t, 6, "close", KW.builtin);
  expectScope(t, 7, "select", "keyword.control.select.gopy");
  expectScope(t, 8, "case", "keyword.control.case.gopy");
  expectScope(t, 8, "<-", KW.chan);
  expectScope(t, 10, "case", "keyword.control.case.gopy");
  expectScope(t, 10, "<-", KW.chan);
  expectScope(t, 11, "default", "keyword.control.default.gopy");
  expectScope(t, 12, "go", KW.go, 0, false);
  expectScope(t, 13, "range", "keyword.control.range.gopy");
  expectScope(t, 13, ":=", KW.decl);
  expectScope(t, 14, "go", KW.go, 0, false);
  expectScope(t, 15, "range", "keyword.control.range.gopy");
  expectScope(t, 17, "range", "keyword.control.range.gopy", 0, false);
  for (const tok of t.filter((x) => x.row === 18)) {
    check(!tok.scopes.includes(KW.chan), `line 19: "${tok.text}" in a string or comment has ${KW.chan}`);
  }
  expectScope(t, 19, ":=", KW.decl, 0, false); // Python's walrus
  expectScope(t, 19, "go", KW.go); // after the ':' of a one-line if
  expectScope(t, 20, "select", "keyword.control.select.gopy");
  expectScope(t, 21, "close", KW.builtin, 0, false);

  // Every sample: each `<-` in code is the channel operator, each `go f(...)`
  // statement starts with the goroutine keyword, and nothing is `invalid`.
  const samples = fs.readdirSync(SAMPLES).filter((f) => f.endsWith(".gopy"));
  check(samples.length > 0, `no samples in ${SAMPLES}`);
  let arrows = 0;
  for (const name of samples) {
    const source = fs.readFileSync(path.join(SAMPLES, name), "utf8");
    for (const tok of tokenize(grammar, source)) {
      const where = `${name}:${tok.row + 1}`;
      const inText = tok.scopes.some((s) => s.startsWith("string") || s.startsWith("comment"));
      check(!tok.scopes.some((s) => s.startsWith("invalid")), `${where}: ${JSON.stringify(tok.text)} is ${tok.scopes.join(" ")}`);
      if (tok.text.includes("<-") && !inText) {
        arrows += 1;
        check(tok.text === "<-" && tok.scopes.includes(KW.chan), `${where}: ${JSON.stringify(tok.text)}: ${tok.scopes.join(" ")}`);
      }
      if (tok.text === "go" && tok.start === tok.line.search(/\S/) && /^\s*go\s+\w/.test(tok.line)) {
        check(tok.scopes.includes(KW.go), `${where}: go: ${tok.scopes.join(" ")}`);
      }
    }
  }
  check(arrows > 50, `only ${arrows} channel operators in the samples`);

  if (failures.length) {
    console.error(failures.join("\n"));
    console.error(`${failures.length} failure(s)`);
    process.exit(1);
  }
  console.log(`ok: snippet and ${samples.length} samples, ${arrows} channel operators`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
