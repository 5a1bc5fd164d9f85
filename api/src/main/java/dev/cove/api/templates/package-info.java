/**
 * Templates built with E2B's {@code Template} builder: the build API ({@code POST /v3/templates}, upload links and
 * uploads of {@code copy} contexts, {@code POST /v2/templates/{id}/builds/{buildID}}, build status with logs, list,
 * get, delete), one handler per endpoint registered by {@link dev.cove.api.templates.TemplateRoutes};
 * {@link dev.cove.api.templates.TemplateService} (templates, builds, uploads; the
 * {@link dev.cove.api.lifecycle.TemplateCatalog} sandboxes are created from) and
 * {@link dev.cove.api.templates.BuildRunner}, which runs a build's steps, each in a build sandbox, each result a node
 * layer keyed by its parent, the step and the hashes of copied files, so an unchanged prefix is never run again.
 * Acts on the node only through {@link dev.cove.core.runtime.SandboxRuntime}; keeps its rows in
 * {@link dev.cove.api.store.TemplateStore}.
 */
package dev.cove.api.templates;
