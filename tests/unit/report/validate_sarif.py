#!/usr/bin/python3
"""Validate SARIF logs against the SARIF 2.1.0 JSON schema, plus the spec's rules that a
schema cannot express (every result's ruleIndex names the rule with its ruleId).

usage: validate_sarif.py SCHEMA FILE.sarif...
Exit 0 when every file is valid, 1 when one is not, 2 on a usage or setup problem.
Needs Debian's python3-jsonschema: run it with /usr/bin/python3.
"""
import json
import sys

try:
    import jsonschema
except ImportError as e:  # pragma: no cover
    print(f"validate_sarif.py: {e} (apt-get install python3-jsonschema)", file=sys.stderr)
    sys.exit(2)


def check(validator, path):
    with open(path, encoding="utf-8") as f:
        log = json.load(f)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(log)]
    if log.get("version") != "2.1.0":
        errors.append("version is not 2.1.0")
    for run in log.get("runs", []):
        rules = run["tool"]["driver"].get("rules", [])
        for i, result in enumerate(run.get("results", [])):
            index = result.get("ruleIndex")
            if index is None or index >= len(rules) or rules[index]["id"] != result.get("ruleId"):
                errors.append(f"results/{i}: ruleIndex {index} does not name rule {result.get('ruleId')}")
            if not result.get("locations"):
                errors.append(f"results/{i}: no location")
    for e in errors:
        print(f"{path}: {e}", file=sys.stderr)
    return not errors


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    ok = all([check(validator, p) for p in sys.argv[2:]])
    print(f"validate_sarif.py: {len(sys.argv) - 2} file(s) {'valid' if ok else 'INVALID'} "
          f"against {schema.get('title', sys.argv[1])}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
