"""Cove's code-interpreter server: E2B's execution API on port 49999 inside a `code-interpreter-v1` sandbox.

Endpoints (the wire of e2b-dev/code-interpreter, which @e2b/code-interpreter speaks):
  GET  /health                   "OK"
  POST /execute                  {"code", "context_id"?, "language"?, "env_vars"?} -> NDJSON, ends with end_of_execution
  POST /contexts                 {"language"?, "cwd"?} -> {"id", "language", "cwd"}
  GET  /contexts                 [context]
  POST /contexts/{id}/restart    a fresh kernel, same id
  DELETE /contexts/{id}

Errors are plain text with E2B's status codes (400 bad request, 404 unknown context, 500 kernel start failure); the
SDK shows the text. Standard library HTTP (one thread per request) over jupyter_client: no web framework, so the
image needs nothing beyond Debian's Jupyter packages.
"""
import argparse
import hmac
import json
import os
import re
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from contexts import ClientGone, Contexts, UnknownLanguage, normalize_language  # noqa: E402

MAX_BODY = 16 * 1024 * 1024
CONTEXT_PATH = re.compile(r"^/contexts/([A-Za-z0-9_-]{1,64})(/restart)?$")


class BadRequest(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cove-code-interpreter/1"
    contexts = None  # set by serve()
    access_token = None

    def log_message(self, fmt, *args):  # one line per request, never a body or a header
        sys.stderr.write("%s %s\n" % (self.command, fmt % args))

    # -- plumbing ------------------------------------------------------------------------------------------------

    def _path(self):
        return self.path.split("?", 1)[0]

    def _unread_body(self):
        """A body the handler answered without reading (a refusal): left on the connection, it would be read as the
        next request's start, so such a response closes the connection instead."""
        if getattr(self, "_body_read", False):
            return False
        return (self.headers.get("Transfer-Encoding") is not None
                or self.headers.get("Content-Length", "0").strip() not in ("", "0"))

    def _send(self, status, body, content_type="text/plain; charset=utf-8"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if self._unread_body():
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)

    def _json(self, status, value):
        self._send(status, json.dumps(value), "application/json")

    def _body(self):
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            raise BadRequest("chunked request bodies are not accepted; send Content-Length")
        try:
            n = int(length or 0)
        except ValueError:
            raise BadRequest("Content-Length is not a number")
        if n < 0 or n > MAX_BODY:
            raise BadRequest("the request body must be at most %d bytes" % MAX_BODY)
        raw = self.rfile.read(n) if n else b""
        self._body_read = True
        if not raw.strip():
            return {}
        try:
            value = json.loads(raw)
        except ValueError as e:
            raise BadRequest("the body is not JSON: %s" % e)
        if not isinstance(value, dict):
            raise BadRequest("the body must be a JSON object")
        return value

    def _dispatch(self, routes):
        self._body_read = False  # one handler serves every request of a keep-alive connection
        path = self._path()
        try:
            for pattern, handler in routes:
                m = pattern.match(path) if hasattr(pattern, "match") else (path == pattern and True)
                if m:
                    return handler(m)
            self._send(404, "no such endpoint: %s %s" % (self.command, path))
        except BadRequest as e:
            self._send(400, str(e))
        except UnknownLanguage as e:
            self._send(400, str(e))
        except (BrokenPipeError, ConnectionResetError, ClientGone):
            self.close_connection = True

    # -- routes --------------------------------------------------------------------------------------------------

    def do_GET(self):
        self._dispatch([("/health", lambda m: self._send(200, '"OK"', "application/json")),
                        ("/contexts", lambda m: self._json(200, self.contexts.list()))])

    def do_POST(self):
        self._dispatch([("/execute", self._execute), ("/contexts", self._create_context),
                        (CONTEXT_PATH, self._restart_context)])

    def do_DELETE(self):
        self._dispatch([(CONTEXT_PATH, self._delete_context)])

    def _create_context(self, _):
        body = self._body()
        language = normalize_language(body.get("language"))
        cwd = body.get("cwd") or self.contexts.default_cwd
        if not isinstance(cwd, str) or not cwd.startswith("/"):
            raise BadRequest("cwd must be an absolute path")
        if not os.path.isdir(cwd):
            raise BadRequest("cwd '%s' is not a directory in the sandbox" % cwd)
        try:
            context = self.contexts.create(language, cwd)
        except Exception as e:
            return self._send(500, "failed to start a %s kernel: %s" % (language, e))
        self._json(200, context.describe())

    def _restart_context(self, m):
        if not m.group(2):
            return self._send(404, "no such endpoint: POST %s" % self._path())
        context = self.contexts.get(m.group(1))
        if context is None:
            return self._send(404, "Context %s not found" % m.group(1))
        try:
            context.restart()
        except Exception as e:
            return self._send(500, "Failed to restart context %s: %s" % (m.group(1), e))
        self._send(200, "")

    def _delete_context(self, m):
        if m.group(2):
            return self._send(404, "no such endpoint: DELETE %s" % self._path())
        if not self.contexts.remove(m.group(1)):
            return self._send(404, "Context %s not found" % m.group(1))
        self._send(200, "")

    def _execute(self, _):
        if self.access_token is not None:
            given = self.headers.get("X-Access-Token") or ""
            if not hmac.compare_digest(given.encode(), self.access_token.encode()):
                return self._send(401, "unauthorized access, please provide a valid access token")
        body = self._body()
        code = body.get("code")
        if not isinstance(code, str):
            raise BadRequest("code must be a string")
        context_id, language = body.get("context_id"), body.get("language")
        if context_id and language:
            raise BadRequest("Only one of context_id or language can be provided")
        env_vars = body.get("env_vars") or {}
        if not isinstance(env_vars, dict) or not all(isinstance(v, str) for v in env_vars.values()):
            raise BadRequest("env_vars must be an object of strings")
        if context_id:
            context = self.contexts.get(context_id)
            if context is None:
                return self._send(404, "Context %s not found" % context_id)
        else:
            try:
                context = self.contexts.default(normalize_language(language))
            except UnknownLanguage:
                raise
            except Exception as e:
                return self._send(500, "failed to start the kernel: %s" % e)

        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Accel-Buffering", "no")
        self.end_headers()

        def emit(event):
            line = (json.dumps(event) + "\n").encode()
            try:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, OSError):
                raise ClientGone()

        try:
            context.execute(code, env_vars, emit)
        except ClientGone:
            self.close_connection = True
            return
        except Exception as e:  # the stream has started: say it in E2B's error shape, then end it
            try:
                emit({"type": "error", "name": type(e).__name__, "value": str(e), "traceback": ""})
            except ClientGone:
                self.close_connection = True
                return
        try:
            emit({"type": "end_of_execution"})
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (ClientGone, OSError):
            self.close_connection = True


def serve(port, host, cwd, access_token, ready_file=None):
    contexts = Contexts(cwd)
    Handler.contexts = contexts
    Handler.access_token = access_token or None
    # The Python default context before the port opens, as E2B's server does: the template's ready check waits for
    # the port, so a created sandbox already has a warm kernel for its first runCode.
    try:
        contexts.default("python")
    except Exception as e:  # serve anyway: /execute then says why the kernel does not start
        sys.stderr.write("the default Python kernel did not start: %s\n" % e)
    httpd = ThreadingHTTPServer((host, port), Handler)
    httpd.daemon_threads = True

    def stop(signum, frame):
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if ready_file:
        with open(ready_file, "w") as f:
            f.write(str(httpd.server_address[1]))
    sys.stderr.write("code interpreter listening on %s:%d\n" % (host, httpd.server_address[1]))
    try:
        httpd.serve_forever()
    finally:
        contexts.shutdown()
        httpd.server_close()


def keep_from_same_user():
    """Not dumpable: /proc/<pid>/environ and /mem become root's and ptrace is refused, so the code the kernels run
    (as the same user) cannot read the token this process started with. Children are dumpable again after exec."""
    try:
        import ctypes
        if ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE, SUID_DUMP_DISABLE
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE)")
    except (OSError, AttributeError) as e:
        sys.stderr.write("could not hide the access token from the sandbox's processes: %s\n" % e)


def main(argv=None):
    p = argparse.ArgumentParser(description="E2B's code-interpreter API on Jupyter kernels")
    p.add_argument("--port", type=int, default=int(os.environ.get("COVE_INTERPRETER_PORT", "49999")))
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--cwd", default=os.environ.get("COVE_INTERPRETER_CWD", "/home/user"))
    p.add_argument("--ready-file", help="write the listening port here once the server accepts connections")
    args = p.parse_args(argv)
    # the sandbox's agent token, when it has one: /execute then requires it as X-Access-Token (E2B's secure mode).
    # Out of the environment the kernels inherit, and out of reach of the sandbox's code (same user) through /proc.
    token = os.environ.pop("COVE_ENVD_ACCESS_TOKEN", None)
    token = os.environ.pop("E2B_ACCESS_TOKEN", None) or token
    if token:
        keep_from_same_user()
    cwd = args.cwd if os.path.isdir(args.cwd) else os.getcwd()
    serve(args.port, args.host, cwd, token, args.ready_file)


if __name__ == "__main__":
    main()
