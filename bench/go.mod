module github.com/ringwire/ringwire/bench

go 1.26.0

require (
	github.com/apache/thrift v0.22.0
	github.com/bytedance/gopkg v0.1.1
	github.com/cloudwego/frugal v0.3.0
	github.com/cloudwego/gopkg v0.1.6
	github.com/cloudwego/netpoll v0.7.2
	github.com/iceber/iouring-go v0.0.0-20230403020409-002cfd2e2a90
	github.com/panjf2000/gnet/v2 v2.9.7
	github.com/ringwire/ringwire v0.0.0
	go.uber.org/goleak v1.3.0
	golang.org/x/sys v0.50.0
)

require (
	github.com/klauspost/compress v1.18.2 // indirect
	github.com/panjf2000/ants/v2 v2.11.3 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	go.uber.org/multierr v1.11.0 // indirect
	go.uber.org/zap v1.27.0 // indirect
	golang.org/x/net v0.24.0 // indirect
	golang.org/x/sync v0.11.0 // indirect
	golang.org/x/text v0.14.0 // indirect
	gopkg.in/natefinch/lumberjack.v2 v2.2.1 // indirect
)

replace github.com/ringwire/ringwire => ../
