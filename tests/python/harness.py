"""What the SDK client scripts share: running their cases as the Rust tests read the result,
and the WAV file the audio cases upload."""

import struct
import sys
import traceback


def wav(seconds):
    """A mono 16 kHz 16-bit WAV of silence."""
    rate, data = 16000, b"\0\0" * 16000 * seconds
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + b"data" + struct.pack("<I", len(data)) + data


def run(cases):
    """Runs each case (a function, or a (name, function) pair), prints `ok NAME` or `FAILED
    NAME` with the traceback, then a count; exits 1 if any failed."""
    passed = failed = 0
    for case in cases:
        name, test = case if isinstance(case, tuple) else (case.__name__, case)
        try:
            test()
            passed += 1
            print(f"ok {name}")
        except Exception:
            failed += 1
            print(f"FAILED {name}")
            traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
