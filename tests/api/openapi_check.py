"""Holds every response of the black-box suite to the API's OpenAPI document
(src/api/openapi.json), so the document and the server cannot drift apart.

helpers.Api sends every request of the suite (its `raw` too) and hands each
answer to `check`, which finds the operation by method and path template,
requires the status to be documented for it, and validates a JSON body
against its schema (JSON Schema Draft 2020-12, as OpenAPI 3.1 uses, with
python3-jsonschema; `$ref`s resolve into the document's components).
Requests no operation takes are held to the document's `x-agenda-unrouted`:
an unknown path may only be its 404, a known path with another method its
405, and any request may get the HTTP layer's refusals listed there.

A mismatch raises OpenApiMismatch in the test that made the request, naming
the operation, the status, the schema path and the offending value.  One
raised in another thread (a test's worker threads may swallow it) is also
recorded, and conftest.py fails the test with it when the test ends.  The
document is read once per process and a validator built once per operation,
status and media type."""

import json
import pathlib
import threading
from urllib.parse import unquote, urlsplit

import jsonschema
from jsonschema.validators import RefResolver

DOC_PATH = pathlib.Path(__file__).resolve().parents[2] / "src" / "api" / "openapi.json"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class OpenApiMismatch(AssertionError):
    pass


# Mismatches raised outside the main thread, for conftest.py to report.
thread_failures = []
_lock = threading.Lock()
_state = {}


def _load():
    if "doc" not in _state:
        doc = json.loads(DOC_PATH.read_text(encoding="utf-8"))
        templates = []
        for key, item in doc["paths"].items():
            segs = [s for s in key.split("/") if s]
            literals = sum(1 for s in segs if not s.startswith("{"))
            templates.append((segs, literals, key, item))
        # the most literal segments first: /feed before /{ref}-like captures
        templates.sort(key=lambda t: -t[1])
        _state.update(doc=doc, templates=templates, validators={},
                      resolver=RefResolver.from_schema(doc))
    return _state


def _deref(doc, obj):
    while isinstance(obj, dict) and "$ref" in obj:
        node = doc
        for part in obj["$ref"].lstrip("#/").split("/"):
            node = node[part]
        obj = node
    return obj


def _match(path):
    """(template key, path item) of the route `path` (a raw request path), or
    (None, None).  Segments are split before decoding, as the server does."""
    segs = [unquote(s) for s in path.split("/") if s]
    for tsegs, _, key, item in _load()["templates"]:
        if len(tsegs) == len(segs) and all(t.startswith("{") or t == s
                                           for t, s in zip(tsegs, segs)):
            return key, item
    return None, None


def _validator(cache_key, schema):
    """The validator of one operation's status and media type, built once."""
    st = _load()
    v = st["validators"].get(cache_key)
    if v is None:
        v = jsonschema.Draft202012Validator(schema, resolver=st["resolver"])
        st["validators"][cache_key] = v
    return v


def _fail(message):
    err = OpenApiMismatch(message)
    if threading.current_thread() is not threading.main_thread():
        with _lock:
            thread_failures.append(message)
    raise err


def check(method, target, status, content_type, body):
    """Checks one answer: `target` is the request target as sent (path and
    query), `content_type` the answer's header (or None), `body` its bytes."""
    st = _load()
    doc = st["doc"]
    method = method.lower()
    path = urlsplit(target).path if "://" in target else target.split("?", 1)[0]
    key, item = _match(path)
    unrouted = doc["x-agenda-unrouted"]
    op = None
    if key is None:
        opname, responses = f"{method.upper()} {path} (no route)", unrouted["unknownPath"]
    else:
        op = item.get(method) or (item.get("get") if method == "head" else None)
        if op is None:
            opname, responses = f"{method.upper()} {key} (other method)", unrouted["otherMethod"]
        else:
            opname, responses = f"{method.upper()} {key} ({op['operationId']})", op["responses"]
    responses = {**unrouted["anyRequest"], **responses}
    code = str(status)
    if code not in responses:
        return _fail(f"OpenAPI: {opname} answered {status}, which the document does not list "
                     f"(documented: {', '.join(sorted(responses))}); body {body[:300]!r}")
    content = _deref(doc, responses[code]).get("content")
    if method == "head":
        return None
    if not content:
        if body:
            return _fail(f"OpenAPI: {opname} {status} is documented without a body, "
                         f"got {body[:300]!r}")
        return None
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media not in content:
        return _fail(f"OpenAPI: {opname} {status} answered Content-Type {content_type!r}, "
                     f"documented: {', '.join(content)}")
    if media != "application/json":
        return None
    try:
        value = json.loads(body)
    except ValueError:
        return _fail(f"OpenAPI: {opname} {status} answered a body that is not JSON: "
                     f"{body[:300]!r}")
    cache_key = (op["operationId"] if op else "unrouted", code, media)
    validator = _validator(cache_key, content[media].get("schema", {}))
    error = jsonschema.exceptions.best_match(validator.iter_errors(value))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(the body)"
        schema_path = "/".join(str(p) for p in error.absolute_schema_path)
        return _fail(f"OpenAPI: {opname} {status}: the body does not match the document at "
                     f"{where}: {error.message} (schema {schema_path}; value "
                     f"{json.dumps(error.instance)[:300]}); body {body[:500]!r}")
    return None
