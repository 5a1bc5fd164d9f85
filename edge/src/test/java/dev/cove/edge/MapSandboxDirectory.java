package dev.cove.edge;

import dev.cove.core.routing.SandboxDirectory;
import dev.cove.core.routing.SandboxRoute;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The directory is in memory by contract; a map is a faithful stand-in. */
final class MapSandboxDirectory implements SandboxDirectory {
    private final Map<String, SandboxRoute> routes = new ConcurrentHashMap<>();

    void put(SandboxRoute route) { routes.put(route.sandboxId(), route); }

    void clear() { routes.clear(); }

    @Override
    public SandboxRoute lookup(String sandboxId) { return routes.get(sandboxId); }
}
