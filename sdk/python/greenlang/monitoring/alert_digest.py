"""Weekly alert digest (FR-3.4): what fired in the last week, as an HTML e-mail.

Alertmanager sends notifications, never digests. This job asks Thanos Query (through the
query-frontend) for the deduplicated ``ALERTS`` series over the period, summarises each
alert (how long it fired, in how many episodes, where), and mails an HTML table over SMTP.

Standard library only: it runs on the official python image, mounted from a ConfigMap.
Configuration comes from the environment:

  DIGEST_QUERY_URL     Prometheus-compatible API base (e.g. https://thanos-query-frontend:10902)
  DIGEST_CA_FILE       CA to verify an https query URL with
  DIGEST_CERT_FILE, DIGEST_KEY_FILE   client certificate (the Thanos query API requires one)
  DIGEST_DAYS          period in days (default 7)
  DIGEST_STEP_SECONDS  resolution of the range query (default 300)
  SMTP_HOST, SMTP_PORT, SMTP_FROM, SMTP_TO (comma-separated)
  SMTP_STARTTLS        "true" (default) to upgrade the connection, "false" to send in clear text;
                       anything else is refused (never a silent fall back to clear text)
  SMTP_USERNAME, SMTP_PASSWORD_FILE   optional authentication (password read from a file)
"""

from __future__ import annotations

import dataclasses
import html
import json
import logging
import math
import os
import smtplib
import ssl
import sys
import time
import urllib.parse
import urllib.request
from email.message import EmailMessage

log = logging.getLogger("alert_digest")

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


@dataclasses.dataclass(frozen=True)
class AlertSummary:
    alertname: str
    severity: str
    cluster: str
    firing_seconds: float
    episodes: int
    series: int


def tls_context(ca_file: str = "", cert_file: str = "", key_file: str = "") -> ssl.SSLContext | None:
    """Client TLS for the query API: verify with the platform CA, present a certificate if given."""
    if not (ca_file or cert_file):
        return None
    context = ssl.create_default_context(cafile=ca_file or None)
    if cert_file:
        context.load_cert_chain(cert_file, key_file or None)
    return context


def query_range(
    base_url: str, query: str, start: float, end: float, step: float, timeout: float = 60, context: ssl.SSLContext | None = None
) -> list[dict]:
    """Run a range query with deduplication; returns the ``result`` matrix."""
    params = urllib.parse.urlencode({"query": query, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}", "dedup": "true"})
    with urllib.request.urlopen(f"{base_url.rstrip('/')}/api/v1/query_range?{params}", timeout=timeout, context=context) as resp:
        body = json.load(resp)
    if body.get("status") != "success":
        raise RuntimeError(f"query failed: {body.get('error', body)}")
    return body["data"]["result"]


def summarise(matrix: list[dict], step: float) -> list[AlertSummary]:
    """Group firing ALERTS series by (alertname, severity, cluster); count time and episodes.

    An episode is a run of consecutive steps with the alert firing; a gap of more than one
    step starts a new one.
    """
    groups: dict[tuple[str, str, str], dict] = {}
    for series in matrix:
        labels = series["metric"]
        key = (labels.get("alertname", "?"), labels.get("severity", "none"), labels.get("cluster", "-"))
        g = groups.setdefault(key, {"seconds": 0.0, "episodes": 0, "series": 0})
        g["series"] += 1
        timestamps = sorted(float(t) for t, _ in series["values"])
        g["seconds"] += len(timestamps) * step
        previous = None
        for t in timestamps:
            if previous is None or t - previous > step * 1.5:
                g["episodes"] += 1
            previous = t
    out = [AlertSummary(k[0], k[1], k[2], v["seconds"], v["episodes"], v["series"]) for k, v in groups.items()]
    return sorted(out, key=lambda s: (SEVERITY_ORDER.get(s.severity, 9), -s.firing_seconds, s.alertname, s.cluster))


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m" if minutes or not (days or hours) else ""]
    return " ".join(p for p in parts if p)


def render_html(summaries: list[AlertSummary], days: int, generated_at: float) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(generated_at))
    if not summaries:
        body = "<p>No alert fired in this period.</p>"
    else:
        rows = "\n".join(
            "<tr>"
            f"<td>{html.escape(s.severity)}</td><td>{html.escape(s.alertname)}</td><td>{html.escape(s.cluster)}</td>"
            f"<td>{s.episodes}</td><td>{_duration(s.firing_seconds)}</td>"
            "</tr>"
            for s in summaries
        )
        body = (
            "<table border='1' cellpadding='4' cellspacing='0'>"
            "<tr><th>Severity</th><th>Alert</th><th>Cluster</th><th>Episodes</th><th>Time firing</th></tr>\n"
            f"{rows}</table>"
        )
    total = sum(s.episodes for s in summaries)
    return (
        f"<html><body><h2>GreenLang alerts: last {days} days</h2>"
        f"<p>{len(summaries)} distinct alerts, {total} episodes. Generated {when}.</p>{body}</body></html>"
    )


def send(html_body: str, subject: str, cfg: dict) -> None:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = cfg["from"]
    msg["To"] = ", ".join(cfg["to"])
    msg.set_content("This digest is HTML; open it in a mail client that shows HTML.")
    msg.add_alternative(html_body, subtype="html")
    with smtplib.SMTP(cfg["host"], cfg["port"], timeout=30) as smtp:
        if cfg["starttls"]:
            smtp.starttls()
        if cfg.get("username"):
            smtp.login(cfg["username"], cfg["password"])
        smtp.send_message(msg)


def _flag(env: dict[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if value == "":
        return default
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise SystemExit(f"alert_digest: {name}={env[name]!r} is neither true nor false")


def _number(env: dict[str, str], name: str, default: str, kind: type, minimum: float) -> float:
    raw = env.get(name, default)
    try:
        value = kind(raw)
    except ValueError:
        raise SystemExit(f"alert_digest: {name}={raw!r} is not a {'whole ' if kind is int else ''}number") from None
    if not math.isfinite(value) or value < minimum:
        raise SystemExit(f"alert_digest: {name}={raw!r} must be a finite number of at least {minimum:g}")
    return value


def config_from_env(env: dict[str, str]) -> dict:
    missing = [k for k in ("DIGEST_QUERY_URL", "SMTP_HOST", "SMTP_FROM", "SMTP_TO") if not env.get(k)]
    if missing:
        raise SystemExit(f"alert_digest: missing environment variables: {', '.join(missing)}")
    password = ""
    if env.get("SMTP_PASSWORD_FILE"):
        try:
            with open(env["SMTP_PASSWORD_FILE"], encoding="utf-8") as f:
                password = f.read().strip()
        except OSError as e:
            raise SystemExit(f"alert_digest: SMTP_PASSWORD_FILE={env['SMTP_PASSWORD_FILE']}: cannot read it: {e.strerror or e}") from None
    starttls = _flag(env, "SMTP_STARTTLS", True)
    if password and not starttls:
        raise SystemExit("alert_digest: SMTP_STARTTLS=false with SMTP_PASSWORD_FILE would send the password in clear text")
    return {
        "query_url": env["DIGEST_QUERY_URL"],
        "tls": tls_context(env.get("DIGEST_CA_FILE", ""), env.get("DIGEST_CERT_FILE", ""), env.get("DIGEST_KEY_FILE", "")),
        "days": int(_number(env, "DIGEST_DAYS", "7", int, 1)),
        "step": _number(env, "DIGEST_STEP_SECONDS", "300", float, 1),
        "host": env["SMTP_HOST"],
        "port": int(_number(env, "SMTP_PORT", "587", int, 1)),
        "from": env["SMTP_FROM"],
        "to": [a.strip() for a in env["SMTP_TO"].split(",") if a.strip()],
        "starttls": starttls,
        "username": env.get("SMTP_USERNAME", ""),
        "password": password,
    }


FIRING_ALERTS = 'ALERTS{alertstate="firing",severity!="none"}'


def run(cfg: dict, now: float | None = None) -> list[AlertSummary]:
    end = time.time() if now is None else now
    start = end - cfg["days"] * 86400
    # severity "none" is the always-firing Watchdog (the heartbeat), not something that happened.
    matrix = query_range(cfg["query_url"], FIRING_ALERTS, start, end, cfg["step"], context=cfg.get("tls"))
    summaries = summarise(matrix, cfg["step"])
    subject = f"GreenLang weekly alert digest: {len(summaries)} alerts, {sum(s.episodes for s in summaries)} episodes"
    send(render_html(summaries, cfg["days"], end), subject, cfg)
    log.info("sent digest: %d alerts to %s", len(summaries), ", ".join(cfg["to"]))
    return summaries


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        run(config_from_env(dict(os.environ)))
    except Exception:  # a CronJob should fail visibly and be retried by its backoff
        log.exception("digest failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
