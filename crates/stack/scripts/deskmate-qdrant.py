"""deskmate-qdrant, version 1: the Qdrant calls DeskMate's backups make, run with the
backend image's Python (DeskMate's backend is Python; Qdrant's own image has no HTTP
client). Standard library only. Installed by DeskMate Studio beside deskmate-backup.

  list               one "name<TAB>points" line per collection
  snapshot NAME      creates a snapshot of NAME, writes its bytes to stdout and
                     "checksum<TAB>size" to stderr, then deletes it from Qdrant's disk
  recover NAME SUM   uploads the snapshot on stdin into NAME (priority=snapshot, checksum
                     SUM checked by Qdrant), then prints the collection's point count

QDRANT_URL (default http://qdrant:6333) says where Qdrant is.
"""
import json
import os
import re
import sys
import time
import urllib.parse
import urllib.request

URL = os.environ.get("QDRANT_URL", "http://qdrant:6333").rstrip("/")
NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def call(method, path, body=None, headers=None, timeout=120):
    request = urllib.request.Request(URL + path, data=body, method=method, headers=headers or {})
    return urllib.request.urlopen(request, timeout=timeout)


def result(method, path, body=None, headers=None):
    with call(method, path, body, headers) as response:
        return json.load(response)["result"]


def checked(name):
    if not NAME.match(name):
        sys.exit("deskmate-qdrant: refusing the collection name %r" % name)
    return urllib.parse.quote(name)


def wait_ready(seconds=60):
    deadline = time.time() + seconds
    while True:
        try:
            with call("GET", "/readyz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.time() > deadline:
            sys.exit("deskmate-qdrant: Qdrant at %s did not become ready" % URL)
        time.sleep(0.5)


def points(name):
    counted = result("POST", "/collections/%s/points/count" % checked(name),
                     json.dumps({"exact": True}).encode(), {"content-type": "application/json"})
    return counted["count"]


def list_collections():
    for collection in result("GET", "/collections")["collections"]:
        print("%s\t%d" % (collection["name"], points(collection["name"])))


def snapshot(name):
    path = "/collections/%s/snapshots" % checked(name)
    made = result("POST", path + "?wait=true")
    snap = urllib.parse.quote(made["name"])
    with call("GET", "%s/%s" % (path, snap)) as response:
        size = 0
        while True:
            chunk = response.read(1 << 20)
            if not chunk:
                break
            sys.stdout.buffer.write(chunk)
            size += len(chunk)
    sys.stdout.buffer.flush()
    call("DELETE", "%s/%s" % (path, snap)).close()
    sys.stderr.write("%s\t%d\n" % (made.get("checksum") or "", size))


def recover(name, checksum):
    wait_ready()
    data = sys.stdin.buffer.read()
    boundary = "deskmate-%d" % time.time_ns()
    body = b"".join([
        ("--%s\r\n" % boundary).encode(),
        b'Content-Disposition: form-data; name="snapshot"; filename="snapshot"\r\n',
        b"Content-Type: application/octet-stream\r\n\r\n",
        data,
        ("\r\n--%s--\r\n" % boundary).encode(),
    ])
    query = urllib.parse.urlencode({"priority": "snapshot", "checksum": checksum, "wait": "true"})
    result("POST", "/collections/%s/snapshots/upload?%s" % (checked(name), query), body,
           {"content-type": "multipart/form-data; boundary=%s" % boundary})
    print(points(name))


def main():
    args = sys.argv[1:]
    if args == ["list"]:
        list_collections()
    elif len(args) == 2 and args[0] == "snapshot":
        snapshot(args[1])
    elif len(args) == 3 and args[0] == "recover":
        recover(args[1], args[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
