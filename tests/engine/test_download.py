"""download(): verified, atomic, cached; every failure is an EngineError. Local server only."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading

import pytest

from engine.data import download as dl
from engine.data.corpus import load_corpus
from engine.errors import EngineError

BODY = ("To be, or not to be, that is the question.\n" * 50).encode()


@pytest.fixture()
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "toy.txt").write_bytes(BODY)
    (root / "bad.txt").write_bytes(BODY[:-1] + b"?")
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    _QuietHandler.hits = 0
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    hits = 0

    def do_GET(self):  # noqa: N802 - http.server's naming
        type(self).hits += 1
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture()
def toy(monkeypatch):
    remote = dl.Remote(url="http://127.0.0.1:9/none", sha256=hashlib.sha256(BODY).hexdigest(),
                       size=len(BODY), description="toy")
    monkeypatch.setitem(dl.REGISTRY, "toy", remote)
    monkeypatch.setenv("no_proxy", "*")  # never route 127.0.0.1 through a proxy
    monkeypatch.delenv("RNN_TUI_MIRROR", raising=False)
    return remote


def test_good_download_then_cache_hit(server, toy, tmp_path):
    seen = []
    path = dl.download("toy", cache_dir=tmp_path / "c", url=f"{server}/toy.txt",
                       progress=lambda done, total: seen.append((done, total)))
    assert path == tmp_path / "c" / "toy.txt" and path.read_bytes() == BODY
    assert seen[-1] == (len(BODY), len(BODY))
    assert [p.name for p in (tmp_path / "c").iterdir()] == ["toy.txt"]  # no temp left
    assert dl.download("toy", cache_dir=tmp_path / "c", url=f"{server}/toy.txt") == path
    assert _QuietHandler.hits == 1  # the second call never touched the network


def test_bad_checksum_leaves_nothing(server, toy, tmp_path):
    with pytest.raises(EngineError, match="sha256 .* expected .*nothing was saved"):
        dl.download("toy", cache_dir=tmp_path / "c", url=f"{server}/bad.txt")
    assert list((tmp_path / "c").iterdir()) == []


def test_damaged_cache_is_fetched_again(server, toy, tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "toy.txt").write_bytes(b"truncated")
    path = dl.download("toy", cache_dir=tmp_path / "c", url=f"{server}/toy.txt")
    assert path.read_bytes() == BODY


def test_http_404(server, toy, tmp_path):
    with pytest.raises(EngineError, match="HTTP 404"):
        dl.download("toy", cache_dir=tmp_path / "c", url=f"{server}/missing.txt")
    assert list((tmp_path / "c").iterdir()) == []


def test_unreachable_host(toy, tmp_path):
    with pytest.raises(EngineError, match="cannot reach"):
        dl.download("toy", cache_dir=tmp_path / "c", url="http://127.0.0.1:9/x.txt")


def test_unknown_name(tmp_path):
    with pytest.raises(EngineError, match="unknown corpus 'nope'.*tiny-shakespeare"):
        dl.download("nope", cache_dir=tmp_path)


def test_mirror_env_and_cache_env_then_load_by_name(server, toy, tmp_path, monkeypatch):
    monkeypatch.setenv("RNN_TUI_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("RNN_TUI_MIRROR", server + "/")
    path = dl.download("toy")
    assert path == tmp_path / "cache" / "corpora" / "toy.txt"
    corpus = load_corpus("toy")
    assert corpus.text == BODY.decode() and "downloaded" in corpus.source
    path.write_bytes(BODY[:-1] + b"?")
    with pytest.raises(EngineError, match="damaged"):
        load_corpus("toy")


def test_cache_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("RNN_TUI_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert dl.cache_dir() == tmp_path / "rnn-tui" / "corpora"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert dl.cache_dir() == tmp_path / "home" / ".cache" / "rnn-tui" / "corpora"


def test_registry_pins_tiny_shakespeare():
    r = dl.REGISTRY["tiny-shakespeare"]
    assert r.size == 1_115_394 and len(r.sha256) == 64
    assert r.url.endswith("karpathy/char-rnn/master/data/tinyshakespeare/input.txt")


@pytest.fixture()
def slow_server():
    """A server on 127.0.0.1 that sends headers, then BODY at `pace` seconds a byte (None:
    never a byte); the test sets the pace before the download."""
    import socket

    state = {"pace": 0.1, "stop": threading.Event()}
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.1)

    def answer(conn, pace):
        with conn:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BODY))
            for byte in BODY:
                if state["stop"].wait(pace or 60) or pace is None:
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    def serve():
        while not state["stop"].is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=answer, args=(conn, state["pace"]), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{listener.getsockname()[1]}/toy.txt"
    yield state
    state["stop"].set()
    thread.join(5)
    listener.close()


def test_a_trickling_server_is_stopped_as_stalled(slow_server, toy, tmp_path, monkeypatch):
    import time

    monkeypatch.setattr(dl, "STALL_S", 0.5)
    monkeypatch.setattr(dl, "STALL_BYTES", 100)  # the server sends ~10 bytes/s
    t0 = time.monotonic()
    with pytest.raises(EngineError, match="stalled: .* bytes in the last"):
        dl.download("toy", cache_dir=tmp_path / "c", url=slow_server["url"])
    assert time.monotonic() - t0 < 10
    assert not list((tmp_path / "c").iterdir())  # nothing kept


def test_a_silent_server_times_out_and_a_slow_one_meets_the_deadline(slow_server, toy,
                                                                      tmp_path, monkeypatch):
    monkeypatch.setattr(dl, "TIMEOUT_S", 0.5)
    slow_server["pace"] = None  # headers, then silence
    with pytest.raises(EngineError, match="nothing received for 0.5 s"):
        dl.download("toy", cache_dir=tmp_path / "c", url=slow_server["url"])
    slow_server["pace"] = 0.05
    monkeypatch.setattr(dl, "STALL_BYTES", 1)
    monkeypatch.setattr(dl, "DEADLINE_S", 0.5)
    with pytest.raises(EngineError, match="took over 0.5 s"):
        dl.download("toy", cache_dir=tmp_path / "c", url=slow_server["url"])
    assert not list((tmp_path / "c").iterdir())
