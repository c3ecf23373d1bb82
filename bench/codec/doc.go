// Package codec benchmarks ringwire's compiled Thrift codec side by side
// with the peers, on the shapes of RESEARCH.md's codec table (bench.thrift):
// Kitex v0.15.2's generated fast codec, frugal v0.3.0 (reflection, on the
// Kitex structs, as Kitex uses it) and Apache Thrift v0.22.0's generated
// code, the generated code made by the peers' own generators (regen.sh).
// ringwire codes the Kitex-generated structs as they are. benchtab's codec
// suite runs BenchmarkCodec and writes the table into BENCHMARKS.md.
package codec
