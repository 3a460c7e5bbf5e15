"""BatchJobMetrics against two real PushGateway processes (the pinned version) on loopback."""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
from pathlib import Path

import bcrypt
import pytest

from greenlang.monitoring import BatchJobMetrics, PushError
from conftest import free_port


def start_pushgateways(procs, n=2, web_config: str | None = None, tls: bool = False):
    def args(port, workdir):
        a = [f"--web.listen-address=127.0.0.1:{port}", f"--persistence.file={workdir}/pg.db"]
        if web_config:
            (workdir / "web.yml").write_text(web_config)
            a.append(f"--web.config.file={workdir}/web.yml")
        return a

    return [procs("pushgateway", args, ready_codes=(200,) if not web_config else (200, 401), tls=tls) for _ in range(n)]


def groups(url: str, auth: str | None = None) -> dict[tuple, dict]:
    req = urllib.request.Request(f"{url}/api/v1/metrics")
    if auth:
        req.add_header("Authorization", auth)
    data = json.load(urllib.request.urlopen(req))["data"]
    return {tuple(sorted(g["labels"].items())): g for g in data}


def value(group: dict, family: str, **labels) -> float | None:
    for m in group.get(family, {}).get("metrics", []):
        if all(m["labels"].get(k) == v for k, v in labels.items()):
            return float(m["value"])
    return None


@pytest.fixture
def two(procs):
    return start_pushgateways(procs)


def test_success_reaches_both_replicas(two):
    urls = [p.url for p in two]
    m = BatchJobMetrics("emissions-nightly", urls, grouping_key={"tenant": "acme"})
    with m.track_duration():
        m.job_records_processed.labels(record_type="invoice").inc(42)
    assert m.last_push_ok and m.push_failures == 0
    for url in urls:
        g = groups(url)[(("job", "emissions-nightly"), ("tenant", "acme"))]
        assert value(g, "gl_batch_job_records_processed", record_type="invoice") == 42
        assert value(g, "gl_batch_job_duration_seconds", status="success") is not None
        assert abs(value(g, "gl_batch_job_last_success_timestamp") - time.time()) < 30
        # No job_name label: the job is the grouping label.
        assert all("job_name" not in x["labels"] for x in g["gl_batch_job_duration_seconds"]["metrics"])


def test_one_replica_down_still_succeeds_and_warns(two, caplog):
    two[1].stop()
    m = BatchJobMetrics("j", [p.url for p in two], timeout=0.5, retries=1, backoff=0.05)
    with caplog.at_level(logging.WARNING):
        with m.track_duration():
            pass
    assert m.last_push_ok is True
    assert m.push_failures == 1
    assert any(r.levelno == logging.WARNING and two[1].url in r.getMessage() for r in caplog.records)
    assert (("job", "j"),) in groups(two[0].url)


def test_both_down_leaves_the_job_result_alone(two, caplog):
    for p in two:
        p.stop()
    m = BatchJobMetrics("j", [p.url for p in two], timeout=0.3, retries=1, backoff=0.05, budget=2)
    with caplog.at_level(logging.ERROR):
        with m.track_duration():
            result = "job output"
    assert result == "job output"
    assert m.last_push_ok is False and m.push_failures == 2
    assert any(r.levelno == logging.ERROR for r in caplog.records)


def test_job_exception_is_preserved_even_when_pushes_fail_and_raising_is_on(two):
    for p in two:
        p.stop()
    m = BatchJobMetrics("j", [p.url for p in two], timeout=0.3, retries=0, raise_on_push_failure=True)
    with pytest.raises(ValueError, match="bad input"):
        with m.track_duration():
            raise ValueError("bad input")


def test_raise_on_push_failure_is_opt_in_and_only_after_success(two):
    for p in two:
        p.stop()
    m = BatchJobMetrics("j", [p.url for p in two], timeout=0.3, retries=0, raise_on_push_failure=True)
    with pytest.raises(PushError):
        with m.track_duration():
            pass


def test_failed_run_keeps_the_previous_success(two):
    urls = [p.url for p in two]
    ok = BatchJobMetrics("etl", urls)
    with ok.track_duration():
        pass
    first = value(groups(urls[0])[(("job", "etl"),)], "gl_batch_job_last_success_timestamp")
    time.sleep(0.05)
    failing = BatchJobMetrics("etl", urls)
    with pytest.raises(RuntimeError):
        with failing.track_duration():
            raise RuntimeError("boom")
    for url in urls:
        g = groups(url)[(("job", "etl"),)]
        assert value(g, "gl_batch_job_last_success_timestamp") == first
        assert value(g, "gl_batch_job_duration_seconds", status="error") is not None
        assert value(g, "gl_batch_job_duration_seconds", status="success") is None  # last run only
        assert value(g, "gl_batch_job_errors", error_type="RuntimeError") == 1


def test_grouping_values_with_slash_and_empty_round_trip(two):
    m = BatchJobMetrics("paths", [p.url for p in two], grouping_key={"path": "s3://bucket/a/b", "shard": ""})
    assert m.push()
    for p in two:
        assert (("job", "paths"), ("path", "s3://bucket/a/b"), ("shard", "")) in groups(p.url)


@pytest.mark.parametrize("key", [{"job": "x"}, {"1bad": "x"}, {"__reserved": "x"}])
def test_invalid_grouping_keys_are_refused(key):
    with pytest.raises(ValueError):
        BatchJobMetrics("j", "http://127.0.0.1:1", grouping_key=key)


class _Stub(http.server.BaseHTTPRequestHandler):
    status = 503
    hits = 0

    def do_POST(self):  # noqa: N802 (http.server naming)
        type(self).hits += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def stub(status: int):
    """An HTTP server that answers every push with `status`; yields (url, handler class with `hits`)."""
    handler = type("H", (_Stub,), {"status": status, "hits": 0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", handler
    finally:
        server.shutdown()


@pytest.mark.parametrize("status,expected_hits", [(400, 1), (503, 4)])
def test_client_errors_are_not_retried_server_errors_are(status, expected_hits):
    with stub(status) as (url, handler):
        m = BatchJobMetrics("j", url, retries=3, backoff=0.01, budget=5)
        assert m.push() is False
        assert handler.hits == expected_hits


def test_retries_stay_within_the_budget():
    port = free_port()  # nothing listens: every attempt fails fast, backoff dominates
    m = BatchJobMetrics("j", f"http://127.0.0.1:{port}", retries=50, backoff=0.2, budget=1.5, timeout=0.2)
    start = time.monotonic()
    assert m.push() is False
    assert time.monotonic() - start < 1.5


def test_basic_auth(procs):
    password = "s3cret-pw"
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    pgs = start_pushgateways(procs, n=1, web_config=f"basic_auth_users:\n  pusher: {hashed}\n")
    anonymous = BatchJobMetrics("j", pgs[0].url, retries=0)
    assert anonymous.push() is False and anonymous.push_failures == 1
    authed = BatchJobMetrics("j", pgs[0].url, username="pusher", password=password)
    assert authed.push() is True
    auth = "Basic " + base64.b64encode(f"pusher:{password}".encode()).decode()
    assert (("job", "j"),) in groups(pgs[0].url, auth)


def make_certs(tmp_path: Path, name: str) -> Path:
    """A CA and a server certificate for `name` (as cert-manager issues the platform's), via openssl."""
    d = tmp_path / "certs"
    d.mkdir()

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=test-ca")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "tls.key", "-out", "tls.csr", "-subj", f"/CN={name}")
    (d / "ext.cnf").write_text(f"subjectAltName=DNS:{name}\nextendedKeyUsage=serverAuth,clientAuth\n")
    run("x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "tls.crt", "-days", "1", "-extfile", "ext.cnf")
    return d


def test_tls_to_replicas_by_address_verifies_the_service_name(procs, tmp_path: Path):
    """Replicas are reached by pod IP; the certificate names the service. The SDK verifies that name."""
    name = "monitoring-web.monitoring.svc"
    certs = make_certs(tmp_path, name)
    hashed = bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=4)).decode()
    web = f"tls_server_config:\n  cert_file: {certs}/tls.crt\n  key_file: {certs}/tls.key\nbasic_auth_users:\n  pusher: {hashed}\n"
    pgs = start_pushgateways(procs, n=2, web_config=web, tls=True)
    urls = [pg.url.replace("http://", "https://") for pg in pgs]
    ok = BatchJobMetrics("tls", urls, username="pusher", password="pw", ca_file=str(certs / "ca.crt"), server_name=name)
    assert ok.push() is True and ok.push_failures == 0
    # Without the name, the address does not match the certificate: refused, not sent in the clear.
    unnamed = BatchJobMetrics("tls", urls, username="pusher", password="pw", ca_file=str(certs / "ca.crt"), retries=0)
    assert unnamed.push() is False and unnamed.push_failures == 2
    # Plain HTTP to a TLS replica fails too.
    plain = BatchJobMetrics("tls", [pg.url for pg in pgs], username="pusher", password="pw", retries=0)
    assert plain.push() is False


def test_sigterm_records_and_pushes_a_failed_run(two, tmp_path: Path):
    script = tmp_path / "job.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys, time
            from greenlang.monitoring import BatchJobMetrics
            m = BatchJobMetrics("evicted", {[p.url for p in two]!r})
            with m.track_duration():
                print("started", flush=True)
                time.sleep(30)
            """
        )
    )
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode != 0
    assert "JobTerminated" in err
    for p in two:
        g = groups(p.url)[(("job", "evicted"),)]
        assert value(g, "gl_batch_job_errors", error_type="JobTerminated") == 1
        assert value(g, "gl_batch_job_duration_seconds", status="error") is not None
        assert value(g, "gl_batch_job_last_success_timestamp") is None


def test_urls_from_environment(monkeypatch, two):
    monkeypatch.setenv("GL_PUSHGATEWAY_URLS", ",".join(p.url for p in two))
    assert BatchJobMetrics("envjob").push() is True
    for p in two:
        assert (("job", "envjob"),) in groups(p.url)


def test_a_kept_alive_connection_closed_by_a_restarted_replica_is_redialled(procs):
    (pg,) = start_pushgateways(procs, n=1)
    m = BatchJobMetrics("j", pg.url, retries=0)
    assert m.push()
    port = pg.port
    pg.stop()
    # the same address comes back: the kept connection is dead, the push must still succeed at once
    procs("pushgateway", lambda p, workdir: [f"--web.listen-address=127.0.0.1:{p}"], port=port)
    assert m.push() is True
    assert m.push_failures == 0


# -- the SDK is strict and honest ------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs,named",
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"timeout": -1}, "timeout"),
        ({"budget": float("inf")}, "budget"),
        ({"budget": 1, "timeout": 2}, "budget"),
        ({"backoff": -0.1}, "backoff"),
        ({"retries": -1}, "retries"),
        ({"retries": 1.5}, "retries"),
        ({"retries": True}, "retries"),
        ({"expected_interval": 0}, "expected_interval"),
        ({"expected_interval": -60}, "expected_interval"),
        ({"ttl": 0}, "ttl"),
        ({"ttl": float("nan")}, "ttl"),
        ({"ttl": 3600, "expected_interval": 86400}, "ttl"),
        ({"pushgateway_url": "pushgateway:9091"}, "pushgateway_url"),
        ({"pushgateway_url": "http://"}, "pushgateway_url"),
        ({"pushgateway_url": "http://host:port"}, "pushgateway_url"),
    ],
)
def test_every_argument_is_checked_at_construction_and_named(kwargs, named):
    kwargs = {"pushgateway_url": "http://127.0.0.1:9", **kwargs}
    with pytest.raises(ValueError) as e:
        BatchJobMetrics("j", **kwargs)
    assert str(e.value).startswith(named), str(e.value)


def test_job_name_and_status_are_checked():
    with pytest.raises(ValueError, match="^job_name"):
        BatchJobMetrics("", "http://127.0.0.1:9")
    m = BatchJobMetrics("j", "http://127.0.0.1:9")
    with pytest.raises(ValueError, match="^status"):
        with m.track_duration(status="error"):
            pass


def test_a_group_with_an_expected_interval_gets_a_ttl_its_alerts_can_fire_within(two):
    from greenlang.monitoring.janitor import minimum_ttl

    m = BatchJobMetrics("nightly", [p.url for p in two], grouping_key={"tenant": "acme"}, expected_interval=86400)
    assert m.push() is True
    g = groups(two[0].url)[(("job", "nightly"), ("tenant", "acme"))]
    assert value(g, "gl_batch_job_ttl_seconds") >= minimum_ttl(86400)


def test_prd_call_shapes_work(two):
    urls = [p.url for p in two]
    m = BatchJobMetrics("prd-shape", urls)
    with m.track_duration(status="partial"):
        pass
    g = groups(two[0].url)[(("job", "prd-shape"),)]
    assert value(g, "gl_batch_job_duration_seconds", status="partial") is not None
    assert value(g, "gl_batch_job_last_success_timestamp") is not None
    assert m.delete() is True
    assert (("job", "prd-shape"),) not in groups(two[0].url)


@pytest.mark.parametrize("status", [301, 302, 307])
def test_a_redirect_is_a_failure_and_is_not_retried(status):
    with stub(status) as (url, handler):
        m = BatchJobMetrics("j", url, retries=3, backoff=0.01, budget=5)
        assert m.push() is False
        assert handler.hits == 1


def test_the_budget_bounds_push_against_a_replica_that_never_answers():
    stalled = __import__("socket").socket()
    stalled.bind(("127.0.0.1", 0))
    stalled.listen(16)  # accepts connections (the kernel does), never reads or answers
    try:
        m = BatchJobMetrics("j", f"http://127.0.0.1:{stalled.getsockname()[1]}", timeout=1.0, budget=1.0, retries=5, backoff=0.01)
        start = time.monotonic()
        assert m.push() is False
        assert time.monotonic() - start < 1.5
    finally:
        stalled.close()


def test_credentials_never_reach_logs_or_errors(procs, tmp_path: Path, caplog, monkeypatch):
    password = "hunter2-very-secret"
    pw_file = tmp_path / "pw"
    pw_file.write_text(password)
    monkeypatch.setenv("GL_PUSHGATEWAY_USERNAME", "job-user")
    monkeypatch.setenv("GL_PUSHGATEWAY_PASSWORD_FILE", str(pw_file))
    caplog.set_level(logging.DEBUG)
    with stub(401) as (url, _):
        urls = [url, f"http://job-user:{password}@127.0.0.1:{free_port()}"]
        m = BatchJobMetrics("j", urls, retries=1, backoff=0.01, budget=2, raise_on_push_failure=True)
        with pytest.raises(PushError) as e:
            m.push()
    encoded = base64.b64encode(f"job-user:{password}".encode()).decode()
    for text in (caplog.text, str(e.value)):
        assert password not in text and encoded not in text


def test_configuration_errors_name_the_variable(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("GL_PUSHGATEWAY_USERNAME", "u")
    monkeypatch.setenv("GL_PUSHGATEWAY_PASSWORD_FILE", str(tmp_path / "missing"))
    with pytest.raises(ValueError, match=r"^GL_PUSHGATEWAY_PASSWORD_FILE=.*missing: cannot read it"):
        BatchJobMetrics("j", "http://127.0.0.1:9")
    monkeypatch.delenv("GL_PUSHGATEWAY_PASSWORD_FILE")
    monkeypatch.setenv("GL_PUSHGATEWAY_CA_FILE", str(tmp_path / "no-ca.crt"))
    with pytest.raises(ValueError, match=r"^GL_PUSHGATEWAY_CA_FILE=.*no-ca\.crt: cannot load the CA bundle"):
        BatchJobMetrics("j", "http://127.0.0.1:9")


def test_push_never_raises_for_a_bad_environment(monkeypatch, caplog):
    monkeypatch.setenv("GL_PUSHGATEWAY_URLS", "not a url, http://[::1")
    m = BatchJobMetrics("j")
    assert m.push() is False
    assert m.delete() is False
    assert "GL_PUSHGATEWAY_URLS" in caplog.text


def test_pushes_from_many_threads_all_arrive(two):
    urls = [p.url for p in two]
    m = BatchJobMetrics("threads", urls, budget=20)
    results: list[bool] = []

    def work(i: int) -> None:
        m.job_records_processed.labels(record_type=f"t{i}").set(i)
        results.append(m.push())

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 8
    for p in two:
        g = groups(p.url)[(("job", "threads"),)]
        assert sorted(m_["labels"]["record_type"] for m_ in g["gl_batch_job_records_processed"]["metrics"]) == sorted(f"t{i}" for i in range(8))
