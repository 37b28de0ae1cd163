#!/usr/bin/python3
"""Offline validation of deploy/k8s/*.yaml (issue 17).

The JSON schemas are built from the Kubernetes OpenAPI object models that Debian's
python3-kubernetes ships (the official client, generated from the API's OpenAPI spec:
every model lists its fields, their JSON names and types, and its setters refuse a missing
required field). Each manifest is checked with python3-jsonschema against a strict schema
(unknown fields are errors, as kubeconform -strict does), and then for the project's rules:
an Indexed Job whose pods read JOB_COMPLETION_INDEX, the database URL and password from a
Secret, non-root, no capabilities, a read-only root filesystem. A self-test proves the
validator rejects a misspelt field and a missing required one.

    k8s_manifests.py SOURCE_DIR
"""
import copy
import inspect
import re
import sys
from pathlib import Path

import jsonschema
import yaml
from kubernetes import client

PRIMITIVES = {"str": {"type": "string"}, "int": {"type": "integer"},
              "bool": {"type": "boolean"}, "float": {"type": "number"},
              "datetime": {"type": "string"}, "date": {"type": "string"},
              "object": {}}


def required_fields(model):
    """JSON names of the fields whose setter refuses None (the spec's required list)."""
    out = []
    for attr, json_name in model.attribute_map.items():
        prop = getattr(model, attr, None)
        if isinstance(prop, property) and prop.fset is not None:
            if "must not be `None`" in inspect.getsource(prop.fset):
                out.append(json_name)
    return out


def schema_for(type_name, definitions):
    if type_name in PRIMITIVES:
        return copy.deepcopy(PRIMITIVES[type_name])
    m = re.fullmatch(r"list\[(.+)\]", type_name)
    if m:
        return {"type": "array", "items": schema_for(m.group(1), definitions)}
    m = re.fullmatch(r"dict\(str, (.+)\)", type_name)
    if m:
        return {"type": "object", "additionalProperties": schema_for(m.group(1), definitions)}
    model = getattr(client, type_name)
    if type_name not in definitions:
        definitions[type_name] = {}  # placeholder: models refer to themselves (JSONSchemaProps)
        props = {model.attribute_map[a]: schema_for(t, definitions)
                 for a, t in model.openapi_types.items()}
        definitions[type_name] = {"type": "object", "properties": props,
                                  "additionalProperties": False,
                                  "required": required_fields(model)}
    return {"$ref": f"#/definitions/{type_name}"}


def schema(model_name, api_version, kind):
    definitions = {}
    root = schema_for(model_name, definitions)
    top = copy.deepcopy(definitions[model_name])
    top["properties"]["apiVersion"] = {"const": api_version}
    top["properties"]["kind"] = {"const": kind}
    top["required"] = sorted(set(top["required"]) | {"apiVersion", "kind", "metadata"})
    top["definitions"] = definitions
    del root
    return top


KINDS = {"Job": ("V1Job", "batch/v1"), "CronJob": ("V1CronJob", "batch/v1"),
         "Secret": ("V1Secret", "v1")}
SCHEMAS = {kind: schema(model, api, kind) for kind, (model, api) in KINDS.items()}


def validate(doc):
    kind = doc.get("kind")
    if kind not in SCHEMAS:
        return [f"kind {kind!r} is not one this check knows"]
    v = jsonschema.Draft7Validator(SCHEMAS[kind])
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in v.iter_errors(doc)]


def pod_spec(doc):
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec, spec["template"]["spec"]


def project_rules(doc):
    errors = []
    if doc["kind"] not in ("Job", "CronJob"):
        return errors
    job, pod = pod_spec(doc)
    if job.get("completionMode") != "Indexed":
        errors.append("the Job must be Indexed (completionMode: Indexed)")
    if job.get("completions") != job.get("parallelism"):
        errors.append("completions and parallelism must both be N")
    if pod.get("securityContext", {}).get("runAsNonRoot") is not True:
        errors.append("pods must run as non-root")
    for c in pod["containers"]:
        sc = c.get("securityContext", {})
        if sc.get("readOnlyRootFilesystem") is not True:
            errors.append(f"{c['name']}: root filesystem must be read-only")
        if sc.get("capabilities", {}).get("drop") != ["ALL"] or sc.get("capabilities", {}).get("add"):
            errors.append(f"{c['name']}: must drop ALL capabilities and add none")
        if sc.get("allowPrivilegeEscalation") is not False:
            errors.append(f"{c['name']}: allowPrivilegeEscalation must be false")
        script = " ".join(c.get("args", []) + c.get("command", []))
        if "JOB_COMPLETION_INDEX" not in script or "--shard" not in script:
            errors.append(f"{c['name']}: --shard must come from JOB_COMPLETION_INDEX")
        env = {e["name"]: e for e in c.get("env", [])}
        for name in ("DICOMSEC_DB", "PGPASSWORD"):
            if "secretKeyRef" not in env.get(name, {}).get("valueFrom", {}):
                errors.append(f"{c['name']}: {name} must come from a Secret")
        if str(env.get("SHARDS", {}).get("value")) != str(job.get("completions")):
            errors.append(f"{c['name']}: SHARDS must equal completions")
        if doc["kind"] == "CronJob" and "--fail-on" not in script:
            errors.append("the nightly CronJob must diff with --fail-on")
    return errors


def self_test(job):
    bad = copy.deepcopy(job)
    bad["spec"]["completionMod"] = bad["spec"].pop("completionMode")
    assert validate(bad), "a misspelt field was not caught"
    bad = copy.deepcopy(job)
    del bad["spec"]["template"]["spec"]["containers"][0]["name"]
    assert validate(bad), "a missing required field was not caught"
    bad = copy.deepcopy(job)
    bad["spec"]["completions"] = "eight"
    assert validate(bad), "a wrong type was not caught"


def main():
    src = Path(sys.argv[1])
    failures = 0
    files = sorted((src / "deploy" / "k8s").glob("*.yaml"))
    if len(files) < 3:
        print(f"expected the Job, CronJob and Secret manifests, found {files}")
        return 1
    kinds = set()
    for path in files:
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is None:
                continue
            kinds.add(doc.get("kind"))
            errors = validate(doc) or project_rules(doc)
            for e in errors:
                print(f"{path.name}: {doc.get('kind')}: {e}")
            failures += bool(errors)
            if doc.get("kind") == "Job":
                self_test(doc)
    if kinds != {"Job", "CronJob", "Secret"}:
        print(f"kinds found: {sorted(kinds)}")
        failures += 1
    print(f"k8s_manifests: {len(files)} files, {'FAIL' if failures else 'OK'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
