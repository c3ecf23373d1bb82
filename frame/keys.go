package frame

// Int keys of TTHeader's int block, as Kitex numbers them (gopkg
// protocol/ttheader metakey.go; PROTOCOLS.md).
const (
	MeshVersion     IntKey = 0
	TransportType   IntKey = 1 // "framed" or "unframed"
	LogID           IntKey = 2
	FromService     IntKey = 3
	FromCluster     IntKey = 4
	FromIDC         IntKey = 5
	ToService       IntKey = 6
	ToCluster       IntKey = 7
	ToIDC           IntKey = 8
	ToMethod        IntKey = 9
	Env             IntKey = 10
	DestAddress     IntKey = 11
	RPCTimeout      IntKey = 12 // milliseconds
	ReadTimeout     IntKey = 13
	RingHashKey     IntKey = 14
	DDPTag          IntKey = 15
	WithMeshHeader  IntKey = 16
	ConnectTimeout  IntKey = 17 // milliseconds
	SpanContext     IntKey = 18
	ShortConnection IntKey = 19
	FromMethod      IntKey = 20
	StressTag       IntKey = 21
	MsgType         IntKey = 22 // "1" call, "2" reply, "3" exception
	HTTPContentType IntKey = 23
	RawRingHashKey  IntKey = 24
	LBType          IntKey = 25
	ClusterShardID  IntKey = 26
	FrameType       IntKey = 27
)

// Well-known keys of TTHeader's string block.
const (
	KeyIDLServiceName = "isn"         // the IDL service name
	KeyConnReset      = "crrst"       // the peer will close: drop the connection after this reply
	KeyBizStatus      = "biz-status"  // business status error: code
	KeyBizMessage     = "biz-message" // business status error: message
	KeyBizExtra       = "biz-extra"   // business status error: extra, JSON
	KeyCRC32C         = "crc32c"      // the payload's CRC32C

	// Metadata: PrefixTransit keys travel one hop, PrefixPersist keys every
	// hop; values a server sends back travel without a prefix.
	PrefixTransit = "RPC_TRANSIT_"
	PrefixPersist = "RPC_PERSIST_"
)
