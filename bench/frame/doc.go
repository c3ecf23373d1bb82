// Package frame benchmarks ringwire's frame encoders and decoders side by
// side with the peers': TTHeader against github.com/cloudwego/gopkg's
// protocol/ttheader, the package Kitex encodes and decodes TTHeader with.
// benchtab's frame suite runs it and writes the table into BENCHMARKS.md.
package frame
