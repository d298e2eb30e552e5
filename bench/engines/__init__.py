"""DuckDB and Spark side by side: compute (bench_engines) and detection (bench_detect_engines)."""
