"""A stand-in GreenLang service for the local preview (tools/preview/greenlang-services.ts): the
SDK's ServiceMetrics and AgentMetrics on /metrics, with traffic of its own so every rule and
panel on them has data. Requests go through the SDK's ASGI middleware exactly as a service's
would; about 2% fail with 500, a few are slow, and one agent run in ten fails.

    python greenlang_service.py --listen-address=10.0.0.7:8000
"""

from __future__ import annotations

import argparse
import asyncio
import random
import threading
import time
from types import SimpleNamespace

from prometheus_client import start_http_server

from greenlang.monitoring import AgentMetrics, ServiceMetrics

ROUTES = ["/v1/reports/{id}", "/v1/emissions/calculate", "/healthz"]
AGENTS = ["fuel-emissions", "cbam-declaration"]


async def app(scope, receive, send):
    """A minimal service: routes as Starlette would set them; /v1/emissions/calculate sometimes fails or is slow."""
    route = random.choice(ROUTES)
    scope["route"] = SimpleNamespace(path=route)
    if route == "/v1/emissions/calculate":
        if random.random() < 0.05:
            raise RuntimeError("calculation failed")
        await asyncio.sleep(random.choice([0.01, 0.02, 0.3]))
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def traffic(service: ServiceMetrics, agents: AgentMetrics) -> None:
    instrumented = service.asgi(app)

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(_message):
        return None

    async def loop():
        while True:
            try:
                await instrumented({"type": "http", "method": "GET", "path": "/"}, receive, send)
            except RuntimeError:
                pass  # counted as a 500 by the middleware
            if random.random() < 0.2:
                try:
                    with agents.track_run(random.choice(AGENTS)):
                        await asyncio.sleep(random.uniform(0.01, 0.1))
                        if random.random() < 0.1:
                            raise ValueError("agent input rejected")
                except ValueError:
                    pass
            await asyncio.sleep(0.05)

    asyncio.run(loop())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--listen-address", required=True, help="host:port for /metrics")
    a = p.parse_args()
    host, port = a.listen_address.rsplit(":", 1)
    start_http_server(int(port), addr=host)
    threading.Thread(target=traffic, args=(ServiceMetrics(), AgentMetrics()), daemon=True).start()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
