#!/usr/bin/env python3
"""The DeskMate backend double: the test bed's stand-in for DeskMate's FastAPI backend.

A double, because DeskMate's own images cannot be had on these machines (no registry). It
implements only what DeskMate Studio relies on, in the shape DeskMate's repository uses
(see docs/ARCHITECTURE.md, "The test bed"), with real state:

- GET /health: DeskMate's JSON (status healthy|degraded, services api/postgres/qdrant with
  response_time_ms and last_error, system metrics), always HTTP 200 as DeskMate's is. The
  postgres and qdrant checks are real: a query to the database at DATABASE_URL and a call
  to the Qdrant double at QDRANT_URL.
- GET /health/live, GET /health/ready (503 while a database is down), as DeskMate has.
- GET/POST /memories: rows in PostgreSQL (and a point each in Qdrant's `memories`
  collection), so a backup and a restore can be checked by content.

On SIGTERM it drains as uvicorn does: no new connection, the requests in flight answered.

Not implemented: chat, rooms, personas, the WebSocket and everything else DeskMate serves.
A release built with BROKEN=1 starts and answers, but its /health never says healthy.
"""

import json
import os
import shutil
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2

VERSION = os.environ.get("DESKMATE_VERSION", "0.0.0")
BROKEN = os.environ.get("DESKMATE_BROKEN") == "1"
ENVIRONMENT = os.environ.get("ENVIRONMENT", "production")
DATABASE_URL = os.environ.get("DATABASE_URL", "")
QDRANT_URL = os.environ.get("QDRANT_URL", "http://qdrant:6333").rstrip("/")
STARTED = time.time()
COLLECTION = "memories"
VECTOR_SIZE = 4


def connect():
    return psycopg2.connect(DATABASE_URL, connect_timeout=3)


def ensure_schema():
    with connect() as conn, conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS memories ("
            " id SERIAL PRIMARY KEY,"
            " persona TEXT NOT NULL,"
            " text TEXT NOT NULL,"
            " created_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )


def qdrant(method, path, body=None, timeout=3):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(QDRANT_URL + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def ensure_collection():
    try:
        qdrant("GET", f"/collections/{COLLECTION}")
    except urllib.error.HTTPError as err:
        if err.code != 404:
            raise
        qdrant("PUT", f"/collections/{COLLECTION}",
               {"vectors": {"size": VECTOR_SIZE, "distance": "Cosine"}})


def timed(check):
    start = time.monotonic()
    try:
        check()
        status, error = "healthy", None
    except Exception as err:  # every failure is a finding, never a crash
        status, error = "unhealthy", str(err) or type(err).__name__
    elapsed = round((time.monotonic() - start) * 1000, 1)
    return {"status": status, "response_time_ms": elapsed, "details": None, "last_error": error}


def check_postgres():
    with connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT 1")
        cur.fetchone()


def check_qdrant():
    with urllib.request.urlopen(QDRANT_URL + "/readyz", timeout=3) as response:
        response.read()


def system_metrics():
    mem_total = mem_available = None
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            key, value = line.split(":", 1)
            if key == "MemTotal":
                mem_total = int(value.split()[0])
            elif key == "MemAvailable":
                mem_available = int(value.split()[0])
    disk = shutil.disk_usage("/")
    return {
        "cpu_percent": None,
        "memory_percent": round(100 * (1 - mem_available / mem_total), 1) if mem_total else None,
        "memory_available_mb": round(mem_available / 1024, 1) if mem_available else None,
        "disk_usage_percent": round(100 * disk.used / disk.total, 1),
        "disk_free_gb": round(disk.free / 2**30, 2),
        "uptime_seconds": round(time.time() - STARTED, 1),
    }


def health():
    api = {"status": "healthy", "response_time_ms": 0.0, "details": None, "last_error": None}
    if BROKEN:
        api = {"status": "unhealthy", "response_time_ms": 0.0, "details": None,
               "last_error": "this release is broken on purpose (test bed)"}
    services = {"api": api, "postgres": timed(check_postgres), "qdrant": timed(check_qdrant)}
    healthy = all(s["status"] == "healthy" for s in services.values())
    return {
        "status": "healthy" if healthy else "degraded",
        "timestamp": time.time(),
        "version": VERSION,
        "environment": ENVIRONMENT,
        "services": services,
        "system": system_metrics(),
    }


def list_memories():
    with connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT id, persona, text FROM memories ORDER BY id")
        return [{"id": i, "persona": p, "text": t} for i, p, t in cur.fetchall()]


def add_memory(body):
    persona, text = str(body.get("persona", "")), str(body.get("text", ""))
    if not persona or not text or len(text) > 10_000:
        raise ValueError("a memory needs a persona and a text of at most 10,000 characters")
    ensure_schema()
    ensure_collection()
    with connect() as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO memories (persona, text) VALUES (%s, %s) RETURNING id",
                    (persona, text))
        (memory_id,) = cur.fetchone()
    vector = [float(len(text) % 7 + 1), 1.0, 0.5, float(memory_id % 3)]
    qdrant("PUT", f"/collections/{COLLECTION}/points?wait=true",
           {"points": [{"id": memory_id, "vector": vector,
                        "payload": {"persona": persona, "text": text}}]})
    return {"id": memory_id, "persona": persona, "text": text}


class Handler(BaseHTTPRequestHandler):
    server_version = "deskmate-backend-double"

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/health":
            self.reply(200, health())
        elif path == "/health/live":
            self.reply(200, {"status": "alive"})
        elif path == "/health/ready":
            report = health()
            ready = all(report["services"][s]["status"] == "healthy" for s in ("postgres", "qdrant"))
            self.reply(200 if ready else 503, {"status": "ready" if ready else "not ready"})
        elif path == "/memories":
            try:
                ensure_schema()
                self.reply(200, {"memories": list_memories()})
            except Exception as err:
                self.reply(503, {"detail": str(err)})
        else:
            self.reply(404, {"detail": "Not Found"})

    def do_POST(self):
        path = self.path.split("?", 1)[0]
        if path != "/memories":
            self.reply(404, {"detail": "Not Found"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > 1 << 20:
            self.reply(413, {"detail": "the body is larger than 1 MiB"})
            return
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
            self.reply(201, add_memory(body))
        except ValueError as err:
            self.reply(422, {"detail": str(err)})
        except Exception as err:
            self.reply(503, {"detail": str(err)})

    def log_message(self, fmt, *args):
        # One JSON line per request, as DeskMate's structured logs are.
        line = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "level": "info",
                "message": fmt % args, "service": "backend"}
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()


def main():
    port = int(os.environ.get("PORT", "8000"))
    print(json.dumps({"level": "info", "message": f"DeskMate backend double {VERSION} on :{port}"}),
          flush=True)
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    # Stopped (docker stop, an update draining this release), it ends as uvicorn does: it
    # takes no new connection, finishes the requests in flight, then exits.
    server.daemon_threads = False
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    server.serve_forever()
    server.server_close()
    print(json.dumps({"level": "info", "message": "stopped: the requests in flight were answered"}),
          flush=True)


if __name__ == "__main__":
    main()
