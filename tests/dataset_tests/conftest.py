"""A local HTTP server for the download tests (no network needed)."""

import http.server
import threading

import pytest


class FileServer:
    """Serves ``files`` (a dict ``'/path' -> bytes``) on 127.0.0.1 and counts requests."""

    def __init__(self):
        self.files = {}
        self.requests = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404, "not here")
                    return
                if callable(body):  # a misbehaving server: send part, then drop
                    body(self)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return self.base + path

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def file_server():
    server = FileServer()
    yield server
    server.close()


@pytest.fixture
def dataset_root(tmp_path, monkeypatch):
    """Point the dataset cache at a fresh directory for one test."""
    from rechain.dataset import download

    root = tmp_path / "dsroot"
    monkeypatch.setattr(download, "_root_override", str(root))
    return root
