"""The generated prediction server, run as a user runs it (``python -m <package>.serve`` in a
trained project): ``/metrics`` parses as Prometheus exposition and its counters move with the
requests; the sampled prediction log gets one JSON line per instance.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import copy_project

pytestmark = pytest.mark.slow

DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def server(trained_project: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    project = copy_project(trained_project, tmp_path / "ml-project")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREDICTION_LOG")}
    env["PYTHONPATH"] = "src"
    process = subprocess.Popen(
        [sys.executable, "-m", "ml_project.serve", "--port", "0"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # "serve: <model> on http://127.0.0.1:<port> (...)"
        assert " on http://127.0.0.1:" in first, first
        url = first.split(" on ", 1)[1].split()[0]
        # params.yaml's serve section: every request, to logs/predictions.jsonl
        assert "logging 100% of requests to logs/predictions.jsonl" in first
        yield url, project / "logs" / "predictions.jsonl"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _call(url: str, body: object | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")
    try:
        with DIRECT.open(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def _metrics(url: str) -> Samples:
    with DIRECT.open(url + "/metrics", timeout=30) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_parse_and_move_with_requests(server: tuple[str, Path]) -> None:
    from sklearn.datasets import load_breast_cancer

    url, log = server
    data = load_breast_cancer()
    rows = [data.data[0].tolist(), data.data[19].tolist()]  # a malignant and a benign case
    before = _metrics(url)
    assert _call(url + "/health") == (200, {"status": "ok"})
    assert _call(url + "/predict", {"instances": rows}) == (200, {"predictions": [0, 1]})
    assert _call(url + "/predict", {"instances": [[1, 2]]})[0] == 400
    assert _call(url + "/nowhere")[0] == 404
    after = _metrics(url)

    def moved(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after[key] - before.get(key, 0.0)

    assert moved("model_requests_total", endpoint="/predict", status="200") == 1
    assert moved("model_requests_total", endpoint="/predict", status="400") == 1
    assert moved("model_requests_total", endpoint="/health", status="200") == 1
    assert moved("model_requests_total", endpoint="other", status="404") == 1
    assert moved("model_request_duration_seconds_count", endpoint="/predict", status="200") == 1
    assert moved("model_predictions_total", **{"class": "0"}) == 1
    assert moved("model_predictions_total", **{"class": "1"}) == 1
    assert moved("model_input_feature_count", feature="mean radius") == 2
    assert moved("model_input_feature_sum", feature="mean radius") == pytest.approx(
        rows[0][0] + rows[1][0]
    )

    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["prediction"] for r in records] == [0, 1]  # the 400 is not logged
    assert records[1]["features"] == dict(zip(data.feature_names, rows[1], strict=True))
