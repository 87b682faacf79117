"""Completeness of the generated clients and of the flows that drive them (scripts/clients.sh).

  complete.py generated OPENAPI_JSON PYTHON_PACKAGE SCHEMA_D_TS
      every operation in the document has a generated function in the Python client (a module
      loyalty_client.api.<tag>.<snake_case operationId> with sync_detailed and asyncio_detailed)
      and an entry in the TypeScript client's `operations` interface, and neither client has an
      operation the document does not.
  complete.py called OPENAPI_JSON CALLED_FILE
      the flow that wrote CALLED_FILE (one operationId per line) called every operation in the
      document, and nothing else.

Exits 1 naming what is missing.
"""

import importlib
import json
import pathlib
import re
import sys

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def operation_ids(doc_path: str) -> set[str]:
    doc = json.loads(pathlib.Path(doc_path).read_text())
    ids = set()
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                if "operationId" not in operation:
                    fail([f"{method.upper()} {path} has no operationId"])
                ids.add(operation["operationId"])
    return ids


def snake_case(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


def python_operations(package: pathlib.Path) -> set[str]:
    """The operations the Python client can call: modules under api/ with both entry points."""
    sys.path.insert(0, str(package.parent))
    found = set()
    for module_path in sorted(package.glob("api/*/*.py")):
        if module_path.name == "__init__.py":
            continue
        name = f"{package.name}.api.{module_path.parent.name}.{module_path.stem}"
        module = importlib.import_module(name)
        if callable(getattr(module, "sync_detailed", None)) and callable(getattr(module, "asyncio_detailed", None)):
            found.add(module_path.stem)
    return found


def typescript_operations(schema: pathlib.Path) -> set[str]:
    """The keys of `export interface operations { ... }` in openapi-typescript's output."""
    text = schema.read_text()
    start = text.find("export interface operations {")
    if start < 0:
        fail([f"{schema}: no `operations` interface"])
    body = text[start:]
    end = re.search(r"^}", body, re.MULTILINE)
    if end is None:
        fail([f"{schema}: the `operations` interface does not end"])
    return set(re.findall(r"^    ([A-Za-z0-9_]+): \{", body[: end.start()], re.MULTILINE))


def fail(problems: list[str]) -> None:
    for problem in problems:
        print(f"clients: {problem}", file=sys.stderr)
    sys.exit(1)


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "generated":
        ids = operation_ids(sys.argv[2])
        python = python_operations(pathlib.Path(sys.argv[3]))
        typescript = typescript_operations(pathlib.Path(sys.argv[4]))
        wanted = {snake_case(i) for i in ids}
        problems = [f"the Python client has no function for {i}" for i in sorted(ids) if snake_case(i) not in python]
        problems += [f"the Python client has {m}, which the document does not" for m in sorted(python - wanted)]
        problems += [f"the TypeScript client has no operation {i}" for i in sorted(ids - typescript)]
        problems += [f"the TypeScript client has {t}, which the document does not" for t in sorted(typescript - ids)]
        if problems:
            fail(problems)
        print(f"clients: both clients have all {len(ids)} operations of the document")
    elif len(sys.argv) == 4 and sys.argv[1] == "called":
        ids = operation_ids(sys.argv[2])
        called = {line.strip() for line in pathlib.Path(sys.argv[3]).read_text().splitlines() if line.strip()}
        problems = [f"the flow never called {i}" for i in sorted(ids - called)]
        problems += [f"the flow called {c}, which the document does not have" for c in sorted(called - ids)]
        if problems:
            fail(problems)
        print(f"clients: the flow called all {len(ids)} operations")
    else:
        fail(["usage: complete.py generated OPENAPI_JSON PYTHON_PACKAGE SCHEMA_D_TS | called OPENAPI_JSON CALLED_FILE"])


if __name__ == "__main__":
    main()
