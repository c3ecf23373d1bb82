package codec

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	tw "github.com/ringwire/ringwire/codec/thriftwire"
	"github.com/ringwire/ringwire/internal/unsafex"
)

// kind says how a Go value is coded: the walkers switch on it.
type kind uint8

const (
	kBool kind = iota + 1
	kI8
	kI16
	kI32
	kI64
	kEnum64 // an int64-kinded enum, i32 on the wire (Apache and Kitex generate them so)
	kDouble
	kString
	kBinary
	kUUID
	kStruct
	kPtr  // a pointer: to a struct, or to a scalar of an optional field
	kList // a slice, coded as a list or a set
	kMap
)

// fieldOp names a field's shape for the struct walkers, so that the
// common ones are coded in one switch case read from the field itself, not
// through its typeInfo (measured: encoding a 4-field struct spent 65
// instructions a field on those loads and branches). opAny is every other
// field: optional values, maps, enums, unions' fields, required pointers.
type fieldOp uint8

const (
	opAny fieldOp = iota
	opBool
	opI8
	opI16
	opI32
	opI64
	opDouble
	opString
	opBinary        // not optional: nil is written empty
	opStructPtr     // a pointer to a struct, not required: nil is left out
	opListI32       // the lists are not optional: nil is written empty
	opListI64       //
	opListString    //
	opListStructPtr // a list of pointers to structs
)

// opOf returns the fieldOp of a field of type ti.
func opOf(ti *typeInfo, required, optional bool) fieldOp {
	switch ti.kind {
	case kBool:
		return opBool
	case kI8:
		return opI8
	case kI16:
		return opI16
	case kI32:
		return opI32
	case kI64:
		return opI64
	case kDouble:
		return opDouble
	case kString:
		return opString
	case kBinary:
		if !optional {
			return opBinary
		}
	case kPtr:
		if ti.elem.kind == kStruct && !required {
			return opStructPtr
		}
	case kList:
		if optional {
			break
		}
		switch e := ti.elem; e.kind {
		case kI32:
			return opListI32
		case kI64:
			return opListI64
		case kString:
			return opListString
		case kPtr:
			if e.elem.kind == kStruct {
				return opListStructPtr
			}
		}
	}
	return opAny
}

// typeInfo is a compiled Go type.
type typeInfo struct {
	kind  kind
	wire  tw.Type      // the Thrift type on the wire
	goTyp reflect.Type // the Go type
	size  uintptr      // of a Go value, for slices' elements
	elem  *typeInfo    // of a pointer, slice or map value
	key   *typeInfo    // of a map
	st    *structInfo  // of a struct
	name  string       // a struct's, for errors

	scalar      bool            // pointer-free and fixed-size: its memory may come from the decoder's arena
	zero        unsafex.Pointer // a zero value, for a nil pointer to a scalar in a list or map
	initDefault bool            // a struct whose pointer has InitDefault: called on the structs a decode allocates
	defaulter   defaulter       // a *struct of the type, for unsafex.Rebind: InitDefault's method table
	mapFast     mapFast         // a map type coded without reflect

	// anyList is a slice whose tag cannot say list or set: Apache's
	// generated `thrift:` tags carry neither, and its generator makes both
	// slices. Read as either (their encodings are the same), written as a
	// list. A frugal tag (Kitex's, or Apache's through a go.tag
	// annotation) says which.
	anyList bool
}

// reads says whether a value the wire calls t decodes into ti.
func (ti *typeInfo) reads(t tw.Type) bool {
	return t == ti.wire || ti.anyList && t == tw.Set
}

// defaulter is what Kitex's generated structs have (Apache's have NewX
// functions that do the same): it sets the IDL's default values.
type defaulter interface{ InitDefault() }

var defaulterType = reflect.TypeFor[defaulter]()

// structInfo is a compiled struct: its fields, by id.
type structInfo struct {
	fields   []fieldInfo // in id order
	byID     []int16     // field index+1 by id, for ids 0..len-1; 0 for none
	required int         // how many fields are required
	goTyp    reflect.Type

	// plain: no required fields, no union, no room for unknown fields;
	// decoded by a leaner loop.
	plain bool

	// union: at most one field may be set. Apache's and Kitex's
	// generators mark a union with a CountSetFields<Name> method.
	union bool

	// binFixed is the binary size of the stop and the fields that are
	// always written and have fixed sizes; binVar indexes the others.
	binFixed int
	binVar   []int

	// unknown is the offset of a []byte field named _unknownFields, as
	// Kitex generates with keep_unknown_fields, or -1: unknown fields are
	// kept there, as they came (compact field headers made absolute), and
	// written back before the stop.
	unknown int64
}

type fieldInfo struct {
	binHeader [3]byte // the field's binary header: type, id
	op        fieldOp // how the walkers code it
	id        int16
	name      string // the Go field's, for errors
	offset    uintptr
	typ       *typeInfo
	required  bool
	optional  bool // written only when set: a nil pointer, slice or map
	reqBit    int  // its bit among the required fields
}

// index returns the index in fields of the field with id, or -1.
func (s *structInfo) index(id int16) int {
	if int(id) < len(s.byID) && id >= 0 {
		return int(s.byID[id]) - 1
	}
	for i := range s.fields {
		if s.fields[i].id == id {
			return i
		}
	}
	return -1
}

// cache maps a *struct type to what compiling it gave: an open-addressed
// table keyed by the type's word (unsafex.TypeKey), replaced whole under
// the lock when a type is added. A read is one atomic load and a probe with
// no call, so that the read (cached) inlines into every Options call (a Go
// map's lookup is a runtime call, which kept it out of line; a lookup by reflect.Type,
// hashing an interface, was a quarter of encoding a small struct).
var cache struct {
	mu  sync.Mutex
	tab atomic.Pointer[typeTable]
}

// typeTable is the cache's table: a power-of-two number of slots, at most
// half of them used, so that probes are short and always end at a free slot.
type typeTable struct {
	mask  uintptr
	slots []typeSlot
	n     int
}

type typeSlot struct {
	key uintptr
	c   *compiled
}

// slot returns where key is, or the free slot where it would go.
func (t *typeTable) slot(key uintptr) *typeSlot {
	// Fibonacci hashing of the aligned word, in 64 bits on every platform.
	for i := uintptr(uint64(key>>4) * 0x9e3779b97f4a7c15 >> 32); ; i++ {
		if s := &t.slots[i&t.mask]; s.key == key || s.c == nil {
			return s
		}
	}
}

// with returns a copy of t with key added, grown to keep it half free.
func (t *typeTable) with(key uintptr, c *compiled) *typeTable {
	size := len(t.slots)
	if 2*(t.n+1) > size {
		size *= 2
	}
	nt := &typeTable{mask: uintptr(size - 1), slots: make([]typeSlot, size), n: t.n + 1}
	for _, s := range t.slots {
		if s.c != nil {
			*nt.slot(s.key) = s
		}
	}
	*nt.slot(key) = typeSlot{key, c}
	return nt
}

// compiled is a compiled type, or the error compiling it gave.
type compiled struct {
	ti  *typeInfo
	err error
}

// infoOf returns the compiled struct type that v (a pointer to a struct)
// points to, compileType doing it the first time. (It is a lookup per
// Options method; a Codec holds its table and makes none.)
func infoOf(v any) *compiled {
	if c := cached(v); c != nil {
		return c
	}
	return compileType(v)
}

// cached is infoOf's read: an atomic load and a probe, inlined.
func cached(v any) *compiled { return cache.tab.Load().slot(unsafex.TypeKey(v)).c }

func init() { cache.tab.Store(&typeTable{mask: 15, slots: make([]typeSlot, 16)}) }

// compileType compiles v's type under the lock, unless a racing call did,
// and publishes a new table with it.
func compileType(v any) *compiled {
	key, t := unsafex.TypeKey(v), reflect.TypeOf(v)
	cache.mu.Lock()
	defer cache.mu.Unlock()
	old := cache.tab.Load()
	if c := old.slot(key).c; c != nil {
		return c
	}
	c := new(compiled)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		c.err = &Error{Err: fmt.Errorf("%w: %v is not a pointer to a struct", ErrType, t)}
	} else {
		b := builder{seen: map[reflect.Type]*typeInfo{}}
		c.ti, c.err = b.structType(t.Elem())
	}
	if t == nil {
		return c // nil: nothing to remember it by
	}
	cache.tab.Store(old.with(key, c))
	return c
}

// builder compiles the types reachable from one struct; seen makes a
// recursive type (a linked list) point at itself.
type builder struct {
	seen map[reflect.Type]*typeInfo
}

func (b *builder) structType(t reflect.Type) (*typeInfo, error) {
	if ti, ok := b.seen[t]; ok {
		return ti, nil
	}
	ti := &typeInfo{kind: kStruct, wire: tw.Struct, goTyp: t, size: t.Size(), name: t.String(),
		initDefault: reflect.PointerTo(t).Implements(defaulterType)}
	if ti.initDefault {
		ti.defaulter = reflect.New(t).Interface().(defaulter)
	}
	b.seen[t] = ti
	si := &structInfo{goTyp: t, unknown: -1}
	_, si.union = reflect.PointerTo(t).MethodByName("CountSetFields" + t.Name())
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Name == "_unknownFields" && sf.Type.Kind() == reflect.Slice && sf.Type.Elem().Kind() == reflect.Uint8 {
			si.unknown = int64(sf.Offset)
			continue
		}
		if sf.Anonymous || !sf.IsExported() {
			continue
		}
		tag, ok := parseTag(sf)
		if !ok {
			continue
		}
		if tag.err != nil {
			return nil, fieldError(t, sf, tag.err)
		}
		ft, err := b.fieldType(sf.Type, tag.typ)
		if err != nil {
			return nil, fieldError(t, sf, err)
		}
		f := fieldInfo{id: tag.id, name: sf.Name, offset: sf.Offset, typ: ft,
			required: tag.req == "required", optional: tag.req == "optional"}
		switch ft.kind {
		case kPtr:
			// A nil pointer is unset, whatever the tag says: Apache and
			// Kitex generate pointers for optional scalars and for all
			// structs. A required one is an error to encode.
			f.optional = !f.required
		case kList, kMap, kBinary:
			// A nil slice, map or binary is unset if the field is
			// optional; a default or required one is written empty, as
			// generated code writes it.
		default:
			// An optional field of a value type has no unset state: it
			// is always written.
			f.optional = false
		}
		f.binHeader = [3]byte(tw.Binary.AppendFieldBegin(nil, ft.wire, f.id))
		if !si.union { // a union's fields are each checked for being set
			f.op = opOf(ft, f.required, f.optional)
		}
		if f.required && si.required == maxRequired {
			return nil, fieldError(t, sf, fmt.Errorf("%w: more than %d required fields", ErrTag, maxRequired))
		}
		if f.required {
			f.reqBit = si.required
			si.required++
		}
		for _, g := range si.fields {
			if g.id == f.id {
				return nil, fieldError(t, sf, fmt.Errorf("%w: id %d is also field %s's", ErrTag, f.id, g.name))
			}
		}
		si.fields = append(si.fields, f)
	}
	slices.SortFunc(si.fields, func(a, b fieldInfo) int { return int(a.id) - int(b.id) })
	si.plain = si.required == 0 && !si.union && si.unknown < 0
	si.binFixed = 1
	for i, f := range si.fields {
		if size := binarySize(f.typ.kind); size > 0 && !f.optional {
			si.binFixed += 3 + size
		} else {
			si.binVar = append(si.binVar, i)
		}
	}
	if n := len(si.fields); n > 0 && si.fields[n-1].id >= 0 && si.fields[n-1].id < 256 {
		si.byID = make([]int16, si.fields[n-1].id+1)
		for i, f := range si.fields {
			if f.id >= 0 {
				si.byID[f.id] = int16(i + 1)
			}
		}
	}
	ti.st = si
	return ti, nil
}

// maxRequired bounds a struct's required fields: the decoder tracks them in
// a fixed bitmap.
const maxRequired = 256

func fieldError(t reflect.Type, sf reflect.StructField, err error) error {
	return &Error{Path: t.String() + "." + sf.Name, Err: err}
}

// tag is a field's parsed tag: id, requiredness, and the frugal tag's type
// descriptor if there is one.
type tag struct {
	id  int16
	req string // "required", "optional" or "default"
	typ string // "" when the tag gives none
	err error
}

// parseTag reads a field's frugal tag, `frugal:"id,requiredness,type"`, or
// else its thrift tag, `thrift:"name,id[,required|optional|default]"`. A
// field with neither is not coded.
//
// Apache's generator writes ",required" in the thrift tag but never
// ",optional": an optional field shows only as `json:"name,omitempty"`, so
// a thrift tag without requiredness and a json tag with omitempty is read
// as optional (its writer skips the field when nil, as Apache's does).
func parseTag(sf reflect.StructField) (tag, bool) {
	var parts []string
	apache := false
	if s, ok := sf.Tag.Lookup("frugal"); ok {
		parts = strings.Split(s, ",")
	} else if s, ok := sf.Tag.Lookup("thrift"); ok {
		parts = strings.Split(s, ",")
		if len(parts) < 2 {
			return tag{err: fmt.Errorf("%w: thrift tag %q has no id", ErrTag, s)}, true
		}
		parts = parts[1:]
		apache = len(parts) == 1 && strings.HasSuffix(sf.Tag.Get("json"), ",omitempty")
	} else {
		return tag{}, false
	}
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	id, err := strconv.ParseInt(parts[0], 10, 16)
	if err != nil {
		return tag{err: fmt.Errorf("%w: field id %q", ErrTag, parts[0])}, true
	}
	tg := tag{id: int16(id), req: "default"}
	if apache {
		tg.req = "optional"
	}
	if len(parts) > 1 && parts[1] != "" {
		switch parts[1] {
		case "required", "optional", "default":
			tg.req = parts[1]
		default:
			return tag{err: fmt.Errorf("%w: requiredness %q", ErrTag, parts[1])}, true
		}
	}
	if len(parts) > 2 {
		tg.typ = parts[2]
	}
	for _, opt := range parts[min(len(parts), 3):] {
		if opt != "nocopy" && opt != "" {
			return tag{err: fmt.Errorf("%w: option %q", ErrTag, opt)}, true
		}
	}
	return tg, true
}

// fieldType compiles a field's Go type; desc is the frugal tag's type
// descriptor, "" if none.
func (b *builder) fieldType(t reflect.Type, desc string) (*typeInfo, error) {
	d, err := parseDesc(desc)
	if err != nil {
		return nil, err
	}
	return b.typeOf(t, d)
}

// desc is a parsed type descriptor: "i32", "list<string>",
// "map<string:i64>", a struct or enum's name.
type desc struct {
	name       string
	elem, key  *desc
	isEnumName bool // a name that is no Thrift type: a struct's, an enum's or a typedef's
}

var baseTypes = map[string]bool{"bool": true, "byte": true, "i8": true, "i16": true, "i32": true, "i64": true,
	"double": true, "string": true, "binary": true, "uuid": true, "list": true, "set": true, "map": true}

func parseDesc(s string) (*desc, error) {
	if s == "" {
		return nil, nil
	}
	p := descParser{s: strings.ReplaceAll(s, " ", "")}
	d, err := p.parse()
	if err == nil && p.i != len(p.s) {
		err = fmt.Errorf("%w: type %q: extra %q", ErrTag, s, p.s[p.i:])
	}
	return d, err
}

type descParser struct {
	s string
	i int
}

func (p *descParser) parse() (*desc, error) {
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune("<>:", rune(p.s[p.i])) {
		p.i++
	}
	d := &desc{name: p.s[start:p.i]}
	if d.name == "" {
		return nil, fmt.Errorf("%w: type %q: a name expected at %d", ErrTag, p.s, start)
	}
	if !baseTypes[d.name] {
		d.isEnumName = true
		if j := strings.LastIndexByte(d.name, '.'); j >= 0 {
			d.name = d.name[j+1:] // a qualified name: pkg.Type
		}
		return d, nil
	}
	switch d.name {
	case "list", "set", "map":
	default:
		return d, nil
	}
	if !p.eat('<') {
		return nil, fmt.Errorf("%w: type %q: '<' expected", ErrTag, p.s)
	}
	var err error
	if d.name == "map" {
		if d.key, err = p.parse(); err != nil {
			return nil, err
		}
		if !p.eat(':') {
			return nil, fmt.Errorf("%w: type %q: ':' expected", ErrTag, p.s)
		}
	}
	if d.elem, err = p.parse(); err != nil {
		return nil, err
	}
	if !p.eat('>') {
		return nil, fmt.Errorf("%w: type %q: '>' expected", ErrTag, p.s)
	}
	return d, nil
}

func (p *descParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// typeOf compiles Go type t, d (nil when the tag has no type) deciding
// where the Go type is ambiguous.
func (b *builder) typeOf(t reflect.Type, d *desc) (*typeInfo, error) {
	scalar := func(k kind, w tw.Type) (*typeInfo, error) {
		return &typeInfo{kind: k, wire: w, goTyp: t, size: t.Size(), scalar: k != kString && k != kBinary, zero: unsafex.New(t)}, nil
	}
	want := ""
	if d != nil {
		want = d.name
	}
	switch t.Kind() {
	case reflect.Bool:
		return scalar(kBool, tw.Bool)
	case reflect.Int8, reflect.Uint8:
		return scalar(kI8, tw.Byte)
	case reflect.Int16:
		return scalar(kI16, tw.I16)
	case reflect.Int32:
		return scalar(kI32, tw.I32)
	case reflect.Int64:
		if want == "i32" || (d != nil && d.isEnumName) || (d == nil && isEnum(t)) {
			return scalar(kEnum64, tw.I32)
		}
		return scalar(kI64, tw.I64)
	case reflect.Float64:
		return scalar(kDouble, tw.Double)
	case reflect.String:
		return scalar(kString, tw.String)
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Len() == 16 {
			return scalar(kUUID, tw.UUID)
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && want != "list" && want != "set" {
			return scalar(kBinary, tw.String)
		}
		var ed *desc
		if d != nil {
			ed = d.elem
		}
		elem, err := b.typeOf(t.Elem(), ed)
		if err != nil {
			return nil, err
		}
		w := tw.List
		if want == "set" {
			w = tw.Set
		}
		return &typeInfo{kind: kList, wire: w, goTyp: t, size: t.Size(), elem: elem, anyList: d == nil}, nil
	case reflect.Map:
		var kd, vd *desc
		if d != nil {
			kd, vd = d.key, d.elem
		}
		key, err := b.typeOf(t.Key(), kd)
		if err != nil {
			return nil, err
		}
		val, err := b.typeOf(t.Elem(), vd)
		if err != nil {
			return nil, err
		}
		ti := &typeInfo{kind: kMap, wire: tw.Map, goTyp: t, size: t.Size(), key: key, elem: val}
		ti.mapFast = fastMap(ti)
		return ti, nil
	case reflect.Struct:
		return b.structType(t)
	case reflect.Pointer:
		elem, err := b.typeOf(t.Elem(), d)
		if err != nil {
			return nil, err
		}
		if elem.kind == kList || elem.kind == kMap || elem.kind == kPtr {
			break // no pointers to slices, maps or pointers
		}
		return &typeInfo{kind: kPtr, wire: elem.wire, goTyp: t, size: t.Size(), elem: elem}, nil
	}
	return nil, fmt.Errorf("%w: Go type %v", ErrType, t)
}

// binarySize is the binary size of a value of a fixed-size kind, 0 for the
// others.
func binarySize(k kind) int {
	switch k {
	case kBool, kI8:
		return 1
	case kI16:
		return 2
	case kI32:
		return 4
	case kI64, kDouble:
		return 8
	case kUUID:
		return 16
	}
	return 0 // an enum too: its value must be checked to fit an i32
}

// isEnum tells an enum from an i64 typedef when the tag does not say: Apache
// and Kitex generate, for an enum, a named int64 type with a String method
// and a text marshaler; for a typedef, a named type with neither.
func isEnum(t reflect.Type) bool {
	if t.Name() == "" || t.PkgPath() == "" {
		return false
	}
	_, str := t.MethodByName("String")
	_, text := t.MethodByName("MarshalText")
	return str && text
}
