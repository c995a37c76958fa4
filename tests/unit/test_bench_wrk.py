"""The bench's reading of `wrk --latency` output (bench/wrk.py): the figures its tables are made of."""

from __future__ import annotations

import pytest

from bench.wrk import _lua_list, parse

OUTPUT = """Running 10s test @ http://127.0.0.1:8000/api/v1/products/?page=1
  2 threads and 20 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    85.41ms   40.10ms   1.02s    90.00%
    Req/Sec   118.20     30.00   200.00     70.00%
  Latency Distribution
     50%  750.00us
     75%   90.00ms
     90%  120.00ms
     99%    1.25s
  2364 requests in 10.02s, 4.10MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:    235.93
Transfer/sec:    419.00KB
"""


def test_requests_duration_errors_and_percentiles_in_milliseconds() -> None:
    load = parse(OUTPUT)

    assert (load.requests, load.seconds, load.errors) == (2364, 10.02, 9)
    assert load.p50_ms == pytest.approx(0.75)
    assert load.p99_ms == pytest.approx(1250.0)
    assert load.rate == pytest.approx(2364 / 10.02)


def test_output_without_a_request_count_is_refused() -> None:
    with pytest.raises(RuntimeError, match="unreadable wrk output"):
        parse("unable to connect to 127.0.0.1:1 Connection refused")


def test_lua_strings_escape_quotes_and_backslashes() -> None:
    assert _lua_list(['a"b', "c\\d", "sid=1; csrftoken=x"]) == '{"a\\"b", "c\\\\d", "sid=1; csrftoken=x"}'
