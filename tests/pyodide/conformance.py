"""Run inside Pyodide (by run.mjs): gopy's compiler against this interpreter.

argv: STDLIB_ZIP CORPUS_DIR GOLDEN_DIR. Prints one JSON object: the version,
stdlib modules identical / total (every top-level ``*.py`` of the zip) with
the differences, the snippet corpus differences, and the lowered golden
programs that do not compile warning-free (PEP 765 and the like).
"""

import ast
import json
import sys
import time
import zipfile

sys.path.insert(0, "/corpus-lib")  # tests/pyodide/corpus.py

import corpus  # noqa: E402
from gopy.compiler import parse  # noqa: E402  (the compiler alone: no runtime)

stdlib_zip, corpus_dir, golden_dir = sys.argv[1:4]
start = time.time()
differences = []
total = 0
with zipfile.ZipFile(stdlib_zip) as z:
    for name in sorted(z.namelist()):
        if "/" in name or not name.endswith(".py"):
            continue
        total += 1
        problem = corpus.check(parse, z.read(name), name)
        if problem:
            differences.append(problem)
snippet_problems = [
    p for name, src in corpus.snippets(corpus_dir) if (p := corpus.check(parse, src, name))
]
version = sys.version_info[:2]
programs = [
    (name, src, "exec") for name, src in corpus.snippets(corpus_dir, ".gopy") if version >= corpus.since(src)
] + corpus.golden_sources(golden_dir)
compile_problems = [
    p for name, src, mode in programs if (p := corpus.compiles_without_warnings(parse, src, name, mode))
]
# gopy constructs inside the new syntax keep their meaning
gopy_checks = []
if version >= (3, 14):
    module = parse('async def f(ch):\n    return t"{<-ch!r} {d["k"]}"\n', "t.gopy")
    interpolation = module.body[1].body[0].value.values[0]
    if interpolation.str != "<-ch" or not isinstance(interpolation.value, ast.Await):
        gopy_checks.append("t-string receive: " + ast.dump(interpolation))
module = parse('async def f(ch):\n    return f"{f"{<-ch}"}"\n', "f.gopy")
if not any(isinstance(n, ast.Await) for n in ast.walk(module)):
    gopy_checks.append("f-string receive: " + ast.dump(module))
print(
    json.dumps(
        {
            "version": sys.version.split()[0],
            "stdlib_total": total,
            "stdlib_identical": total - len(differences),
            "stdlib_differences": differences,
            "snippets": len(corpus.snippets(corpus_dir)),
            "snippet_differences": snippet_problems,
            "programs": len(programs),
            "compile_problems": compile_problems,
            "gopy_checks": gopy_checks,
            "seconds": round(time.time() - start, 1),
        }
    )
)
