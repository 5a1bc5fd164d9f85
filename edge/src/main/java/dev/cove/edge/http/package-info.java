/**
 * HTTP as the edge speaks it: the client's HTTP/1.1 codec and the plain port's h2c detector, the upstream's byte
 * relaying codec ({@link dev.cove.edge.http.UpstreamCodec} with {@link dev.cove.edge.http.ResponseHead}), which
 * request forms are routed ({@link dev.cove.edge.http.RequestForm}), header rewriting
 * ({@link dev.cove.edge.http.ProxyHeaders}) and the edge's own typed answers ({@link dev.cove.edge.http.EdgeError},
 * {@link dev.cove.edge.http.ErrorResponses}). Pure functions and codecs: nothing here routes, dials or holds an
 * exchange's state.
 */
package dev.cove.edge.http;
