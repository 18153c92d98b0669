"""The production stack on loopback: a fresh PostgreSQL database, redis-server, the web server (granian or gunicorn)
and the Celery worker.

Every process is started here, remembered, and ended here by its own id (or its own process group, which
holds only what it forked), also when the benchmark is interrupted.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent.parent
STREAM = "sightline:events"


@dataclass(frozen=True)
class StackConfig:
    database: str = "sightline_bench"
    pg_host: str = "127.0.0.1"
    pg_port: int = 5432
    pg_user: str = "postgres"
    # As deployed (Dockerfile, docker-compose.yml): granian's WSGI server, one worker per core, 8 threads each
    # (docs/decisions/0007); "gunicorn" runs gunicorn with `worker_class` (the default before, decision 0006).
    server: str = "granian"
    workers: int = 2
    threads: int = 8
    worker_class: str = "gthread"
    group_commit_rows: int | None = None  # INGEST_GROUP_COMMIT_ROWS for the web server; None: the default
    consumer: str = "celery"  # or "command": `manage.py consume_events`, the same loop without Celery
    consumers: int = 2  # consumer threads in that process (INGEST_CONSUMERS)


@dataclass(frozen=True)
class SiteKeys:
    id: int
    public_key: str
    secret_key: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.1) -> float:
    """Polls until condition() holds; returns the seconds it took. Raises TimeoutError after `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


class Stack:
    def __init__(self, config: StackConfig, workdir: Path) -> None:
        self.config = config
        self.workdir = workdir
        self.redis_port = free_port()
        self.http_port = free_port()
        self.site: SiteKeys | None = None
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._paused = False

    # --- addresses -------------------------------------------------------------------------------
    @property
    def database_url(self) -> str:
        c = self.config
        return f"postgres://{c.pg_user}@{c.pg_host}:{c.pg_port}/{c.database}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def keys(self) -> SiteKeys:
        assert self.site is not None, "the stack is not started"
        return self.site

    def env(self) -> dict[str, str]:
        ignored = {"DEBUG", "INGEST_STREAM", "INGEST_CONSUMER_BATCH", "INGEST_CONSUMERS"}
        env = {k: v for k, v in os.environ.items() if k not in ignored}
        env.update(
            DJANGO_SETTINGS_MODULE="server.settings",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            SECRET_KEY="bench-secret-key-not-for-production-0123456789abcdef",
            ALLOWED_HOSTS="127.0.0.1",
            INGEST_RATE_LIMIT_PER_SITE="0",
            INGEST_CONSUMERS=str(self.config.consumers),
            SIGHTLINE_DATA_DIR=str(self.workdir / "data"),
            LOG_LEVEL="WARNING",
        )
        if self.config.group_commit_rows is not None:
            env["INGEST_GROUP_COMMIT_ROWS"] = str(self.config.group_commit_rows)
        return env

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        self._recreate_database()
        self._manage("migrate", "--verbosity", "0")
        self._start_redis()
        out = self._manage("createsite", "bench", "--json")
        fields = json.loads(out)
        self.site = SiteKeys(id=int(fields["id"]), public_key=fields["public_key"], secret_key=fields["secret_key"])
        self._start_web()
        self._start_consumer()

    def stop(self) -> None:
        """Ends every process started here (newest first) and drops the database; safe to call twice."""
        if self._paused:
            self.resume_consumer()
        for name in reversed(list(self._processes)):
            self._end(name, self._processes.pop(name))
        try:
            self._drop_database()
        except psycopg.Error as exc:
            print(f"warning: could not drop database {self.config.database}: {exc}", file=sys.stderr)

    def _end(self, name: str, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            print(f"warning: {name} ignored SIGTERM; killing its process group", file=sys.stderr)
            # start_new_session=True made the process the leader of a group holding only what it forked.
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        log = (self.workdir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            argv, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self._processes[name] = process
        return process

    def log_tail(self, name: str, chars: int = 3000) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def _check_alive(self, name: str) -> None:
        process = self._processes.get(name)
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.log_tail(name)}")

    def _manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=300
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    # --- PostgreSQL ------------------------------------------------------------------------------
    def _admin_connection(self) -> psycopg.Connection[tuple[object, ...]]:
        c = self.config
        return psycopg.connect(host=c.pg_host, port=c.pg_port, user=c.pg_user, dbname="postgres", autocommit=True)

    def _recreate_database(self) -> None:
        name = sql.Identifier(self.config.database)
        with self._admin_connection() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))

    def _drop_database(self) -> None:
        with self._admin_connection() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.config.database))
            )

    def connect(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.database_url, autocommit=True)

    def stored_events(self) -> int:
        with self.connect() as conn:
            row = conn.execute("SELECT count(*) FROM analytics_event").fetchone()
        assert row is not None
        return int(str(row[0]))

    # --- Redis -----------------------------------------------------------------------------------
    def _start_redis(self) -> None:
        directory = self.workdir / "redis"
        directory.mkdir()
        # As in production: every acknowledged XADD is fsynced to the append-only file before the reply.
        self._spawn(
            "redis",
            [
                "redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "yes", "--appendfsync", "always", "--dir", str(directory),
            ],
        )  # fmt: skip
        client = self.redis()

        def ready() -> bool:
            self._check_alive("redis")
            try:
                return bool(client.ping())
            except (redis.ConnectionError, redis.BusyLoadingError):
                return False

        wait_for(ready, 20, "redis-server")

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url, socket_connect_timeout=1, socket_timeout=30)

    def stream_length(self) -> int:
        return int(self.redis().xlen(STREAM))

    # --- the web server and the consumer --------------------------------------------------------------
    def web_command(self) -> list[str]:
        c = self.config
        if c.server == "granian":
            return [
                sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
                "--port", str(self.http_port), "--workers", str(c.workers), "--blocking-threads", str(c.threads),
                "--no-ws", "--log-level", "warning", "server.wsgi:application",
            ]  # fmt: skip
        return [
            sys.executable, "-m", "gunicorn", "server.wsgi:application", "--bind", f"127.0.0.1:{self.http_port}",
            "--workers", str(c.workers), "--worker-class", c.worker_class, "--threads", str(c.threads),
            # A control socket at a fixed path would collide with any other gunicorn on the machine.
            "--no-control-socket", "--graceful-timeout", "5", "--log-level", "warning",
        ]  # fmt: skip

    def _start_web(self) -> None:
        self._spawn("web", self.web_command())

        def ready() -> bool:
            self._check_alive("web")
            try:
                with urllib.request.urlopen(f"{self.base_url}/readyz", timeout=2) as response:
                    return bool(response.status == 200)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                return False

        wait_for(ready, 60, f"{self.config.server} to answer /readyz", interval=0.2)

    def _start_consumer(self) -> None:
        if self.config.consumer == "command":
            argv = [sys.executable, "manage.py", "consume_events", "--name", "bench"]
        else:
            argv = [
                sys.executable, "-m", "celery", "-A", "server", "worker", "--pool", "solo",
                "-Q", "celery,maintenance", "-n", "bench@%h",
                "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING",
            ]  # fmt: skip
        self._spawn("consumer", argv)

    def pause_consumer(self) -> None:
        """SIGSTOP: the consumer keeps its connections and resumes exactly where it was."""
        os.kill(self._processes["consumer"].pid, signal.SIGSTOP)
        self._paused = True

    def resume_consumer(self) -> None:
        os.kill(self._processes["consumer"].pid, signal.SIGCONT)
        self._paused = False

    def check_alive(self) -> None:
        for name in self._processes:
            self._check_alive(name)

    def pids(self) -> dict[str, int]:
        """Service name → the pid of the process started for it (the web server: its master process)."""
        return {name: process.pid for name, process in self._processes.items()}
