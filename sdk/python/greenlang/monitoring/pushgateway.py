"""Batch-job metrics through PushGateway (FR-4.2, FR-4.3), without ever failing the job.

    from greenlang.monitoring import BatchJobMetrics

    metrics = BatchJobMetrics("emissions-nightly", grouping_key={"tenant": "acme"})
    with metrics.track_duration():
        n = run_job()
        metrics.job_records_processed.labels(record_type="invoice").inc(n)

What it guarantees (see docs/prd-review.md for why the PRD sketch could not):

* A push failure never fails the job and never replaces the job's own exception: it is logged
  and counted (``raise_on_push_failure=True`` opts into raising, and only when the job itself
  succeeded).
* Each push attempt has a bounded timeout; a few retries with jittered backoff stay within a
  total budget below a pod's termination grace period; a 4xx (bad payload) is not retried.
* The two PushGateway replicas share nothing, so every push goes to every replica (explicit
  URLs, ``GL_PUSHGATEWAY_URLS``, or the addresses behind the headless Service) and succeeds when
  at least one replica took it.
* Pushes use POST (``pushadd``), and ``gl_batch_job_last_success_timestamp`` is only sent after a
  success: a failed run cannot erase the previous success. Last-run values are gauges. Durations
  use a monotonic clock.
* SIGTERM (pod eviction) and BaseException still record and push a failed run.
"""

from __future__ import annotations

import base64
import http.client
import logging
import os
import random
import re
import signal
import socket
import ssl
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Callable, Iterator, Mapping, Sequence

from prometheus_client import CollectorRegistry, Gauge, delete_from_gateway, pushadd_to_gateway
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger("greenlang.monitoring.pushgateway")

DEFAULT_SERVICE = "pushgateway.monitoring.svc.cluster.local:9091"
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


class PushError(Exception):
    """A push to one replica failed; ``status`` is the HTTP status when there was one."""

    def __init__(self, url: str, status: int | None, message: str):
        super().__init__(f"{url}: {message}")
        self.url, self.status = url, status


class _HTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address, verifying the certificate against ``server_name`` when given."""

    def __init__(self, *args, server_name: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._server_name = server_name

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self._server_name or self.host)


class JobTerminated(BaseException):
    """Raised inside ``track_duration`` when the pod receives SIGTERM."""


def validate_grouping_key(grouping_key: Mapping[str, str]) -> dict[str, str]:
    """Grouping keys are label names other than ``job`` (the job name is the ``job`` key)."""
    out = {}
    for k, v in grouping_key.items():
        if k == "job":
            raise ValueError("grouping_key must not contain 'job': the job name is already the 'job' grouping label")
        if not _LABEL_NAME.match(k) or k.startswith("__"):
            raise ValueError(f"grouping_key {k!r} is not a valid label name")
        out[k] = str(v)  # '/' and empty values are base64-encoded in the URL by prometheus_client
    return out


def resolve_replicas(service: str = DEFAULT_SERVICE) -> list[str]:
    """Every replica behind a headless Service, as http://<ip>:<port> URLs, sorted."""
    host, _, port = service.rpartition(":")
    infos = socket.getaddrinfo(host, int(port), type=socket.SOCK_STREAM)
    ips = sorted({i[4][0] for i in infos})
    return [f"http://[{ip}]:{port}" if ":" in ip else f"http://{ip}:{port}" for ip in ips]


class _LastSuccess(Collector):
    """Exposes the last-success timestamp only once it is set, so a failed run never sends it."""

    def __init__(self) -> None:
        self.value: float | None = None

    def collect(self):
        if self.value is not None:
            g = GaugeMetricFamily("gl_batch_job_last_success_timestamp", "Unix time of the last successful run of this batch job")
            g.add_metric([], self.value)
            yield g


class BatchJobMetrics:
    """Push metrics from a batch job to every PushGateway replica."""

    def __init__(
        self,
        job_name: str,
        pushgateway_url: str | Sequence[str] | None = None,
        grouping_key: Mapping[str, str] | None = None,
        *,
        timeout: float = 2.0,
        retries: int = 3,
        backoff: float = 0.25,
        budget: float = 10.0,
        raise_on_push_failure: bool = False,
        username: str | None = None,
        password: str | None = None,
        ca_file: str | None = None,
        server_name: str | None = None,
        ttl: float | None = None,
        expected_interval: float | None = None,
        handle_sigterm: bool = True,
        registry: CollectorRegistry | None = None,
    ) -> None:
        if not job_name:
            raise ValueError("job_name must not be empty")
        self.job_name = job_name
        self.grouping_key = validate_grouping_key(grouping_key or {})
        self._urls_spec = pushgateway_url
        self.timeout, self.retries, self.backoff, self.budget = timeout, retries, backoff, budget
        self.raise_on_push_failure = raise_on_push_failure
        self.handle_sigterm = handle_sigterm
        username = username if username is not None else os.environ.get("GL_PUSHGATEWAY_USERNAME")
        password = password if password is not None else _read_file(os.environ.get("GL_PUSHGATEWAY_PASSWORD_FILE"))
        self._auth = "Basic " + base64.b64encode(f"{username}:{password or ''}".encode()).decode() if username else None
        # TLS: the platform's certificate names the service, not the pod IPs the replicas are
        # reached by, so the name to verify is given separately (GL_PUSHGATEWAY_SERVER_NAME).
        ca_file = ca_file or os.environ.get("GL_PUSHGATEWAY_CA_FILE")
        self._server_name = server_name or os.environ.get("GL_PUSHGATEWAY_SERVER_NAME")
        self._ssl = ssl.create_default_context(cafile=ca_file) if ca_file else None
        self.push_failures = 0
        self.last_push_ok: bool | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._pool_size = 0
        self._connections: dict[str, http.client.HTTPConnection] = {}

        self.registry = registry or CollectorRegistry()
        self.job_duration = Gauge("gl_batch_job_duration_seconds", "Duration of the last run", ["status"], registry=self.registry)
        self.job_records_processed = Gauge(
            "gl_batch_job_records_processed", "Records processed by the last run", ["record_type"], registry=self.registry
        )
        self.job_errors = Gauge("gl_batch_job_errors", "Errors in the last run, by type", ["error_type"], registry=self.registry)
        self._push_failures_gauge = Gauge(
            "gl_batch_job_push_failures", "Replica pushes that failed during this run (as of this push)", registry=self.registry
        )
        self._last_success = _LastSuccess()
        self.registry.register(self._last_success)
        if ttl is not None:
            Gauge("gl_batch_job_ttl_seconds", "Janitor deletes this group after this long without a push", registry=self.registry).set(ttl)
        if expected_interval is not None:
            Gauge(
                "gl_batch_job_expected_interval_seconds", "How often a successful run is expected", registry=self.registry
            ).set(expected_interval)

    # -- where to push -------------------------------------------------------------------

    def urls(self) -> list[str]:
        spec = self._urls_spec
        if spec is None:
            env = os.environ.get("GL_PUSHGATEWAY_URLS")
            if env:
                return [u.strip() for u in env.split(",") if u.strip()]
            urls = resolve_replicas(os.environ.get("GL_PUSHGATEWAY_SERVICE", DEFAULT_SERVICE))
            return [u.replace("http://", "https://", 1) for u in urls] if self._ssl else urls
        return [spec] if isinstance(spec, str) else list(spec)

    # -- pushing -------------------------------------------------------------------------

    def _handler(self, url: str, method: str, timeout: float | None, headers: list, data: bytes) -> Callable[[], None]:
        def handle() -> None:
            parts = urllib.parse.urlsplit(url)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            hdrs = dict(headers)
            if self._auth:
                hdrs["Authorization"] = self._auth
            for fresh in (False, True):
                reused = parts.netloc in self._connections
                conn = self._connection(parts.scheme, parts.netloc, timeout)
                try:
                    conn.request(method, path, body=data if method != "DELETE" else None, headers=hdrs)
                    resp = conn.getresponse()
                    body = resp.read()
                    break
                except (OSError, http.client.HTTPException) as e:
                    self._drop_connection(parts.netloc)
                    if reused and not fresh:
                        continue  # the server closed an idle kept-alive connection: redial once
                    raise PushError(url, None, str(e) or type(e).__name__) from None
            if resp.status >= 400:
                raise PushError(url, resp.status, f"HTTP {resp.status}: {body[:200]!r}")

        return handle

    def _connection(self, scheme: str, netloc: str, timeout: float | None) -> http.client.HTTPConnection:
        """One kept-alive connection per replica (each replica is pushed from one thread at a time)."""
        conn = self._connections.get(netloc)
        if conn is None:
            if scheme == "https":
                conn = _HTTPSConnection(netloc, timeout=timeout, context=self._ssl or ssl.create_default_context(), server_name=self._server_name)
            else:
                conn = http.client.HTTPConnection(netloc, timeout=timeout)
            self._connections[netloc] = conn
        return conn

    def _drop_connection(self, netloc: str) -> None:
        conn = self._connections.pop(netloc, None)
        if conn is not None:
            conn.close()

    def _with_retries(self, url: str, op: Callable[[], None], deadline: float) -> None:
        attempt = 0
        while True:
            try:
                op()
                return
            except PushError as e:
                attempt += 1
                if e.status is not None and 400 <= e.status < 500:
                    raise  # the payload or grouping key is wrong: retrying cannot help
                wait = self.backoff * (2 ** (attempt - 1)) * random.uniform(0.5, 1.5)
                if attempt > self.retries or time.monotonic() + wait + self.timeout > deadline:
                    raise
                log.debug("push to %s failed (%s), retry %d in %.2fs", url, e, attempt, wait)
                time.sleep(wait)

    def _each_replica(self, verb: str, op: Callable[[str], None]) -> bool:
        deadline = time.monotonic() + self.budget
        try:
            urls = self.urls()
        except OSError as e:
            urls, error = [], e
        else:
            error = None
        if not urls:
            self.push_failures += 1
            log.error("%s of job %s: no PushGateway replica found (%s)", verb, self.job_name, error)
            return False
        # Replicas in parallel: one slow replica must not eat the other's share of the budget.
        def attempt(url: str) -> PushError | None:
            try:
                self._with_retries(url, lambda: op(url), deadline)
                return None
            except PushError as e:
                return e

        if len(urls) == 1:
            outcomes = [attempt(urls[0])]
        else:
            # The caller's thread takes the first replica; a kept worker pool the rest.
            if self._pool is None or self._pool_size < len(urls) - 1:
                self._pool = ThreadPoolExecutor(max_workers=len(urls) - 1, thread_name_prefix="gl-push")
                self._pool_size = len(urls) - 1
            futures = [self._pool.submit(attempt, u) for u in urls[1:]]
            outcomes = [attempt(urls[0]), *(f.result() for f in futures)]
        errors = [e for e in outcomes if e is not None]
        ok = len(urls) - len(errors)
        self.push_failures += len(errors)
        for e in errors:
            level = logging.WARNING if ok else logging.ERROR
            log.log(level, "%s of job %s to %s failed: %s", verb, self.job_name, e.url, e)
        return ok > 0

    def push(self) -> bool:
        """POST the registry to every replica; True when at least one replica took it. Never raises
        unless ``raise_on_push_failure`` and no replica took it."""
        self._push_failures_gauge.set(self.push_failures)

        def op(url: str) -> None:
            pushadd_to_gateway(
                url, job=self.job_name, registry=self.registry, grouping_key=self.grouping_key, timeout=self.timeout, handler=self._handler
            )

        self.last_push_ok = self._each_replica("push", op)
        if not self.last_push_ok and self.raise_on_push_failure:
            raise PushError(",".join(self.urls_safe()), None, "no PushGateway replica accepted the push")
        return self.last_push_ok

    def delete(self) -> bool:
        """Delete this job's group from every replica. Do not call right after a run: Prometheus
        must scrape the values first; the janitor expires groups (FR-4.4)."""

        def op(url: str) -> None:
            delete_from_gateway(url, job=self.job_name, grouping_key=self.grouping_key, timeout=self.timeout, handler=self._handler)

        return self._each_replica("delete", op)

    def urls_safe(self) -> list[str]:
        try:
            return self.urls()
        except OSError:
            return []

    # -- the run -------------------------------------------------------------------------

    def mark_success(self) -> None:
        self._last_success.value = time.time()

    @contextmanager
    def track_duration(self) -> Iterator["BatchJobMetrics"]:
        """Time the run, record success or the error type, and push once at the end."""
        restore = self._install_sigterm() if self.handle_sigterm else None
        start = time.monotonic()
        status = "error"
        try:
            yield self
            status = "success"
        except BaseException as e:
            self.job_errors.labels(error_type=type(e).__name__).inc()
            raise
        finally:
            if restore:
                restore()
            self.job_duration.clear()
            self.job_duration.labels(status=status).set(time.monotonic() - start)
            if status == "success":
                self.mark_success()
            try:
                self.push()
            except Exception:
                if status == "success" and self.raise_on_push_failure:
                    raise  # opted in, and there is no job exception it could replace
                log.exception("push of job %s failed; the job's own outcome stands", self.job_name)

    def _install_sigterm(self) -> Callable[[], None] | None:
        if threading.current_thread() is not threading.main_thread():
            return None

        def on_term(signum, frame):
            raise JobTerminated(f"received signal {signum}")

        previous = signal.signal(signal.SIGTERM, on_term)
        return lambda: signal.signal(signal.SIGTERM, previous)


def _read_file(path: str | None) -> str | None:
    if not path:
        return None
    with open(path, encoding="utf-8") as f:
        return f.read().strip()
