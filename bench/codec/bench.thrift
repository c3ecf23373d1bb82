namespace go bench

struct Small {
  1: i32 a
  2: i64 b
  3: string c
  4: bool d
}

struct Item {
  1: i64 id
  2: string name
  3: list<i64> refs
}

struct Medium {
  1: string name
  2: i64 count
  3: map<string,string> attrs
  4: list<Item> items
  5: binary data
  6: optional double score
}
