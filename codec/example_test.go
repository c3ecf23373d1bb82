package codec_test

import (
	"fmt"

	"github.com/ringwire/ringwire/codec"
)

// A struct as Apache Thrift's or Kitex's generator writes it (or by hand,
// with the same tags), encoded and decoded with no generated methods.
func Example() {
	type User struct {
		ID    int64             `thrift:"id,1,required" frugal:"1,required,i64"`
		Name  string            `thrift:"name,2" frugal:"2,default,string"`
		Email *string           `thrift:"email,3,optional" frugal:"3,optional,string"`
		Tags  map[string]string `thrift:"tags,4" frugal:"4,default,map<string:string>"`
	}
	in := &User{ID: 7, Name: "ada", Tags: map[string]string{"role": "admin"}}

	b, err := codec.Options{Protocol: codec.Compact}.Marshal(in)
	if err != nil {
		fmt.Println(err)
		return
	}
	var out User
	if err := (codec.Options{Protocol: codec.Compact}).Unmarshal(b, &out); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(b), out.ID, out.Name, out.Email == nil, out.Tags["role"])
	// Output: 22 7 ada true admin
}

// A Codec for one type, kept and reused: the README's example.
func ExampleFor() {
	type User struct {
		ID   int64             `thrift:"id,1,required"`
		Name string            `thrift:"name,2"`
		Tags map[string]string `thrift:"tags,3"`
	}
	users, err := codec.For[User](codec.Options{Protocol: codec.Compact}) // compiled once; keep it
	if err != nil {
		fmt.Println(err)
		return
	}
	buf := make([]byte, 0, 256)
	b, err := users.MarshalAppend(buf[:0], &User{ID: 7, Name: "ada"}) // no allocation with room in buf
	if err != nil {
		fmt.Println(err)
		return
	}
	var u User
	if err := users.Unmarshal(b, &u); err != nil { // *codec.Error names the field path on bad input
		fmt.Println(err)
		return
	}
	fmt.Println(u.ID, u.Name, len(u.Tags))

	err = users.Unmarshal(b[:len(b)-1], &u)
	fmt.Println(err)
	// Output:
	// 7 ada 0
	// User: thriftwire: value runs past the end of the input
}
