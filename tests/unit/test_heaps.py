"""The C library's heaps: a few for all the threads (`fewer_heaps`), and what the sweeps freed
given back (`give_back_freed_memory`). Run in fresh interpreters: the setting must come before
the threads, and it stays for the process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from bot.runtime import HEAPS, _glibc

# Threads that each allocate and free at once, then glibc's own account of its heaps.
PROGRAM = textwrap.dedent(
    """
    import ctypes, json, os, sys, tempfile, threading
    from bot.runtime import _glibc, fewer_heaps, give_back_freed_memory

    applied = fewer_heaps() if sys.argv[1] == "fewer" else False
    barrier = threading.Barrier(16)

    def allocate():
        barrier.wait()
        kept = [bytearray(4096) for _ in range(2000)]
        barrier.wait()
        del kept

    threads = [threading.Thread(target=allocate) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    give_back_freed_memory()
    libc = _glibc()
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    path = os.path.join(tempfile.mkdtemp(), "heaps.xml")
    stream = libc.fopen(path.encode(), b"w")
    libc.malloc_info(0, stream)
    libc.fclose(stream)
    print(json.dumps({"applied": applied, "heaps": open(path).read().count("<heap nr=")}))
    """
)


def heaps(mode: str, **env: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"} | env,
        check=True,
    )
    return json.loads(done.stdout)


pytestmark = pytest.mark.skipif(_glibc() is None, reason="glibc's allocator only")


def test_the_threads_share_a_few_heaps():
    assert heaps("fewer") == {"applied": True, "heaps": HEAPS}


def test_without_it_each_thread_allocating_at_once_takes_a_heap_of_its_own():
    assert heaps("as-is")["heaps"] > HEAPS


def test_a_heap_count_set_by_the_environment_is_left_to_it():
    assert heaps("fewer", MALLOC_ARENA_MAX="3") == {"applied": False, "heaps": 3}
