"""The circuit breaker's states, on a clock the test moves."""

from __future__ import annotations

from app.adapters.circuit_breaker import CircuitBreaker, CircuitState


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock) -> CircuitBreaker:
    return CircuitBreaker("redis", failures_to_open=3, reset_seconds=5.0, clock=clock)


def test_it_opens_after_the_failures_in_a_row_and_refuses_calls():
    circuit = breaker(Clock())
    circuit.record_failure()
    circuit.record_failure()
    assert circuit.state is CircuitState.CLOSED and circuit.allow()

    circuit.record_failure()

    assert circuit.state is CircuitState.OPEN
    assert not circuit.allow()
    assert circuit.times_opened == 1


def test_a_success_between_failures_starts_the_count_again():
    circuit = breaker(Clock())
    circuit.record_failure()
    circuit.record_failure()
    circuit.record_success()
    circuit.record_failure()
    circuit.record_failure()
    assert circuit.state is CircuitState.CLOSED


def test_after_the_reset_time_one_trial_goes_through_and_its_success_closes_the_circuit():
    clock = Clock()
    circuit = breaker(clock)
    for _ in range(3):
        circuit.record_failure()
    clock.now += 4.9
    assert not circuit.allow()

    clock.now += 0.2
    assert circuit.state is CircuitState.HALF_OPEN
    assert circuit.allow()  # the trial
    assert not circuit.allow()  # only one at a time
    circuit.record_success()

    assert circuit.state is CircuitState.CLOSED
    assert circuit.allow()


def test_a_failed_trial_opens_the_circuit_for_another_reset_time():
    clock = Clock()
    circuit = breaker(clock)
    for _ in range(3):
        circuit.record_failure()
    clock.now += 5.0
    assert circuit.allow()

    circuit.record_failure()

    assert circuit.state is CircuitState.OPEN
    assert circuit.times_opened == 2
    clock.now += 4.9
    assert not circuit.allow()
    clock.now += 0.1
    assert circuit.allow()


def test_a_trial_that_never_reports_is_replaced_after_the_reset_time():
    clock = Clock()
    circuit = breaker(clock)
    for _ in range(3):
        circuit.record_failure()
    clock.now += 5.0
    assert circuit.allow()  # this trial is lost (its caller was cancelled)
    clock.now += 4.0
    assert not circuit.allow()
    clock.now += 1.0
    assert circuit.allow()
