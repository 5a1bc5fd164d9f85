package dev.cove.runtime;

/** {@link LayersTest} with {@code --no-user-namespaces}: layers mounted as they are, ids the host's. */
class LayersHostIdsTest extends LayersTest {
    @Override
    boolean userNamespaces() { return false; }
}
