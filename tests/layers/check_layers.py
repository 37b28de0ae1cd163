#!/usr/bin/python3
"""The layer rule of docs/design.md as a test.

Reads the allowed module graph from layers.txt and checks, under ROOT/src:
  * every #include "..." (and #include <...> of a src/ module) goes from a module to itself
    or to a module the table allows; a violation names file, line, the include and the rule;
  * every source file belongs to a module the table declares;
  * the CMake modules (dicomsec_module(NAME ... DEPS ...) and target_link_libraries of
    dicomsec_* targets) link only to modules the table allows, and every include is backed
    by a CMake dependency (directly or through another module), so the build graph and the
    include graph say the same thing.
Exit status 0 when clean, 1 on a violation, 2 on a broken table or usage.

--self-test plants violating files in a copy of a small tree and checks that the checker
fails on each, naming file, line and rule (the negative test), and passes on the clean copy.
"""

import argparse
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile

SOURCE_EXT = (".hpp", ".cpp", ".h", ".cc", ".inc", ".ipp")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


class Table:
    def __init__(self, path):
        self.path = path
        self.allowed = {}  # module -> set of modules, or None for "*"
        self.file_rules = []  # (pattern, module), in file order
        with open(path, encoding="utf-8") as f:
            for n, raw in enumerate(f, 1):
                line = raw.split("#", 1)[0].strip()
                if not line:
                    continue
                if line.startswith("@"):
                    parts = line[1:].split()
                    if len(parts) != 2:
                        raise ValueError(f"{path}:{n}: expected '@ PATTERN MODULE'")
                    self.file_rules.append((parts[0], parts[1]))
                    continue
                if ":" not in line:
                    raise ValueError(f"{path}:{n}: expected 'module: deps'")
                name, deps = line.split(":", 1)
                name = name.strip()
                if name in self.allowed:
                    raise ValueError(f"{path}:{n}: module {name} declared twice")
                deps = deps.split()
                self.allowed[name] = None if deps == ["*"] else set(deps)
        for name, deps in self.allowed.items():
            for d in deps or ():
                if d not in self.allowed:
                    raise ValueError(f"{path}: {name} may use {d}, which is not declared")
        for _, module in self.file_rules:
            if module not in self.allowed:
                raise ValueError(f"{path}: file rule names undeclared module {module}")
        self._check_acyclic()

    def _check_acyclic(self):
        # Layers point downwards only: a cycle (apart from "*") would make two modules one.
        state = {}

        def visit(m, stack):
            state[m] = 1
            for d in sorted(self.allowed[m] or ()):
                if state.get(d) == 1:
                    raise ValueError(f"{self.path}: cycle {' -> '.join(stack + [m, d])}")
                if d not in state:
                    visit(d, stack + [m])
            state[m] = 2

        for m in sorted(self.allowed):
            if m not in state:
                visit(m, [])

    def may_use(self, a, b):
        if a == b:
            return True
        deps = self.allowed.get(a)
        return deps is None or b in deps

    def rule_text(self, a):
        deps = self.allowed.get(a)
        if deps is None:
            return f"{a}: *"
        return f"{a}: {' '.join(sorted(deps)) or '(nothing)'}"


def module_of(rel, table):
    """Module of a path relative to the repository root (src/...), or None."""
    for pattern, module in table.file_rules:
        if fnmatch.fnmatchcase(rel, pattern):
            return module
    parts = rel.split("/")
    if len(parts) < 3 or parts[0] != "src":
        return None  # src/CMakeLists.txt and the like
    return parts[1]


def scan_includes(root, table):
    """Yields (problem) strings for includes and files that break the table."""
    src = os.path.join(root, "src")
    modules_seen = set()
    edges = {}  # (from, to) -> first "file:line" that makes it
    problems = []
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(SOURCE_EXT):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            here = module_of(rel, table)
            if here is None:
                continue
            if here not in table.allowed:
                problems.append(f"{rel}: module '{here}' is not declared in {table.path}")
                continue
            modules_seen.add(here)
            with open(path, encoding="utf-8", errors="replace") as f:
                for n, line in enumerate(f, 1):
                    m = INCLUDE_RE.match(line)
                    if not m:
                        continue
                    bracket, inc = m.groups()
                    target = resolve(root, rel, inc, bracket == '"', table)
                    if target is None:
                        continue  # a system or third-party header
                    there = module_of(target, table)
                    if there not in table.allowed:
                        problems.append(
                            f"{rel}:{n}: #include \"{inc}\" reaches module '{there}', which is "
                            f"not declared in {table.path}")
                        continue
                    if not table.may_use(here, there):
                        problems.append(
                            f"{rel}:{n}: #include \"{inc}\": module '{here}' may not use "
                            f"'{there}' (rule {table.rule_text(here)})")
                        continue
                    if here != there:
                        edges.setdefault((here, there), f"{rel}:{n}")
    return problems, edges, modules_seen


def resolve(root, rel, inc, quoted, table):
    """The repository path an include reaches inside src/, or None when it is external."""
    if quoted:
        beside = os.path.normpath(os.path.join(os.path.dirname(rel), inc)).replace(os.sep, "/")
        if os.path.isfile(os.path.join(root, beside)) and beside.startswith("src/"):
            return beside
    first = inc.split("/", 1)[0]
    if "/" not in inc or not os.path.isdir(os.path.join(root, "src", first)):
        return None
    # Generated headers (core/version.hpp) live in the build tree but belong to the folder.
    return "src/" + inc


# ---- CMake modules -------------------------------------------------------------------------

CALL_RE = re.compile(r"\b(dicomsec_module|target_link_libraries|add_library)\s*\(([^()]*)\)", re.S)
KEYWORDS = {"SOURCES", "DEPS", "PUBLIC", "PRIVATE", "INTERFACE", "STATIC", "ALIAS"}


def cmake_targets(root):
    """{target name (without dicomsec_): (CMakeLists path, set of dicomsec deps)}."""
    targets = {}
    links = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, "src")):
        dirnames.sort()
        if "CMakeLists.txt" not in filenames:
            continue
        path = os.path.join(dirpath, "CMakeLists.txt")
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        with open(path, encoding="utf-8") as f:
            text = "\n".join(l.split("#", 1)[0] for l in f.read().splitlines())
        for call, body in CALL_RE.findall(text):
            words = body.split()
            if not words or "${" in words[0]:
                continue  # inside dicomsec_module's own definition
            if call == "dicomsec_module":
                deps = set()
                mode = None
                for w in words[1:]:
                    if w in KEYWORDS:
                        mode = w
                    elif mode == "DEPS":
                        deps.add(w)
                targets.setdefault(words[0], (rel, set()))[1].update(deps)
            elif call == "add_library" and words[0].startswith("dicomsec_") and "ALIAS" not in words:
                targets.setdefault(words[0][len("dicomsec_"):], (rel, set()))
            elif call == "target_link_libraries":
                links.append((rel, words[0], set(w for w in words[1:] if w not in KEYWORDS)))
    for rel, target, deps in links:
        if target.startswith("dicomsec_"):
            name = target[len("dicomsec_"):]
        elif target == "dicomsec":
            name = "dicomsec"
        else:
            continue
        targets.setdefault(name, (rel, set()))[1].update(deps)
    # Keep only the dependencies that are dicomsec modules.
    known = set(targets)
    out = {}
    for name, (rel, deps) in targets.items():
        mine = set()
        for d in deps:
            for prefix in ("dicomsec::", "dicomsec_"):
                if d.startswith(prefix) and d[len(prefix):] in known:
                    mine.add(d[len(prefix):])
        out[name] = (rel, mine)
    return out


def target_module(name, table, app_dir_module="app"):
    if name == "dicomsec":
        return app_dir_module
    if name in table.allowed:
        return name
    # probes_core is the sans-IO half of probes: the longest declared prefix names the module.
    best = None
    for module in table.allowed:
        if name.startswith(module + "_") and (best is None or len(module) > len(best)):
            best = module
    return best


def check_cmake(root, table, edges):
    problems = []
    targets = cmake_targets(root)
    module_targets = {}
    for name, (rel, deps) in sorted(targets.items()):
        here = target_module(name, table)
        if here is None:
            problems.append(f"{rel}: CMake target {name} belongs to no module of {table.path}")
            continue
        module_targets.setdefault(here, []).append(name)
        for d in sorted(deps):
            there = target_module(d, table)
            if there is not None and not table.may_use(here, there):
                problems.append(
                    f"{rel}: CMake target {name} links dicomsec::{d}: module '{here}' may not "
                    f"use '{there}' (rule {table.rule_text(here)})")

    def closure(name, seen):
        for d in targets.get(name, ("", set()))[1]:
            if d not in seen:
                seen.add(d)
                closure(d, seen)
        return seen

    for (a, b), where in sorted(edges.items()):
        if a not in module_targets or b not in module_targets:
            continue  # a module without a CMake target yet (a planned one, or header-only)
        reach = set()
        for t in module_targets[a]:
            reach |= closure(t, set())
        if not reach & set(module_targets[b]):
            problems.append(
                f"{where}: module '{a}' includes '{b}', but no CMake target of '{a}' "
                f"({', '.join(module_targets[a])}) links a target of '{b}' "
                f"({', '.join(module_targets[b])})")
    return problems


def run(root, table_path):
    try:
        table = Table(table_path)
    except (OSError, ValueError) as e:
        print(f"check_layers: {e}", file=sys.stderr)
        return 2
    problems, edges, seen = scan_includes(root, table)
    problems += check_cmake(root, table, edges)
    for p in problems:
        print(p)
    if problems:
        print(f"check_layers: {len(problems)} violation(s) of {table_path}", file=sys.stderr)
        return 1
    print(f"check_layers: {len(seen)} modules, {len(edges)} module edges, all within the layers")
    return 0


# ---- negative test -------------------------------------------------------------------------

def self_test(table_path):
    """Plant violations in a small tree; the checker must fail on each and pass without them."""
    here = os.path.abspath(__file__)
    failures = []
    with tempfile.TemporaryDirectory(prefix="dicomsec-layers-") as tmp:
        def write(rel, text):
            path = os.path.join(tmp, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)

        def check(expect_rc, expected):
            r = subprocess.run([sys.executable, here, "--root", tmp, "--table", table_path],
                               capture_output=True, text=True, timeout=60)
            out = r.stdout + r.stderr
            if r.returncode != expect_rc:
                failures.append(f"expected exit {expect_rc}, got {r.returncode}:\n{out}")
            for e in expected:
                if e not in out:
                    failures.append(f"expected {e!r} in the output:\n{out}")

        write("src/core/bytes.hpp", "#pragma once\n#include <vector>\n")
        write("src/record/record.hpp", "#pragma once\n#include <cstdint>\n")
        write("src/dul/pdu.hpp", "#pragma once\n#include \"core/bytes.hpp\"\n")
        write("src/scan/targets.hpp", "#pragma once\n")
        write("src/scan/engine.hpp",
              "#pragma once\n#include \"record/record.hpp\"\n#include \"scan/targets.hpp\"\n")
        write("src/CMakeLists.txt", "add_subdirectory(core)\n")
        write("src/core/CMakeLists.txt", "dicomsec_module(core SOURCES bytes.cpp)\n")
        write("src/dul/CMakeLists.txt", "dicomsec_module(dul SOURCES pdu.cpp DEPS dicomsec::core)\n")
        write("src/record/CMakeLists.txt", "add_library(dicomsec_record INTERFACE)\n")
        write("src/scan/CMakeLists.txt",
              "dicomsec_module(scan SOURCES targets.cpp DEPS dicomsec::core)\n"
              "dicomsec_module(scan_engine SOURCES engine.cpp\n"
              "  DEPS dicomsec::scan dicomsec::record dicomsec_asio)\n")
        check(0, ["all within the layers"])

        # 1. A codec writes records (what tlsinspect did before issue 11).
        write("src/dul/codec.cpp", "#include \"dul/pdu.hpp\"\n\n#include \"record/record.hpp\"\n")
        check(1, ["src/dul/codec.cpp:3: #include \"record/record.hpp\": module 'dul' may not use "
                  "'record' (rule dul: core)"])
        os.remove(os.path.join(tmp, "src/dul/codec.cpp"))
        # 2. The pure scan logic reaches up into the engine (a file rule of the table).
        write("src/scan/targets.cpp", "#include <scan/engine.hpp>\n")
        check(1, ["src/scan/targets.cpp:1: #include \"scan/engine.hpp\": module 'scan' may not "
                  "use 'scan_engine'"])
        os.remove(os.path.join(tmp, "src/scan/targets.cpp"))
        # 3. A module the table does not know.
        write("src/sniffer/x.cpp", "#include \"core/bytes.hpp\"\n")
        check(1, ["src/sniffer/x.cpp: module 'sniffer' is not declared"])
        shutil.rmtree(os.path.join(tmp, "src/sniffer"))
        # 4. A CMake dependency the layers forbid, and an include without a CMake dependency.
        write("src/dul/CMakeLists.txt",
              "dicomsec_module(dul SOURCES pdu.cpp DEPS dicomsec::core dicomsec::scan)\n")
        check(1, ["CMake target dul links dicomsec::scan: module 'dul' may not use 'scan'"])
        write("src/dul/CMakeLists.txt", "dicomsec_module(dul SOURCES pdu.cpp)\n")
        check(1, ["src/dul/pdu.hpp:2: module 'dul' includes 'core', but no CMake target"])
        write("src/dul/CMakeLists.txt", "dicomsec_module(dul SOURCES pdu.cpp DEPS dicomsec::core)\n")
        check(0, ["all within the layers"])
        # 5. A table whose layers point both ways is refused.
        bad_table = os.path.join(tmp, "cyclic.txt")
        write("cyclic.txt", "core: dul\ndul: core\n")
        r = subprocess.run([sys.executable, here, "--root", tmp, "--table", bad_table],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 2 or "cycle" not in r.stderr:
            failures.append(f"a cyclic table must be refused (exit 2):\n{r.stdout}{r.stderr}")
    for f in failures:
        print("self-test:", f)
    print("self-test:", "FAILED" if failures else "ok")
    return 1 if failures else 0


def main():
    default_root = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=default_root, help="repository root (holds src/)")
    ap.add_argument("--table", default=os.path.join(os.path.dirname(__file__), "layers.txt"))
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    if a.self_test:
        return self_test(os.path.abspath(a.table))
    return run(a.root, a.table)


if __name__ == "__main__":
    sys.exit(main())
