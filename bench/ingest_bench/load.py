"""Load from a separate process: wrk with a Lua script, or a multi-process Python client when wrk is missing.

The Lua script counts 2xx and non-2xx responses itself and adds up the `accepted` counts of the 2xx bodies,
so the events the server acknowledged are known exactly, not assumed from the request count.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import re
import shutil
import statistics
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
WRK_MISSING = "wrk is not installed; using the slower Python client. Install it with: apt-get install -y wrk"

_LUA = """
wrk.method = "POST"
wrk.body = [==[{body}]==]
{headers}
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; non2xx = 0; accepted = 0 end
function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
    accepted = accepted + (tonumber(string.match(body, '"accepted":(%d+)')) or 0)
  else
    non2xx = non2xx + 1
  end
end
function done(summary, latency, requests)
  local o, n, a = 0, 0, 0
  for _, t in ipairs(threads) do o = o + t:get("ok"); n = n + t:get("non2xx"); a = a + t:get("accepted") end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {{"requests": %d, "seconds": %.6f, "ok": %d, "non2xx": %d, "accepted": %d, ' ..
    '"socket_errors": %d, "timeouts": %d, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f}}\\n',
    summary.requests, summary.duration / 1e6, o, n, a, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3))
end
"""


@dataclass(frozen=True)
class Request:
    path: str
    body: str
    headers: dict[str, str]
    events_per_request: int


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    ok: int
    non2xx: int
    accepted: int  # events the 2xx replies said they accepted
    socket_errors: int
    timeouts: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    tool: str

    @property
    def requests_per_s(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def events_per_s(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "requests_per_s": self.requests_per_s, "events_per_s": self.events_per_s}


def collect_request(public_key: str) -> Request:
    body = {
        "key": public_key,
        "name": "page_view",
        "url": "https://example.com/p",
        "props": {"plan": "pro", "variant": "b", "n": 3},
    }
    return Request("/api/v1/collect", json.dumps(body), {"Content-Type": "text/plain"}, 1)


def batch_request(secret_key: str, size: int = 100) -> Request:
    names = ("page_view", "click_generate", "signup", "search")
    events = [
        {
            "name": names[i % len(names)],
            "url": f"https://example.com/docs/{i % 17}?ref=bench",
            "anonymous_id": f"anon-{i % 23}",
            "props": {"plan": "pro", "step": i % 5, "query": "how to export a report"},
        }
        for i in range(size)
    ]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {secret_key}"}
    return Request("/api/v1/batch", json.dumps({"events": events}), headers, size)


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_load(
    base_url: str, request: Request, *, connections: int, seconds: float, workdir: Path, threads: int = 2
) -> LoadResult:
    if wrk_available():
        return _run_wrk(base_url, request, connections=connections, seconds=seconds, workdir=workdir, threads=threads)
    return _run_python(base_url, request, connections=connections, seconds=seconds)


def _run_wrk(
    base_url: str, request: Request, *, connections: int, seconds: float, workdir: Path, threads: int
) -> LoadResult:
    headers = {**request.headers, "User-Agent": USER_AGENT}
    lua_headers = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
    script = workdir / f"wrk-{request.path.strip('/').replace('/', '-')}.lua"
    script.write_text(_LUA.format(body=request.body, headers=lua_headers))
    argv = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "--latency",
        "-s", str(script), base_url + request.path,
    ]  # fmt: skip
    result = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    match = re.search(r"^BENCH_JSON (\{.*\})$", result.stdout, re.MULTILINE)
    if result.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return LoadResult(**json.loads(match.group(1)), tool="wrk")


# --- the fallback: one process per connection, each a closed loop of plain HTTP/1.1 requests -------------
def _client_loop(
    base_url: str, request: Request, seconds: float, out: multiprocessing.Queue[dict[str, object]]
) -> None:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    headers = {**request.headers, "User-Agent": USER_AGENT}
    body = request.body.encode()
    latencies: list[float] = []
    ok = non2xx = accepted = errors = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        start = time.perf_counter()
        try:
            conn.request("POST", request.path, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            continue
        latencies.append(time.perf_counter() - start)
        if 200 <= response.status < 300:
            ok += 1
            accepted += int(json.loads(payload).get("accepted", 0))
        else:
            non2xx += 1
        if response.will_close:
            conn.close()
    out.put({"latencies": latencies, "ok": ok, "non2xx": non2xx, "accepted": accepted, "errors": errors})


def _run_python(base_url: str, request: Request, *, connections: int, seconds: float) -> LoadResult:
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[dict[str, object]] = ctx.Queue()
    workers = [ctx.Process(target=_client_loop, args=(base_url, request, seconds, queue)) for _ in range(connections)]
    start = time.monotonic()
    for worker in workers:
        worker.start()
    parts = [queue.get(timeout=seconds + 60) for _ in workers]
    elapsed = time.monotonic() - start
    for worker in workers:
        worker.join(10)
    latencies = sorted(x for part in parts for x in part["latencies"])  # type: ignore[attr-defined]
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99

    def total(key: str) -> int:
        return sum(int(part[key]) for part in parts)  # type: ignore[call-overload]

    return LoadResult(
        requests=len(latencies),
        seconds=elapsed,
        ok=total("ok"),
        non2xx=total("non2xx"),
        accepted=total("accepted"),
        socket_errors=total("errors"),
        timeouts=0,
        p50_ms=cuts[49] * 1e3,
        p90_ms=cuts[89] * 1e3,
        p99_ms=cuts[98] * 1e3,
        max_ms=(latencies[-1] if latencies else 0.0) * 1e3,
        tool="python",
    )
