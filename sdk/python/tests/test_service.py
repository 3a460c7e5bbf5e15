"""ServiceMetrics and AgentMetrics: what a scrape of the service shows after requests and runs."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from greenlang.monitoring import AgentMetrics, ServiceMetrics
from greenlang.monitoring.service import UNMATCHED_ROUTE


def value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def call(app, path: str, method: str = "GET", route: str | None = None) -> list[dict]:
    """Run one HTTP request through an ASGI app; returns what it sent."""
    scope = {"type": "http", "method": method, "path": path}
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    async def run():
        await app(scope | ({"route": SimpleNamespace(path=route)} if route else {}), receive, send)

    asyncio.run(run())
    return sent


def responding(status: int, route_in_scope: str | None = None):
    async def app(scope, receive, send):
        if route_in_scope:  # what Starlette's router does while routing
            scope["route"] = SimpleNamespace(path=route_in_scope)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


def test_requests_are_counted_by_route_template_not_raw_path():
    reg = CollectorRegistry()
    app = ServiceMetrics(reg).asgi(responding(200, route_in_scope="/v1/reports/{id}"))
    for i in range(3):
        assert call(app, f"/v1/reports/{i}")[0]["status"] == 200
    assert value(reg, "gl_http_requests_total", route="/v1/reports/{id}", method="GET", code="200") == 3
    assert value(reg, "gl_http_request_duration_seconds_count", route="/v1/reports/{id}", method="GET") == 3
    # No raw path became a label value.
    assert b"/v1/reports/0" not in generate_latest(reg)


def test_unrouted_requests_and_error_statuses():
    reg = CollectorRegistry()
    app = ServiceMetrics(reg).asgi(responding(404))
    call(app, "/nope", method="post")
    assert value(reg, "gl_http_requests_total", route=UNMATCHED_ROUTE, method="POST", code="404") == 1


def test_an_app_that_raises_is_recorded_as_500_and_the_error_propagates():
    reg = CollectorRegistry()

    async def broken(scope, receive, send):
        scope["route"] = SimpleNamespace(path="/v1/calc")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        call(ServiceMetrics(reg).asgi(broken), "/v1/calc", method="POST")
    assert value(reg, "gl_http_requests_total", route="/v1/calc", method="POST", code="500") == 1


def test_non_http_scopes_pass_through_unrecorded():
    reg = CollectorRegistry()
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])

    asyncio.run(ServiceMetrics(reg).asgi(app)({"type": "lifespan"}, None, None))
    assert seen == ["lifespan"]
    assert b"gl_http_requests_total{" not in generate_latest(reg)


def test_agent_runs_count_outcomes_durations_and_in_progress():
    reg = CollectorRegistry()
    agents = AgentMetrics(reg)
    with agents.track_run("fuel-emissions"):
        assert value(reg, "gl_agent_runs_in_progress", agent="fuel-emissions") == 1
    with pytest.raises(ValueError):
        with agents.track_run("fuel-emissions"):
            raise ValueError("bad input")
    assert value(reg, "gl_agent_runs_total", agent="fuel-emissions", outcome="success") == 1
    assert value(reg, "gl_agent_runs_total", agent="fuel-emissions", outcome="error") == 1
    assert value(reg, "gl_agent_run_duration_seconds_count", agent="fuel-emissions") == 2
    assert value(reg, "gl_agent_runs_in_progress", agent="fuel-emissions") == 0
