"""The package surface: public names, lazy compiler, distribution metadata."""

import subprocess
import sys
from importlib import metadata

import gopy


def test_public_names_exist():
    for name in gopy.__all__:
        assert getattr(gopy, name) is not None, name


def test_import_gopy_does_not_load_the_compiler():
    code = (
        "import sys, gopy\n"
        "heavy = sorted(m for m in ('lark', 'black', 'gopy.compiler._compile') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_compiler_loads_on_first_use():
    assert callable(gopy.parse)
    assert callable(gopy.translate)


def test_unknown_attribute_is_an_attribute_error():
    try:
        gopy.no_such_name
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_distribution_is_not_named_gopy():
    dist = metadata.distribution("gopy-lang")
    assert dist.metadata["Name"] == "gopy-lang"
    assert dist.version == gopy.__version__
    assert any(ep.value == "gopy.pytest_plugin" for ep in dist.entry_points if ep.group == "pytest11")
