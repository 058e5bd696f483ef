# The Python layer of the UDF sandbox (see src/udf/python-host.ts for the others: a process without
# file-write, process or network rights). It turns what a UDF may not do into plain exceptions
# before the call reaches the interpreter's JS side, where Pyodide would give a confusing error or
# fail for good: no route to JS (js, pyodide, ctypes), no writing files, no processes, no sockets.
import sys

WHY = "Python UDFs run in a sandbox without file writing, network or process access"

# Modules that reach the JS runtime under the interpreter, or load machine code.
_BLOCKED_MODULES = ("js", "pyodide_js", "pyodide", "_pyodide", "_pyodide_core", "micropip", "ctypes", "_ctypes")

_WRITE_FLAGS = 0o1 | 0o2 | 0o100 | 0o1000 | 0o2000  # O_WRONLY O_RDWR O_CREAT O_TRUNC O_APPEND

_PROCESS_EVENTS = {
    "os.system": "run shell commands",
    "os.exec": "start programs",
    "os.spawn": "start programs",
    "os.posix_spawn": "start programs",
    "os.fork": "start processes",
    "os.forkpty": "start processes",
    "os.kill": "signal processes",
    "os.killpg": "signal processes",
    "subprocess.Popen": "start programs",
    "pty.spawn": "start programs",
}

_FILE_EVENTS = (
    "os.remove", "os.rename", "os.mkdir", "os.rmdir", "os.chmod", "os.chown", "os.link",
    "os.symlink", "os.truncate", "os.utime", "os.chflags", "os.lchflags", "os.mkfifo", "os.mknod",
    "shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.copytree", "shutil.move",
    "shutil.rmtree", "shutil.make_archive", "shutil.unpack_archive",
)


def _top(name):
    return name.split(".", 1)[0]


def _blocked(name):
    return _top(name) in _BLOCKED_MODULES


def _hook(event, args):
    if event == "import":
        if _blocked(args[0]):
            raise ImportError('cannot import "%s": %s' % (args[0], WHY), name=args[0])
    elif event == "open":
        mode, flags = args[1], args[2]
        writes = any(c in mode for c in "wax+") if isinstance(mode, str) else bool(flags & _WRITE_FLAGS)
        if writes:
            raise PermissionError("cannot write %s: %s" % (args[0], WHY))
    elif event in _PROCESS_EVENTS:
        raise PermissionError("cannot %s: %s" % (_PROCESS_EVENTS[event], WHY))
    elif event.startswith("socket."):
        raise PermissionError("cannot use the network (%s): %s" % (event, WHY))
    elif event.startswith("ctypes."):
        raise PermissionError("cannot use %s: %s" % (event, WHY))
    elif event in _FILE_EVENTS:
        raise PermissionError("cannot change files (%s): %s" % (event, WHY))


class _NoPopen:
    def __init__(self, *args, **kwargs):
        raise PermissionError("cannot start programs: %s" % WHY)


def install():
    """Forgets the modules that reach JS and adds the audit hook (which cannot be removed)."""
    import subprocess

    # Pyodide's subprocess fails before its audit event, with "emscripten does not support processes".
    subprocess.Popen = _NoPopen
    for name in list(sys.modules):
        if _blocked(name):
            del sys.modules[name]
    sys.addaudithook(_hook)
