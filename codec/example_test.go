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
