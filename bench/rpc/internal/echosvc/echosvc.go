// Package echosvc is the RPC benchmark's service, echo.thrift's Echo, as
// ringwire and Kitex each declare it: the same Kitex-generated structs on
// both, so that only the RPC layers differ.
package echosvc

import (
	"context"
	"errors"

	"github.com/cloudwego/kitex/pkg/serviceinfo"

	kitexecho "github.com/ringwire/ringwire/bench/rpc/internal/kitexecho"
	"github.com/ringwire/ringwire/rpc"
)

// Msg is the message echoed.
type Msg = kitexecho.Msg

// Echo is ringwire's echo method: the handler returns its request.
var Echo = rpc.NewMethod("echo", func(ctx context.Context, m *Msg) (*Msg, error) {
	return m, nil
}, rpc.Throws[kitexecho.Oops](1))

// KitexHandler is Kitex's handler of the same.
type KitexHandler struct{}

func (KitexHandler) Echo(ctx context.Context, m *Msg) (*Msg, error)  { return m, nil }
func (KitexHandler) Sleep(ctx context.Context, m *Msg) (*Msg, error) { return m, nil }
func (KitexHandler) Ping(ctx context.Context, m *Msg) error          { return nil }

// KitexServiceInfo describes the service to Kitex, as the kitex tool's
// generated service package would: echo only.
func KitexServiceInfo() *serviceinfo.ServiceInfo {
	return &serviceinfo.ServiceInfo{
		ServiceName: "Echo",
		HandlerType: (*kitexecho.Echo)(nil),
		Methods: map[string]serviceinfo.MethodInfo{
			"echo": serviceinfo.NewMethodInfo(func(ctx context.Context, h, a, r any) error {
				resp, err := h.(kitexecho.Echo).Echo(ctx, a.(*kitexecho.EchoEchoArgs).M)
				var oops *kitexecho.Oops
				if errors.As(err, &oops) {
					r.(*kitexecho.EchoEchoResult).Oops = oops
					return nil
				}
				if err != nil {
					return err
				}
				r.(*kitexecho.EchoEchoResult).Success = resp
				return nil
			}, func() any { return kitexecho.NewEchoEchoArgs() }, func() any { return kitexecho.NewEchoEchoResult() }, false),
		},
		PayloadCodec: serviceinfo.Thrift,
		Extra:        map[string]any{"PackageName": "echo"},
	}
}
