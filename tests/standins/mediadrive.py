#!/usr/bin/env python3
"""A local stand-in for Unleash Live's Media Drive GraphQL API (AWS AppSync behind it).

Every document is parsed, validated against a schema (SDL file) and executed with graphql-core,
as AppSync does, so a client's documents are checked for real: a declared variable type that is
not in the schema, a field that does not exist or an argument of the wrong type is refused with
the shape AppSync uses (HTTP 200, `data: null`, `errors[]` with `errorType`).

    python3 tests/standins/mediadrive.py --schema FILE [--no-introspection]

Binds 127.0.0.1 on a free port, prints one line `PORT <n>` on stdout and serves until its stdin
reaches end of file (the test harness holds a pipe to it, so a test that dies takes the server
with it; started with stdin on /dev/null it exits at once).

Endpoints
  POST /graphql   the API (authorization header, JSON body {query, variables?, operationName?})
  POST /_control  settings, no auth (JSON object; see `State.apply`); answers {} (400 when a
                  setting is unknown or has a bad value)
  GET  /_requests every /graphql request so far, in order: {method, path, headers (lower-case
                  names), body (raw text), outcome, operation, status (null when dropped)}
  GET  /_items    the item store as a JSON list
  POST /_reset    empty store, default settings, no recorded requests
  anything else   404

A /graphql request goes through, in order: `fail_status` (-> that status), the authorization
header (-> 401 UnauthorizedException), method POST and content-type application/json and a JSON
body with a string `query` (-> 400 MalformedHttpRequestException), parsing (-> 200
InvalidSyntax), validation and variable coercion (-> 200 ValidationError, "Validation error of
type <Kind>: ..."), execution (-> 200 with data, and errors[] from resolvers). The recorded
outcome names the step that answered: failed-status, unauthorized, malformed, syntax-error,
invalid, executed.

Needs only the standard library and graphql-core 3.2.
"""

import argparse
import json
import os
import re
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    import graphql
    from graphql import (
        GraphQLError,
        GraphQLSyntaxError,
        OperationDefinitionNode,
        OperationType,
        ValidationRule,
        build_schema,
        execute,
        is_specified_scalar_type,
        parse,
        specified_rules,
        specified_scalar_types,
        validate,
    )
    from graphql.execution.values import get_variable_values
    from graphql.language import IntValueNode
except ImportError as e:  # pragma: no cover - reported to the harness through stderr
    sys.stderr.write(
        f"mediadrive stand-in: graphql-core is missing ({e}); install it with "
        "`python3 -m pip install graphql-core` (it ships with moto[server])\n"
    )
    sys.exit(2)


DEFAULT_LIMIT = 20
CURSOR_FIELDS = (
    "pk",
    "sk",
    "locationCreatedAt",
    "teamId",
    "teamIdType",
    "createdAt",
    "searchNameCreatedAt",
    "searchName",
    "deviceId",
    "type",
)
UNAUTHORIZED = {
    "errors": [
        {
            "errorType": "UnauthorizedException",
            "message": "You are not authorized to make this call.",
        }
    ]
}
I64_MIN, I64_MAX = -(2**63), 2**63 - 1


# ---------------------------------------------------------------------------------------------
# Schema


def _long_value(value):
    """A 64-bit integer from a Python value, or raise (bools are not integers here)."""
    if isinstance(value, bool):
        raise GraphQLError(f"Long cannot represent non-integer value: {value!r}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise GraphQLError(f"Long cannot represent non-integer value: {value!r}")
    if not I64_MIN <= value <= I64_MAX:
        raise GraphQLError(f"Long cannot represent non 64-bit signed integer value: {value}")
    return value


def _long_literal(node, _variables=None):
    if not isinstance(node, IntValueNode):
        raise GraphQLError(
            f"Long cannot represent non-integer value: {graphql.print_ast(node)}", node
        )
    return _long_value(int(node.value))


def load_schema(path):
    """The schema from an SDL file, with resolvers and 64-bit timestamp scalars attached."""
    with open(path, encoding="utf-8") as f:
        schema = build_schema(f.read())
    # graphql-core leaves out the standard scalars the SDL does not use; a GraphQL server (and
    # AppSync) knows all five, so `$id: ID!` is a type mismatch, not an unknown type.
    missing = [t for n, t in specified_scalar_types.items() if n not in schema.type_map]
    if missing:
        kwargs = schema.to_kwargs()
        kwargs["types"] = tuple(kwargs["types"] or ()) + tuple(missing)
        schema = graphql.GraphQLSchema(**kwargs)
    # Every custom scalar stands for a 64-bit integer (timestamps), serialised as a JSON number.
    for named in schema.type_map.values():
        if isinstance(named, graphql.GraphQLScalarType) and not is_specified_scalar_type(named):
            named.serialize = _long_value
            named.parse_value = _long_value
            named.parse_literal = _long_literal
    resolvers = {
        "query": {"get": resolve_get, "list": resolve_list},
        "mutation": {
            "rename": resolve_rename,
            "move": resolve_move,
            "delete": resolve_delete,
        },
    }
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        if root is None:
            continue
        for name, resolve in resolvers[kind].items():
            if name in root.fields:
                root.fields[name].resolve = resolve
    return schema


# ---------------------------------------------------------------------------------------------
# State


class ResolverError(Exception):
    """A GraphQL error raised by a resolver; `error_type` becomes the error's `errorType`."""

    def __init__(self, message, error_type="BadRequest"):
        super().__init__(message)
        self.error_type = error_type


class State:
    """Everything the stand-in keeps; guarded by `lock` (one request at a time)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.items = {}  # id -> item dict, in insertion order
        self.accept = None  # None: any non-empty authorization header
        self.last_token = "all-null"
        self.repeat_token = False
        self.fail_after_mutation = None
        self.drop_after_mutation = False
        self.fail_status = None
        self.issued = []  # (cursor dict, resume state) in the order they were issued
        self.requests = []

    def apply(self, settings):
        """Applies a /_control body; raises ValueError (-> 400) on anything it does not know.

        accept               list of `authorization` values let in (never set: any non-empty)
        items                list of item objects (string `id` required): replaces the store
        last_token           "all-null" (default): the last page's nextToken has ten null
                             fields; "null": it is null
        repeat_token         true: every page answers the first cursor issued (loop tests)
        fail_after_mutation  HTTP status: the next executed mutation is committed, then
                             answered with this status and a short text body (once)
        drop_after_mutation  true: the next executed mutation is committed, then the
                             connection is closed without an answer (once)
        fail_status          HTTP status: every /graphql request is answered with it and
                             {"message":"upstream failure"} before any check; null clears
        """
        if not isinstance(settings, dict):
            raise ValueError("the control body must be a JSON object")
        checks = {
            "accept": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
            "items": lambda v: isinstance(v, list)
            and all(isinstance(x, dict) and isinstance(x.get("id"), str) for x in v),
            "last_token": lambda v: v in ("all-null", "null"),
            "repeat_token": lambda v: isinstance(v, bool),
            "fail_after_mutation": lambda v: v is None or _is_status(v),
            "drop_after_mutation": lambda v: isinstance(v, bool),
            "fail_status": lambda v: v is None or _is_status(v),
        }
        for key, value in settings.items():
            if key not in checks:
                raise ValueError(f"unknown setting {key!r} (known: {', '.join(checks)})")
            if not checks[key](value):
                raise ValueError(f"bad value for {key!r}: {json.dumps(value)}")
        for key, value in settings.items():
            if key == "accept":
                self.accept = set(value)
            elif key == "items":
                self.items = {item["id"]: dict(item) for item in value}
            else:
                setattr(self, key, value)


def _is_status(value):
    return isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599


STATE = State()


def _item(item_id, what="item"):
    item = STATE.items.get(item_id)
    if item is None:
        raise ResolverError(f"{what} {item_id!r} not found", "NotFound")
    return item


# ---------------------------------------------------------------------------------------------
# Resolvers (called with STATE.lock held)


def resolve_get(_root, _info, item):
    return STATE.items.get(item["id"])


def _order_key(item):
    created = item.get("createdAt")
    if not isinstance(created, (int, float)) or isinstance(created, bool):
        created = 0
    return (created, item["id"])


def resolve_list(_root, _info, location, sort="desc", limit=None, nextToken=None, **args):
    item_type = args.get("type")
    if limit is None:
        limit = DEFAULT_LIMIT
    if limit != int(limit) or int(limit) < 1:
        raise ResolverError(f"limit must be a positive integer, got {limit}")
    limit = int(limit)
    descending = sort != "asc"
    matching = [
        item
        for item in STATE.items.values()
        if item.get("location") == location
        and (item_type is None or item.get("type") == item_type)
    ]
    matching.sort(key=_order_key, reverse=descending)
    if nextToken is not None:
        resume = next((state for cursor, state in STATE.issued if cursor == nextToken), None)
        if resume is None or resume[:3] != (location, descending, item_type):
            raise ResolverError("invalid nextToken")
        after = resume[3]
        if descending:
            matching = [i for i in matching if _order_key(i) < after]
        else:
            matching = [i for i in matching if _order_key(i) > after]
    page, rest = matching[:limit], matching[limit:]
    if STATE.repeat_token:
        if not STATE.issued:
            _issue_cursor(location, descending, item_type, page[-1] if page else None)
        token = dict(STATE.issued[0][0])
    elif rest:
        token = _issue_cursor(location, descending, item_type, page[-1])
    elif STATE.last_token == "null":
        token = None
    else:
        token = {field: None for field in CURSOR_FIELDS}
    return {"items": page, "nextToken": token}


def _issue_cursor(location, descending, item_type, last):
    """A new cursor after `last` (None: before everything), remembered for checking."""
    created = last.get("createdAt") if last else None
    cursor = {field: None for field in CURSOR_FIELDS}
    cursor.update(
        pk=location,
        sk=last["id"] if last else None,
        locationCreatedAt=f"{location}#{created}" if last else None,
        createdAt=created,
        teamId=last.get("teamId") if last else None,
    )
    if last is not None:
        after = _order_key(last)
    else:  # before the first item of either order
        after = (float("inf"), "") if descending else (float("-inf"), "")
    STATE.issued.append((cursor, (location, descending, item_type, after)))
    return dict(cursor)


def resolve_rename(_root, _info, item, **args):
    # `newName` in the schema; `name` in the drifted one.
    new_name = args.get("newName", args.get("name"))
    found = _item(item["id"])
    found["name"] = new_name
    return found


def resolve_move(_root, _info, moveItems, to):
    target = _item(to["id"], "target folder")
    moving = [_item(key["id"]) for key in moveItems]
    location = target.get("location")
    new_location = f"{location}/{target['id']}" if location else target["id"]
    for item in moving:
        item["parentId"] = target["id"]
        item["location"] = new_location
    return moving


def resolve_delete(_root, _info, deleteItems):
    if not deleteItems:
        raise ResolverError("deleteItems is empty")
    doomed = [_item(key["id"]) for key in deleteItems]
    for item in doomed:
        STATE.items.pop(item["id"], None)
    return {
        "deleteItems": [{"id": item["id"]} for item in doomed],
        "ownerId": doomed[0].get("ownerId"),
    }


# ---------------------------------------------------------------------------------------------
# Validation


class NoIntrospection(ValidationRule):
    """With --no-introspection: `__schema` and `__type` are refused; `__typename` is not."""

    def enter_field(self, node, *_args):
        if node.name.value in ("__schema", "__type"):
            self.report_error(
                GraphQLError(
                    f"introspection is disabled: field '{node.name.value}' is not allowed",
                    node,
                )
            )


# The short kind AppSync (graphql-java) puts before a validation message, from graphql-core's
# message. First match wins.
KINDS = [
    (r"^Variable '.*' of type '.*' used in position expecting", "VariableTypeMismatch"),
    (r"^Unknown type '", "UnknownType"),
    (r"^Cannot query field '", "FieldUndefined"),
    (r"^Unknown argument '", "UnknownArgument"),
    (r"^Field '.*' argument '.*' of type '.*' is required", "MissingFieldArgument"),
    (r"^Directive '.*' argument '.*' of type '.*' is required", "MissingDirectiveArgument"),
    (r"^Unknown directive '", "UnknownDirective"),
    (r"^The directive '.*' can only be used once", "DuplicateDirectiveName"),
    (r"^Variable '.*' is not defined", "UndefinedVariable"),
    (r"^Variable '.*' is never used", "UnusedVariable"),
    (r"^Variable '.*' cannot be non-input type", "NonInputTypeOnVariable"),
    (r"^There can be only one variable named", "DuplicateVariableName"),
    (r"^There can be only one argument named", "DuplicateArgumentNames"),
    (r"^There can be only one operation named", "DuplicateOperationName"),
    (r"^There can be only one fragment named", "DuplicateFragmentName"),
    (r"^There can be only one input field named", "WrongType"),
    (r"must have a selection of subfields", "SubSelectionRequired"),
    (r"must not have a selection since type", "SubSelectionNotAllowed"),
    (r"^Unknown fragment '", "UndefinedFragment"),
    (r"^Fragment '.*' is never used", "UnusedFragment"),
    (r"^Cannot spread fragment", "InvalidFragmentType"),
    (r"^Fragment cannot condition on non composite type", "InlineFragmentTypeConditionInvalid"),
    (r"conflict because", "FieldsConflict"),
    (r"anonymous operation must be the only defined operation", "LoneAnonymousOperationViolation"),
    (r"^Variable '.*' got invalid value", "WrongType"),
    (r"^Variable '.*' of (required|non-null) type '.*' (was not provided|must not be null)", "WrongType"),
    (r"cannot represent|^Expected value of type|of required type '.*' was not provided", "WrongType"),
    (r"is not defined by type", "WrongType"),
    (r"^introspection is disabled", "IntrospectionDisabled"),
    (r"^Unknown operation named|^Must provide operation name|^Schema is not configured", "UnknownOperation"),
]


def validation_kind(message):
    for pattern, kind in KINDS:
        if re.search(pattern, message):
            return kind
    return "ValidationError"


def _locations(error):
    return [{"line": loc.line, "column": loc.column} for loc in (error.locations or [])]


def validation_error(error):
    return {
        "message": f"Validation error of type {validation_kind(error.message)}: {error.message}",
        "errorType": "ValidationError",
        "locations": _locations(error),
    }


def _select_operation(document, operation_name):
    """The operation to run, or a GraphQLError saying why there is none."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        for op in operations:
            if op.name and op.name.value == operation_name:
                return op
        return GraphQLError(f"Unknown operation named '{operation_name}'.")
    if len(operations) == 1:
        return operations[0]
    if not operations:
        return GraphQLError("Must provide an operation.")
    return GraphQLError("Must provide operation name if query contains multiple operations.")


# ---------------------------------------------------------------------------------------------
# HTTP


class Answer:
    """What the handler sends: a status and a body (None = close without answering)."""

    def __init__(self, status, body, content_type="application/json"):
        self.status = status
        self.body = body
        self.content_type = content_type


def _json(status, value):
    return Answer(status, json.dumps(value).encode(), "application/json")


def _malformed(message):
    return _json(
        400, {"errors": [{"errorType": "MalformedHttpRequestException", "message": message}]}
    )


class Handler(BaseHTTPRequestHandler):
    server_version = "MediaDriveStandIn/1"
    protocol_version = "HTTP/1.0"

    def log_message(self, *_args):  # quiet: the harness keeps stderr for start-up failures
        pass

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def _read_body(self):
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self, method):
        path = self.path.split("?", 1)[0]
        body = self._read_body()
        if path == "/graphql":
            answer = self._graphql(method, path, body)
        elif (method, path) == ("POST", "/_control"):
            answer = self._control(body)
        elif (method, path) == ("GET", "/_requests"):
            with STATE.lock:
                answer = _json(200, STATE.requests)
        elif (method, path) == ("GET", "/_items"):
            with STATE.lock:
                answer = _json(200, list(STATE.items.values()))
        elif (method, path) == ("POST", "/_reset"):
            with STATE.lock:
                STATE.reset()
            answer = _json(200, {})
        else:
            answer = _json(404, {"message": f"no such endpoint: {method} {path}"})
        if answer.body is None:
            # Hang up without a response: the client cannot tell what happened.
            self.close_connection = True
            return
        self.send_response(answer.status)
        self.send_header("content-type", answer.content_type)
        self.send_header("content-length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def _control(self, body):
        try:
            settings = json.loads(body or b"{}")
            with STATE.lock:
                STATE.apply(settings)
        except ValueError as e:  # includes JSONDecodeError
            return _json(400, {"message": str(e)})
        return _json(200, {})

    def _graphql(self, method, path, body):
        headers = {}
        for name, value in self.headers.items():
            name = name.lower()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        record = {
            "method": method,
            "path": self.path,
            "headers": headers,
            "body": body.decode("utf-8", errors="replace"),
            "outcome": None,
            "operation": None,
            "status": None,
        }
        with STATE.lock:
            STATE.requests.append(record)
            answer = self._graphql_locked(method, headers, body, record)
            record["status"] = answer.status if answer.body is not None else None
        return answer

    def _graphql_locked(self, method, headers, body, record):
        if STATE.fail_status is not None:
            record["outcome"] = "failed-status"
            return _json(STATE.fail_status, {"message": "upstream failure"})
        authorization = headers.get("authorization")
        if not authorization or (STATE.accept is not None and authorization not in STATE.accept):
            record["outcome"] = "unauthorized"
            return _json(401, UNAUTHORIZED)
        record["outcome"] = "malformed"
        if method != "POST":
            return _malformed(f"{method} is not supported; send POST")
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return _malformed(f"content-type must be application/json, got {content_type!r}")
        try:
            request = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            return _malformed(f"the body is not JSON: {e}")
        if not isinstance(request, dict) or not isinstance(request.get("query"), str):
            return _malformed("the body must be a JSON object with a string `query`")
        variables = request.get("variables")
        if variables is not None and not isinstance(variables, dict):
            return _malformed("`variables` must be an object or null")
        operation_name = request.get("operationName")
        if operation_name is not None and not isinstance(operation_name, str):
            return _malformed("`operationName` must be a string or null")

        try:
            document = parse(request["query"])
        except GraphQLSyntaxError as e:
            record["outcome"] = "syntax-error"
            error = {
                "message": f"Invalid Syntax : {e.description}",
                "errorType": "InvalidSyntax",
                "locations": _locations(e),
            }
            return _json(200, {"data": None, "errors": [error]})

        record["outcome"] = "invalid"
        operation = _select_operation(document, operation_name)
        if isinstance(operation, OperationDefinitionNode):
            record["operation"] = operation.operation.value
        rules = list(specified_rules)
        if self.server.no_introspection:
            rules.append(NoIntrospection)
        errors = validate(self.server.schema, document, rules)
        if not errors and not isinstance(operation, OperationDefinitionNode):
            errors = [operation]
        if not errors and operation.operation == OperationType.SUBSCRIPTION:
            errors = [GraphQLError("Schema is not configured for subscriptions.", operation)]
        if not errors:
            coerced = get_variable_values(
                self.server.schema, operation.variable_definitions or [], variables or {}
            )
            if isinstance(coerced, list):
                errors = coerced
        if errors:
            return _json(200, {"data": None, "errors": [validation_error(e) for e in errors]})

        record["outcome"] = "executed"
        result = execute(
            self.server.schema,
            document,
            variable_values=variables or {},
            operation_name=operation_name,
        )
        answer = {"data": result.data}
        if result.errors:
            answer["errors"] = [_execution_error(e) for e in result.errors]
        if operation.operation == OperationType.MUTATION:
            if STATE.drop_after_mutation:
                STATE.drop_after_mutation = False
                return Answer(None, None)
            if STATE.fail_after_mutation is not None:
                status, STATE.fail_after_mutation = STATE.fail_after_mutation, None
                phrase = _phrase(status)
                return Answer(status, f"{status} {phrase}".encode(), "text/plain")
        return _json(200, answer)


def _phrase(status):
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _execution_error(error):
    formatted = dict(error.formatted)
    original = error.original_error
    formatted["errorType"] = (
        original.error_type if isinstance(original, ResolverError) else "ExecutionError"
    )
    return formatted


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False


def _exit_at_stdin_eof():
    try:
        while sys.stdin.buffer.read(65536):
            pass
    except (OSError, ValueError):
        pass
    os._exit(0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schema", required=True, help="the schema, as an SDL file")
    parser.add_argument(
        "--no-introspection",
        action="store_true",
        help="refuse __schema and __type (as an AppSync API with introspection off)",
    )
    args = parser.parse_args(argv)
    schema = load_schema(args.schema)
    server = Server(("127.0.0.1", 0), Handler)
    server.schema = schema
    server.no_introspection = args.no_introspection
    threading.Thread(target=_exit_at_stdin_eof, daemon=True).start()
    sys.stdout.write(f"PORT {server.server_address[1]}\n")
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
