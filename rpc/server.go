package rpc

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ringwire/ringwire/buffer"
	"github.com/ringwire/ringwire/codec"
	tw "github.com/ringwire/ringwire/codec/thriftwire"
	"github.com/ringwire/ringwire/conn"
	"github.com/ringwire/ringwire/frame"
	"github.com/ringwire/ringwire/poller"
)

// A Server serves the methods registered with it to clients of any
// transport: each message's framing is told from its first bytes, and the
// reply goes back in the same. Set its fields, Register services, then
// Serve or ListenAndServe; fields must not change once serving has begun.
//
// Calls on TTHeader run concurrently, each on its own goroutine, and their
// replies go back as they finish (a multiplexing client matches them by
// sequence id); calls on the other transports run one at a time per
// connection, in order, as their clients expect.
type Server struct {
	// Middleware wraps every call, the first outermost.
	Middleware []Middleware

	// Fallback serves calls to methods no service registers, with the args
	// struct undecoded: for proxies and generic servers. Without one such a
	// call gets an UnknownMethod exception (type 1) when it names its
	// service in the TTHeader isn header, UnknownService (20) when not, as
	// Kitex answers.
	Fallback func(ctx context.Context, call *RawCall) (*RawResult, error)

	// TLSConfig, when set, serves TLS only. Its MinVersion, when unset, is
	// TLS 1.3; set ClientAuth to ask for client certificates (mutual TLS).
	TLSConfig *tls.Config

	// Limits bound the frames read; zero fields are frame's defaults.
	Limits frame.Limits

	// MaxCallsPerConn bounds the TTHeader calls one connection runs at
	// once; past it, the connection's next call waits for a free slot
	// before its bytes are read (backpressure). 0 means 1,024.
	MaxCallsPerConn int

	// Conn is the connections' settings; MaxConns, IdleTimeout, Loops,
	// Backend and Poller are conn.Server's.
	Conn        conn.Options
	MaxConns    int
	IdleTimeout time.Duration
	Loops       int
	Backend     poller.Backend
	Poller      *poller.Poller

	// ErrorLog receives a line for each connection closed on bad input and
	// each oneway call that failed; nil means the log package's standard
	// logger.
	ErrorLog *log.Logger

	mu       sync.Mutex
	services map[string]*service
	order    []*service
	started  bool
	ep       Endpoint
	cs       conn.Server
	tlsConns map[*serverConn]struct{}
	shut     bool // Shutdown or Close was called
	draining atomic.Bool
	base     context.Context // the calls' contexts' parent, canceled when Shutdown ends
	cancel   context.CancelFunc
	calls    sync.WaitGroup // TTHeader calls running apart from their connection's reading
	workers  workers
}

// A RawCall is a call the Fallback serves: its args struct as received.
type RawCall struct {
	Protocol codec.Protocol
	Args     []byte // the args struct's encoding; the Fallback may keep it
}

// A RawResult is the Fallback's answer: the result struct's encoding, in
// the call's Protocol.
type RawResult struct {
	Result []byte
}

type service struct {
	name    string
	methods map[string]method
}

// AnyMethod is a *Method of any request and response types.
type AnyMethod interface {
	method
}

// Register adds a service and its methods. A service's name is what
// clients send in the TTHeader isn header; calls without one find their
// method in the services in the order they were registered.
func (s *Server) Register(name string, methods ...AnyMethod) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("rpc: Register after Serve")
	}
	if s.services == nil {
		s.services = make(map[string]*service)
	}
	if _, ok := s.services[name]; ok {
		return fmt.Errorf("rpc: service %q registered twice", name)
	}
	svc := &service{name: name, methods: make(map[string]method, len(methods))}
	for _, m := range methods {
		if err := m.buildErr(); err != nil {
			return err
		}
		if m.methodName() == "" {
			return errors.New("rpc: a method needs a name")
		}
		if _, ok := svc.methods[m.methodName()]; ok {
			return fmt.Errorf("rpc: service %q: method %q registered twice", name, m.methodName())
		}
		svc.methods[m.methodName()] = m
	}
	s.services[name] = svc
	s.order = append(s.order, svc)
	return nil
}

// lookup finds the method a call names: in the service its isn header
// names, or in the first service that has it.
func (s *Server) lookup(isn string, hasISN bool, name string) (*service, method) {
	if hasISN {
		if svc := s.services[isn]; svc != nil {
			return svc, svc.methods[name]
		}
		return nil, nil
	}
	for _, svc := range s.order {
		if m := svc.methods[name]; m != nil {
			return svc, m
		}
	}
	return nil, nil
}

// ListenAndServe listens on network ("tcp" or "unix") and address, and
// serves as Serve does.
func (s *Server) ListenAndServe(network, address string) error {
	if err := s.start(); err != nil {
		return err
	}
	return s.served(s.cs.ListenAndServe(network, address))
}

// Serve serves the connections l accepts until Shutdown or Close, and
// returns ErrServerClosed then.
func (s *Server) Serve(l net.Listener) error {
	if err := s.start(); err != nil {
		return err
	}
	return s.served(s.cs.Serve(l))
}

func (s *Server) served(err error) error {
	if errors.Is(err, conn.ErrServerClosed) {
		return ErrServerClosed
	}
	return err
}

// Addrs returns the addresses the server listens on.
func (s *Server) Addrs() []net.Addr { return s.cs.Addrs() }

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shut {
		return ErrServerClosed
	}
	if s.started {
		return errors.New("rpc: Serve called twice")
	}
	s.started = true
	s.base, s.cancel = context.WithCancel(context.Background())
	s.ep = chain(serveEndpoint, s.Middleware)
	s.cs = conn.Server{
		Options:     s.Conn,
		MaxConns:    s.MaxConns,
		IdleTimeout: s.IdleTimeout,
		Loops:       s.Loops,
		Backend:     s.Backend,
		Poller:      s.Poller,
		Handler:     s.serveConn,
		OnConnect: func(c *conn.Conn) {
			c.SetContext(&serverConn{s: s, w: c, cc: c, freed: make(chan struct{}, 1)})
		},
	}
	if s.TLSConfig != nil {
		cfg := s.TLSConfig.Clone()
		if cfg.MinVersion == 0 {
			cfg.MinVersion = tls.VersionTLS13
		}
		s.cs.TLSConfig = cfg
		s.cs.TLSHandler = s.serveTLS
		s.tlsConns = make(map[*serverConn]struct{})
	}
	return nil
}

// Shutdown stops the server gracefully: it stops accepting, answers every
// call meanwhile with the TTHeader header crrst=1 (the client drops the
// connection after the reply), lets calls in flight finish, closes each
// connection when it has none, and, when ctx ends first, closes
// everything and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.draining.Store(true)
	s.mu.Lock()
	if s.shut {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.shut = true
	started := s.started
	// TLS connections read on their own goroutines: wake their reads, so
	// that each closes once its calls are done.
	for sc := range s.tlsConns {
		sc.tc.SetReadDeadline(time.Now())
	}
	s.mu.Unlock()
	if !started {
		return nil
	}
	// When ctx ends the connections are closed and the calls still running
	// are told through their contexts, then waited for: Shutdown returns
	// with every goroutine the server started gone.
	stop := context.AfterFunc(ctx, s.cancel)
	err := s.cs.Shutdown(ctx)
	if errors.Is(err, conn.ErrServerClosed) {
		err = ErrServerClosed
	}
	stop()
	s.cancel()
	s.calls.Wait()
	s.workers.stop()
	return err
}

// Close closes the listeners and every connection at once.
func (s *Server) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Shutdown(ctx); err != nil && err != context.Canceled {
		return err
	}
	return nil
}

func (s *Server) logf(format string, args ...any) {
	if s.ErrorLog != nil {
		s.ErrorLog.Printf(format, args...)
	} else {
		log.Printf(format, args...)
	}
}

// wire is a server connection as the serving code uses it: a conn.Conn, or
// a TLS connection behind a reader.
type wire interface {
	buffer.Reader
	Write(p []byte) (int, error)
	Close() error
	RemoteAddr() net.Addr
}

// serverConn is one connection's serving state.
type serverConn struct {
	s     *Server
	w     wire
	cc    *conn.Conn // for Hold: nil on TLS
	tc    *tls.Conn  // on TLS
	h     frame.Header
	wmu   sync.Mutex    // one reply written at a time
	calls atomic.Int32  // TTHeader calls running apart from the reading
	freed chan struct{} // a call ended with the connection at MaxCallsPerConn
	peer  net.Addr      // the remote address, made once
}

func (s *Server) serveConn(c *conn.Conn) error {
	sc := c.Context().(*serverConn)
	for {
		if err := sc.serveOne(); err == errHandedOff {
			return nil // the connection is another goroutine's to read
		} else if err != nil {
			return err
		}
		if c.Len() == 0 {
			return nil
		}
	}
}

func (s *Server) serveTLS(tc *tls.Conn) error {
	sc := &serverConn{s: s, w: newStreamReader(tc), tc: tc, freed: make(chan struct{}, 1)}
	s.mu.Lock()
	s.tlsConns[sc] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.tlsConns, sc)
		s.mu.Unlock()
	}()
	if s.draining.Load() {
		return nil
	}
	for {
		err := sc.serveOne()
		if s.draining.Load() && sc.w.Len() == 0 {
			// Shutdown woke the read, or the last call before it came
			// in: wait for the calls in flight, then close.
			sc.waitCalls()
			return nil
		}
		if err != nil {
			sc.waitCalls()
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		sc.w.Release()
	}
}

// waitCalls waits for the connection's concurrent calls to finish.
func (sc *serverConn) waitCalls() {
	for sc.calls.Load() > 0 {
		time.Sleep(time.Millisecond)
	}
}

// errHandedOff is what serveOne returns after a call ran on the goroutine
// that read it: the connection is no longer this goroutine's to read.
var errHandedOff = errors.New("rpc: connection handed off")

// serveOne reads one message and serves it, or starts serving it. An error
// other than errHandedOff closes the connection.
func (sc *serverConn) serveOne() error {
	s := sc.s
	t, err := detect(sc.w)
	if err != nil {
		return sc.inputError(err)
	}
	t, payload, err := next(sc.w, t, &sc.h, &s.Limits)
	if err != nil {
		return sc.inputError(err)
	}
	return sc.dispatch(t, payload)
}

// inputError logs why a connection closes on its input, unless it is the
// peer's clean close.
func (sc *serverConn) inputError(err error) error {
	if !errors.Is(err, io.EOF) && !conn.Fatal(err) && !sc.s.draining.Load() {
		sc.s.logf("rpc: closing connection from %v: %v", sc.w.RemoteAddr(), err)
	}
	return err
}

// A serverCall is one call being served.
type serverCall struct {
	sc      *serverConn
	ctx     callContext
	req     any
	timeout time.Duration
}

func (sc *serverConn) dispatch(t Transport, payload []byte) error {
	s := sc.s
	p := t.protocol()
	var name string
	var typ tw.MessageType
	var seq int32
	var n int
	if p == codec.Compact {
		name, typ, seq, n = tw.Compact.ConsumeMessageBegin(payload)
	} else {
		name, typ, seq, n = tw.Binary.ConsumeMessageBegin(payload, true)
	}
	if n < 0 {
		return sc.inputError(fmt.Errorf("rpc: message header: %w", tw.ParseError(n)))
	}
	if typ != tw.Call && typ != tw.Oneway {
		return sc.inputError(fmt.Errorf("rpc: a %v message where a call belongs", typ))
	}
	if sc.peer == nil {
		sc.peer = sc.w.RemoteAddr()
	}
	c := &serverCall{sc: sc}
	c.ctx.Context = s.base
	c.ctx.info = Info{
		Method:    name, // aliases the frame: replaced below
		Peer:      sc.peer,
		Transport: t,
		SeqID:     seq,
		Oneway:    typ == tw.Oneway,
	}
	info := &c.ctx.info
	var isn string
	var hasISN bool
	if t.ttheader() {
		isn, hasISN = sc.h.String(frame.KeyIDLServiceName)
		c.ctx.meta = receivedMeta(sc.h.Strings)
		if v, ok := sc.h.Int(frame.RPCTimeout); ok {
			if ms, err := strconv.ParseUint(v, 10, 31); err == nil && ms > 0 {
				c.timeout = time.Duration(ms) * time.Millisecond
			}
		}
	}
	svc, m := s.lookup(isn, hasISN, name)
	// The call outlives the frame its names came in: take the registered
	// method's copy of the name, or make one (an unknown method's answer
	// is written while the frame is still held).
	switch {
	case m != nil:
		info.Service, info.Method = svc.name, m.methodName()
	case s.Fallback != nil:
		info.Service, info.Method = strings.Clone(isn), strings.Clone(name)
		m = fallbackMethod{s.Fallback}
	default:
		if info.Oneway {
			return nil
		}
		et := tw.UnknownService
		if hasISN {
			et = tw.UnknownMethod
		}
		sc.reply(c, nil, appError(et, "unknown method %s", name))
		return nil
	}
	info.m = m
	// Apache's Go client sends a oneway call as a Call message and reads
	// no reply: the method says it is oneway, as Apache's processor knows.
	info.Oneway = info.Oneway || m.oneway()
	req, err := m.readArgs(payload[n:], p)
	if err != nil {
		err = fmt.Errorf("rpc: %s: decoding the args: %w", name, err)
		if !info.Oneway {
			sc.reply(c, nil, appError(tw.ProtocolError, "%v", err))
		}
		return sc.inputError(err)
	}
	c.req = req
	// A TTHeader connection may carry a multiplexing client's calls, which
	// must not wait for each other: the connection's next bytes go to
	// another goroutine while this one runs the call (below).
	if !t.ttheader() {
		sc.run(c)
		return nil
	}
	// The call's memory is its own (args decoded with copies, headers
	// cloned): it outlives the frame.
	if n := sc.calls.Add(1); n > s.maxCalls() {
		sc.waitSlot()
	}
	s.calls.Add(1)
	if sc.cc != nil {
		sc.cc.Hold()
		// The call runs on this goroutine, which read it, while the
		// connection's next bytes go to another: one goroutine wake-up a
		// call fewer than handing it to a worker.
		if sc.cc.Handoff() {
			c.runAsync()
			return errHandedOff
		}
	}
	s.workers.run(c)
	return nil
}

// maxCalls is MaxCallsPerConn or its default.
func (s *Server) maxCalls() int32 {
	if s.MaxCallsPerConn > 0 {
		return int32(min(s.MaxCallsPerConn, 1<<30))
	}
	return 1024
}

// waitSlot waits, the call just counted in calls, until the connection's
// calls are within MaxCallsPerConn. Calls are counted with an atomic add,
// not a buffered channel: its lock was 3 % of a busy server's CPU (pprof of
// bench/rpc, pooled, 2026-12-04). A call that ends with the count at the
// limit or over sends on freed, which holds one wake-up, so none is lost.
func (sc *serverConn) waitSlot() {
	for sc.calls.Load() > sc.s.maxCalls() {
		<-sc.freed
	}
}

// runAsync runs a TTHeader call apart from its connection's reading: on
// the goroutine that read it, after a Handoff, or on a worker.
func (c *serverCall) runAsync() {
	sc := c.sc
	sc.run(c)
	if sc.calls.Add(-1) >= sc.s.maxCalls() {
		select {
		case sc.freed <- struct{}{}:
		default: // a wake-up is pending already
		}
	}
	if sc.cc != nil {
		sc.cc.Unhold()
	}
	sc.s.calls.Done()
}

// serveEndpoint is the innermost endpoint of a server: the method's
// handler.
func serveEndpoint(ctx context.Context, req, resp any) error {
	return InfoFrom(ctx).m.serve(ctx, req, resp)
}

// run serves a call and writes its reply.
func (sc *serverConn) run(c *serverCall) {
	info := &c.ctx.info
	var ctx context.Context = &c.ctx
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	var resp any
	if !info.Oneway {
		resp = info.m.newResponse()
	}
	err := sc.s.call(ctx, c.req, resp)
	if info.Oneway {
		if err != nil {
			sc.s.logf("rpc: oneway %s from %v: %v", info.Method, info.Peer, err)
		}
		return
	}
	sc.reply(c, resp, err)
}

// call runs the endpoint chain, a panic turned into an InternalError.
func (s *Server) call(ctx context.Context, req, resp any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicError(r)
		}
	}()
	return s.ep(ctx, req, resp)
}

var replyBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooledReply is the largest reply buffer put back in the pool: a huge
// reply's buffer is left to the garbage collector.
const maxPooledReply = 64 << 10

// reply writes the reply to c: its result, or the exception err makes.
func (sc *serverConn) reply(c *serverCall, resp any, err error) {
	bp := replyBufs.Get().(*[]byte)
	b, werr := sc.appendReply((*bp)[:0], c, resp, err)
	if werr == nil {
		sc.wmu.Lock()
		_, werr = sc.w.Write(b)
		sc.wmu.Unlock()
	}
	if werr != nil {
		sc.s.logf("rpc: reply to %s from %v: %v", c.ctx.info.Method, c.ctx.info.Peer, werr)
		sc.w.Close()
	}
	if cap(b) <= maxPooledReply {
		*bp = b[:0]
		replyBufs.Put(bp)
	}
}

// appendReply appends the framed reply message: the result struct for a
// success, a declared exception or a business status, an exception
// message for any other error. A result that fails to encode is answered
// with an InternalError instead.
func (sc *serverConn) appendReply(b []byte, c *serverCall, resp any, err error) ([]byte, error) {
	info := &c.ctx.info
	p := info.Transport.protocol()
	var status *StatusError
	var exc *tw.ApplicationException
	if err != nil && (info.m == nil || !info.m.declares(err)) {
		status, exc = replyError(info, err)
	}
	var h frame.Header
	h.SeqID = info.SeqID
	if info.Transport.ttheader() {
		h.Strings = info.reply
		if status != nil {
			h.Strings = appendStatus(h.Strings, status)
		}
		if sc.s.draining.Load() {
			h.Strings = append(h.Strings, frame.StringPair{Key: frame.KeyConnReset, Value: "1"})
		}
		h.Ints = replyInts
		if exc != nil {
			h.Ints = exceptionInts
		}
	}
	b, f, ferr := beginFrame(b, info.Transport, &h)
	if ferr != nil {
		return b, ferr
	}
	start := len(b)
	m := codec.Message{Name: info.Method, Type: tw.Reply, SeqID: info.SeqID}
	o := codec.Options{Protocol: p}
	switch {
	case exc != nil:
		b = o.AppendException(b, m, exc)
	case status != nil:
		b = appendStop(appendMessageBegin(b, p, m))
	default:
		var eerr error
		b = appendMessageBegin(b, p, m)
		if b, _, eerr = info.m.appendResult(b, p, resp, err); eerr != nil {
			b = o.AppendException(b[:start], m, appError(tw.InternalError, "%s: encoding the result: %v", info.Method, eerr))
		}
	}
	return endFrame(b, info.Transport, f)
}

// replyError is what a reply says of err, an error the method does not
// declare: a business status or an application exception. It is apart from
// appendReply so that the targets errors.As needs on the heap are made for
// failed calls only.
func replyError(info *Info, err error) (*StatusError, *tw.ApplicationException) {
	var status *StatusError
	if errors.As(err, &status) {
		if !info.Transport.ttheader() {
			// Only TTHeader carries a status: elsewhere it is an error the
			// caller can read.
			return nil, appError(tw.InternalError, "%v", status)
		}
		return status, nil
	}
	var exc *tw.ApplicationException
	if errors.As(err, &exc) {
		return nil, exc
	}
	return nil, appError(tw.InternalError, "%s: %v", info.Method, err)
}

// The int headers of replies, as Kitex sends them: read only.
var (
	replyInts     = []frame.IntPair{{Key: frame.MsgType, Value: "2"}}
	exceptionInts = []frame.IntPair{{Key: frame.MsgType, Value: "3"}}
)

func appendMessageBegin(b []byte, p codec.Protocol, m codec.Message) []byte {
	if p == codec.Compact {
		return tw.Compact.AppendMessageBegin(b, m.Name, m.Type, m.SeqID)
	}
	return tw.Binary.AppendMessageBegin(b, m.Name, m.Type, m.SeqID)
}

// appendStatus appends a business status's headers, as Kitex writes them.
func appendStatus(dst []frame.StringPair, st *StatusError) []frame.StringPair {
	dst = append(dst,
		frame.StringPair{Key: frame.KeyBizStatus, Value: strconv.Itoa(int(st.Code))},
		frame.StringPair{Key: frame.KeyBizMessage, Value: st.Message})
	if len(st.Extra) > 0 {
		if j, err := json.Marshal(st.Extra); err == nil {
			dst = append(dst, frame.StringPair{Key: frame.KeyBizExtra, Value: string(j)})
		}
	}
	return dst
}

// fallbackMethod serves calls to unregistered methods through the
// Server's Fallback.
type fallbackMethod struct {
	h func(context.Context, *RawCall) (*RawResult, error)
}

func (fallbackMethod) methodName() string { return "" }
func (fallbackMethod) oneway() bool       { return false }
func (fallbackMethod) buildErr() error    { return nil }
func (fallbackMethod) newResponse() any   { return new(RawResult) }
func (fallbackMethod) declares(error) bool {
	return false
}

func (fallbackMethod) readArgs(b []byte, p codec.Protocol) (any, error) {
	return &RawCall{Protocol: p, Args: append([]byte(nil), b...)}, nil
}

func (f fallbackMethod) serve(ctx context.Context, req, resp any) error {
	r, err := f.h(ctx, req.(*RawCall))
	if r != nil && resp != nil {
		*resp.(*RawResult) = *r
	}
	return err
}

func (fallbackMethod) appendResult(b []byte, p codec.Protocol, resp any, err error) ([]byte, bool, error) {
	r := resp.(*RawResult)
	if len(r.Result) == 0 {
		return appendStop(b), true, nil
	}
	return append(b, r.Result...), true, nil
}

func (fallbackMethod) appendArgs(b []byte, p codec.Protocol, req any) ([]byte, error) {
	return append(b, req.(*RawCall).Args...), nil
}

func (fallbackMethod) readResult(b []byte, p codec.Protocol, resp any) error {
	resp.(*RawResult).Result = append([]byte(nil), b...)
	return nil
}
