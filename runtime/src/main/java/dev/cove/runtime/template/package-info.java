/**
 * Templates: building a root file system with debootstrap once per recipe, caching it, and handing it out read-only
 * as every sandbox's lower layer ({@link dev.cove.runtime.template.TemplateStore}); the apt sources it builds from. Must
 * not write to a built template (sandboxes share it), nor know about sandboxes.
 */
package dev.cove.runtime.template;
