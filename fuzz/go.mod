module github.com/ringwire/ringwire/fuzz

go 1.26.0

replace github.com/ringwire/ringwire => ../

require (
	github.com/apache/thrift v0.22.0
	github.com/cloudwego/frugal v0.3.0
	github.com/cloudwego/gopkg v0.1.6
	github.com/ringwire/ringwire v0.0.0-00010101000000-000000000000
	go.uber.org/goleak v1.3.0
)

require (
	github.com/bytedance/gopkg v0.1.1 // indirect
	github.com/klauspost/compress v1.18.2 // indirect
	golang.org/x/net v0.24.0 // indirect
	golang.org/x/text v0.14.0 // indirect
)
