"""Benchmark harness (``make bench`` / ``python -m bench``): not tests, measurements.

See ``bench/__main__.py`` for the knobs and BENCHMARKS.md (generated) for the results.
"""
