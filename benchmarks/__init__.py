"""Benchmarks (not tests): each script measures one thing against a baseline in the same run and
writes its section of BENCHMARKS.md through :func:`benchmarks.report.write_section`."""
