"""Parley's benchmarks: run them as scripts (see bench/README.md); pytest never collects them."""
