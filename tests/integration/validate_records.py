#!/usr/bin/python3
"""Validate JSONL scan records against schemas/scan-record.schema.json.

usage: validate_records.py SCHEMA FILE.jsonl
       validate_records.py SCHEMA --check-schema

Exit 0 when every line is a JSON object that validates (an empty file is valid), 1 when any
line does not (every error is printed, with the line number), 2 on a usage or setup problem.
Needs Debian's python3-jsonschema: run it with /usr/bin/python3.
"""
import json
import sys

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError as e:  # pragma: no cover
    print(f"validate_records.py: {e} (apt-get install python3-jsonschema; use /usr/bin/python3)",
          file=sys.stderr)
    sys.exit(2)


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    try:
        Draft202012Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        print(f"schema itself is invalid: {e.message}", file=sys.stderr)
        return 1
    if sys.argv[2] == "--check-schema":
        return 0
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    bad = 0
    count = 0
    with open(sys.argv[2], encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            count += 1
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                print(f"line {lineno}: not JSON: {e}", file=sys.stderr)
                bad += 1
                continue
            errors = sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path))
            for e in errors:
                where = "/".join(str(p) for p in e.absolute_path) or "(record)"
                print(f"line {lineno}: {where}: {e.message}", file=sys.stderr)
            if errors:
                print(f"line {lineno}: record: {line.strip()}", file=sys.stderr)
                bad += 1
    print(f"{count} record(s), {bad} invalid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
