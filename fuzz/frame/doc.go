// Package frame fuzzes ringwire's frame decoders against the peers' on the
// same bytes: TTHeader against github.com/cloudwego/gopkg's protocol/ttheader
// (what Kitex decodes with), THeader against Apache Thrift's
// THeaderTransport. Both must accept or both reject, and when both accept
// they must agree on every field; where ringwire is deliberately stricter or
// broader, the target says which inputs and why.
package frame
