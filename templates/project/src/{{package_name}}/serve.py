"""Serve the trained model over HTTP: POST /predict, GET /health, GET /metrics.

The model is the one the pipeline's ``train`` stage writes (models/model.joblib, a
scikit-learn pipeline). ``POST /predict`` takes ``{"instances": [...]}``: rows of feature
values in the training column order, or records ``{"column": value, ...}``; it answers
``{"predictions": [...]}``. Bad input gets a 400 with ``{"error": "..."}``.

``GET /metrics`` is Prometheus' text format (the official prometheus-client): requests and
their latency by endpoint and status, predictions per class, and a summary (count, sum) of
each input feature. A sample of the requests (``sample_rate``) is appended to a JSON-lines
log, one line per instance ``{"time", "features", "prediction"}``: the production inputs
``python -m <package>.monitor`` compares with the training data.

    python -m <package>.serve --port 8080      # or HOST / PORT / MODEL_FILE in the environment

The log's path and sample rate: --log / --sample-rate, else PREDICTION_LOG /
PREDICTION_LOG_SAMPLE_RATE, else params.yaml's ``serve`` section (an empty path: no log).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    Summary,
    generate_latest,
)

# train.MODEL_FILE, not imported: train imports what serving does not need.
MODEL_FILE = Path("models/model.joblib")
PARAMS_FILE = Path("params.yaml")
PREDICTION_LOG = Path("logs/predictions.jsonl")
MAX_BODY = 10 * 1024 * 1024
ENDPOINTS = ("/predict", "/health", "/metrics")  # any other path is counted as "other"


class BadRequest(ValueError):
    """The request cannot be answered; the message goes back to the client."""


def to_frame(payload: Any, columns: list[str] | None) -> pd.DataFrame:
    """The ``instances`` of a request as a feature table in the model's column order."""
    if not isinstance(payload, dict) or not isinstance(payload.get("instances"), list):
        raise BadRequest('expected a JSON object {"instances": [...]}')
    instances = payload["instances"]
    if not instances:
        raise BadRequest("instances is empty")
    if all(isinstance(row, dict) for row in instances):
        if columns is None:
            raise BadRequest("this model has no column names; send rows of values")
        for number, row in enumerate(instances):
            missing = [c for c in columns if c not in row]
            if missing:
                raise BadRequest(f"instance {number}: missing {', '.join(missing[:5])}")
        rows = [[row[c] for c in columns] for row in instances]
    elif all(isinstance(row, list) for row in instances):
        rows = instances
    else:
        raise BadRequest("instances must all be lists of values or all be objects")
    width = len(columns) if columns is not None else len(rows[0])
    for number, row in enumerate(rows):
        if len(row) != width:
            raise BadRequest(f"instance {number}: {len(row)} values, expected {width}")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in row):
            raise BadRequest(f"instance {number}: every value must be a number")
    return pd.DataFrame(rows, columns=columns)


class Metrics:
    """The server's Prometheus metrics, in a registry of its own (one per server)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        by_request = ["endpoint", "status"]
        self.requests = Counter(
            "model_requests", "HTTP requests answered", by_request, registry=self.registry
        )
        self.latency = Histogram(
            "model_request_duration_seconds",
            "Time to answer an HTTP request",
            by_request,
            registry=self.registry,
        )
        self.predictions = Counter(
            "model_predictions",
            "Predictions made, by predicted class",
            ["class"],
            registry=self.registry,
        )
        self.features = Summary(
            "model_input_feature",
            "Values of each input feature of /predict",
            ["feature"],
            registry=self.registry,
        )

    def observe_request(self, path: str, status: int, seconds: float) -> None:
        endpoint = path if path in ENDPOINTS else "other"
        self.requests.labels(endpoint, str(status)).inc()
        self.latency.labels(endpoint, str(status)).observe(seconds)

    def observe_prediction(self, frame: pd.DataFrame, predictions: list[Any]) -> None:
        for prediction in predictions:
            self.predictions.labels(str(prediction)).inc()
        for column in frame.columns:
            child = self.features.labels(str(column))
            for value in frame[column].tolist():
                child.observe(float(value))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class PredictionLog:
    """Appends a sample of the requests, one JSON line per instance; safe across threads."""

    def __init__(self, path: Path | None, sample_rate: float, seed: int | None = None) -> None:
        self.path = path
        self.sample_rate = sample_rate
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._failed = False

    def write(self, frame: pd.DataFrame, predictions: list[Any]) -> bool:
        """Log this request's instances if it is sampled; whether it was."""
        if self.path is None or self.sample_rate <= 0:
            return False
        with self._lock:
            if self._random.random() >= self.sample_rate:
                return False
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            named = all(isinstance(c, str) for c in frame.columns)
            lines = []
            for values, prediction in zip(frame.to_numpy().tolist(), predictions, strict=True):
                features = dict(zip(frame.columns, values, strict=True)) if named else values
                record = {"time": stamp, "features": features, "prediction": prediction}
                lines.append(json.dumps(record) + "\n")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as stream:
                    stream.writelines(lines)
            except OSError as error:  # serving goes on without its log; say so once
                if not self._failed:
                    print(f"serve: cannot write the prediction log: {error}", file=sys.stderr)
                self._failed = True
                return False
        return True


def make_handler(model: Any, metrics: Metrics, log: PredictionLog) -> type[BaseHTTPRequestHandler]:
    names = getattr(model, "feature_names_in_", None)
    columns = [str(c) for c in names] if names is not None else None

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: dict[str, Any] | bytes, content_type: str = "") -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            # Counted before the answer leaves: a client that reads /metrics right after
            # its answer must see its request (the server answers each in its own thread).
            metrics.observe_request(self.path, status, time.perf_counter() - self._started)
            self.send_response(status)
            self.send_header("Content-Type", content_type or "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._started = time.perf_counter()
            if self.path == "/health":
                self._send(200, {"status": "ok"})
            elif self.path == "/metrics":
                self._send(200, metrics.exposition(), CONTENT_TYPE_LATEST)
            else:
                self._send(404, {"error": f"no such path: {self.path}"})

        def do_POST(self) -> None:
            self._started = time.perf_counter()
            if self.path != "/predict":
                self._send(404, {"error": f"no such path: {self.path}"})
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    raise BadRequest(f"body larger than {MAX_BODY} bytes")
                try:
                    payload = json.loads(self.rfile.read(length) or b"null")
                except (json.JSONDecodeError, UnicodeDecodeError) as error:
                    raise BadRequest(f"invalid JSON: {error}") from None
                frame = to_frame(payload, columns)
                predictions = model.predict(frame).tolist()
            except BadRequest as error:
                self._send(400, {"error": str(error)})
                return
            except ValueError as error:  # what the model itself rejects
                self._send(400, {"error": str(error)})
                return
            metrics.observe_prediction(frame, predictions)
            log.write(frame, predictions)
            self._send(200, {"predictions": predictions})

    return Handler


def make_server(
    model: Any, host: str, port: int, log: PredictionLog | None = None
) -> ThreadingHTTPServer:
    """The server; its metrics are ``server.metrics`` (no log unless one is given)."""
    metrics = Metrics()
    server = ThreadingHTTPServer(
        (host, port), make_handler(model, metrics, log or PredictionLog(None, 0.0))
    )
    server.metrics = metrics  # type: ignore[attr-defined]
    return server


def log_settings(params_file: Path = PARAMS_FILE) -> tuple[str, str]:
    """The prediction log's path and sample rate: the environment, else params.yaml."""
    section: dict[str, Any] = {}
    if params_file.is_file():  # the serving image has no params.yaml
        from .params import load_params

        section = load_params(params_file).get("serve") or {}
    path = os.environ.get("PREDICTION_LOG", section.get("prediction_log", str(PREDICTION_LOG)))
    rate = os.environ.get("PREDICTION_LOG_SAMPLE_RATE", section.get("sample_rate", 1.0))
    return str(path or ""), str(rate)


def sample_rate(text: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= rate <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return rate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    model_file = Path(os.environ.get("MODEL_FILE", MODEL_FILE))
    parser.add_argument("--model", type=Path, default=model_file)
    log_path, rate = log_settings()
    parser.add_argument("--log", default=log_path, help="prediction log (empty: none)")
    parser.add_argument("--sample-rate", type=sample_rate, default=rate)
    args = parser.parse_args(argv)
    if not args.model.is_file():
        parser.exit(2, f"{args.model}: no model; run `dvc repro` first\n")
    log = PredictionLog(Path(args.log) if args.log else None, args.sample_rate)
    server = make_server(joblib.load(args.model), args.host, args.port, log)
    where = f"logging {args.sample_rate:.0%} of requests to {args.log}" if args.log else "no log"
    print(
        f"serve: {args.model} on http://{args.host}:{server.server_address[1]} ({where})",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
