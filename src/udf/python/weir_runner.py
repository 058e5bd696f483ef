# Runs inside the Pyodide interpreter of a Python UDF host (see src/udf/python-worker.ts).
# One batch is one call: UTF-8 JSON bytes in, UTF-8 JSON bytes out, so JS and Python are crossed
# once per batch. The outcome objects are already in UdfOutcome's shape.
import gc
import importlib
import json
import sys
import traceback

import weir

PROJECT_ROOT = "/project"
_PREFIX = PROJECT_ROOT + "/"
_udfs = {}
_encode = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode
# Writes non-ASCII as is, as JSON.stringify does: an unchanged record gives back the bytes it came as.
_encode_text = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
_OK = b'{"ok":true,"value":'
_OK_NULL = b'{"ok":true,"value":null}'
_SAME = b"0"
_memory_error = False


def _rel(filename):
    return filename[len(_PREFIX):] if filename.startswith(_PREFIX) else filename


def _user_frame(tb):
    """The innermost traceback line in the project's own files."""
    for frame in reversed(traceback.extract_tb(tb)):
        if frame.filename.startswith(_PREFIX):
            return 'File "%s", line %d, in %s' % (_rel(frame.filename), frame.lineno, frame.name)
    return None


def _error(code, error_class, message, trace=None):
    out = {"ok": False, "code": code, "errorClass": error_class, "message": message}
    if trace:
        out["trace"] = trace
    return out


def _exception(e):
    message = str(e) or type(e).__name__
    return _error("UDF", type(e).__name__, message, _user_frame(e.__traceback__))


def add_path(rel_dir):
    path = PROJECT_ROOT + "/" + rel_dir if rel_dir else PROJECT_ROOT
    if path not in sys.path:
        sys.path.insert(0, path)


def forget_project_modules():
    """After the project's files changed: later imports load the new code."""
    for name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(_PREFIX):
            del sys.modules[name]
    importlib.invalidate_caches()


def _import_problem(rel_path, e, limit_ms):
    if isinstance(e, KeyboardInterrupt):
        return "%s: loading did not finish within %d ms (does the module's top-level code loop?)" % (
            rel_path,
            limit_ms,
        )
    if isinstance(e, ModuleNotFoundError) and e.name:
        return (
            '%s: cannot import "%s" (only the Python standard library and the project\'s own '
            "modules are available)" % (rel_path, e.name)
        )
    if isinstance(e, SyntaxError):
        where = _rel(e.filename or rel_path)
        return "%s: syntax error at line %s: %s" % (where, e.lineno, e.msg)
    trace = _user_frame(e.__traceback__)
    return "%s: loading failed with %s: %s%s" % (
        rel_path,
        type(e).__name__,
        str(e) or type(e).__name__,
        " (%s)" % trace if trace else "",
    )


def resolve(rel_path, module_name, func_name, limit_ms):
    """The function, or a plain message saying why it cannot be loaded."""
    try:
        module = importlib.import_module(module_name)
    except BaseException as e:  # noqa: BLE001 - user code may raise anything while loading
        return None, _import_problem(rel_path, e, limit_ms)
    if _rel(getattr(module, "__file__", None) or "") != rel_path:
        return None, '%s: the module name "%s" is taken by %s; rename the file' % (
            rel_path,
            module_name,
            getattr(module, "__file__", None) or "a built-in module",
        )
    fn = getattr(module, func_name, None)
    if fn is None:
        return None, '%s has no function "%s"' % (rel_path, func_name)
    if not callable(fn):
        return None, '%s: "%s" is not a function' % (rel_path, func_name)
    return fn, None


def load(udf_id, rel_path, module_name, func_name, kind, limit_ms):
    fn, problem = resolve(rel_path, module_name, func_name, limit_ms)
    if problem is None:
        _udfs[udf_id] = (fn, kind == "preprocess")
    return problem


def unload(udf_id):
    _udfs.pop(udf_id, None)


def _bad_return(preprocess, result):
    expected = "a str or None" if preprocess else "a dict, None or a list of dicts"
    return _error(
        "UDF",
        "TypeError",
        "the function must return %s, but returned %s" % (expected, type(result).__name__),
    )


def _value_json(value):
    """(UTF-8 JSON of value, None), or (None, error outcome) when JSON cannot hold it."""
    try:
        text = _encode_text(value)
    except (TypeError, ValueError, RecursionError) as e:
        message = "the returned value cannot be passed on: %s" % e
        return None, _error("UDF", type(e).__name__, message)
    try:
        return text.encode(), None
    except UnicodeEncodeError:
        # A lone surrogate (e.g. from "\ud800" in the input) has no UTF-8 form: escape it.
        return _encode(value).encode(), None


def _ok(value):
    data, problem = _value_json(value)
    return _OK + data + b"}" if problem is None else _encode(problem).encode()


def _outcome(preprocess, value, result, same):
    """One outcome as UTF-8 JSON: b"0" when the result is the input unchanged (see call)."""
    if result is None:
        return _OK_NULL
    if preprocess:
        if not isinstance(result, str):
            return _encode(_bad_return(preprocess, result)).encode()
        return _SAME if result is value or result == value else _ok(result)
    if isinstance(result, dict):
        data, problem = _value_json(result)
        if problem is not None:
            return _encode(problem).encode()
        # Byte-equal to the JSON the record arrived as: JS keeps its own record.
        return _SAME if data == same else _OK + data + b"}"
    if isinstance(result, list) and all(isinstance(r, dict) for r in result):
        return _ok(result)
    return _encode(_bad_return(preprocess, result)).encode()


def _run(fn, preprocess, inputs, texts, out):
    global _memory_error
    for i, value in enumerate(inputs):
        try:
            result = fn(value)
        except MemoryError as e:
            _memory_error = True
            error = _error("UDF", "MemoryError", "the UDF ran out of memory", _user_frame(e.__traceback__))
            out.append(_encode(error).encode())
            continue
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # noqa: BLE001 - SystemExit etc. must not end the batch
            out.append(_encode(_exception(e)).encode())
            continue
        out.append(_outcome(preprocess, value, result, None if texts is None else texts[i]))


def call(udf_id, payload, limit_ms):
    """Run one batch. payload: UTF-8 JSON, the inputs as "[" + one JSON text each joined by ",\n"
    + "]" (JSON text never holds a raw newline, so the split below finds each record's own text).
    Returns UTF-8 JSON {outcomes, counters, memoryError}; an outcome 0 means "the input, unchanged":
    a record that encodes to the same bytes it came as, or the same str for a preprocess."""
    global _memory_error
    fn, preprocess = _udfs[udf_id]
    weir._counters.clear()
    _memory_error = False
    # The batch's records are acyclic and live until the call returns: cycle collection while
    # they are made only costs time (~15% of a trivial UDF's batch). It runs as usual between batches.
    collecting = gc.isenabled()
    gc.disable()
    data = payload.to_bytes()
    inputs = json.loads(data)
    texts = None if preprocess else data[1:-1].split(b",\n")
    out = []
    try:
        _run(fn, preprocess, inputs, texts, out)
    except KeyboardInterrupt as e:
        done = len(out)
        timeout = _error(
            "UDF_TIMEOUT",
            "TimeoutError",
            "the UDF did not finish within the batch time limit (%d ms)" % limit_ms,
            _user_frame(e.__traceback__),
        )
        out.append(_encode(timeout).encode())
        skipped = _error(
            "UDF_TIMEOUT",
            "TimeoutError",
            "not run: the batch time limit (%d ms) was reached before this record" % limit_ms,
        )
        out.extend([_encode(skipped).encode()] * (len(inputs) - done - 1))
    finally:
        if collecting:
            gc.enable()
    return (
        b'{"outcomes":['
        + b",".join(out)
        + b'],"counters":'
        + _encode(weir._counters).encode()
        + b',"memoryError":'
        + (b"true" if _memory_error else b"false")
        + b"}"
    )
