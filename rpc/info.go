package rpc

import (
	"context"
	"net"
	"strings"

	"github.com/ringwire/ringwire/frame"
)

// Info is what a call is, readable from its context by middleware and
// handlers (InfoFrom), on a client and on a server.
type Info struct {
	Service   string
	Method    string
	Peer      net.Addr // the other side; on a client, nil until a connection is chosen
	Transport Transport
	SeqID     int32 // 0 on a client until the call is sent
	Oneway    bool

	m     method
	reply []frame.StringPair // server: SetReplyMeta's pairs, sent in the reply's headers
}

type infoKey struct{}

// InfoFrom returns the call's Info, or nil outside a call.
func InfoFrom(ctx context.Context) *Info {
	i, _ := ctx.Value(infoKey{}).(*Info)
	return i
}

// Metadata travels with calls in TTHeader string headers: a transit value
// (WithMeta) goes one hop, to the server called with the context; a
// persistent value (WithPersistentMeta) goes on with every call a server
// makes with its handler's context, as Kitex's metainfo does. Other
// transports carry no metadata.

type metaKind uint8

const (
	metaTransit  metaKind = iota // sent as RPC_TRANSIT_key
	metaPersist                  // sent as RPC_PERSIST_key, and on by servers
	metaUpstream                 // a transit value received: readable, not sent on
)

// metaNode is one value in a context's metadata: a list, newest first,
// shared by the contexts made from it.
type metaNode struct {
	key, value string
	kind       metaKind
	next       *metaNode
}

type metaKey struct{}

func metaFrom(ctx context.Context) *metaNode {
	n, _ := ctx.Value(metaKey{}).(*metaNode)
	return n
}

// WithMeta returns a context whose calls send key=value to the server
// they call (one hop).
func WithMeta(ctx context.Context, key, value string) context.Context {
	return context.WithValue(ctx, metaKey{}, &metaNode{key, value, metaTransit, metaFrom(ctx)})
}

// WithPersistentMeta returns a context whose calls send key=value to the
// server they call and, through its handler's context, to every server
// after it.
func WithPersistentMeta(ctx context.Context, key, value string) context.Context {
	return context.WithValue(ctx, metaKey{}, &metaNode{key, value, metaPersist, metaFrom(ctx)})
}

// Meta returns the metadata value of key: one set on ctx, or on a server,
// one the caller sent.
func Meta(ctx context.Context, key string) (string, bool) {
	for n := metaFrom(ctx); n != nil; n = n.next {
		if n.key == key {
			return n.value, true
		}
	}
	return "", false
}

// AllMeta returns every metadata value of ctx, the newest of each key.
func AllMeta(ctx context.Context) map[string]string {
	m := make(map[string]string)
	for n := metaFrom(ctx); n != nil; n = n.next {
		if _, ok := m[n.key]; !ok {
			m[n.key] = n.value
		}
	}
	return m
}

// appendMeta appends the metadata list head to send, as prefixed header
// pairs: the newest value of each key, and no upstream transit value.
func appendMeta(dst []frame.StringPair, head *metaNode) []frame.StringPair {
	for n := head; n != nil; n = n.next {
		if n.kind == metaUpstream || shadowed(head, n) {
			continue
		}
		prefix := frame.PrefixTransit
		if n.kind == metaPersist {
			prefix = frame.PrefixPersist
		}
		dst = append(dst, frame.StringPair{Key: prefix + n.key, Value: n.value})
	}
	return dst
}

// shadowed reports whether a newer node than n has n's key.
func shadowed(head, n *metaNode) bool {
	for m := head; m != n; m = m.next {
		if m.key == n.key {
			return true
		}
	}
	return false
}

func metaPrefixLen(k string) int {
	switch {
	case strings.HasPrefix(k, frame.PrefixTransit):
		return len(frame.PrefixTransit)
	case strings.HasPrefix(k, frame.PrefixPersist):
		return len(frame.PrefixPersist)
	}
	return 0
}

// receivedMeta makes the metadata list of a request's headers: its
// strings are copied, as they outlive the frame.
func receivedMeta(pairs []frame.StringPair) *metaNode {
	var head *metaNode
	for i := len(pairs) - 1; i >= 0; i-- {
		p := pairs[i]
		var kind metaKind
		switch {
		case strings.HasPrefix(p.Key, frame.PrefixTransit):
			kind = metaUpstream
		case strings.HasPrefix(p.Key, frame.PrefixPersist):
			kind = metaPersist
		default:
			continue
		}
		k := p.Key[metaPrefixLen(p.Key):]
		head = &metaNode{strings.Clone(k), strings.Clone(p.Value), kind, head}
	}
	return head
}

// SetReplyMeta, in a server's handler or middleware, sends key=value back
// to the caller in the reply's headers (TTHeader only); the caller reads it
// with a ReplyMeta. It is not safe for use by several goroutines at once.
func SetReplyMeta(ctx context.Context, key, value string) {
	if i := InfoFrom(ctx); i != nil {
		i.reply = append(i.reply, frame.StringPair{Key: key, Value: value})
	}
}

// ReplyMeta receives the metadata a server sends back: make one with
// WithReplyMeta, call with the context it returns, then read it.
type ReplyMeta struct {
	pairs []frame.StringPair
}

type replyMetaKey struct{}

// WithReplyMeta returns a context whose calls store the metadata their
// replies carry into the returned ReplyMeta (the last call's, if several).
func WithReplyMeta(ctx context.Context) (context.Context, *ReplyMeta) {
	rm := new(ReplyMeta)
	return context.WithValue(ctx, replyMetaKey{}, rm), rm
}

// Get returns the value the server sent for key.
func (m *ReplyMeta) Get(key string) (string, bool) {
	for _, p := range m.pairs {
		if p.Key == key {
			return p.Value, true
		}
	}
	return "", false
}

// All returns every key and value the server sent.
func (m *ReplyMeta) All() map[string]string {
	out := make(map[string]string, len(m.pairs))
	for _, p := range m.pairs {
		out[p.Key] = p.Value
	}
	return out
}

// reservedKey reports whether a reply header key is the protocol's own,
// not metadata.
func reservedKey(k string) bool {
	switch k {
	case frame.KeyBizStatus, frame.KeyBizMessage, frame.KeyBizExtra, frame.KeyConnReset, frame.KeyCRC32C, frame.KeyIDLServiceName:
		return true
	}
	return false
}

// callContext is a call's context on a server: its Info and the metadata
// the caller sent, in one allocation.
type callContext struct {
	context.Context
	info Info
	meta *metaNode
}

func (c *callContext) Value(key any) any {
	switch key.(type) {
	case infoKey, upstreamKey:
		return &c.info
	case metaKey:
		if c.meta != nil {
			return c.meta
		}
	}
	return c.Context.Value(key)
}
