// Run a Python script under Pyodide with gopy's compiler package on sys.path.
//   node run.mjs PYODIDE_DIR REPO_DIR SCRIPT.py [ARGS...]
// Copied into Pyodide's in-memory file system: the compiler (gopy/_version.py,
// gopy/compiler/**, the grammar) under /gopy-src with an empty gopy/__init__.py
// (the asyncio runtime is not needed and not loaded), this interpreter's
// python_stdlib.zip as /stdlib.zip, tests/pep_corpus (with tests/pyodide/corpus.py)
// as /corpus and tests/golden as /golden. The script's output is printed; the
// exit code is the script's (SystemExit) or 1 on an exception.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, repo, script, ...args] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(join(pyodideDir, "pyodide.mjs")).href);
const py = await loadPyodide({ indexURL: pyodideDir + "/", stdout: (s) => console.log(s), stderr: (s) => console.error(s) });

function copyTree(src, dst) {
  py.FS.mkdirTree(dst);
  for (const name of readdirSync(src)) {
    if (name === "__pycache__") continue;
    const s = join(src, name), d = dst + "/" + name;
    if (statSync(s).isDirectory()) copyTree(s, d);
    else if (/\.(py|pickle|lark|gopy|golden)$/.test(name)) py.FS.writeFile(d, readFileSync(s));
  }
}
py.FS.mkdirTree("/gopy-src/gopy");
py.FS.writeFile("/gopy-src/gopy/__init__.py", "");  // the package without its runtime
py.FS.writeFile("/gopy-src/gopy/_version.py", readFileSync(join(repo, "gopy", "_version.py")));
copyTree(join(repo, "gopy", "compiler"), "/gopy-src/gopy/compiler");
copyTree(join(repo, "grammar"), "/gopy-src/gopy/grammar");
py.FS.writeFile("/stdlib.zip", readFileSync(join(pyodideDir, "python_stdlib.zip")));
copyTree(join(repo, "tests", "pep_corpus"), "/corpus");
py.FS.mkdirTree("/corpus-lib");
py.FS.writeFile("/corpus-lib/corpus.py", readFileSync(join(repo, "tests", "pyodide", "corpus.py")));
copyTree(join(repo, "tests", "golden"), "/golden");
py.globals.set("ARGV", py.toPy([script, ...args]));
let code = 0;
try {
  py.runPython("import sys; sys.path.insert(0, '/gopy-src'); sys.argv = list(ARGV); del ARGV");
  py.runPython(readFileSync(script, "utf8"), { filename: script });
} catch (err) {
  const m = /SystemExit: (\d+)/.exec(String(err));
  if (m) code = Number(m[1]);
  else { console.error(String(err)); code = 1; }
}
process.exit(code);
