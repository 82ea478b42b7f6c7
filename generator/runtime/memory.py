"""The memory a build has freed, handed back to the system before a child process needs it.

Python frees a page's strings as soon as the build lets them go (plugin/plugin.py), but the C
allocator keeps the freed memory for the process's next allocations: the build's resident
memory stays at its peak to the end. Pagefind, which the plugin starts once every page is
written, needs about as much again (benchmarks/README.md): :func:`give_back` first returns what
is free (glibc's ``malloc_trim``), so that both together need less. Elsewhere (another C
library), it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys


def give_back() -> bool:
    """Return the allocator's free memory to the system; False when it cannot (not glibc)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    trim(0)
    return True
