"""The package version (a leaf: every layer may import it)."""

__all__ = ["__version__"]

__version__ = "0.1.0"
