"""Benchmark: BatchJobMetrics.push() to two PushGateway replicas vs a plain
prometheus_client.push_to_gateway to one. Prints medians and their ratio from one run.

    make bench        (or: .venv/bin/python bench/push_bench.py [iterations])
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

from greenlang.monitoring import BatchJobMetrics

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "sdk/python/tests"))
from conftest import free_port  # noqa: E402


def start_pushgateway(binary: str, workdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([binary, f"--web.listen-address=127.0.0.1:{port}"], cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/-/ready", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("pushgateway did not start")


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    tools = json.loads(subprocess.run([str(REPO / "node_modules/.bin/tsx"), str(REPO / "tools/paths.ts")], capture_output=True, text=True, check=True, cwd=REPO).stdout)
    with tempfile.TemporaryDirectory() as tmp:
        procs = [start_pushgateway(tools["pushgateway"], Path(tmp)) for _ in range(2)]
        urls = [u for _, u in procs]
        try:
            sdk = BatchJobMetrics("bench", urls)
            sdk.job_records_processed.labels(record_type="row").set(1000)
            plain_registry = CollectorRegistry()
            Gauge("gl_batch_job_records_processed", "x", ["record_type"], registry=plain_registry).labels(record_type="row").set(1000)
            Gauge("gl_batch_job_duration_seconds", "x", ["status"], registry=plain_registry).labels(status="success").set(1)

            sdk_times, plain_times = [], []
            for i in range(iterations + 20):  # interleaved, first 20 are warm-up
                t0 = time.perf_counter()
                assert sdk.push()
                t1 = time.perf_counter()
                push_to_gateway(urls[0], job="bench-plain", registry=plain_registry)
                t2 = time.perf_counter()
                if i >= 20:
                    sdk_times.append(t1 - t0)
                    plain_times.append(t2 - t1)
        finally:
            for p, _ in procs:
                p.terminate()
                p.wait()
    sdk_med, plain_med = statistics.median(sdk_times), statistics.median(plain_times)
    print(f"BatchJobMetrics.push() to 2 replicas:         median {sdk_med * 1000:.2f} ms  (n={iterations})")
    print(f"prometheus_client.push_to_gateway to 1:        median {plain_med * 1000:.2f} ms  (n={iterations})")
    print(f"ratio of medians (target <= 1.2):               {sdk_med / plain_med:.2f}")


if __name__ == "__main__":
    main()
