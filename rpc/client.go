package rpc

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ringwire/ringwire/codec"
	tw "github.com/ringwire/ringwire/codec/thriftwire"
	"github.com/ringwire/ringwire/conn"
	"github.com/ringwire/ringwire/frame"
)

// A Resolver gives the addresses of a service's servers; the client calls
// them in turn. Discovery plugs in here.
type Resolver interface {
	Resolve(ctx context.Context, service string) ([]string, error)
}

// Addrs is a fixed list of addresses ("host:port"), a Resolver.
type Addrs []string

// Resolve returns the addresses.
func (a Addrs) Resolve(context.Context, string) ([]string, error) { return a, nil }

// A ConnMode is how a client uses connections.
type ConnMode uint8

// Connection modes.
const (
	// Pooled keeps long connections, one call at a time on each, idle ones
	// in a pool: Kitex's default.
	Pooled ConnMode = iota
	// Mux runs many calls at once on one TTHeader connection per address,
	// replies matched by sequence id in any order (Kitex's
	// WithMuxConnection; the server must accept it, as Kitex's with
	// WithMuxTransport and this package's do).
	Mux
	// Short dials a connection for each call and closes it after.
	Short
)

// ClientOptions configure a Client. The zero value of each field is its
// default.
type ClientOptions struct {
	// Resolver gives the servers' addresses. Required.
	Resolver Resolver

	// Transport is how calls are framed: TTHeader by default. Mux needs
	// TTHeader or TTHeaderFramed.
	Transport Transport

	Mode ConnMode

	// The pool of Pooled: idle connections kept per address and in all,
	// and how long one may stay idle. Kitex's defaults: 10, 100, 1 minute.
	MaxIdlePerAddr int
	MaxIdle        int
	IdleTimeout    time.Duration

	// MuxConns is the connections per address in Mux mode; 0 means 1.
	MuxConns int

	// ConnectTimeout bounds each dial; 0 means 1 s. (Kitex's is 50 ms.)
	ConnectTimeout time.Duration

	// RPCTimeout is the deadline of calls whose context has none; 0 means
	// none.
	RPCTimeout time.Duration

	// Middleware wraps every call, the first outermost.
	Middleware []Middleware

	// TLSConfig, when set, dials TLS. Its MinVersion, when unset, is TLS
	// 1.3; a ServerName, when unset, is taken from the address.
	TLSConfig *tls.Config

	// Limits bound the replies read; zero fields are frame's defaults.
	Limits frame.Limits

	// Dial is the connections' settings.
	Dial conn.DialOptions

	// Caller names the calling service, sent in TTHeader's FromService
	// (int key 3) when the call is not made from a handler's context.
	Caller string
}

// A Client calls the methods of one service. It is safe for concurrent
// use; make one per service and keep it.
type Client struct {
	service string
	opts    ClientOptions
	ep      Endpoint
	seq     atomic.Uint32
	next    atomic.Uint32 // round-robin position
	pool    *pool
	closed  atomic.Bool

	connectMs string // ConnectTimeout in milliseconds, as int key 17 says it

	mu    sync.Mutex
	muxes map[string][]*muxSlot
}

// NewClient makes a client of service.
func NewClient(service string, opts ClientOptions) (*Client, error) {
	if opts.Resolver == nil {
		return nil, errors.New("rpc: ClientOptions.Resolver is required")
	}
	if !opts.Transport.valid() {
		return nil, fmt.Errorf("rpc: %v is not a transport", opts.Transport)
	}
	if opts.Mode == Mux && !opts.Transport.ttheader() {
		return nil, fmt.Errorf("rpc: Mux needs TTHeader, not %v", opts.Transport)
	}
	if opts.Mode > Short {
		return nil, fmt.Errorf("rpc: ConnMode(%d) is not a mode", opts.Mode)
	}
	if opts.MaxIdlePerAddr <= 0 {
		opts.MaxIdlePerAddr = 10
	}
	if opts.MaxIdle <= 0 {
		opts.MaxIdle = 100
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = time.Minute
	}
	if opts.MuxConns <= 0 {
		opts.MuxConns = 1
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = time.Second
	}
	if opts.TLSConfig != nil {
		opts.TLSConfig = opts.TLSConfig.Clone()
		if opts.TLSConfig.MinVersion == 0 {
			opts.TLSConfig.MinVersion = tls.VersionTLS13
		}
	}
	c := &Client{service: service, opts: opts, connectMs: strconv.FormatInt(opts.ConnectTimeout.Milliseconds(), 10)}
	c.pool = newPool(opts.MaxIdlePerAddr, opts.MaxIdle, opts.IdleTimeout)
	c.ep = chain(c.invoke, opts.Middleware)
	return c, nil
}

// Close closes the client's connections. Calls in flight fail.
func (c *Client) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	c.pool.close()
	c.mu.Lock()
	muxes := c.muxes
	c.muxes = nil
	c.mu.Unlock()
	for _, slots := range muxes {
		for _, slot := range slots {
			slot.mu.Lock()
			if mc := slot.mc; mc != nil {
				mc.fail(ErrClientClosed)
				<-mc.done
			}
			slot.mu.Unlock()
		}
	}
	return nil
}

// Call calls method with req and returns its response, as Method.Call
// does, for a method with no declared exceptions: the Method is made once
// for each pair of types and kept.
func Call[Req, Resp any](ctx context.Context, c *Client, method string, req *Req) (*Resp, error) {
	m := methodFor[Req, Resp]()
	if m.err != nil {
		return nil, m.err
	}
	resp := new(Resp)
	if err := c.call(ctx, m, method, req, resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// CallOneway sends a oneway call of method with req.
func CallOneway[Req any](ctx context.Context, c *Client, method string, req *Req) error {
	m := methodFor[Req, struct{}]()
	if m.err != nil {
		return m.err
	}
	return c.call(ctx, onewayOf[Req]{m}, method, req, nil)
}

// onewayOf is a Method called oneway.
type onewayOf[Req any] struct{ *Method[Req, struct{}] }

func (onewayOf[Req]) oneway() bool { return true }

var methods sync.Map // [2]reflect.Type -> *Method[Req, Resp]

type methodKey[Req, Resp any] struct{}

func methodFor[Req, Resp any]() *Method[Req, Resp] {
	var k methodKey[Req, Resp]
	if m, ok := methods.Load(k); ok {
		return m.(*Method[Req, Resp])
	}
	m, _ := methods.LoadOrStore(k, NewMethod[Req, Resp]("call", nil))
	return m.(*Method[Req, Resp])
}

// clientContext is a call's context on a client: its Info, in the same
// allocation.
type clientContext struct {
	context.Context
	info Info
}

func (c *clientContext) Value(key any) any {
	if _, ok := key.(infoKey); ok {
		return &c.info
	}
	return c.Context.Value(key)
}

func (c *Client) call(ctx context.Context, m method, name string, req, resp any) error {
	if c.closed.Load() {
		return ErrClientClosed
	}
	cc := &clientContext{Context: ctx}
	cc.info = Info{Service: c.service, Method: name, Transport: c.opts.Transport, Oneway: m.oneway(), m: m}
	if c.opts.RPCTimeout > 0 {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			cc.Context, cancel = context.WithTimeout(ctx, c.opts.RPCTimeout)
			defer cancel()
		}
	}
	return c.ep(cc, req, resp)
}

// nextSeq returns a sequence id; 0 is Kitex's control frame, never used.
func (c *Client) nextSeq() int32 {
	for {
		if s := int32(c.seq.Add(1) & 0x7fffffff); s != 0 {
			return s
		}
	}
}

// pick returns the address of the next call.
func (c *Client) pick(ctx context.Context) (string, error) {
	addrs, err := c.opts.Resolver.Resolve(ctx, c.service)
	if err != nil {
		return "", err
	}
	if len(addrs) == 0 {
		return "", ErrNoAddress
	}
	return addrs[int(c.next.Add(1)-1)%len(addrs)], nil
}

// invoke is the innermost endpoint of a client: it sends the call and
// reads its reply.
func (c *Client) invoke(ctx context.Context, req, resp any) error {
	info := InfoFrom(ctx)
	if info == nil || info.m == nil {
		return errors.New("rpc: a client endpoint called without its call's context")
	}
	addr, err := c.pick(ctx)
	if err != nil {
		return &TransportError{Op: "resolve", Err: err, Retryable: true}
	}
	info.SeqID = c.nextSeq()
	if c.opts.Mode == Mux {
		return c.invokeMux(ctx, info, addr, req, resp)
	}
	cn, err := c.getConn(ctx, addr)
	if err != nil {
		return err
	}
	info.Peer = cn.peer
	keep, err := cn.roundTrip(ctx, c, info, req, resp)
	if keep && c.opts.Mode == Pooled {
		c.pool.put(addr, cn)
	} else {
		cn.close()
	}
	return err
}

// getConn returns an idle pooled connection to addr or dials one.
func (c *Client) getConn(ctx context.Context, addr string) (*clientConn, error) {
	if c.opts.Mode == Pooled {
		if cn := c.pool.get(addr); cn != nil {
			return cn, nil
		}
	}
	return c.dial(ctx, addr)
}

func (c *Client) dial(ctx context.Context, addr string) (*clientConn, error) {
	d := c.opts.Dial
	if d.ConnectTimeout <= 0 || d.ConnectTimeout > c.opts.ConnectTimeout {
		d.ConnectTimeout = c.opts.ConnectTimeout
	}
	network := "tcp"
	if strings.HasPrefix(addr, "/") || strings.HasPrefix(addr, "@") {
		network = "unix"
	}
	raw, err := conn.Dial(ctx, network, addr, &d)
	if err != nil {
		return nil, c.dialError(ctx, addr, err)
	}
	cn := &clientConn{raw: raw, w: raw, addr: addr, peer: raw.RemoteAddr()}
	if cfg := c.opts.TLSConfig; cfg != nil {
		if cfg.ServerName == "" {
			cfg = cfg.Clone()
			cfg.ServerName, _, _ = net.SplitHostPort(addr)
		}
		tc := tls.Client(raw, cfg)
		hctx, cancel := context.WithTimeout(ctx, c.opts.ConnectTimeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			raw.Close()
			return nil, c.dialError(ctx, addr, err)
		}
		cn.w = newStreamReader(tc)
	}
	return cn, nil
}

func (c *Client) dialError(ctx context.Context, addr string, err error) error {
	if ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return &TransportError{Op: "dial", Addr: addr, Err: err, Retryable: true}
}

// clientConn is a connection of a Pooled or Short client.
type clientConn struct {
	raw   *conn.Conn
	w     clientWire
	addr  string
	peer  net.Addr // the remote address, made once: Info.Peer
	h     frame.Header
	since time.Duration // idle since, in the pool: since its epoch
}

// clientWire is a client's connection as calls use it.
type clientWire interface {
	wire
	SetReadDeadline(t time.Time) error
}

func (cn *clientConn) close() { cn.w.Close() }

// usable reports whether an idle connection can take a call.
func (cn *clientConn) usable() bool { return cn.raw.Usable() && cn.w.Len() == 0 }

// requestBufs are the calls' request memory. A buffer kept per
// connection instead cost 3 % more client CPU (5.46 against 5.28 us a
// call, 4 A/B pairs, bench/rpc pooled, 2026-12-04): the pool hands the
// same few hot buffers round, 100 connections' own buffers are cold.
var requestBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// appendRequest appends the framed call message.
func (c *Client) appendRequest(b []byte, ctx context.Context, info *Info, req any) ([]byte, error) {
	t := c.opts.Transport
	var h frame.Header
	h.SeqID = info.SeqID
	if t.ttheader() {
		// The headers' slices live on the stack while they fit.
		var strs [8]frame.StringPair
		var ints [12]frame.IntPair
		h.Strings = append(strs[:0], frame.StringPair{Key: frame.KeyIDLServiceName, Value: c.service})
		h.Strings = appendMeta(h.Strings, metaFrom(ctx))
		h.Ints = c.appendInts(ints[:0], ctx, info)
	}
	b, f, err := beginFrame(b, t, &h)
	if err != nil {
		return b, err
	}
	mt := tw.Call
	if info.Oneway {
		mt = tw.Oneway
	}
	p := t.protocol()
	b = appendMessageBegin(b, p, codec.Message{Name: info.Method, Type: mt, SeqID: info.SeqID})
	if b, err = info.m.appendArgs(b, p, req); err != nil {
		return b, err
	}
	return endFrame(b, t, f)
}

// appendInts appends the int headers Kitex's client sends.
func (c *Client) appendInts(dst []frame.IntPair, ctx context.Context, info *Info) []frame.IntPair {
	transport := "unframed"
	if c.opts.Transport == TTHeaderFramed {
		transport = "framed"
	}
	from, fromMethod := c.opts.Caller, ""
	if up, ok := ctx.Value(upstreamKey{}).(*Info); ok {
		from, fromMethod = up.Service, up.Method
	}
	msgType := "1"
	if info.Oneway {
		msgType = "4"
	}
	dst = append(dst,
		frame.IntPair{Key: frame.TransportType, Value: transport},
		frame.IntPair{Key: frame.FromService, Value: from},
		frame.IntPair{Key: frame.ToService, Value: c.service},
		frame.IntPair{Key: frame.ToMethod, Value: info.Method},
		frame.IntPair{Key: frame.FromMethod, Value: fromMethod},
		frame.IntPair{Key: frame.MsgType, Value: msgType},
	)
	if dl, ok := ctx.Deadline(); ok {
		ms := time.Until(dl).Milliseconds()
		if ms < 1 {
			ms = 1
		}
		dst = append(dst, frame.IntPair{Key: frame.RPCTimeout, Value: strconv.FormatInt(ms, 10)})
	}
	dst = append(dst, frame.IntPair{Key: frame.ConnectTimeout, Value: c.connectMs})
	return dst
}

// upstreamKey finds, from a client call's context, the server call it is
// made from: the Info of a server's callContext.
type upstreamKey struct{}

// roundTrip writes the call and reads its reply on a connection used by
// one call at a time. keep reports whether the connection can take
// another call.
func (cn *clientConn) roundTrip(ctx context.Context, c *Client, info *Info, req, resp any) (keep bool, err error) {
	bp := requestBufs.Get().(*[]byte)
	b, err := c.appendRequest((*bp)[:0], ctx, info, req)
	if err != nil {
		return true, err
	}
	_, werr := cn.w.Write(b)
	if cap(b) <= maxPooledReply {
		*bp = b[:0]
		requestBufs.Put(bp)
	}
	if werr != nil {
		return false, &TransportError{Op: "write", Addr: cn.addr, Err: werr}
	}
	if info.Oneway {
		return true, nil
	}
	// The deadline, and a cancellation, end the read.
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { cn.w.SetReadDeadline(time.Unix(1, 0)) })
		defer func() {
			if !stop() {
				// It ran: the deadline is set; the connection goes.
				keep = false
			}
		}()
	}
	_, payload, err := next(cn.w, c.opts.Transport, &cn.h, &c.opts.Limits)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return false, ctxError(cerr)
		}
		return false, &TransportError{Op: "read", Addr: cn.addr, Err: err}
	}
	drop, err := c.readReply(ctx, &cn.h, payload, info, resp)
	cn.w.Release()
	return !drop, err
}

// ctxError is the error of a call its context ended.
func ctxError(err error) error {
	if err == context.DeadlineExceeded {
		return ErrTimeout
	}
	return err
}

// readReply decodes a reply to info's call into resp. drop reports that
// the connection must not be used again: out of step, or the server said
// it will reset it.
func (c *Client) readReply(ctx context.Context, h *frame.Header, payload []byte, info *Info, resp any) (drop bool, err error) {
	t := c.opts.Transport
	p := t.protocol()
	var name string
	var typ tw.MessageType
	var seq int32
	var n int
	if p == codec.Compact {
		name, typ, seq, n = tw.Compact.ConsumeMessageBegin(payload)
	} else {
		name, typ, seq, n = tw.Binary.ConsumeMessageBegin(payload, false)
	}
	if n < 0 {
		return true, &TransportError{Op: "decode", Addr: peer(info), Err: tw.ParseError(n)}
	}
	if seq != info.SeqID || name != info.Method {
		return true, fmt.Errorf("%w: sent %s #%d, got %s #%d", ErrSeqID, info.Method, info.SeqID, name, seq)
	}
	if t.ttheader() {
		if v, ok := h.String(frame.KeyConnReset); ok && v == "1" {
			drop = true
		}
		if rm, ok := ctx.Value(replyMetaKey{}).(*ReplyMeta); ok {
			rm.pairs = rm.pairs[:0]
			for _, kv := range h.Strings {
				if !reservedKey(kv.Key) {
					rm.pairs = append(rm.pairs, frame.StringPair{Key: strings.Clone(kv.Key), Value: strings.Clone(kv.Value)})
				}
			}
		}
	}
	body := payload[n:]
	switch typ {
	case tw.Exception:
		var e *tw.ApplicationException
		var m int
		if p == codec.Compact {
			e, m = tw.Compact.ConsumeApplicationException(body)
		} else {
			e, m = tw.Binary.ConsumeApplicationException(body)
		}
		if m < 0 {
			return true, &TransportError{Op: "decode", Addr: peer(info), Err: tw.ParseError(m)}
		}
		switch e.Type {
		case tw.UnknownMethod, tw.UnknownService, tw.NoServiceName, tw.ProtocolError:
			// Kitex closes the connection after these (checked against
			// v0.15.2: unknown method with or without isn): a call sent
			// on it next would be lost.
			drop = true
		}
		return drop, e
	case tw.Reply:
	default:
		return true, &TransportError{Op: "decode", Addr: peer(info), Err: fmt.Errorf("a %v message where a reply belongs", typ)}
	}
	if t.ttheader() {
		if st := statusOf(h); st != nil {
			return drop, st
		}
	}
	if err := info.m.readResult(body, p, resp); err != nil {
		var ae *tw.ApplicationException
		if errors.As(err, &ae) || info.m.declares(err) {
			return drop, err
		}
		return true, &TransportError{Op: "decode", Addr: peer(info), Err: err}
	}
	return drop, nil
}

func peer(info *Info) string {
	if info.Peer != nil {
		return info.Peer.String()
	}
	return ""
}

// statusOf reads a business status from reply headers.
func statusOf(h *frame.Header) *StatusError {
	v, ok := h.String(frame.KeyBizStatus)
	if !ok {
		return nil
	}
	code, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return nil
	}
	st := &StatusError{Code: int32(code)}
	if msg, ok := h.String(frame.KeyBizMessage); ok {
		st.Message = strings.Clone(msg)
	}
	if extra, ok := h.String(frame.KeyBizExtra); ok && extra != "" {
		json.Unmarshal([]byte(extra), &st.Extra)
	}
	return st
}
