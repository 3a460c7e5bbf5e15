"""PushGateway janitor (FR-4.4): expire stale groups on every replica.

PushGateway keeps a pushed group forever by design (upstream refuses a TTL). This janitor reads
``GET /api/v1/metrics`` on each replica and deletes groups whose last push is older than their
TTL:

* a group's TTL is its ``gl_batch_job_ttl_seconds`` sample when it pushed one
  (``BatchJobMetrics(ttl=...)``); else, when it pushed ``gl_batch_job_expected_interval_seconds``,
  long enough for the freshness alerts on it to fire (``ttl_for_interval``); else
  ``--default-ttl``;
* job-level groups (grouping key is only ``job``) carry the job's last-success timestamp, which
  alerting on "no success within the expected interval" needs for jobs that run less than
  hourly, so they are exempt unless they set their own TTL or ``--expire-job-level`` is given;
* right before deleting, the group is read again and kept if it was pushed in the meantime.

Standard library only: it runs on the official python image, mounted from a ConfigMap, and as
a CLI (``gl-pushgateway-janitor``).
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import http.client
import json
import logging
import math
import ssl
import sys
import time
import urllib.parse

log = logging.getLogger("pushgateway_janitor")

TTL_METRIC = "gl_batch_job_ttl_seconds"
INTERVAL_METRIC = "gl_batch_job_expected_interval_seconds"

# The freshness alerts (charts/rules/batch-jobs.ts) fire once a job has not pushed for 2x its
# expected interval, after `for: 5m` and an evaluation or two: a group must outlive that, or the
# janitor deletes the evidence before the alert can fire.
ALERT_FACTOR = 2.0
ALERT_MARGIN_SECONDS = 600.0


def minimum_ttl(expected_interval: float) -> float:
    """The shortest TTL that lets the freshness alerts fire for a job with this interval."""
    return ALERT_FACTOR * expected_interval + ALERT_MARGIN_SECONDS


def ttl_for_interval(expected_interval: float) -> float:
    """The TTL of a group that gave an expected interval but no TTL: a missed run more than the minimum."""
    return minimum_ttl(expected_interval) + expected_interval


@dataclasses.dataclass(frozen=True)
class Group:
    labels: tuple[tuple[str, str], ...]  # grouping key, sorted, including job
    push_time: float
    ttl: float | None  # the group's own TTL, if it pushed one
    expected_interval: float | None = None  # how often it said a success is due, if it did

    @property
    def job_level(self) -> bool:
        return [k for k, _ in self.labels] == ["job"]

    def describe(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self.labels)


class ServerNameHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS verifying the certificate against ``server_name`` when given (else the host)."""

    def __init__(self, *args, server_name: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._server_name = server_name

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self._server_name or self.host)


@dataclasses.dataclass
class Client:
    url: str
    auth: str | None = None
    context: ssl.SSLContext | None = None
    timeout: float = 10.0
    # The name the replica's certificate carries, when it is reached by another (an address).
    server_name: str | None = None

    def request(self, method: str, path: str) -> bytes:
        parts = urllib.parse.urlsplit(self.url.rstrip("/") + path)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.scheme == "https":
            conn: http.client.HTTPConnection = ServerNameHTTPSConnection(
                parts.netloc, timeout=self.timeout, context=self.context or ssl.create_default_context(), server_name=self.server_name
            )
        else:
            conn = http.client.HTTPConnection(parts.netloc, timeout=self.timeout)
        try:
            conn.request(method, target, headers={"Authorization": self.auth} if self.auth else {})
            resp = conn.getresponse()
            body = resp.read()
        finally:
            conn.close()
        if not 200 <= resp.status < 300:
            raise RuntimeError(f"{method} {self.url}{path}: HTTP {resp.status}")
        return body


    def groups(self) -> list[Group]:
        body = json.loads(self.request("GET", "/api/v1/metrics"))
        if body.get("status") != "success":
            raise RuntimeError(f"{self.url}: {body}")
        out = []
        for g in body.get("data") or []:
            labels = tuple(sorted(g["labels"].items()))
            push = _first_value(g.get("push_time_seconds"))
            if push is None:
                continue
            out.append(Group(labels, push, _first_value(g.get(TTL_METRIC)), _first_value(g.get(INTERVAL_METRIC))))
        return out

    def delete(self, group: Group) -> None:
        self.request("DELETE", group_path(group.labels))


def _first_value(family: dict | None) -> float | None:
    try:
        return float(family["metrics"][0]["value"])  # type: ignore[index]
    except (TypeError, KeyError, IndexError, ValueError):
        return None


def _segment(name: str, value: str) -> str:
    """One `/name@base64/value` path segment. Always base64url: safe for `/`, spaces and empty values."""
    return f"/{name}@base64/{base64.urlsafe_b64encode(value.encode()).decode() or '='}"


def group_path(labels: tuple[tuple[str, str], ...]) -> str:
    d = dict(labels)
    return "/metrics" + _segment("job", d.pop("job")) + "".join(_segment(k, v) for k, v in sorted(d.items()))


def ttl_of(group: Group, default_ttl: float) -> float:
    if group.ttl is not None:
        return group.ttl
    if group.expected_interval is not None and group.expected_interval > 0:
        return ttl_for_interval(group.expected_interval)
    return default_ttl


def expired(group: Group, now: float, default_ttl: float, expire_job_level: bool) -> bool:
    if group.ttl is None and group.expected_interval is None and group.job_level and not expire_job_level:
        return False
    return now - group.push_time > ttl_of(group, default_ttl)


def sweep(clients: list[Client], default_ttl: float, expire_job_level: bool = False, dry_run: bool = False, now=time.time) -> dict:
    """Delete expired groups on every replica; returns counts. Unreachable replicas are reported, not fatal."""
    result = {"deleted": [], "kept_repushed": [], "errors": []}
    for client in clients:
        try:
            candidates = [g for g in client.groups() if expired(g, now(), default_ttl, expire_job_level)]
        except (OSError, ValueError, RuntimeError) as e:
            log.error("replica=%s error=%r", client.url, e)
            result["errors"].append(client.url)
            continue
        for g in candidates:
            try:
                # Re-read just before deleting: a job may have pushed since the first read.
                current = {c.labels: c for c in client.groups()}.get(g.labels)
                if current is None:
                    continue
                if current.push_time != g.push_time or not expired(current, now(), default_ttl, expire_job_level):
                    log.info("replica=%s group=%s action=keep reason=pushed-again", client.url, g.describe())
                    result["kept_repushed"].append((client.url, g.describe()))
                    continue
                age = now() - current.push_time
                if dry_run:
                    log.info("replica=%s group=%s age_seconds=%.0f action=would-delete", client.url, g.describe(), age)
                else:
                    client.delete(current)
                    log.info("replica=%s group=%s age_seconds=%.0f action=deleted", client.url, g.describe(), age)
                result["deleted"].append((client.url, g.describe()))
            except (OSError, ValueError, RuntimeError) as e:
                log.error("replica=%s group=%s error=%r", client.url, g.describe(), e)
                result["errors"].append(client.url)
    return result


def _read(path: str | None) -> str | None:
    if not path:
        return None
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def _positive_seconds(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number of seconds above 0")
    return v


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", action="append", required=True, help="PushGateway replica base URL (repeat for each replica)")
    p.add_argument(
        "--default-ttl", type=_positive_seconds, default=3600.0, help="seconds; for groups that pushed neither a TTL nor an expected interval"
    )
    p.add_argument("--expire-job-level", action="store_true", help="also expire job-level groups without a TTL of their own")
    p.add_argument("--username-file")
    p.add_argument("--password-file")
    p.add_argument("--ca-file", help="CA bundle for https replicas")
    p.add_argument("--server-name", help="name the replicas' certificate carries, when --url gives addresses")
    p.add_argument("--dry-run", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    user, password = _read(args.username_file), _read(args.password_file)
    auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode() if user is not None else None
    context = ssl.create_default_context(cafile=args.ca_file) if args.ca_file else None
    clients = [Client(u, auth, context, server_name=args.server_name) for u in args.url]
    result = sweep(clients, args.default_ttl, args.expire_job_level, args.dry_run)
    log.info("deleted=%d kept_repushed=%d errors=%d", len(result["deleted"]), len(result["kept_repushed"]), len(result["errors"]))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
