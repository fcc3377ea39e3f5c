// Writes the CEL conformance tests (cel-spec `simple` test files, as shipped
// by @bufbuild/cel-spec) of the sections protogate's expression library
// claims as one JSON document, for tests/expr/cel_conformance_test.cc.
//
// Usage: node tools/node/cel_conformance_json.cjs OUT.json [--all]
//   --all  every section (to see how far the library is from the rest).
//
// Output: {"cel_spec": "<ref>", "sections": [{"name": "file/section",
//   "tests": [<SimpleTest in proto JSON>], "skipped": [{"name", "reason"}]}]}
"use strict";
const fs = require("fs");
const path = require("path");
// The serialized suite: each test's `original` is the SimpleTest in proto JSON.
const { tests: suite } = require("@bufbuild/cel-spec/testdata/conformance.js");
const pkg = JSON.parse(
  fs.readFileSync(
    path.join(__dirname, "node_modules/@bufbuild/cel-spec/package.json"),
  ),
);

// Sections claimed: every test in them must pass. README "Composition
// plans" lists the sections left out.
const CLAIMED = [
  "basic/self_eval_zeroish",
  "basic/self_eval_nonzeroish",
  "basic/variables",
  "basic/functions",
  "basic/reserved_const",
  "comparisons/eq_literal",
  "comparisons/ne_literal",
  "comparisons/lt_literal",
  "comparisons/gt_literal",
  "comparisons/lte_literal",
  "comparisons/gte_literal",
  "comparisons/in_list_literal",
  "comparisons/in_map_literal",
  "comparisons/bound",
  "conversions/bytes",
  "conversions/double",
  "conversions/dyn",
  "conversions/int",
  "conversions/string",
  "conversions/uint",
  "conversions/bool",
  "conversions/identity",
  "conversions/type",
  "fields/map_fields",
  "fields/map_has",
  "fields/qualified_identifier_resolution",
  "fields/in",
  "fp_math/fp_math",
  "integer_math/int64_math",
  "integer_math/uint64_math",
  "lists/concatenation",
  "lists/index",
  "lists/in",
  "lists/size",
  "logic/conditional",
  "logic/AND",
  "logic/OR",
  "logic/NOT",
  "macros/exists",
  "macros/all",
  "macros/exists_one",
  "macros/map",
  "macros/filter",
  "macros/nested",
  "namespace/qualified",
  "parse/nest",
  "parse/repeat",
  "parse/string_literals",
  "parse/bytes_literals",
  "parse/selectors",
  "parse/receiver_function_names",
  "plumbing/min",
  "plumbing/eval_results",
  "plumbing/check_inputs",
  "plumbing/eval_inputs",
  "string/size",
  "string/starts_with",
  "string/ends_with",
  "string/matches",
  "string/concatenation",
  "string/contains",
  "string/bytes_concat",
  "timestamps/timestamp_conversions",
  "timestamps/duration_conversions",
  "timestamps/timestamp_selectors",
  "timestamps/timestamp_selectors_tz",
  "timestamps/timestamp_equality",
  "timestamps/duration_equality",
  "timestamps/timestamp_arithmetic",
  "timestamps/comparisons",
  "timestamps/duration_converters",
  "timestamps/timestamp_range",
  "timestamps/duration_range",
  "type_deductions/constant_literals",
  "type_deductions/indexing",
  "type_deductions/wrappers",
];

// Tests inside claimed sections that need a feature outside the subset;
// each is reported as skipped with its reason.
const MESSAGE_LITERAL = "message construction (Type{...}) is not in the subset";
const SKIPPED = Object.fromEntries(
  [
    "comparisons/eq_literal/eq_dyn_json_null",
    "comparisons/eq_literal/not_eq_dyn_proto2_msg_null",
    "comparisons/eq_literal/not_eq_dyn_proto3_msg_null",
    "comparisons/ne_literal/ne_proto2",
    "comparisons/ne_literal/ne_proto3",
    "comparisons/ne_literal/ne_proto2_missing_fields_neq",
    "comparisons/ne_literal/ne_proto3_missing_fields_neq",
    "comparisons/ne_literal/ne_proto_nan_not_equal",
    "comparisons/ne_literal/ne_proto_different_types",
    "comparisons/ne_literal/ne_proto2_any_unpack",
    "comparisons/ne_literal/ne_proto2_any_unpack_bytewise_fallback",
    "comparisons/ne_literal/ne_proto3_any_unpack",
    "comparisons/ne_literal/ne_proto3_any_unpack_bytewise_fallback",
    "parse/nest/message_literal",
    "parse/repeat/select",
    "parse/repeat/message_literal",
  ].map((name) => [name, MESSAGE_LITERAL]),
);

function main() {
  const out = process.argv[2];
  const all = process.argv.includes("--all");
  if (!out) {
    console.error("usage: cel_conformance_json.cjs OUT.json [--all]");
    process.exit(2);
  }
  const claimed = new Set(CLAIMED);
  const sections = [];
  for (const file of suite.suites) {
    for (const section of file.suites || []) {
      const name = `${file.name}/${section.name}`;
      if (!all && !claimed.has(name)) continue;
      const entry = { name, tests: [], skipped: [] };
      for (const test of section.tests || []) {
        const json = test.original;
        const reason = SKIPPED[`${name}/${json.name}`];
        if (reason && !all) {
          entry.skipped.push({ name: json.name, reason });
        } else {
          entry.tests.push(json);
        }
      }
      sections.push(entry);
    }
  }
  if (!all) {
    const found = new Set(sections.map((s) => s.name));
    for (const name of CLAIMED) {
      if (!found.has(name)) {
        console.error(`claimed section ${name} is not in the test data`);
        process.exit(1);
      }
    }
  }
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(
    out,
    JSON.stringify({ cel_spec: pkg.upstreamCelSpecRef, sections }),
  );
}

main();
