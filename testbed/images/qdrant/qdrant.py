#!/usr/bin/env python3
"""The Qdrant double: the test bed's stand-in for Qdrant's REST API.

A double, because Qdrant cannot be had on these machines (no package, no registry). It
keeps real state on disk (QDRANT_STORAGE, one JSON file per collection, written
atomically) and follows the shapes of Qdrant's OpenAPI (`{"result": ..., "status": "ok",
"time": ...}`, errors as `{"status": {"error": ...}}`) for what DeskMate Studio uses:

- probes: GET /healthz, /livez, /readyz, and GET / (title and version);
- collections: list, create (PUT), info with points_count (GET), delete;
- points: upsert (PUT .../points), count (POST .../points/count), scroll (POST .../points/scroll);
- collection snapshots: create (POST .../snapshots), list, download, delete, recover from a
  location (PUT .../snapshots/recover with location, priority, checksum) and recover from
  an upload (POST .../snapshots/upload?priority=&checksum=, multipart field `snapshot`).
  The checksum is the SHA-256 of the snapshot file, checked before anything is replaced.

Not implemented: search, filters, payload indexes, aliases, sharding, full-storage
snapshots, gRPC. A snapshot is a tar holding the collection's JSON, not Qdrant's format.
"""

import email.parser
import email.policy
import hashlib
import io
import json
import os
import re
import tarfile
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = "1.12.4-double"
STORAGE = os.environ.get("QDRANT_STORAGE", "/qdrant/storage")
SNAPSHOTS = os.environ.get("QDRANT_SNAPSHOTS", "/qdrant/snapshots")
MAX_BODY = 256 << 20
NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SNAPSHOT_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,200}\.snapshot$")
LOCK = threading.Lock()


class Refused(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def collection_path(name):
    if not NAME.match(name):
        raise Refused(400, f"Wrong input: bad collection name {name!r}")
    return os.path.join(STORAGE, "collections", name + ".json")


def write_atomic(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp-{threading.get_ident()}"
    with open(tmp, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def load(name):
    path = collection_path(name)
    if not os.path.exists(path):
        raise Refused(404, f"Not found: Collection `{name}` doesn't exist!")
    with open(path) as source:
        return json.load(source)


def save(name, collection):
    write_atomic(collection_path(name), json.dumps(collection).encode())


def info(collection):
    return {
        "status": "green",
        "optimizer_status": "ok",
        "points_count": len(collection["points"]),
        "indexed_vectors_count": 0,
        "segments_count": 1,
        "config": {"params": {"vectors": collection["vectors"]}},
        "payload_schema": {},
    }


def snapshot_dir(name):
    collection_path(name)
    return os.path.join(SNAPSHOTS, name)


def snapshot_entry(name, file_name):
    path = os.path.join(snapshot_dir(name), file_name)
    with open(path, "rb") as source:
        checksum = hashlib.sha256(source.read()).hexdigest()
    stat = os.stat(path)
    created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(stat.st_mtime))
    return {"name": file_name, "creation_time": created, "size": stat.st_size, "checksum": checksum}


def make_snapshot(name):
    collection = load(name)
    data = json.dumps(collection).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        member = tarfile.TarInfo("collection.json")
        member.size = len(data)
        member.mtime = int(time.time())
        tar.addfile(member, io.BytesIO(data))
    stamp = time.strftime("%Y-%m-%d-%H-%M-%S", time.gmtime())
    file_name = f"{name}-{int(time.time() * 1000) % 10**13}-{stamp}.snapshot"
    write_atomic(os.path.join(snapshot_dir(name), file_name), buffer.getvalue())
    return snapshot_entry(name, file_name)


def recover(name, data, checksum, priority):
    if priority not in (None, "", "snapshot", "replica", "no_sync"):
        raise Refused(400, f"Wrong input: unknown priority {priority!r}")
    if checksum and hashlib.sha256(data).hexdigest() != checksum.lower():
        raise Refused(400, "Wrong input: Snapshot checksum mismatch")
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
            member = tar.getmember("collection.json")
            collection = json.load(tar.extractfile(member))
    except (tarfile.TarError, KeyError, ValueError) as err:
        raise Refused(400, f"Wrong input: not a snapshot of this double ({err})")
    if not isinstance(collection.get("points"), dict) or "vectors" not in collection:
        raise Refused(400, "Wrong input: the snapshot holds no collection")
    save(name, collection)
    return True


def fetch_location(location):
    parsed = urllib.parse.urlparse(location)
    if parsed.scheme == "file":
        with open(urllib.parse.unquote(parsed.path), "rb") as source:
            return source.read(MAX_BODY + 1)
    if parsed.scheme in ("http", "https"):
        with urllib.request.urlopen(location, timeout=30) as response:
            return response.read(MAX_BODY + 1)
    raise Refused(400, f"Wrong input: unsupported location {location!r}")


def upsert(name, body):
    collection = load(name)
    size = collection["vectors"]["size"]
    for point in body.get("points", []):
        vector = point.get("vector")
        if not isinstance(vector, list) or len(vector) != size:
            raise Refused(400, f"Wrong input: Vector dimension error: expected dim: {size}")
        collection["points"][str(point["id"])] = {"vector": vector, "payload": point.get("payload") or {}}
    save(name, collection)
    return {"operation_id": int(time.time() * 1000), "status": "completed"}


def multipart_file(content_type, body, field):
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == field:
            return part.get_payload(decode=True)
    raise Refused(400, f"Wrong input: no multipart field {field!r}")


class Handler(BaseHTTPRequestHandler):
    server_version = "qdrant-double"

    def send(self, code, body, content_type="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def result(self, value, started):
        body = {"result": value, "status": "ok", "time": round(time.monotonic() - started, 6)}
        self.send(200, json.dumps(body).encode())

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise Refused(413, "Payload too large")
        return self.rfile.read(length)

    def json_body(self):
        raw = self.body()
        try:
            return json.loads(raw) if raw else {}
        except ValueError as err:
            raise Refused(400, f"Json deserialize error: {err}")

    def route(self, method):
        started = time.monotonic()
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        parts = [urllib.parse.unquote(p) for p in url.path.strip("/").split("/") if p]
        try:
            with LOCK:
                self.dispatch(method, parts, query, started)
        except Refused as err:
            body = {"status": {"error": str(err)}, "time": round(time.monotonic() - started, 6)}
            self.send(err.code, json.dumps(body).encode())
        except OSError as err:
            self.send(500, json.dumps({"status": {"error": f"Service internal error: {err}"}}).encode())

    def dispatch(self, method, parts, query, started):
        if method == "GET" and parts in ([], ["healthz"], ["livez"], ["readyz"]):
            if not parts:
                self.result({"title": "qdrant - vector search engine", "version": VERSION}, started)
            else:
                text = "all shards are ready" if parts == ["readyz"] else "healthz check passed"
                self.send(200, text.encode(), "text/plain")
            return
        if parts == ["collections"] and method == "GET":
            folder = os.path.join(STORAGE, "collections")
            names = sorted(f[:-5] for f in os.listdir(folder) if f.endswith(".json")) if os.path.isdir(folder) else []
            self.result({"collections": [{"name": n} for n in names]}, started)
            return
        if len(parts) < 2 or parts[0] != "collections":
            raise Refused(404, "Not found")
        name, rest = parts[1], parts[2:]
        if not rest:
            if method == "PUT":
                if os.path.exists(collection_path(name)):
                    raise Refused(400, f"Wrong input: Collection `{name}` already exists!")
                vectors = self.json_body().get("vectors") or {}
                if not isinstance(vectors.get("size"), int) or vectors["size"] < 1:
                    raise Refused(400, "Wrong input: vectors.size is required")
                save(name, {"vectors": vectors, "points": {}})
                self.result(True, started)
            elif method == "GET":
                self.result(info(load(name)), started)
            elif method == "DELETE":
                path = collection_path(name)
                existed = os.path.exists(path)
                if existed:
                    os.remove(path)
                self.result(existed, started)
            else:
                raise Refused(405, "Method not allowed")
            return
        if rest == ["points"] and method == "PUT":
            self.result(upsert(name, self.json_body()), started)
        elif rest == ["points", "count"] and method == "POST":
            self.result({"count": len(load(name)["points"])}, started)
        elif rest == ["points", "scroll"] and method == "POST":
            points = load(name)["points"]
            listed = [{"id": int(k) if k.isdigit() else k, "payload": v["payload"]} for k, v in sorted(points.items())]
            self.result({"points": listed, "next_page_offset": None}, started)
        elif rest == ["snapshots"] and method == "POST":
            self.result(make_snapshot(name), started)
        elif rest == ["snapshots"] and method == "GET":
            load(name)
            folder = snapshot_dir(name)
            files = sorted(f for f in os.listdir(folder) if SNAPSHOT_NAME.match(f)) if os.path.isdir(folder) else []
            self.result([snapshot_entry(name, f) for f in files], started)
        elif rest == ["snapshots", "recover"] and method == "PUT":
            body = self.json_body()
            data = fetch_location(str(body.get("location", "")))
            if len(data) > MAX_BODY:
                raise Refused(413, "Payload too large")
            self.result(recover(name, data, body.get("checksum"), body.get("priority")), started)
        elif rest == ["snapshots", "upload"] and method == "POST":
            data = multipart_file(self.headers.get("Content-Type", ""), self.body(), "snapshot")
            self.result(recover(name, data, query.get("checksum"), query.get("priority")), started)
        elif len(rest) == 2 and rest[0] == "snapshots" and method in ("GET", "DELETE"):
            if not SNAPSHOT_NAME.match(rest[1]):
                raise Refused(400, "Wrong input: bad snapshot name")
            path = os.path.join(snapshot_dir(name), rest[1])
            if not os.path.exists(path):
                raise Refused(404, f"Not found: Snapshot {rest[1]} not found")
            if method == "GET":
                with open(path, "rb") as source:
                    self.send(200, source.read(), "application/octet-stream")
            else:
                os.remove(path)
                self.result(True, started)
        else:
            raise Refused(404, "Not found")

    def do_GET(self):
        self.route("GET")

    def do_PUT(self):
        self.route("PUT")

    def do_POST(self):
        self.route("POST")

    def do_DELETE(self):
        self.route("DELETE")

    def log_message(self, fmt, *args):
        print(json.dumps({"level": "info", "message": fmt % args, "service": "qdrant"}), flush=True)


def main():
    os.makedirs(os.path.join(STORAGE, "collections"), exist_ok=True)
    os.makedirs(SNAPSHOTS, exist_ok=True)
    port = int(os.environ.get("QDRANT__SERVICE__HTTP_PORT", "6333"))
    print(json.dumps({"level": "info", "message": f"Qdrant double {VERSION} on :{port}"}), flush=True)
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
