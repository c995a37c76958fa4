"""Prometheus metrics of the event backbone (outbox, delivery, subscribers)."""

from prometheus_client import Counter, Gauge

OUTBOX_LAG_SECONDS = Gauge(
    "outbox_lag_seconds",
    "Age of the oldest committed event not yet handed to the job queue (0 when none).",
    multiprocess_mode="livemax",
)
OUTBOX_DEAD_LETTERS = Gauge(
    "outbox_dead_letters",
    "Events published the maximum number of times and still not delivered: inspect and redrive by hand.",
    multiprocess_mode="livemax",
)
OUTBOX_PUBLISHED_TOTAL = Counter(
    "outbox_published_total", "Outbox events handed to the job queue, by who published them.", ["publisher"]
)
DOMAIN_EVENTS_DELIVERED_TOTAL = Counter(
    "domain_events_delivered_total",
    "Domain events handled by a subscriber (first time only).",
    ["subscriber", "event_type"],
)
EVENT_SUBSCRIBER_FAILURES_TOTAL = Counter(
    "event_subscriber_failures_total", "Subscriber runs that raised (the job is retried).", ["subscriber"]
)
