"""Code contexts: one Jupyter kernel each (jupyter_client), and what one execution in it streams.

An execution holds its context's lock from request to idle, so a context runs one cell at a time and the next
waits. Its events are E2B's NDJSON objects (stdout, stderr, result, error, number_of_executions, keepalive); the
caller adds end_of_execution. When the client goes away (the sink raises), the kernel is interrupted and the cell
drained, so the next execution finds the kernel free; a kernel that ignores the interrupt is restarted.
"""
import datetime
import json
import os
import queue
import shlex
import threading
import time
import uuid

from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

HERE = os.path.dirname(os.path.abspath(__file__))
KERNEL_DIR = os.path.join(HERE, "kernels")
LANGUAGES = {"python": "cove-python", "javascript": "cove-javascript", "bash": "cove-bash"}
ALIASES = {"py": "python", "python3": "python", "js": "javascript", "node": "javascript", "sh": "bash"}
KEEPALIVE_SECONDS = float(os.environ.get("COVE_INTERPRETER_KEEPALIVE", "2"))
INTERRUPT_GRACE_SECONDS = 10.0


class ClientGone(Exception):
    """The HTTP client stopped reading (timeout, abort, closed connection)."""


class UnknownLanguage(ValueError):
    pass


def normalize_language(language):
    if not language:
        return "python"
    name = str(language).strip().lower()
    name = ALIASES.get(name, name)
    if name not in LANGUAGES:
        raise UnknownLanguage("language '%s' is not available; this sandbox has %s"
                              % (language, ", ".join(sorted(LANGUAGES))))
    return name


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def result_event(content, is_main):
    """A Jupyter MIME bundle as E2B's result object: known types by name, images base64, the rest in extra."""
    data = dict(content.get("data") or {})
    text = data.pop("text/plain", None)
    if isinstance(text, str) and len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]  # E2B shows a string result without its repr quotes
    event = {"type": "result", "is_main_result": is_main}
    fields = {"text/html": "html", "text/markdown": "markdown", "image/svg+xml": "svg", "image/png": "png",
              "image/jpeg": "jpeg", "application/pdf": "pdf", "text/latex": "latex", "application/json": "json",
              "application/javascript": "javascript", "e2b/data": "data", "e2b/chart": "chart"}
    if text is not None:
        event["text"] = text
    for mime, name in fields.items():
        if mime in data:
            value = data.pop(mime)
            if isinstance(value, str) and name in ("png", "jpeg", "pdf"):
                value = "".join(value.split())  # base64 as one line (the kernel wraps it and ends it with a newline)
            if value is not None:
                event[name] = value
    if data:
        event["extra"] = data
    return event


class Context:
    """One kernel, its language and working directory."""

    def __init__(self, language, cwd, env=None):
        self.id = uuid.uuid4().hex
        self.language = language
        self.cwd = cwd
        self._env = env
        self._lock = threading.Lock()
        self._global_env = None
        self._start()

    def describe(self):
        return {"id": self.id, "language": self.language, "cwd": self.cwd}

    def _start(self):
        specs = KernelSpecManager(kernel_dirs=[KERNEL_DIR])
        self.km = KernelManager(kernel_name=LANGUAGES[self.language], kernel_spec_manager=specs)
        env = dict(self._env if self._env is not None else os.environ)
        env.pop("JPY_PARENT_PID", None)
        env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # ipykernel's debugger warns on every start otherwise
        self.km.start_kernel(cwd=self.cwd, env=env)
        self.kc = self.km.blocking_client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=60)
        except RuntimeError:
            self.shutdown()
            raise

    def shutdown(self):
        try:
            self.kc.stop_channels()
        except Exception:
            pass
        try:
            self.km.shutdown_kernel(now=True)
        except Exception:
            pass

    def restart(self):
        """A fresh kernel in the same context id: every variable and import is gone."""
        with self._lock:
            self.shutdown()
            self._start()

    # -- execution -------------------------------------------------------------------------------------------

    def execute(self, code, env_vars, emit):
        """Runs `code`, calling emit(event) for each E2B event; emit raises ClientGone when nobody listens."""
        with self._lock:
            if not self.km.is_alive():
                self.shutdown()
                self._start()
            if env_vars:
                self._run_quietly(self._env_code(env_vars))
            try:
                self._stream(code, emit)
            finally:
                if env_vars:
                    self._run_quietly(self._unset_env_code(env_vars))

    def _stream(self, code, emit):
        msg_id = self.kc.execute(code, store_history=True, allow_stdin=False, stop_on_error=False)
        errored = False
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=KEEPALIVE_SECONDS)
            except queue.Empty:
                if not self.km.is_alive():
                    emit({"type": "error", "name": "KernelDied",
                          "value": "the kernel died during the execution; the next one starts a new kernel",
                          "traceback": ""})
                    return
                self._emit(emit, {"type": "keepalive"}, msg_id)
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue  # late output of an earlier, interrupted cell
            kind, content = msg["msg_type"], msg["content"]
            if kind == "status" and content.get("execution_state") == "idle":
                return
            event = None
            if kind == "stream":
                event = {"type": "stdout" if content.get("name") == "stdout" else "stderr",
                         "text": content.get("text", ""), "timestamp": msg["header"].get("date") or _now()}
                if not isinstance(event["timestamp"], str):
                    event["timestamp"] = event["timestamp"].isoformat()
            elif kind == "execute_input":
                event = {"type": "number_of_executions", "execution_count": content.get("execution_count")}
            elif kind == "execute_result":
                event = result_event(content, True)
            elif kind == "display_data":
                event = result_event(content, False)
            elif kind == "error" and not errored:
                errored = True
                event = {"type": "error", "name": content.get("ename", ""), "value": content.get("evalue", ""),
                         "traceback": "\n".join(content.get("traceback") or [])}
            if event is not None:
                self._emit(emit, event, msg_id)

    def _emit(self, emit, event, msg_id):
        try:
            emit(event)
        except ClientGone:
            self._abandon(msg_id)
            raise

    def _abandon(self, msg_id):
        """The client left mid-cell: interrupt, and wait for the kernel to be idle again (restart if it won't)."""
        try:
            self.km.interrupt_kernel()
        except Exception:
            pass
        if not self._wait_idle(msg_id, INTERRUPT_GRACE_SECONDS):
            self.shutdown()
            self._start()

    def _wait_idle(self, msg_id, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                msg = self.kc.get_iopub_msg(timeout=max(0.05, deadline - time.monotonic()))
            except queue.Empty:
                continue
            if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                    and msg["content"].get("execution_state") == "idle"):
                return True
        return False

    def _run_quietly(self, code):
        if not code:
            return
        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        self._wait_idle(msg_id, 30)

    # -- per-execution environment variables: set before the cell, restored after -------------------------------

    def _env_code(self, env_vars):
        items = [(str(k), str(v)) for k, v in env_vars.items()]
        if self.language == "python":
            return "\n".join("__import__('os').environ[%s] = %s" % (json.dumps(k), json.dumps(v)) for k, v in items)
        if self.language == "javascript":
            return "\n".join("process.env[%s] = %s;" % (json.dumps(k), json.dumps(v)) for k, v in items)
        return "\n".join("export %s=%s" % (k, shlex.quote(v)) for k, v in items if k.isidentifier())

    def _unset_env_code(self, env_vars):
        base = self._env if self._env is not None else os.environ
        restore = {k: base[k] for k in env_vars if k in base}
        drop = [str(k) for k in env_vars if k not in base]
        parts = [self._env_code(restore)] if restore else []
        if self.language == "python":
            parts += ["__import__('os').environ.pop(%s, None)" % json.dumps(k) for k in drop]
        elif self.language == "javascript":
            parts += ["delete process.env[%s];" % json.dumps(k) for k in drop]
        else:
            parts += ["unset %s" % k for k in drop if k.isidentifier()]
        return "\n".join(parts)


class Contexts:
    """Every context of this server, and the default one per language (what /execute without context_id uses)."""

    def __init__(self, default_cwd, env=None):
        self.default_cwd = default_cwd
        self._env = env
        self._lock = threading.Lock()
        self._by_id = {}
        self._defaults = {}
        self._starting = {}

    def create(self, language, cwd):
        context = Context(language, cwd, self._env)
        with self._lock:
            self._by_id[context.id] = context
        return context

    def get(self, context_id):
        with self._lock:
            return self._by_id.get(context_id)

    def default(self, language):
        """The language's default context, started on first use (once, however many ask at the same time)."""
        with self._lock:
            context = self._defaults.get(language)
            if context is not None:
                return context
            starting = self._starting.setdefault(language, threading.Lock())
        with starting:
            with self._lock:
                context = self._defaults.get(language)
            if context is None:
                context = self.create(language, self.default_cwd)
                with self._lock:
                    self._defaults[language] = context
            return context

    def list(self):
        with self._lock:
            return [c.describe() for c in self._by_id.values()]

    def remove(self, context_id):
        with self._lock:
            context = self._by_id.pop(context_id, None)
            if context is None:
                return False
            for language, c in list(self._defaults.items()):
                if c is context:
                    del self._defaults[language]
        context.shutdown()
        return True

    def shutdown(self):
        with self._lock:
            contexts = list(self._by_id.values())
            self._by_id.clear()
            self._defaults.clear()
        for c in contexts:
            c.shutdown()
