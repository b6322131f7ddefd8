"""Benchmarks, out of the runtime package: ``python -m hcsp_engage.bench`` runs bench.py."""
