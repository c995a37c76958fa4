"""The argon2id adapter: parameters per environment, work off the event loop, the queue gauge."""

from __future__ import annotations

import asyncio
import time

from argon2 import Parameters, Type, extract_parameters

from app.adapters.passwords import PASSWORD_HASHING_QUEUED, PASSWORD_HASHING_RUNNING, hasher_for


def _parameters(environment: str) -> Parameters:
    hasher = hasher_for(environment, threads=1)
    try:
        return extract_parameters(hasher.unknown_user_hash)
    finally:
        hasher.close()


def test_production_parameters_meet_the_owasp_argon2id_minimum():
    for environment in ("production", "development"):
        parameters = _parameters(environment)
        assert parameters.type is Type.ID
        # OWASP: m=19 MiB, t=2, p=1 at least (or a larger m with a smaller t).
        assert parameters.memory_cost >= 19 * 1024
        assert parameters.time_cost >= 2
        assert parameters.parallelism >= 1


def test_the_test_suite_uses_cheap_parameters():
    parameters = _parameters("test")
    assert parameters.type is Type.ID
    assert parameters.memory_cost < 19 * 1024 and parameters.time_cost == 1


async def test_hash_and_verify():
    hasher = hasher_for("test", threads=2)
    try:
        stored = await hasher.hash("correct horse")
        assert await hasher.verify(stored, "correct horse")
        assert not await hasher.verify(stored, "wrong horse")
        assert not await hasher.verify("not-a-hash", "correct horse")
        assert not await hasher.verify(hasher.unknown_user_hash, "correct horse")
    finally:
        hasher.close()


async def test_verifications_run_off_the_event_loop_and_the_gauges_settle():
    hasher = hasher_for("production", threads=2)
    stored = await hasher.hash("a password")
    longest_gap = 0.0
    done = asyncio.Event()

    async def heartbeat() -> None:
        nonlocal longest_gap
        last = time.monotonic()
        while not done.is_set():
            await asyncio.sleep(0.005)
            now = time.monotonic()
            longest_gap, last = max(longest_gap, now - last), now

    beating = asyncio.create_task(heartbeat())
    try:
        results = await asyncio.gather(*(hasher.verify(stored, "a password") for _ in range(16)))
    finally:
        done.set()
        await beating
        hasher.close()
    assert all(results)
    # 16 production verifications on the loop would stall it for seconds; off it, ticks keep coming.
    assert longest_gap < 1.0
    assert PASSWORD_HASHING_QUEUED._value.get() == 0
    assert PASSWORD_HASHING_RUNNING._value.get() == 0


async def test_a_cancelled_wait_leaves_the_queue_gauge_at_zero():
    hasher = hasher_for("production", threads=1)
    stored = hasher.unknown_user_hash
    try:
        waits = [asyncio.create_task(hasher.verify(stored, "x")) for _ in range(4)]
        await asyncio.sleep(0)
        for wait in waits[1:]:
            wait.cancel()
        await asyncio.gather(*waits, return_exceptions=True)
    finally:
        hasher.close()
    assert PASSWORD_HASHING_QUEUED._value.get() == 0
