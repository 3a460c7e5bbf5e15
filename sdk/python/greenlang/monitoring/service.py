"""Request and agent-run metrics for GreenLang services (FR-5.4), served on the service's own
``/metrics`` and scraped by the platform's ServiceMonitors.

    from greenlang.monitoring import AgentMetrics, ServiceMetrics

    app = ServiceMetrics().asgi(app)            # any ASGI app (FastAPI, Starlette, ...)

    agents = AgentMetrics()
    with agents.track_run("fuel-emissions"):
        run_agent()

The metric names and labels are the contract the platform's ``greenlang-services`` rules and
"GreenLang services" dashboard read (charts/rules/greenlang-services.ts):

* ``gl_http_requests_total{route, method, code}`` and
  ``gl_http_request_duration_seconds{route, method}``: ``route`` is the route *template*
  (``/v1/reports/{id}``), never the raw path, so a path parameter cannot explode cardinality;
  requests no route matched are counted as ``<unmatched>``. The target's ``service``, ``namespace``
  and ``pod`` labels come from discovery, not from here.
* ``gl_agent_runs_total{agent, outcome}`` (``success`` or ``error``),
  ``gl_agent_run_duration_seconds{agent}`` and ``gl_agent_runs_in_progress{agent}``: the agent
  factory's ServiceMonitor keeps only ``gl_agent_*``.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Any, Awaitable, Callable, Iterator, MutableMapping

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

UNMATCHED_ROUTE = "<unmatched>"
# API latency: 5 ms to 10 s; agent runs: 100 ms to 30 min.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
AGENT_RUN_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


class ServiceMetrics:
    """HTTP request count and latency by route template, method and status code."""

    def __init__(self, registry: CollectorRegistry = REGISTRY):
        self.requests = Counter(
            "gl_http_requests",
            "HTTP requests served, by route template, method and status code.",
            ["route", "method", "code"],
            registry=registry,
        )
        self.duration = Histogram(
            "gl_http_request_duration_seconds",
            "Time to serve an HTTP request, by route template and method.",
            ["route", "method"],
            buckets=REQUEST_BUCKETS,
            registry=registry,
        )

    def observe(self, route: str, method: str, code: int, seconds: float) -> None:
        """Record one served request (for frameworks the ASGI middleware does not fit)."""
        route = route or UNMATCHED_ROUTE
        self.requests.labels(route=route, method=method.upper(), code=str(code)).inc()
        self.duration.labels(route=route, method=method.upper()).observe(seconds)

    def asgi(self, app: ASGIApp) -> ASGIApp:
        """Wrap an ASGI app: every HTTP request is recorded once its response has started (or failed, as 500)."""

        async def instrumented(scope: Scope, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]) -> None:
            if scope.get("type") != "http":
                await app(scope, receive, send)
                return
            status = {"code": 500}

            async def send_and_note(message: Message) -> None:
                if message.get("type") == "http.response.start":
                    status["code"] = int(message["status"])
                await send(message)

            start = time.perf_counter()
            try:
                await app(scope, receive, send_and_note)
            finally:
                # Starlette/FastAPI put the matched route in the scope while routing.
                route = getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE
                self.observe(route, scope.get("method", "GET"), status["code"], time.perf_counter() - start)

        return instrumented


class AgentMetrics:
    """Agent-factory runs: how many finish, how, how long they take, how many are running."""

    def __init__(self, registry: CollectorRegistry = REGISTRY):
        self.runs = Counter("gl_agent_runs", "Agent runs finished, by agent and outcome.", ["agent", "outcome"], registry=registry)
        self.duration = Histogram(
            "gl_agent_run_duration_seconds",
            "Duration of finished agent runs, by agent.",
            ["agent"],
            buckets=AGENT_RUN_BUCKETS,
            registry=registry,
        )
        self.in_progress = Gauge("gl_agent_runs_in_progress", "Agent runs started and not finished.", ["agent"], registry=registry)

    @contextmanager
    def track_run(self, agent: str) -> Iterator[None]:
        """Count the run as in progress, then as a success or (on any exception, re-raised) an error."""
        self.in_progress.labels(agent=agent).inc()
        start = time.perf_counter()
        outcome = "error"
        try:
            yield
            outcome = "success"
        finally:
            self.in_progress.labels(agent=agent).dec()
            self.duration.labels(agent=agent).observe(time.perf_counter() - start)
            self.runs.labels(agent=agent, outcome=outcome).inc()
