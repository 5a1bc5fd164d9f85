package dev.cove.it.sdk;

import dev.cove.sdk.CommandOptions;
import dev.cove.sdk.CommandResult;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.code.Chart;
import dev.cove.sdk.code.CodeContext;
import dev.cove.sdk.code.Execution;
import dev.cove.sdk.code.OutputMessage;
import dev.cove.sdk.code.Result;
import dev.cove.sdk.code.RunCodeOptions;
import dev.cove.sdk.errors.CommandExitException;
import dev.cove.sdk.errors.CoveTimeoutException;
import dev.cove.sdk.errors.InvalidArgumentException;
import dev.cove.sdk.errors.NotFoundException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Java SDK's {@code runCode} against a real {@code cove server} and a {@code code-interpreter-v1} sandbox, under
 * the shipped port default (private: the SDK sends the sandbox's traffic token). One sandbox serves the class.
 */
class SdkCodeInterpreterIT {
    static SdkServer server;
    static Sandbox sbx;

    @BeforeAll
    static void start() throws Exception {
        server = SdkServer.startOwn("coveinti", "10.253.0.0/16", "fd63:6f4d::/32", "sdk-code",
                "--default-port-access", "private", "--build-templates", "base,code-interpreter-v1");
        sbx = server.track(Sandbox.builder().config(server.config()).template("code-interpreter-v1")
                .timeout(Duration.ofMinutes(10)).create());
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
    }

    /** The server's own Python tests (real kernels, real HTTP), run where they belong: inside the sandbox. */
    @Test
    void theServersPythonTestsPassInsideTheSandbox() {
        CommandResult r;
        try {
            r = sbx.commands().run("cd /tmp && python3 -m unittest discover -s /opt/cove/code-interpreter/tests 2>&1",
                    new CommandOptions().timeout(Duration.ofMinutes(3)));
        } catch (CommandExitException e) {
            throw new AssertionError("the server's tests failed in the sandbox:\n" + e.result().stdout(), e);
        }
        assertThat(r.stdout()).containsPattern("Ran \\d+ tests").contains("OK");
    }

    @Test
    void stateStaysAcrossCallsAndTheMainResultHasText() {
        sbx.runCode("apples = 40");
        Execution x = sbx.runCode("apples + 2");
        assertThat(x.text()).isEqualTo("42");
        assertThat(x.error()).isNull();
        assertThat(x.executionCount()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void stdoutReachesTheCallbackWhileTheCodeRuns() {
        long start = System.nanoTime();
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        List<OutputMessage> err = new CopyOnWriteArrayList<>();
        Execution x = sbx.runCode("import sys, time\nprint('one', flush=True)\nprint('bad', file=sys.stderr)\n"
                + "time.sleep(2)\nprint('two')", new RunCodeOptions()
                .onStdout(m -> arrivals.add((System.nanoTime() - start) / 1_000_000))
                .onStderr(err::add));
        long ended = (System.nanoTime() - start) / 1_000_000;
        assertThat(x.stdout()).containsExactly("one\n", "two\n");
        assertThat(err).extracting(OutputMessage::line).containsExactly("bad\n");
        assertThat(err.get(0).error()).isTrue();
        assertThat(arrivals.get(0)).as("first line before the end").isLessThan(ended - 1500);
    }

    @Test
    void matplotlibGivesPngAndChartDataFrameGivesHtml() {
        Execution plot = sbx.runCode("import matplotlib.pyplot as plt\nplt.scatter([1, 2], [3, 4], label='pts')\n"
                + "plt.title('Dots')\nplt.show()");
        Result figure = plot.results().get(0);
        byte[] png = Base64.getDecoder().decode(figure.png());
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        Chart chart = figure.chart();
        assertThat(chart.type()).isEqualTo("scatter");
        assertThat(chart.title()).isEqualTo("Dots");
        assertThat(chart.elements().get(0).get("points").toString()).isEqualTo("[[1.0,3.0],[2.0,4.0]]");
        assertThat(figure.formats()).contains("png", "chart");

        Execution frame = sbx.runCode("import pandas as pd\npd.DataFrame({'n': [1, 2]})");
        assertThat(frame.results().get(0).html()).contains("<table");
        assertThat(frame.results().get(0).data().toString()).isEqualTo("{\"n\":[1,2]}");
    }

    @Test
    void anErrorOfTheCodeIsInTheExecution() {
        Execution x = sbx.runCode("1/0");
        assertThat(x.error().name()).isEqualTo("ZeroDivisionError");
        assertThat(x.error().value()).isEqualTo("division by zero");
        assertThat(x.error().traceback()).contains("1/0");
    }

    @Test
    void contextsHaveTheirCwdRestartAndRemove() {
        CodeContext ctx = sbx.createCodeContext("python", "/tmp");
        assertThat(ctx.cwd()).isEqualTo("/tmp");
        assertThat(sbx.runCode("import os\nos.getcwd()", new RunCodeOptions().context(ctx)).text()).isEqualTo("/tmp");
        sbx.runCode("mine = 1", new RunCodeOptions().context(ctx));
        assertThat(sbx.listCodeContexts()).extracting(CodeContext::id).contains(ctx.id());
        sbx.restartCodeContext(ctx);
        assertThat(sbx.runCode("mine", new RunCodeOptions().context(ctx)).error().name()).isEqualTo("NameError");
        sbx.removeCodeContext(ctx);
        assertThatThrownBy(() -> sbx.runCode("1", new RunCodeOptions().context(ctx)))
                .isInstanceOf(NotFoundException.class).hasMessageContaining(ctx.id());
        assertThatThrownBy(() -> sbx.runCode("1", new RunCodeOptions().context(ctx).language("python")))
                .isInstanceOf(InvalidArgumentException.class);
    }

    @Test
    void javascriptAndBashRunWithPerExecutionVariables() {
        Execution js = sbx.runCode("console.log(process.env.WHO); 6 * 7",
                new RunCodeOptions().language("javascript").env("WHO", "node"));
        assertThat(js.stdout()).containsExactly("node\n");
        assertThat(js.text()).isEqualTo("42");
        Execution bash = sbx.runCode("echo \"$WHO\"", new RunCodeOptions().language("bash").env("WHO", "a b"));
        assertThat(bash.stdout()).containsExactly("a b\n");
        assertThat(sbx.runCode("echo \"[$WHO]\"", new RunCodeOptions().language("bash")).stdout()).containsExactly("[]\n");
    }

    @Test
    void aTimeoutInterruptsTheCodeAndTheKernelStaysUsable() {
        sbx.runCode("kept = 'yes'");
        assertThatThrownBy(() -> sbx.runCode("import time\ntime.sleep(60)",
                new RunCodeOptions().timeout(Duration.ofSeconds(2))))
                .isInstanceOf(CoveTimeoutException.class).hasMessageContaining("2000 ms");
        long start = System.nanoTime();
        assertThat(sbx.runCode("kept").text()).isEqualTo("yes");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    }
}
