package dev.cove.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.sdk.ListeningPort;
import dev.cove.sdk.Sandbox;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "ports", mixinStandardHelpOptions = true,
        description = "Show what listens inside a sandbox and the URL that reaches each port. A URL lives only as "
                + "long as the sandbox, and is reachable wherever Cove's edge is (loopback by default).",
        footer = {"%nExamples:", "  cove ports <id>", "  cove ports <id> --json | jq -r '.[].url'"})
final class PortsCommand extends Base implements Callable<Integer> {
    @Parameters(paramLabel = "SANDBOX_ID")
    String id;

    @Override
    public Integer call() {
        Sandbox sbx = Attach.to(id, config());
        List<ListeningPort> ports = sbx.ports().listening();
        // One row per port; the addresses it is bound to joined.
        Map<Integer, String> byPort = new LinkedHashMap<>();
        for (ListeningPort p : ports) byPort.merge(p.port(), p.address(), (a, b) -> a + "," + b);
        if (json) {
            ArrayNode a = Output.JSON.createArrayNode();
            byPort.forEach((port, addresses) -> {
                ObjectNode n = a.addObject();
                n.put("port", port);
                ArrayNode addr = n.putArray("addresses");
                for (String s : addresses.split(",")) addr.add(s);
                n.put("host", sbx.getHost(port));
                n.put("url", sbx.getUrl(port));
            });
            Output.json(out(), a);
            return ExitCodes.OK;
        }
        if (byPort.isEmpty()) {
            err().println("Nothing listens in sandbox " + id + ".");
            return ExitCodes.OK;
        }
        Output.Table t = new Output.Table("PORT", "ADDRESS", "URL");
        byPort.forEach((port, addresses) -> t.row(port, addresses, sbx.getUrl(port)));
        t.print(out());
        return ExitCodes.OK;
    }
}
