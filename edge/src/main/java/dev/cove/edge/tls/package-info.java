/**
 * The edge's TLS material: a local CA made on first start and the server certificates it signs. Files and keys only;
 * the pipeline's TLS handler is built from it by the edge's assembly.
 */
package dev.cove.edge.tls;
