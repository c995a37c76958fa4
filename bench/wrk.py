"""Read load with wrk (Debian's package), or with the httpx load generator when wrk is not installed.

wrk is a C load generator: it spends far less CPU per request than the Python one, so more of the 2
cores go to the servers being measured. Several paths are spread over the requests by a Lua script;
the cart loop (`run_wrk_cart`) gives each logged-in customer a thread and a connection of its own.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from dataclasses import dataclass

import httpx

from bench.harness import DATA_DIR

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    tool: str

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def available() -> bool:
    return shutil.which("wrk") is not None


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNIT_MS[unit]


def parse(output: str) -> Load:
    """requests, duration, non-2xx/3xx + socket errors and the p50/p99 of `wrk --latency` output."""
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s)", output)
    if done is None:
        raise RuntimeError(f"unreadable wrk output:\n{output}")
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+(?:us|ms|s))\s*$", output, re.MULTILINE))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Load(
        requests=int(done.group(1)),
        seconds=_ms(done.group(2) + done.group(3)) / 1000,
        errors=errors + (int(non_2xx.group(1)) if non_2xx else 0),
        p50_ms=_ms(percentiles["50"]),
        p99_ms=_ms(percentiles["99"]),
        tool="wrk",
    )


def _lua_list(values: list[str]) -> str:
    return "{" + ", ".join('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values) + "}"


def _script(paths: list[str]) -> str:
    return (
        f"local paths = {_lua_list(paths)}\n"
        "local counter = 0\n"
        "request = function()\n"
        "  counter = counter + 1\n"
        "  return wrk.format('GET', paths[(counter % #paths) + 1])\n"
        "end\n"
    )


def run_wrk(base_url: str, paths: list[str], seconds: float, connections: int) -> Load:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "--timeout", "30s"]
    if len(paths) > 1:
        script = DATA_DIR / "wrk_paths.lua"
        script.write_text(_script(paths))
        command += ["-s", str(script)]
    command += ["--latency", base_url + paths[0]]
    finished = subprocess.run(command, capture_output=True, text=True, check=True)
    return parse(finished.stdout)


_CART_SCRIPT = """
local cookies, tokens, products = %s, %s, %s
local started = 0
function setup(thread)  -- in wrk's main thread, once per thread: which customer it is
  started = started + 1
  thread:set("me", started)
end
local product, adding = nil, true
function init(args)
  math.randomseed(me * 7919)
end
function request()  -- one connection per thread, so an add's answer comes before its remove is sent
  local headers = {["Cookie"] = cookies[me], ["X-CSRFToken"] = tokens[me]}
  if adding then
    adding = false
    product = products[math.random(#products)]
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", "/api/v1/cart/items/", headers, '{"product_id": "' .. product .. '", "quantity": 1}')
  end
  adding = true
  return wrk.format("DELETE", "/api/v1/cart/items/" .. product .. "/remove/", headers)
end
"""


def run_wrk_cart(base_url: str, sessions: list[tuple[str, str]], product_ids: list[str], seconds: float) -> Load:
    """Each (Cookie header, CSRF token) customer loops add one unit of a random product, then remove it."""
    cookies, tokens = [cookie for cookie, _ in sessions], [token for _, token in sessions]
    script = DATA_DIR / "wrk_cart.lua"
    script.write_text(_CART_SCRIPT % (_lua_list(cookies), _lua_list(tokens), _lua_list(product_ids)))
    threads = str(len(sessions))
    command = ["wrk", "-t", threads, "-c", threads, "-d", f"{max(1, round(seconds))}s", "--timeout", "30s"]
    command += ["-s", str(script), "--latency", base_url + "/api/v1/cart/items/"]
    return parse(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


async def run_httpx(base_url: str, paths: list[str], seconds: float, connections: int) -> Load:
    from bench.run import run_scenario

    async def step(client: httpx.AsyncClient, rng: random.Random) -> list[httpx.Response]:
        return [await client.get(rng.choice(paths))]

    clients = [httpx.AsyncClient(base_url=base_url, timeout=30) for _ in range(connections)]
    try:
        result = await run_scenario("read", clients, step, seconds)
    finally:
        for client in clients:
            await client.aclose()
    return from_latencies(result.latencies, result.seconds, result.errors)


def from_latencies(latencies: list[float], seconds: float, errors: int) -> Load:
    """The httpx load generator's figures (latencies in seconds) as a Load."""
    ordered = sorted(latencies) or [0.0]
    return Load(
        requests=len(latencies),
        seconds=seconds,
        errors=errors,
        p50_ms=ordered[len(ordered) // 2] * 1000,
        p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        tool="httpx",
    )
