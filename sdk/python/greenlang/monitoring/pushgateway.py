"""Batch-job metrics through PushGateway (FR-4.2, FR-4.3), without ever failing the job.

    from greenlang.monitoring import BatchJobMetrics

    metrics = BatchJobMetrics("emissions-nightly", grouping_key={"tenant": "acme"})
    with metrics.track_duration():
        n = run_job()
        metrics.job_records_processed.labels(record_type="invoice").inc(n)

What it guarantees (the package README says where and why this differs from PRD 3.5's sketch):

* A push failure never fails the job and never replaces the job's own exception: it is logged
  and counted (``raise_on_push_failure=True`` opts into raising, and only when the job itself
  succeeded).
* Only a 2xx answer is success. Each push attempt has a bounded timeout; a few retries with
  jittered backoff stay within a total budget (wall time of ``push()``, below a pod's termination
  grace period); a 3xx or 4xx (wrong address, payload or credentials) is not retried.
* Every argument is checked at construction (``ValueError`` naming it); configuration read from
  the environment names its variable when it is wrong. Credentials never reach logs or errors.
* A group that gives ``expected_interval`` lives until the freshness alerts on it can fire: its
  TTL defaults to a missed run more than that, and a shorter ``ttl`` is refused.
* Safe to share between threads: pushes of one instance run one at a time.
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
import functools
import logging
import math
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

from .janitor import ServerNameHTTPSConnection, minimum_ttl, ttl_for_interval

log = logging.getLogger("greenlang.monitoring.pushgateway")

DEFAULT_SERVICE = "pushgateway.monitoring.svc.cluster.local:9091"
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def _redact(url: str) -> str:
    """A URL without any user:password it may carry."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urllib.parse.urlunsplit(parts._replace(netloc=f"***@{netloc}"))


class PushError(Exception):
    """A push to one replica failed; ``status`` is the HTTP status when there was one."""

    def __init__(self, url: str, status: int | None, message: str):
        super().__init__(f"{_redact(url)}: {message}")
        self.url, self.status = _redact(url), status


def _finite(name: str, value: object, *, minimum: float = 0.0, inclusive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number of seconds, got {value!r}")
    if value < minimum or (value == minimum and not inclusive):
        raise ValueError(f"{name} must be {'at least' if inclusive else 'more than'} {minimum:g}, got {value!r}")
    return float(value)


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
        if not isinstance(job_name, str) or not job_name:
            raise ValueError(f"job_name must be a non-empty string, got {job_name!r}")
        self.job_name = job_name
        self.grouping_key = validate_grouping_key(grouping_key or {})
        self._urls_spec = _check_urls(pushgateway_url)
        self.timeout = _finite("timeout", timeout)
        self.budget = _finite("budget", budget)
        if self.budget < self.timeout:
            raise ValueError(f"budget ({budget}) must be at least timeout ({timeout}): it bounds the whole push, retries included")
        self.backoff = _finite("backoff", backoff, inclusive=True)
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ValueError(f"retries must be a whole number of at least 0, got {retries!r}")
        self.retries = retries
        if expected_interval is not None:
            expected_interval = _finite("expected_interval", expected_interval)
        if ttl is not None:
            ttl = _finite("ttl", ttl)
            if expected_interval is not None and ttl < minimum_ttl(expected_interval):
                raise ValueError(
                    f"ttl ({ttl:g}s) is too short for expected_interval ({expected_interval:g}s): the janitor would delete the group "
                    f"before the freshness alerts can fire; use at least {minimum_ttl(expected_interval):g}s or leave ttl unset"
                )
        elif expected_interval is not None:
            ttl = ttl_for_interval(expected_interval)
        self.ttl, self.expected_interval = ttl, expected_interval
        self.raise_on_push_failure = raise_on_push_failure
        self.handle_sigterm = handle_sigterm
        if username is None:
            username = os.environ.get("GL_PUSHGATEWAY_USERNAME") or _read_file(
                "GL_PUSHGATEWAY_USERNAME_FILE", os.environ.get("GL_PUSHGATEWAY_USERNAME_FILE")
            )
        if password is None:
            password = _read_file("GL_PUSHGATEWAY_PASSWORD_FILE", os.environ.get("GL_PUSHGATEWAY_PASSWORD_FILE"))
        self._auth = "Basic " + base64.b64encode(f"{username}:{password or ''}".encode()).decode() if username else None
        # TLS: the platform's certificate names the service, not the pod IPs the replicas are
        # reached by, so the name to verify is given separately (GL_PUSHGATEWAY_SERVER_NAME).
        ca_source = "ca_file" if ca_file else "GL_PUSHGATEWAY_CA_FILE"
        ca_file = ca_file or os.environ.get("GL_PUSHGATEWAY_CA_FILE")
        self._server_name = server_name or os.environ.get("GL_PUSHGATEWAY_SERVER_NAME")
        try:
            self._ssl = ssl.create_default_context(cafile=ca_file) if ca_file else None
        except (OSError, ssl.SSLError) as e:
            raise ValueError(f"{ca_source}={ca_file}: cannot load the CA bundle: {getattr(e, 'strerror', None) or e}") from None
        self._lock = threading.Lock()
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
                urls = [u.strip() for u in env.split(",") if u.strip()]
                try:
                    _check_urls(urls)
                except ValueError as e:
                    raise ValueError(f"GL_PUSHGATEWAY_URLS: {e}") from None
                return urls
            urls = resolve_replicas(os.environ.get("GL_PUSHGATEWAY_SERVICE", DEFAULT_SERVICE))
            return [u.replace("http://", "https://", 1) for u in urls] if self._ssl else urls
        return [spec] if isinstance(spec, str) else list(spec)

    # -- pushing -------------------------------------------------------------------------

    def _handler(
        self, url: str, method: str, timeout: float | None, headers: list, data: bytes, *, deadline: float
    ) -> Callable[[], None]:
        def handle() -> None:
            parts = urllib.parse.urlsplit(url)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            hdrs = dict(headers)
            if self._auth:
                hdrs["Authorization"] = self._auth
            for fresh in (False, True):
                # Never wait past the push's budget, whatever the per-attempt timeout.
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PushError(url, None, "the push budget ran out")
                reused = parts.netloc in self._connections
                conn = self._connection(parts.scheme, parts.netloc, min(timeout or remaining, remaining))
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
            if not 200 <= resp.status < 300:
                # A redirect stores nothing: it is a wrong address, not a success.
                raise PushError(url, resp.status, f"HTTP {resp.status}: {body[:200]!r}")

        return handle

    def _connection(self, scheme: str, netloc: str, timeout: float) -> http.client.HTTPConnection:
        """One kept-alive connection per replica (each replica is pushed from one thread at a time)."""
        conn = self._connections.get(netloc)
        if conn is not None:
            conn.timeout = timeout
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
        else:
            if scheme == "https":
                conn = ServerNameHTTPSConnection(netloc, timeout=timeout, context=self._ssl or ssl.create_default_context(), server_name=self._server_name)
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
                if e.status is not None and 300 <= e.status < 500:
                    raise  # the address, payload, grouping key or credentials are wrong: retrying cannot help
                wait = self.backoff * (2 ** (attempt - 1)) * random.uniform(0.5, 1.5)
                if attempt > self.retries or time.monotonic() + wait + self.timeout > deadline:
                    raise
                log.debug("push to %s failed (%s), retry %d in %.2fs", url, e, attempt, wait)
                time.sleep(wait)

    def _each_replica(self, verb: str, op: Callable[[str, float], None]) -> bool:
        """``op`` on every replica; never raises (a failure is logged, counted and returned as False)."""
        with self._lock:
            try:
                return self._each_replica_locked(verb, op)
            except Exception as e:  # noqa: BLE001 - the job's outcome must not depend on the push
                self.push_failures += 1
                log.error("%s of job %s failed: %s", verb, self.job_name, _redact(str(e)))
                return False

    def _each_replica_locked(self, verb: str, op: Callable[[str, float], None]) -> bool:
        deadline = time.monotonic() + self.budget
        try:
            urls = self.urls()
        except (OSError, ValueError) as e:
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
                self._with_retries(url, lambda: op(url, deadline), deadline)
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

        def op(url: str, deadline: float) -> None:
            handler = functools.partial(self._handler, deadline=deadline)
            pushadd_to_gateway(url, job=self.job_name, registry=self.registry, grouping_key=self.grouping_key, timeout=self.timeout, handler=handler)

        self.last_push_ok = self._each_replica("push", op)
        if not self.last_push_ok and self.raise_on_push_failure:
            raise PushError(",".join(self.urls_safe()), None, "no PushGateway replica accepted the push")
        return self.last_push_ok

    def delete(self) -> bool:
        """Delete this job's group from every replica. Do not call right after a run: Prometheus
        must scrape the values first; the janitor expires groups (FR-4.4)."""

        def op(url: str, deadline: float) -> None:
            handler = functools.partial(self._handler, deadline=deadline)
            delete_from_gateway(url, job=self.job_name, grouping_key=self.grouping_key, timeout=self.timeout, handler=handler)

        return self._each_replica("delete", op)

    def urls_safe(self) -> list[str]:
        try:
            return [_redact(u) for u in self.urls()]
        except (OSError, ValueError):
            return []

    # -- the run -------------------------------------------------------------------------

    def mark_success(self) -> None:
        self._last_success.value = time.time()

    @contextmanager
    def track_duration(self, status: str = "success") -> Iterator["BatchJobMetrics"]:
        """Time the run, record ``status`` (PRD 3.5's parameter) on success or ``error`` and the
        error type on failure, and push once at the end."""
        if not isinstance(status, str) or not status or status == "error":
            raise ValueError(f"status must be a non-empty label value other than 'error' (kept for failed runs), got {status!r}")
        success_status = status
        restore = self._install_sigterm() if self.handle_sigterm else None
        start = time.monotonic()
        status = "error"
        try:
            yield self
            status = success_status
        except BaseException as e:
            self.job_errors.labels(error_type=type(e).__name__).inc()
            raise
        finally:
            if restore:
                restore()
            self.job_duration.clear()
            self.job_duration.labels(status=status).set(time.monotonic() - start)
            if status == success_status:
                self.mark_success()
            try:
                self.push()
            except Exception:
                if status == success_status and self.raise_on_push_failure:
                    raise  # opted in, and there is no job exception it could replace
                log.exception("push of job %s failed; the job's own outcome stands", self.job_name)

    def _install_sigterm(self) -> Callable[[], None] | None:
        if threading.current_thread() is not threading.main_thread():
            return None

        def on_term(signum, frame):
            raise JobTerminated(f"received signal {signum}")

        previous = signal.signal(signal.SIGTERM, on_term)
        return lambda: signal.signal(signal.SIGTERM, previous)


def _read_file(variable: str, path: str | None) -> str | None:
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except OSError as e:
        raise ValueError(f"{variable}={path}: cannot read it: {e.strerror or e}") from None


def _check_urls(spec: str | Sequence[str] | None) -> str | Sequence[str] | None:
    """Explicit replica URLs must be http(s) URLs with a host; checked once, at construction."""
    if spec is None:
        return None
    for u in [spec] if isinstance(spec, str) else list(spec):
        try:
            parts = urllib.parse.urlsplit(u) if isinstance(u, str) else None
            ok = parts is not None and parts.scheme in ("http", "https") and bool(parts.hostname)
            if ok:
                parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"pushgateway_url {_redact(u) if isinstance(u, str) else u!r} is not an http(s) URL with a host")
    return spec
