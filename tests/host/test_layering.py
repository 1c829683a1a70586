"""The module's layering, checked on its sources (issue #27): `unsafe` only in the net layer
(`netdev/`) and `hw/port.rs`, and denied everywhere else by the crate root; the net layer
imports nothing of the driver; the modules' imports have no cycle.

Run by scripts/check.sh; prints one PASS|FAIL line per check (checks.py)."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import REPO, Checks  # noqa: E402

UNSAFE_CORNERS = ("netdev/", "hw/port.rs")


def sources():
    """The module's Rust sources, relative to the repository (not the host tests')."""
    out = []
    for d in ("", "hw", "tracing", "netdev"):
        for f in sorted(os.listdir(os.path.join(REPO, d) if d else REPO)):
            if f.endswith(".rs") and not f.endswith("_generated.rs"):
                out.append(os.path.join(d, f) if d else f)
    return out


def code(path):
    """The file's text with comments and string literals blanked (so docs may say `unsafe`)."""
    text = open(os.path.join(REPO, path)).read()
    text = re.sub(r'"(\\.|[^"\\])*"', '""', text)
    return re.sub(r"//[^\n]*", "", text)


def module_of(path):
    """The crate's top-level module a source belongs to (`netdev/ops.rs` -> `netdev`)."""
    return path.split("/")[0].removesuffix(".rs")


def imports(path):
    """The top-level modules `path` names through `crate::` (uses and paths; `$crate::` in a
    macro is where the macro is defined, not an import)."""
    names = set(re.findall(r"(?<![$\w])crate::(\w+)", code(path)))
    # `use crate::{a, b::c}` groups
    for group in re.findall(r"use crate::\{([^}]*)\}", code(path)):
        names |= set(re.findall(r"(?:^|,)\s*(\w+)", group))
    return names - {module_of(path)}


def find_cycle(graph):
    """A cycle of `graph` ({node: set of nodes}) as a path that ends where it starts, or []:
    a depth-first search for a back edge."""
    state = {}

    def visit(m, path):
        state[m] = 1
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return path[path.index(n):] + [n] if n in path else [m, n]
            if n not in state:
                found = visit(n, path + [n])
                if found:
                    return found
        state[m] = 2
        return []

    for m in sorted(graph):
        if m not in state:
            found = visit(m, [m])
            if found:
                return found
    return []


def main():
    check = Checks("layering")
    srcs = sources()
    modules = {module_of(p) for p in srcs}

    outside = [
        p
        for p in srcs
        if not p.startswith(UNSAFE_CORNERS)
        and re.search(r"\bunsafe\s*(\{|fn\b|impl\b|extern\b|trait\b)", code(p))
    ]
    check("unsafe-only-in-net-layer-and-port-io", not outside, f"unsafe in {outside}")

    root = code("ne2k_rs.rs")
    denied = "#![deny(unsafe_code)]" in root or "#![forbid(unsafe_code)]" in root
    allows = [p for p in srcs if "allow(unsafe_code)" in code(p)]
    # Only the two corners are let off: on their `mod` lines, and inside the layer's macros.
    let_off = re.findall(r"#\[allow\(unsafe_code\)\]\s*(?:pub\s+)?mod\s+(\w+)", root + code("hw/mod.rs"))
    ok = denied and sorted(let_off) == ["netdev", "port"] and all(
        p.startswith("netdev/") or p in ("ne2k_rs.rs", "hw/mod.rs") for p in allows
    )
    check("unsafe-code-denied-outside-the-corners", ok, f"deny={denied} allowed mods={let_off} files={allows}")

    layer = sorted({m for p in srcs if p.startswith("netdev/") for m in imports(p)} & modules)
    check("net-layer-imports-nothing-of-the-driver", not layer, f"netdev/ imports {layer}")

    graph = {m: set() for m in modules}
    for p in srcs:
        graph[module_of(p)] |= imports(p) & modules
    cycle = find_cycle(graph)
    check("no-import-cycle", not cycle, " -> ".join(cycle))

    # The same, file by file (a cycle inside hw/ or netdev/ counts too): `crate::a::b`,
    # `super::b` and `self::b` name the file a/b.rs (or a.rs, a/mod.rs).
    files = set(srcs)

    def file_of(parts):
        for n in range(len(parts), 0, -1):
            base = "/".join(parts[:n])
            for cand in (base + ".rs", base + "/mod.rs"):
                if cand in files:
                    return cand
        return None

    fgraph = {p: set() for p in srcs}
    for p in srcs:
        here = p.split("/")[:-1]
        text = code(p)
        for path in re.findall(r"(?<![$\w])crate((?:::\w+)+)", text):
            f = file_of(path.strip(":").split("::"))
            if f and f != p:
                fgraph[p].add(f)
        for path in re.findall(r"(?<![\w:])super((?:::\w+)+)", text):
            base = here if not p.endswith("mod.rs") else here[:-1]
            f = file_of(base + path.strip(":").split("::"))
            if f and f != p:
                fgraph[p].add(f)
    fcycle = find_cycle(fgraph)
    check("no-import-cycle-between-files", not fcycle, " -> ".join(fcycle))
    check.exit()


if __name__ == "__main__":
    main()
