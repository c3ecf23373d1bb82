module github.com/ringwire/ringwire/bench

go 1.26.0

require (
	github.com/bytedance/gopkg v0.1.1
	github.com/cloudwego/netpoll v0.7.2
	github.com/ringwire/ringwire v0.0.0
)

require github.com/cloudwego/gopkg v0.1.4 // indirect

replace github.com/ringwire/ringwire => ../
