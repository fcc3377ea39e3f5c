#!/usr/bin/env bash
# Regenerates the wire-format seeds of corpus/wire_to_json_fuzzer/ from the
# text-format messages below (protoc --encode), plus hand-made malformed
# encodings. The .bin files are the corpus; this script is their source.
# Usage: tests/fuzz/make_wire_seeds.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
testdata="$here/../transcoding/testdata"
out="$here/corpus/wire_to_json_fuzzer"
mkdir -p "$out"

encode() {  # encode NAME TYPE TEXT
  printf '%s' "$3" | protoc -I"$testdata" -I/usr/include \
    --encode="protogate.transcoding.test.$2" "$testdata/test_types.proto" \
    >"$out/$1.bin"
}

encode scalars_ints Scalars 'i32: -42 i64: -9223372036854775808 u32: 4294967295
  u64: 18446744073709551615 s32: -1 s64: 5 f32: 7 f64: 8 sf32: -9 sf64: -10'
encode scalars_floats Scalars 'fl: 1.5 db: -0.0 r_fl: [nan, inf, -inf] r_db: [1e308, 5e-324]'
encode scalars_strings Scalars 's: "h\303\251llo \360\237\230\200" by: "\000\001\377" custom: "c"'
encode scalars_enums Scalars 'color: GREEN r_color: [RED, 7] m_color { key: "k" value: 99 }'
encode scalars_nested Scalars 'nested { a: 1 child { b: "x" child { } } } r_nested { } r_nested { a: 2 }'
encode scalars_maps Scalars 'm_str { key: "b" value: 2 } m_str { key: "a" value: 1 }
  m_str { key: "a" value: 3 } m_i32 { key: -1 value: "n" } m_i64 { key: 5 value { a: 1 } }
  m_u64 { key: 18446744073709551615 value: "m" } m_s32 { key: -3 } m_bool { key: true value: "t" }
  m_sf64 { key: -8 value: "s" } m_bytes { key: "" value: "\377" } m_f32 { value: "nokey" }'
encode scalars_oneof_value Scalars 'o_value { list_value { values { null_value: NULL_VALUE }
  values { struct_value { fields { key: "k" value { bool_value: true } } } } } }'
encode scalars_repeated Scalars 'r_i32: [1, -1] r_i64: [2] r_u64: [3] r_s64: [-4] r_f32: [5]
  r_b: [true, false] r_s: ["a", ""] r_by: ["\001"] unpacked: [1, 2] r_sf64: [-6]'
encode scalars_optional Scalars 'opt_i32: 0 b: false'
encode wkts_time Wkts 'ts { seconds: -62135596800 } dur { seconds: -1 nanos: -500000000 }
  r_ts { seconds: 253402300799 nanos: 999999999 } r_ts { nanos: 1000 }'
encode wkts_bad_time Wkts 'ts { seconds: 253402300800 }'
encode wkts_mask Wkts 'mask { paths: "foo_bar" paths: "a.b_c" } empty { }'
encode wkts_struct Wkts 'st { fields { key: "a" value { number_value: 1 } }
  fields { key: "b" value { list_value { values { string_value: "x" } } } } }
  val { } lv { values { } } m_val { key: "k" value { null_value: NULL_VALUE } } null_value: NULL_VALUE'
encode wkts_any Wkts 'any { type_url: "type.googleapis.com/protogate.transcoding.test.Nested"
  value: "\010\001" } r_any { type_url: "type.googleapis.com/google.protobuf.Duration"
  value: "\010\003" } r_any { type_url: "type.googleapis.com/google.protobuf.Empty" }'
encode wkts_any_unknown Wkts 'any { type_url: "type.googleapis.com/no.Such" value: "\010\001" }'
encode wkts_wrappers Wkts 'w_double { value: nan } w_float { value: 1.25 } w_i64 { value: -5 }
  w_u64 { value: 5 } w_i32 { } w_u32 { value: 1 } w_bool { value: true } w_str { value: "" }
  w_bytes { value: "\377" } r_wrap { value: 1 } r_wrap { }'

# Malformed or unusual encodings, byte by byte.
printf '' >"$out/empty.bin"
printf '\x08' >"$out/truncated_varint.bin"
printf '\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01' >"$out/varint_10_bytes.bin"
printf '\x72\x05ab' >"$out/truncated_length.bin"
printf '\x0d\x01\x02\x03\x04' >"$out/wrong_wire_type.bin"
printf '\x00\x01' >"$out/field_zero.bin"
printf '\xf8\x07\x01\xfa\x07\x02\x08\x01' >"$out/unknown_fields.bin"
printf '\xfb\x07\x08\x01\xfc\x07' >"$out/unknown_group.bin"
printf '\x72\x02\xc3\x28' >"$out/invalid_utf8.bin"
printf '\xfa\x01\x03\x01\x02\x03\xf8\x01\x04' >"$out/packed_and_unpacked.bin"
printf '\x8a\x01\x02\x08\x01\x8a\x01\x03\x12\x01x' >"$out/message_merge.bin"
printf '\xb0\x04\x05\xba\x04\x09last wins' >"$out/oneof_last_wins.bin"
