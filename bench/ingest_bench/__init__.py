"""The ingest benchmark: the production stack on loopback, driven by wrk and a probe process.

`bench/bench_ingest.py` is the command; this package holds its parts:

- `stack`   — the throwaway PostgreSQL database, redis-server, the web server and the Celery worker;
- `load`    — wrk with a Lua script that counts 2xx and accepted events (or a Python fallback client);
- `probe`   — a separate process timing acknowledgement → row visible in PostgreSQL;
- `memory`  — peak RSS of each service's process tree, read from /proc;
- `phases`  — one run: the phases a–f in order;
- `report`  — medians and ranges over the runs, the table and the JSON file.
"""
