"""A Jupyter kernel around one persistent Node.js process (node_driver.js beside this file).

Why not ijavascript: it needs a native zeromq build, which an image built from Debian packages alone cannot do.
The driver speaks JSON lines; this side turns them into Jupyter messages (stream, execute_result, error) and an
interrupt (ipykernel's KeyboardInterrupt, from the SIGINT jupyter_client sends) into a SIGINT to node.
"""
import json
import os
import queue
import signal
import subprocess
import threading

from ipykernel.kernelapp import IPKernelApp
from ipykernel.kernelbase import Kernel

DRIVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node_driver.js")


class NodeKernel(Kernel):
    implementation = "cove_node"
    implementation_version = "1.0"
    language = "javascript"
    language_version = "20"
    language_info = {"name": "javascript", "mimetype": "application/javascript", "file_extension": ".js"}
    banner = "Node.js"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._start_node()

    def _start_node(self):
        # its own session: the kernel's interrupt reaches node once, from here, not also through the process group
        self.node = subprocess.Popen(["node", DRIVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True,
                                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.events = queue.Queue()
        threading.Thread(target=self._read, args=(self.node.stdout, None), daemon=True).start()
        threading.Thread(target=self._read, args=(self.node.stderr, "stderr"), daemon=True).start()
        first = self.events.get(timeout=30)
        if first.get("type") != "ready":
            raise RuntimeError("node did not start: %r" % first)

    def _read(self, stream, raw_name):
        for line in iter(stream.readline, b""):
            text = line.decode("utf-8", "replace")
            if raw_name:  # node's own stderr (a crash): pass it on as it is
                self.events.put({"type": raw_name, "text": text})
                continue
            try:
                self.events.put(json.loads(text))
            except ValueError:
                self.events.put({"type": "stdout", "text": text})
        if raw_name is None:
            self.events.put({"type": "exit"})

    def do_execute(self, code, silent, store_history=True, user_expressions=None, allow_stdin=False):
        if self.node.poll() is not None:
            self._start_node()
        self.node.stdin.write((json.dumps({"code": code}) + "\n").encode())
        self.node.stdin.flush()
        error = None
        while True:
            try:
                event = self.events.get()
            except KeyboardInterrupt:
                self.node.send_signal(signal.SIGINT)
                continue
            kind = event.get("type")
            if kind == "done":
                break
            if kind == "exit":
                error = {"ename": "NodeExited", "evalue": "node exited; a new one starts with the next cell",
                         "traceback": []}
                break
            if silent:
                continue
            if kind in ("stdout", "stderr"):
                self.send_response(self.iopub_socket, "stream", {"name": kind, "text": event["text"]})
            elif kind == "result":
                self.send_response(self.iopub_socket, "execute_result", {
                    "execution_count": self.execution_count, "data": {"text/plain": event["text"]}, "metadata": {}})
            elif kind == "error":
                error = {"ename": event["name"], "evalue": event["value"], "traceback": [event["traceback"]]}
        if error:
            if not silent:
                self.send_response(self.iopub_socket, "error", error)
            return dict(error, status="error", execution_count=self.execution_count)
        return {"status": "ok", "execution_count": self.execution_count, "payload": [], "user_expressions": {}}

    def do_shutdown(self, restart):
        if self.node.poll() is None:
            self.node.kill()
        return {"status": "ok", "restart": restart}


if __name__ == "__main__":
    IPKernelApp.launch_instance(kernel_class=NodeKernel)
