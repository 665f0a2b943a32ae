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
- Personas as DeskMate reads them, rescanned on every call: PNG cards (the `chara` tEXt
  chunk, chara_card_v2 only) under /data/personas, with expression files beside each card
  in DeskMate's naming: GET /personas/?directory=, GET /personas/{name}/expressions.
- Floor plans as DeskMate loads them: JSON templates in /app/templates/floor_plans, loaded
  into PostgreSQL by POST /rooms/templates/load-all (an id already loaded is skipped, as
  DeskMate's loader does), GET /rooms/templates/discover, GET /rooms/floor-plans,
  GET /rooms/floor-plans/active, POST /rooms/floor-plans/{id}/activate (one active).
- Migrations: from 1.2 on, a release adds a `mood` column to `memories` when it starts, as a
  release with a schema change would (so an update that fails after it has changed the
  database can be told apart).

On SIGTERM it drains as uvicorn does: no new connection, the requests in flight answered.

Not implemented: chat, the legacy grid, persona validation, navigation, the WebSocket and
everything else DeskMate serves.
A release built with BROKEN=1 starts and answers, but its /health never says healthy.
"""

import base64
import json
import os
import re
import struct
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
PERSONAS = "/data/personas"
TEMPLATES = "/app/templates/floor_plans"
# DeskMate's 16 expression names (persona_reader._detect_expressions).
EXPRESSIONS = ["happy", "sad", "angry", "surprised", "confused", "excited", "tired", "worried",
               "neutral", "thinking", "embarrassed", "annoyed", "sleepy", "curious", "proud",
               "disappointed"]
MAX_CARD = 50 * 2**20
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
        cur.execute(
            "CREATE TABLE IF NOT EXISTS floor_plans ("
            " id TEXT PRIMARY KEY,"
            " name TEXT NOT NULL,"
            " data JSONB NOT NULL,"
            " is_template BOOLEAN NOT NULL DEFAULT TRUE,"
            " is_active BOOLEAN NOT NULL DEFAULT FALSE)"
        )
        if version_at_least(1, 2):
            cur.execute("ALTER TABLE memories ADD COLUMN IF NOT EXISTS mood TEXT")


def version_at_least(major, minor):
    found = re.match(r"(\d+)\.(\d+)", VERSION)
    return bool(found) and (int(found.group(1)), int(found.group(2))) >= (major, minor)


def migrate_at_start():
    # As a release's migrations run when it starts; the database may not answer yet.
    for _ in range(120):
        try:
            ensure_schema()
            return
        except Exception:
            time.sleep(0.5)


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


def card_of(path):
    """The chara_card_v2 JSON in a PNG's `chara` tEXt chunk, or None (as DeskMate skips)."""
    size = os.path.getsize(path)
    if size == 0 or size > MAX_CARD:
        return None
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    at = 8
    while at + 8 <= len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind = data[at + 4:at + 8]
        body = data[at + 8:at + 8 + length]
        at += 12 + length
        if kind == b"tEXt" and body.startswith(b"chara\x00"):
            try:
                card = json.loads(base64.b64decode(body[6:]))
            except ValueError:
                return None
            ok = (isinstance(card, dict) and card.get("spec") == "chara_card_v2"
                  and card.get("spec_version") == "2.0" and isinstance(card.get("data"), dict)
                  and str(card["data"].get("name", "")).strip())
            return card if ok else None
        if kind == b"IEND":
            break
    return None


def persona_dir(query):
    wanted = os.path.realpath(query.get("directory") or PERSONAS)
    if wanted != PERSONAS and not wanted.startswith(PERSONAS + "/"):
        raise ValueError(f"{wanted} is outside {PERSONAS}")
    return wanted


def cards_in(directory):
    found = []
    for root, _, files in os.walk(directory):
        for file in sorted(files):
            if file.lower().endswith(".png"):
                card = card_of(os.path.join(root, file))
                if card is not None:
                    found.append((os.path.join(root, file), card))
    return found


def persona_summaries(query):
    out = []
    for path, card in cards_in(persona_dir(query)):
        data = card["data"]
        out.append({"name": data["name"], "creator": data.get("creator", ""),
                    "tags": data.get("tags", []),
                    "description_length": len(data.get("description", "")),
                    "has_lorebook": bool(data.get("character_book")),
                    "alternate_greetings_count": len(data.get("alternate_greetings", [])),
                    "file_size": os.path.getsize(path), "loaded_at": time.time()})
    return {"personas": out, "count": len(out)}


def persona_expressions(name):
    for path, card in cards_in(PERSONAS):
        if card["data"]["name"] != name:
            continue
        folder, stem = os.path.dirname(path), os.path.splitext(os.path.basename(path))[0]
        found = {}
        for expr in EXPRESSIONS:
            for candidate in (f"{name.lower().replace(' ', '_')}_{expr}.png",
                              f"{stem}_{expr}.png", f"{expr}.png"):
                if os.path.isfile(os.path.join(folder, candidate)):
                    found[expr] = f"/personas/{name}/image?expression={expr}"
                    break
        return {"available_expressions": ["default"] + sorted(found), "expressions": found}
    return None


def discover_templates():
    out = []
    for file in sorted(os.listdir(TEMPLATES)) if os.path.isdir(TEMPLATES) else []:
        if file.endswith(".json"):
            with open(os.path.join(TEMPLATES, file)) as f:
                plan = json.load(f)
            out.append({"file_name": file, "id": plan.get("id"), "name": plan.get("name"),
                        "room_count": len(plan.get("rooms", []))})
    return {"templates": out}


def load_all_templates():
    ensure_schema()
    loaded, skipped = [], []
    with connect() as conn, conn.cursor() as cur:
        for template in discover_templates()["templates"]:
            with open(os.path.join(TEMPLATES, template["file_name"])) as f:
                plan = json.load(f)
            if not isinstance(plan.get("id"), str) or not plan["id"]:
                skipped.append(template["file_name"])
                continue
            # As DeskMate's loader: an id it already has is skipped, never updated.
            cur.execute("INSERT INTO floor_plans (id, name, data) VALUES (%s, %s, %s)"
                        " ON CONFLICT (id) DO NOTHING RETURNING id",
                        (plan["id"], str(plan.get("name", plan["id"])), json.dumps(plan)))
            (loaded if cur.fetchone() else skipped).append(plan["id"])
    return {"loaded": loaded, "skipped": skipped}


def floor_plans(active_only=False):
    ensure_schema()
    with connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT id, name, is_active, jsonb_array_length(data->'furniture')"
                    " FROM floor_plans" + (" WHERE is_active" if active_only else "") +
                    " ORDER BY id")
        return [{"id": i, "name": n, "is_active": a, "furniture_count": c or 0}
                for i, n, a, c in cur.fetchall()]


def activate(plan_id):
    ensure_schema()
    with connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT 1 FROM floor_plans WHERE id = %s", (plan_id,))
        if cur.fetchone() is None:
            return False
        cur.execute("UPDATE floor_plans SET is_active = (id = %s)", (plan_id,))
    return True


class Handler(BaseHTTPRequestHandler):
    server_version = "deskmate-backend-double"

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def query(self):
        from urllib.parse import parse_qs
        raw = self.path.split("?", 1)[1] if "?" in self.path else ""
        return {k: v[0] for k, v in parse_qs(raw).items()}

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        try:
            if self.get_rooms_and_personas(path):
                return
        except ValueError as err:
            self.reply(422, {"detail": str(err)})
            return
        except Exception as err:
            self.reply(503, {"detail": str(err)})
            return
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

    def get_rooms_and_personas(self, path):
        from urllib.parse import unquote
        expressions = re.fullmatch(r"/personas/([^/]+)/expressions", path)
        if path in ("/personas", "/personas/"):
            self.reply(200, persona_summaries(self.query()))
        elif expressions:
            found = persona_expressions(unquote(expressions.group(1)))
            self.reply(200 if found else 404, found or {"detail": "Persona not found"})
        elif path == "/rooms/templates/discover":
            self.reply(200, discover_templates())
        elif path == "/rooms/floor-plans":
            self.reply(200, {"floor_plans": floor_plans()})
        elif path == "/rooms/floor-plans/active":
            active = floor_plans(active_only=True)
            self.reply(200 if active else 404, active[0] if active else {"detail": "none active"})
        else:
            return False
        return True

    def do_POST(self):
        path = self.path.split("?", 1)[0]
        activation = re.fullmatch(r"/rooms/floor-plans/([^/]+)/activate", path)
        try:
            if path == "/rooms/templates/load-all":
                self.reply(200, load_all_templates())
                return
            if activation:
                from urllib.parse import unquote
                found = activate(unquote(activation.group(1)))
                self.reply(200 if found else 404,
                           {"activated": found} if found else {"detail": "Floor plan not found"})
                return
        except Exception as err:
            self.reply(503, {"detail": str(err)})
            return
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
    threading.Thread(target=migrate_at_start, daemon=True).start()
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
