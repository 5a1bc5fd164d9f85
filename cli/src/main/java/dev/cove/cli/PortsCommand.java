package dev.cove.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.ports.ExposedPort;
import dev.cove.sdk.ports.ListeningPort;
import dev.cove.sdk.ports.Ports;
import dev.cove.sdk.ports.ShareLink;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "ports", mixinStandardHelpOptions = true,
        description = {"Show what listens inside a sandbox (port, address, process) and which ports are exposed: "
                + "their policy, URL, when the URL stops working, and their share links.",
                "A port's URL lives only as long as its sandbox and is public only if made so; "
                        + "open one with `cove expose`."},
        footer = {"%nExamples:", "  cove ports <id>", "  cove ports <id> --json | jq -r '.exposed[].url'",
                "  cove ports <id> --json | jq '.listening[] | select(.reachable | not)'"})
final class PortsCommand extends Base implements Callable<Integer> {
    @Parameters(paramLabel = "SANDBOX_ID")
    String id;

    @Override
    public Integer call() {
        Sandbox sbx = Attach.to(id, config());
        Ports.PortsInfo info = sbx.ports().list();
        if (json) {
            ObjectNode n = Output.object();
            n.put("sandboxID", sbx.getSandboxId());
            n.put("defaultAccess", info.defaultAccess() == null ? null : info.defaultAccess().wire());
            ArrayNode listening = n.putArray("listening");
            info.listening().forEach(p -> listening.add(Output.listening(p)));
            ArrayNode exposed = n.putArray("exposed");
            info.exposed().forEach(e -> exposed.add(Output.exposed(e)));
            Output.json(out(), n);
            return ExitCodes.OK;
        }
        String defaultAccess = info.defaultAccess() == null ? "private" : info.defaultAccess().wire();
        if (info.listening().isEmpty()) {
            err().println("Nothing listens in sandbox " + id + ".");
        } else {
            Output.Table t = new Output.Table("PORT", "ADDRESS", "PID", "COMMAND");
            for (ListeningPort p : info.listening()) {
                t.row(p.port(), p.address() + (p.reachable() ? "" : " (edge may not reach)"), p.pid() == null ? "-" : p.pid(),
                        p.command() == null ? "-" : p.command());
            }
            t.print(out());
        }
        List<ShareLink> links = new ArrayList<>();
        if (info.exposed().isEmpty()) {
            err().println("No port is exposed; ports are " + defaultAccess + " unless exposed otherwise "
                    + "(cove expose " + id + " <port>).");
        } else {
            if (!info.listening().isEmpty()) out().println();
            Output.Table t = new Output.Table("PORT", "POLICY", "STATE", "URL", "EXPIRES IN", "LINKS");
            for (ExposedPort e : info.exposed()) {
                t.row(e.port(), e.policy() == null ? "-" : e.policy().wire(), e.state(), e.url(),
                        e.isOpen() ? Output.endsIn(e.expiresAt()) : "-", active(e.links()));
                links.addAll(e.links());
            }
            t.print(out());
        }
        if (!links.isEmpty()) {
            out().println();
            Output.Table t = new Output.Table("LINK", "PORT", "STATE", "EXPIRES IN");
            for (ShareLink l : links) {
                t.row(l.id(), l.port(), state(l), l.revoked() || expired(l) ? "-"
                        : Output.endsIn(l.expiresAt()) + (l.lifetime() ? " (sandbox)" : ""));
            }
            t.print(out());
        }
        return ExitCodes.OK;
    }

    static long active(List<ShareLink> links) {
        return links.stream().filter(l -> !l.revoked() && !expired(l)).count();
    }

    static boolean expired(ShareLink l) { return l.expiresAt() != null && l.expiresAt().isBefore(Instant.now()); }

    static String state(ShareLink l) { return l.revoked() ? "revoked" : expired(l) ? "expired" : "active"; }
}
