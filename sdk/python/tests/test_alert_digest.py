"""The weekly digest against a real Prometheus holding ALERTS series and a real SMTP server."""

from __future__ import annotations

import email
import time
import urllib.request
import json
from email import policy

import pytest
from aiosmtpd.controller import Controller

from greenlang.monitoring import alert_digest
from greenlang.monitoring.alert_digest import AlertSummary, render_html, summarise
from conftest import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


RULES = """
groups:
  - name: digest-test
    interval: 1s
    rules:
      - alert: DigestCritical
        expr: vector(1)
        labels: {severity: critical, cluster: test-cluster}
      - alert: DigestWarning
        expr: vector(1)
        labels: {severity: warning, cluster: test-cluster}
      - alert: Watchdog
        expr: vector(1)
        labels: {severity: none, cluster: test-cluster}
"""


def test_digest_mails_what_fired(procs, smtp_server):
    def prom_args(port, workdir):
        (workdir / "rules.yml").write_text(RULES)
        (workdir / "prometheus.yml").write_text("global:\n  evaluation_interval: 1s\nrule_files: [rules.yml]\n")
        return ["--config.file=prometheus.yml", f"--storage.tsdb.path={workdir}/data", f"--web.listen-address=127.0.0.1:{port}"]

    prom = procs("prometheus", prom_args)
    query = f"{prom.url}/api/v1/query?query=" + urllib.request.quote('count(ALERTS{alertstate="firing"})')
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        result = json.load(urllib.request.urlopen(query))["data"]["result"]
        if result and result[0]["value"][1] == "3":
            break
        time.sleep(0.5)
    else:
        pytest.fail("Prometheus never had three firing ALERTS series")

    controller, inbox = smtp_server
    cfg = alert_digest.config_from_env(
        {
            "DIGEST_QUERY_URL": prom.url,
            "DIGEST_DAYS": "1",
            "DIGEST_STEP_SECONDS": "60",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(controller.port),
            "SMTP_FROM": "alerts@greenlang.io",
            "SMTP_TO": "platform@greenlang.io, oncall@greenlang.io",
            "SMTP_STARTTLS": "false",
        }
    )
    summaries = alert_digest.run(cfg)

    # The Watchdog (severity none) fired all along and is not in the digest.
    assert [(s.alertname, s.severity, s.cluster, s.episodes) for s in summaries] == [
        ("DigestCritical", "critical", "test-cluster", 1),
        ("DigestWarning", "warning", "test-cluster", 1),
    ]
    assert len(inbox.messages) == 1
    rcpts, msg = inbox.messages[0]
    assert rcpts == ["platform@greenlang.io", "oncall@greenlang.io"]
    assert msg["Subject"] == "GreenLang weekly alert digest: 2 alerts, 2 episodes"
    body = msg.get_body(preferencelist=("html",)).get_content()
    assert body.index("DigestCritical") < body.index("DigestWarning")
    assert "test-cluster" in body


def test_summarise_counts_time_and_episodes():
    step = 300
    matrix = [
        # fires for three steps, pauses, fires again for one: two episodes, 20 minutes
        {"metric": {"alertname": "A", "severity": "warning", "cluster": "c1"}, "values": [[0, "1"], [300, "1"], [600, "1"], [1800, "1"]]},
        # the same alert on another pod of the same cluster: same group
        {"metric": {"alertname": "A", "severity": "warning", "cluster": "c1", "pod": "p2"}, "values": [[0, "1"]]},
        {"metric": {"alertname": "B", "severity": "critical", "cluster": "c2"}, "values": [[0, "1"]]},
    ]
    assert summarise(matrix, step) == [
        AlertSummary("B", "critical", "c2", 300.0, 1, 1),
        AlertSummary("A", "warning", "c1", 1500.0, 3, 2),
    ]


def test_html_escapes_labels_and_says_when_nothing_fired():
    html_text = render_html([AlertSummary("<script>", "critical", "c&1", 3600, 1, 1)], 7, 0)
    assert "&lt;script&gt;" in html_text and "c&amp;1" in html_text and "<script>" not in html_text
    assert "No alert fired" in render_html([], 7, 0)


def test_missing_configuration_is_named():
    with pytest.raises(SystemExit, match="SMTP_HOST, SMTP_FROM, SMTP_TO"):
        alert_digest.config_from_env({"DIGEST_QUERY_URL": "http://x"})


BASE = {"DIGEST_QUERY_URL": "http://x", "SMTP_HOST": "smtp", "SMTP_FROM": "a@x", "SMTP_TO": "b@x"}


@pytest.mark.parametrize("value", ["ture", "on", "TRUEE", "2"])
def test_starttls_is_parsed_strictly_never_falling_back_to_clear_text(value):
    with pytest.raises(SystemExit, match=f"SMTP_STARTTLS='{value}' is neither true nor false"):
        alert_digest.config_from_env({**BASE, "SMTP_STARTTLS": value})


@pytest.mark.parametrize("value,expected", [("", True), ("true", True), ("True", True), ("false", False), ("0", False)])
def test_starttls_values(value, expected):
    assert alert_digest.config_from_env({**BASE, "SMTP_STARTTLS": value})["starttls"] is expected


def test_a_password_is_never_sent_in_clear_text(tmp_path):
    pw = tmp_path / "pw"
    pw.write_text("s3cret")
    with pytest.raises(SystemExit, match="clear text"):
        alert_digest.config_from_env({**BASE, "SMTP_STARTTLS": "false", "SMTP_PASSWORD_FILE": str(pw)})


@pytest.mark.parametrize("name,value", [("DIGEST_DAYS", "nan"), ("DIGEST_DAYS", "0"), ("DIGEST_STEP_SECONDS", "inf"), ("SMTP_PORT", "-1"), ("SMTP_PORT", "x")])
def test_numbers_are_finite_and_in_range(name, value):
    with pytest.raises(SystemExit, match=f"{name}='{value}'"):
        alert_digest.config_from_env({**BASE, name: value})
