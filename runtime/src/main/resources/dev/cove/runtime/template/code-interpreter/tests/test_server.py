"""The server over real HTTP with real kernels: python3 -m unittest discover -s tests (in a code-interpreter sandbox,
or anywhere Debian's python3-ipykernel, python3-jupyter-client, python3-pexpect, numpy, pandas, matplotlib and node
are installed)."""
import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(os.path.dirname(HERE), "server.py")


class ServerUnderTest(unittest.TestCase):
    """A server of its own per test class, in a fresh home, on a free loopback port."""

    ENV = {}

    @classmethod
    def setUpClass(cls):
        cls.home = tempfile.mkdtemp(prefix="cove-interp-test-")
        ready = os.path.join(cls.home, "port")
        cls.proc = subprocess.Popen([sys.executable, SERVER, "--port", "0", "--host", "127.0.0.1", "--cwd", cls.home,
                                     "--ready-file", ready], env=dict(os.environ, **cls.ENV),
                                    stderr=subprocess.DEVNULL)
        for _ in range(300):
            if os.path.exists(ready) and open(ready).read():
                break
            time.sleep(0.05)
        cls.port = int(open(ready).read())
        cls.base = "http://127.0.0.1:%d" % cls.port

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(30)
        subprocess.run(["rm", "-rf", cls.home])


class ServerTest(ServerUnderTest):
    ENV = {"COVE_INTERPRETER_KEEPALIVE": "0.5", "COVE_TEST_GLOBAL": "from-the-server"}

    # -- helpers --------------------------------------------------------------------------------------------------

    def request(self, method, path, body=None, headers=None, timeout=60):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def execute(self, code, **fields):
        """Runs code; returns (events without keepalives, arrival time of each event)."""
        req = urllib.request.Request(self.base + "/execute", data=json.dumps(dict(code=code, **fields)).encode(),
                                     method="POST")
        events, times, start = [], [], time.monotonic()
        with urllib.request.urlopen(req, timeout=120) as r:
            self.assertEqual(r.headers.get("Content-Type"), "application/x-ndjson")
            for line in r:
                event = json.loads(line)
                if event["type"] != "keepalive":
                    events.append(event)
                    times.append(time.monotonic() - start)
        self.assertEqual(events[-1], {"type": "end_of_execution"}, "every stream ends with end_of_execution")
        return events, times

    def abandon(self, code, **fields):
        """Starts code and leaves after its first event, as an SDK whose timeoutMs ran out does."""
        host, port = self.base[len("http://"):].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        conn.request("POST", "/execute", json.dumps(dict(code=code, **fields)))
        response = conn.getresponse()
        self.assertEqual(response.status, 200)
        response.fp.readline()
        time.sleep(0.3)
        conn.sock.shutdown(socket.SHUT_RDWR)
        conn.close()

    @staticmethod
    def of(events, kind):
        return [e for e in events if e["type"] == kind]

    def main_text(self, events):
        return [e.get("text") for e in self.of(events, "result") if e["is_main_result"]]

    # -- tests ----------------------------------------------------------------------------------------------------

    def test_health(self):
        self.assertEqual(self.request("GET", "/health"), (200, '"OK"'))

    def test_state_stays_between_executions_and_counts_them(self):
        self.execute("counter_a = 40")
        events, _ = self.execute("counter_a + 2")
        self.assertEqual(self.main_text(events), ["42"])
        self.assertGreaterEqual(self.of(events, "number_of_executions")[0]["execution_count"], 2)

    def test_stdout_arrives_while_the_code_still_runs(self):
        events, times = self.execute("import time\nprint('first', flush=True)\ntime.sleep(1.5)\nprint('second')")
        out = self.of(events, "stdout")
        self.assertEqual("".join(e["text"] for e in out), "first\nsecond\n")
        first = times[events.index(out[0])]
        self.assertLess(first, 1.0, "the first line must not wait for the end of the cell")
        self.assertIn("timestamp", out[0])

    def test_stderr(self):
        events, _ = self.execute("import sys\nprint('oops', file=sys.stderr)")
        self.assertEqual("".join(e["text"] for e in self.of(events, "stderr")), "oops\n")

    def test_error_has_name_value_and_traceback(self):
        events, _ = self.execute("1/0")
        [error] = self.of(events, "error")
        self.assertEqual(error["name"], "ZeroDivisionError")
        self.assertEqual(error["value"], "division by zero")
        self.assertIn("ZeroDivisionError", error["traceback"])
        self.assertNotIn("\x1b[", error["traceback"], "no terminal colours in the traceback")

    def test_string_result_without_quotes(self):
        events, _ = self.execute("'abc'")
        self.assertEqual(self.main_text(events), ["abc"])

    def test_dataframe_has_html_and_data(self):
        events, _ = self.execute("import pandas as pd\npd.DataFrame({'a': [1, 2], 'b': ['x', 'y']})")
        [result] = self.of(events, "result")
        self.assertIn("<table", result["html"])
        self.assertEqual(result["data"], {"a": [1, 2], "b": ["x", "y"]})

    def test_matplotlib_figure_has_png_and_chart(self):
        events, _ = self.execute("import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [4, 5, 6], label='up')\n"
                                 "plt.title('Rise')\nplt.show()")
        [result] = self.of(events, "result")
        self.assertFalse(result["is_main_result"])
        self.assertTrue(result["png"].startswith("iVBORw0KGgo"), "a base64 PNG")
        self.assertEqual(base64.b64decode(result["png"], validate=True)[:4], b"\x89PNG", "strict base64, one line")
        self.assertEqual(result["chart"]["type"], "line")
        self.assertEqual(result["chart"]["title"], "Rise")
        self.assertEqual(result["chart"]["elements"][0]["points"], [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]])

    def test_per_execution_env_vars_are_set_then_restored(self):
        events, _ = self.execute("import os\nos.environ.get('COVE_TEST_GLOBAL') + '/' + os.environ.get('EXTRA', '-')",
                                 env_vars={"COVE_TEST_GLOBAL": "for-this-run", "EXTRA": 'say "$HOME"'})
        self.assertEqual(self.main_text(events), ['for-this-run/say "$HOME"'])
        events, _ = self.execute("os.environ.get('COVE_TEST_GLOBAL') + '/' + os.environ.get('EXTRA', '-')")
        self.assertEqual(self.main_text(events), ["from-the-server/-"])

    def test_client_that_leaves_interrupts_the_kernel(self):
        self.execute("survivor = 'kept'")
        self.abandon("import time\ntime.sleep(60)")
        start = time.monotonic()
        events, _ = self.execute("survivor")
        self.assertEqual(self.main_text(events), ["kept"], "the kernel is the same one, and free again")
        self.assertLess(time.monotonic() - start, 15)

    def test_contexts_create_list_cwd_restart_delete(self):
        cwd = tempfile.mkdtemp(dir=self.home)
        status, body = self.request("POST", "/contexts", {"language": "python", "cwd": cwd})
        self.assertEqual(status, 200)
        context = json.loads(body)
        self.assertEqual((context["language"], context["cwd"]), ("python", cwd))
        events, _ = self.execute("import os\nos.getcwd()", context_id=context["id"])
        self.assertEqual(self.main_text(events), [cwd])
        self.execute("secret = 1", context_id=context["id"])
        status, body = self.request("GET", "/contexts")
        self.assertIn(context["id"], [c["id"] for c in json.loads(body)])

        self.assertEqual(self.request("POST", "/contexts/%s/restart" % context["id"])[0], 200)
        events, _ = self.execute("secret", context_id=context["id"])
        self.assertEqual(self.of(events, "error")[0]["name"], "NameError", "a restart forgets every variable")

        self.assertEqual(self.request("DELETE", "/contexts/%s" % context["id"])[0], 200)
        self.assertEqual(self.request("DELETE", "/contexts/%s" % context["id"])[0], 404)
        status, body = self.request("POST", "/execute", {"code": "1", "context_id": context["id"]})
        self.assertEqual((status, body), (404, "Context %s not found" % context["id"]))

    def test_bad_requests(self):
        status, body = self.request("POST", "/execute", {"code": "1", "context_id": "x", "language": "python"})
        self.assertEqual(status, 400)
        self.assertIn("context_id or language", body)
        self.assertEqual(self.request("POST", "/execute", {"code": 5})[0], 400)
        status, body = self.request("POST", "/execute", {"code": "1", "language": "cobol"})
        self.assertEqual(status, 400)
        self.assertIn("cobol", body)
        self.assertEqual(self.request("POST", "/contexts", {"cwd": "relative"})[0], 400)
        self.assertEqual(self.request("POST", "/contexts/nope/restart")[0], 404)

    def test_bash_keeps_state_and_streams(self):
        events, _ = self.execute("export GREETING=hello\ncd /tmp", language="bash")
        self.assertEqual(self.of(events, "error"), [])
        events, times = self.execute("echo $GREETING; pwd; sleep 1; echo done", language="bash")
        out = "".join(e["text"] for e in self.of(events, "stdout"))
        self.assertEqual(out, "hello\n/tmp\ndone\n")
        self.assertLess(times[events.index(self.of(events, "stdout")[0])], 0.9)
        events, _ = self.execute("false", language="bash")
        self.assertEqual(self.of(events, "error")[0]["name"], "CalledProcessError")

    def test_javascript_keeps_state_and_shows_values(self):
        self.execute("const base = 40; globalThis.extra = 1", language="javascript")
        events, _ = self.execute("console.log('sum'); base + extra + 1", language="js")
        self.assertEqual("".join(e["text"] for e in self.of(events, "stdout")), "sum\n")
        self.assertEqual(self.main_text(events), ["42"])
        events, _ = self.execute("await new Promise(r => setTimeout(r, 50)); null.x", language="javascript")
        self.assertEqual(self.of(events, "error")[0]["name"], "TypeError")

    def test_javascript_interrupted_by_a_leaving_client(self):
        self.abandon("while (true) {}", language="javascript")
        events, _ = self.execute("1 + 1", language="javascript")
        self.assertEqual(self.main_text(events), ["2"])



class AccessTokenTest(ServerUnderTest):
    """Started with the sandbox's access token (as the template's start command is): /execute wants it."""

    TOKEN = "test-token-0123456789"
    ENV = {"COVE_ENVD_ACCESS_TOKEN": TOKEN}

    def post(self, conn, token, code="print('ran-' + 'here')"):
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["X-Access-Token"] = token
        conn.request("POST", "/execute", json.dumps({"code": code}), headers)
        response = conn.getresponse()
        return response.status, response.read().decode()

    def test_execute_needs_the_token_and_a_refusal_leaves_the_next_request_intact(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        for token in (None, "not-the-token"):
            status, body = self.post(conn, token)
            self.assertEqual(status, 401)
            self.assertNotIn("ran-here", body)
        # the refused request's body was never read: had it stayed on the connection, this request would be garbage
        status, body = self.post(conn, self.TOKEN)
        self.assertEqual(status, 200)
        self.assertIn("ran-here", body)
        conn.close()

    def test_the_token_is_out_of_reach_of_the_same_user(self):
        with self.assertRaises(PermissionError):
            open("/proc/%d/environ" % self.proc.pid, "rb").read()
        code = "import os\nprint(sorted(k for k in os.environ if 'TOKEN' in k))"
        status, body = self.post(http.client.HTTPConnection("127.0.0.1", self.port, timeout=60), self.TOKEN, code)
        self.assertEqual(status, 200)
        self.assertIn("[]", body)
        self.assertNotIn(self.TOKEN, body)


if __name__ == "__main__":
    unittest.main()
