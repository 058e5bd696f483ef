# Python UDFs that try to leave the sandbox (src/udf/python-sandbox.test.ts). Each gets the
# record {"marker": <a host path>, "port": <a host TCP port>} and returns what it managed.
import gc
import os
import sys


def import_js(record):
    import js

    return {"got": str(js.process)}


def run_js(record):
    from pyodide.code import run_js

    return {"got": run_js("process.pid")}


def ffi(record):
    from pyodide.ffi import to_js

    return {"got": str(to_js({}))}


def ctypes_call(record):
    import ctypes

    return {"got": str(ctypes.CDLL(None))}


def read_host_file(record):
    with open("/etc/passwd") as f:
        return {"got": f.read()}


def write_file(record):
    with open("/project/udf/written.txt", "w") as f:
        f.write("x")
    return {"got": "wrote"}


def os_system(record):
    return {"got": os.system("touch " + record["marker"])}


def subprocess_run(record):
    import subprocess

    subprocess.run(["touch", record["marker"]])
    return {"got": "ran"}


def socket_connect(record):
    import socket

    s = socket.socket()
    s.connect(("127.0.0.1", record["port"]))
    return {"got": "connected"}


def environment(record):
    return {"got": sorted(os.environ)}


def _js_objects():
    """Every JS object Python can still find, by walking the heap."""
    found = []
    for o in gc.get_objects():
        if type(o).__name__.startswith("Js"):
            found.append(o)
    return found


def _builtin_core():
    """_pyodide_core loaded around the import machinery (and so around the audit hook)."""
    import importlib.machinery

    spec = importlib.machinery.ModuleSpec("_pyodide_core", importlib.machinery.BuiltinImporter)
    return importlib.machinery.BuiltinImporter.create_module(spec)


def escape(record):
    """Reach the JS side by any route, then try the host: run a program, connect, read a file."""
    tried = []
    handles = []
    try:
        core = _builtin_core()
        handles.append(core.to_js({}) if hasattr(core, "to_js") else None)
    except BaseException as e:  # noqa: BLE001
        tried.append("core: %s" % e)
    try:
        handles.extend(_js_objects())
    except BaseException as e:  # noqa: BLE001
        tried.append("gc: %s" % e)
    marker, port = record["marker"], record["port"]
    code = (
        "const p = globalThis.process;"
        "try { p.getBuiltinModule('child_process').execSync('touch %s') } catch (e) {}"
        "try { p.getBuiltinModule('fs').writeFileSync('%s', 'x') } catch (e) {}"
        "try { p.getBuiltinModule('net').connect(%d, '127.0.0.1').on('error', () => {}) } catch (e) {}"
        "return 'ran';" % (marker, marker, port)
    )
    for h in handles:
        if h is None:
            continue
        try:
            tried.append(str(h.constructor.constructor(code)()))
        except BaseException as e:  # noqa: BLE001
            tried.append(type(e).__name__)
    return {"got": "escape attempts: %d" % len(tried), "tried": tried[:5]}


def spin(record):
    while True:
        pass


def fine(record):
    return {"got": "fine"}
