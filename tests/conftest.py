"""Shared test configuration: pytest's pytester fixture, for the pytest plugin's tests."""

pytest_plugins = ["pytester"]
