"""Realistic synthetic traffic for benchmarks: an AI image tool site's events, loaded with COPY."""
