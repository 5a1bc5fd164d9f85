"""A Jupyter kernel around one persistent bash: variables, functions and the working directory stay between cells.

Output is streamed as bash writes it (stdout and stderr share bash's terminal, so both arrive as stdout). An
interrupt (SIGINT to this process, what jupyter_client sends) becomes a Ctrl-C to bash's foreground job. A cell whose last command fails ends in an error named after its exit status.
"""
import os
import re
import signal
import sys
import tempfile
import uuid

import pexpect
from ipykernel.kernelapp import IPKernelApp
from ipykernel.kernelbase import Kernel


class BashKernel(Kernel):
    implementation = "cove_bash"
    implementation_version = "1.0"
    language = "bash"
    language_version = "5"
    language_info = {"name": "bash", "mimetype": "text/x-sh", "file_extension": ".sh"}
    banner = "bash"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._marker = "__cove_" + uuid.uuid4().hex + "__"
        self._interrupted = False
        self._start_bash()

    def _start_bash(self):
        env = dict(os.environ, TERM="dumb", PAGER="cat", GIT_PAGER="cat")
        # ipykernel ignores SIGINT outside cells, and an ignored signal stays ignored across exec: bash and its
        # commands must get the default back, or Ctrl-C would not stop them
        self.bash = pexpect.spawn("/bin/bash", ["--noprofile", "--norc", "--noediting"], env=env, encoding="utf-8",
                                  codec_errors="replace", echo=False, timeout=None,
                                  preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.bash.setwinsize(50, 400)
        # The prompt is the marker around the exit status of the last command.
        self.bash.sendline("unset PROMPT_COMMAND; PS2=''; PS1='" + self._marker + "$?" + self._marker + "'")
        self._prompt = re.compile(re.escape(self._marker) + r"(\d+)" + re.escape(self._marker))
        self.bash.expect(self._prompt)  # the first prompt after PS1 is set

    def do_execute(self, code, silent, store_history=True, user_expressions=None, allow_stdin=False):
        self._interrupted = False
        if not code.strip():
            return self._ok()
        if not self.bash.isalive():
            self._start_bash()
        # The cell is sourced from a file: it runs in this shell (state stays) and ends with exactly one prompt.
        fd, path = tempfile.mkstemp(prefix="cove-cell-", suffix=".sh")
        with os.fdopen(fd, "w") as f:
            f.write(code if code.endswith("\n") else code + "\n")
        try:
            self.bash.sendline("source " + path)
            status = self._read_until_prompt(silent)
        finally:
            os.unlink(path)
        if self._interrupted:
            return self._error("KeyboardInterrupt", "execution interrupted", silent)
        if status == -1:
            return self._error("BashExited", "bash exited; a new one starts with the next cell", silent)
        if status != 0:
            return self._error("CalledProcessError", "command exited with status %d" % status, silent)
        return self._ok()

    def _read_until_prompt(self, silent):
        """Streams bash's output until its prompt; returns the cell's exit status (-1 when bash exited)."""
        pending = ""
        while True:
            try:
                pending += self.bash.read_nonblocking(65536, timeout=0.05)
            except pexpect.TIMEOUT:
                pass
            except pexpect.EOF:
                if pending and not silent:
                    self._stream(pending)
                return -1
            except KeyboardInterrupt:
                # ipykernel turns the interrupt (SIGINT) into KeyboardInterrupt while a cell runs: Ctrl-C to bash's
                # foreground job, which ends the sourced cell and brings the prompt
                self._interrupted = True
                self.bash.sendintr()
                continue
            m = self._prompt.search(pending)
            if m:
                if m.start() and not silent:
                    self._stream(pending[:m.start()])
                return int(m.group(1))
            # everything but a tail that may be the start of the prompt goes out now
            hold = self._partial_prompt(pending)
            if hold > 0:
                if not silent:
                    self._stream(pending[:hold])
                pending = pending[hold:]

    def _partial_prompt(self, text):
        """Where a prompt that has not fully arrived may begin in `text` (len(text) when none can)."""
        marker = self._marker
        for i in range(max(0, len(text) - 2 * len(marker) - 12), len(text)):
            tail = text[i:]
            if marker.startswith(tail):
                return i
            if tail.startswith(marker):
                rest = tail[len(marker):].lstrip("0123456789")
                if marker.startswith(rest):
                    return i
        return len(text)

    def _stream(self, text):
        text = text.replace("\r\n", "\n")
        if text:
            self.send_response(self.iopub_socket, "stream", {"name": "stdout", "text": text})

    def _ok(self):
        return {"status": "ok", "execution_count": self.execution_count, "payload": [], "user_expressions": {}}

    def _error(self, name, value, silent):
        content = {"ename": name, "evalue": value, "traceback": [name + ": " + value]}
        if not silent:
            self.send_response(self.iopub_socket, "error", content)
        return dict(content, status="error", execution_count=self.execution_count)

    def do_shutdown(self, restart):
        try:
            self.bash.terminate(force=True)
        except Exception:
            pass
        return {"status": "ok", "restart": restart}


if __name__ == "__main__":
    IPKernelApp.launch_instance(kernel_class=BashKernel)
