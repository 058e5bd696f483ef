# Runs inside the Pyodide interpreter of a Python UDF host (see src/udf/python-worker.ts).
# One batch is one call: marshal bytes in, marshal bytes out (src/udf/marshal.ts is the JS side),
# so JS and Python are crossed once per batch. Error outcomes are dicts in UdfOutcome's shape.
import array
import gc
import importlib
import json
import marshal
import sys
import traceback

import weir
import weir_sandbox

PROJECT_ROOT = "/project"
_PREFIX = PROJECT_ROOT + "/"
_udfs = {}
_encode = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode
_dumps = marshal.dumps
# Version 2 writes no back-references, so a value's bytes depend on the value alone (not on who
# else holds its parts): equal bytes before and after the UDF mean an unchanged record.
_VALUE_VERSION = 2
_SAME = 0
_memory_error = False
# [record being run (1-based, 0: none), record the time limit interrupted]: the JS side reads this
# memory when Python checks for interrupts, and raises KeyboardInterrupt once a record runs past
# its time limit (see python-sandbox.ts). A store here is the whole cost per record.
_progress = array.array("i", [0, 0])


def progress_address():
    return _progress.buffer_info()[0]


def _rel(filename):
    return filename[len(_PREFIX):] if filename.startswith(_PREFIX) else filename


def _user_frame(tb):
    """The innermost traceback line in the project's own files."""
    for frame in reversed(traceback.extract_tb(tb)):
        if frame.filename.startswith(_PREFIX):
            return 'File "%s", line %d, in %s' % (_rel(frame.filename), frame.lineno, frame.name)
    return None


def _error(code, error_class, message, trace=None):
    # "%s" makes a plain str of whatever an exception's __str__ gave: marshal writes exact str only.
    out = {"ok": False, "code": code, "errorClass": error_class, "message": "%s" % message}
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
    if isinstance(e, ImportError) and weir_sandbox.WHY in str(e):
        return "%s: %s" % (rel_path, e)
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


def _marshal(value):
    """The value's marshal bytes, or an error outcome when JSON cannot hold it. Objects marshal does
    not know (dict or str subclasses, say) go through JSON first, which decides as before."""
    try:
        return _dumps(value, _VALUE_VERSION)
    except ValueError:
        pass
    try:
        return _dumps(json.loads(_encode(value)), _VALUE_VERSION)
    except (TypeError, ValueError, RecursionError) as e:
        return _error("UDF", type(e).__name__, "the returned value cannot be passed on: %s" % e)


def _outcome(preprocess, value, result, before):
    """One outcome: 0 for the input unchanged, None for a drop, a str (preprocess), the marshal bytes
    of a record or list of records (postprocess), or an error dict. Values JSON cannot hold (sets,
    bytes, NaN) are found by the JS reader."""
    if result is None:
        return None
    if preprocess:
        if not isinstance(result, str):
            return _bad_return(preprocess, result)
        if result is value or result == value:
            return _SAME
        return result if type(result) is str else str(result)  # marshal writes exact str only
    if isinstance(result, dict):
        data = _marshal(result)
        return _SAME if data == before else data
    if isinstance(result, list) and all(isinstance(r, dict) for r in result):
        return _marshal(result)
    return _bad_return(preprocess, result)


def _timeout(limit_ms, tb):
    return _error(
        "UDF_TIMEOUT",
        "TimeoutError",
        "the UDF ran past its time limit of %d ms on this record" % limit_ms,
        _user_frame(tb),
    )


def _run(fn, preprocess, inputs, out, limit_ms):
    global _memory_error
    append = out.append
    progress = _progress
    n = len(inputs)
    i = 0
    while i < n:
        try:
            value = inputs[i]
            progress[0] = i + 1
            # The UDF may change the record in place: its bytes are taken before the call.
            before = None if preprocess else _dumps(value, _VALUE_VERSION)
            try:
                result = fn(value)
            except MemoryError as e:
                _memory_error = True
                append(_error("UDF", "MemoryError", "the UDF ran out of memory", _user_frame(e.__traceback__)))
            except KeyboardInterrupt:
                raise
            except BaseException as e:  # noqa: BLE001 - SystemExit etc. must not end the batch
                append(_exception(e))
            else:
                append(_outcome(preprocess, value, result, before))
            i += 1
        except KeyboardInterrupt as e:
            # The interrupt may land just after its record's outcome was appended, or (raised late)
            # in the next record before its UDF call: only the record it was meant for times out.
            if len(out) > i:
                i = len(out)
            elif progress[1] == i + 1:
                append(_timeout(limit_ms, e.__traceback__))
                i += 1
    progress[0] = 0


def call(udf_id, payload, limit_ms):
    """Run one batch. payload: the inputs as one marshal list (records or str). Returns the marshal
    bytes of (outcomes, counters, memory_error); see _outcome for what an outcome is."""
    global _memory_error
    fn, preprocess = _udfs[udf_id]
    weir._counters.clear()
    _memory_error = False
    # The batch's records are acyclic and live until the call returns: cycle collection while
    # they are made only costs time (~15% of a trivial UDF's batch). It runs as usual between batches.
    collecting = gc.isenabled()
    gc.disable()
    _progress[1] = 0
    try:
        inputs = marshal.loads(payload.to_bytes())
        out = []
        _run(fn, preprocess, inputs, out, limit_ms)
    finally:
        if collecting:
            gc.enable()
    return _dumps((out, weir._counters, _memory_error), 4)
