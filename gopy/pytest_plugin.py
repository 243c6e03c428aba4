"""pytest plugin for .gopy test files (placeholder until it lands)."""
