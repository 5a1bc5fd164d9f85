package dev.cove.runtime;

/** {@link LayersTest} with a user namespace per sandbox (the default): every layer seen through an idmapped mount. */
class LayersUserNamespaceTest extends LayersTest {
    @Override
    boolean userNamespaces() { return true; }
}
