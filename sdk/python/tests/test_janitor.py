"""The janitor against two real PushGateway replicas: exactly the expired groups go, on both."""

from __future__ import annotations

import logging
import time

import pytest

from greenlang.monitoring import BatchJobMetrics
from greenlang.monitoring import janitor
from greenlang.monitoring.janitor import Client, Group, group_path, sweep
from test_pushgateway import groups, start_pushgateways


@pytest.fixture
def replicas(procs):
    pgs = start_pushgateways(procs)
    urls = [p.url for p in pgs]
    # job-level, no TTL of its own: exempt (it carries last-success for a daily job)
    BatchJobMetrics("daily-report", urls).push()
    # a per-run group without TTL: the default TTL applies
    BatchJobMetrics("etl", urls, grouping_key={"run": "2026-11-28"}).push()
    # a per-run group with its own long TTL: kept
    BatchJobMetrics("etl", urls, grouping_key={"run": "keep-me"}, ttl=4 * 3600).push()
    # a job-level group that opted into a short TTL: expires
    BatchJobMetrics("short-lived", urls, ttl=60).push()
    # values that need base64 in the DELETE path
    BatchJobMetrics("paths", urls, grouping_key={"path": "a/b c", "empty": ""}).push()
    return urls


def labels_on(url):
    return sorted(dict(k)["job"] + ("/" + dict(k).get("run", "") if "run" in dict(k) else "") for k in groups(url))


def test_deletes_exactly_the_expired_groups_on_every_replica(replicas):
    two_hours_later = lambda: time.time() + 2 * 3600  # noqa: E731
    result = sweep([Client(u) for u in replicas], default_ttl=3600, now=two_hours_later)
    assert result["errors"] == []
    for url in replicas:
        assert labels_on(url) == ["daily-report", "etl/keep-me"]
    assert len(result["deleted"]) == 3 * len(replicas)


def test_nothing_is_deleted_before_its_time(replicas):
    result = sweep([Client(u) for u in replicas], default_ttl=3600)
    assert result["deleted"] == []
    assert len(groups(replicas[0])) == 5


def test_expire_job_level_flag_also_expires_job_level_groups(replicas):
    sweep([Client(u) for u in replicas], default_ttl=3600, expire_job_level=True, now=lambda: time.time() + 2 * 3600)
    assert labels_on(replicas[0]) == ["etl/keep-me"]


def test_a_group_pushed_again_between_read_and_delete_is_kept(replicas):
    class Racing(Client):
        calls = 0

        def groups(self):
            real = super().groups()
            type(self).calls += 1
            if type(self).calls == 1:  # the first read sees an older push than the re-read will
                return [Group(g.labels, g.push_time - 1, g.ttl) for g in real]
            return real

    result = sweep([Racing(replicas[0])], default_ttl=0, expire_job_level=True, now=lambda: time.time() + 10)
    assert result["deleted"] == []
    # the three groups without a TTL of their own were candidates (the others' TTLs have not run out)
    assert len(result["kept_repushed"]) == 3
    assert len(groups(replicas[0])) == 5


def test_unreachable_replica_is_reported_and_the_other_still_swept(replicas):
    result = sweep([Client("http://127.0.0.1:1"), Client(replicas[1])], default_ttl=3600, now=lambda: time.time() + 2 * 3600)
    assert result["errors"] == ["http://127.0.0.1:1"]
    assert labels_on(replicas[1]) == ["daily-report", "etl/keep-me"]


def test_cli_dry_run_changes_nothing(replicas, caplog):
    caplog.set_level(logging.INFO)
    code = janitor.main([*(f"--url={u}" for u in replicas), "--default-ttl=0.001", "--expire-job-level", "--dry-run"])
    assert code == 0
    assert len(groups(replicas[0])) == 5
    assert "action=would-delete" in caplog.text


def test_group_path_base64_encodes_every_value():
    assert group_path((("job", "a/b"), ("x", ""))) == "/metrics/job@base64/YS9i/x@base64/="


def test_a_daily_group_lives_until_its_freshness_alerts_can_fire():
    # Pushed by an SDK that gave only its expected interval (no TTL of its own): per run, not job-level.
    daily = Group((("job", "emissions-nightly"), ("tenant", "acme")), push_time=0.0, ttl=None, expected_interval=86400.0)
    # BatchJobPushesStopped fires after 2 intervals + `for: 5m`: the group must still be there.
    assert not janitor.expired(daily, now=2 * 86400 + 600, default_ttl=3600, expire_job_level=False)
    assert janitor.expired(daily, now=janitor.ttl_for_interval(86400) + 1, default_ttl=3600, expire_job_level=False)
    assert janitor.ttl_for_interval(86400) >= janitor.minimum_ttl(86400) > 2 * 86400 + 300


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-5", "soon"])
def test_cli_refuses_a_default_ttl_that_is_not_a_positive_finite_number(value, capsys):
    with pytest.raises(SystemExit) as e:
        janitor.main(["--url=http://127.0.0.1:1", f"--default-ttl={value}"])
    assert e.value.code == 2
    assert f"--default-ttl: '{value}'" in capsys.readouterr().err
