// The service the interop tests run on every pair of peers.
namespace go echo

struct Msg {
  1: string text
  2: i64 n
  3: binary data
  4: map<string, string> meta
}

exception Oops {
  1: string why
  2: i32 code
}

service Echo {
  // echo returns m, or fails as m.text says: "oops" throws Oops, "fail"
  // returns a plain error, "status" a business status error, "meta"
  // returns the metadata it received in meta and sends some back.
  Msg echo(1: Msg m) throws (1: Oops oops)
  // sleep returns m after m.n milliseconds.
  Msg sleep(1: Msg m)
  oneway void ping(1: Msg m)
}
