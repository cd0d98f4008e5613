"""Keyboard and mouse hooks on Linux/X11: ONE XRecord context, events decoded with struct.

pynput's X11 listeners run two RECORD contexts (two connections and a thread each),
receive every recorded event through python-xlib's generic reply loop, parse it with
python-xlib's event classes and build a key object per key. :class:`XRecordInput`
records the key and button device events (no motion) in one context; python-xlib opens
the connections and creates the context, and the hook's thread then reads the RECORD
replies off the socket itself and takes the five fields it needs (type, detail, root x,
root y, state) from each 32-byte core event with :func:`struct.unpack_from`.

Keys are decoded exactly as pynput decodes them (same keysym tables, same shift, AltGr
and NumLock rules: :class:`~agent.capture.xkeys.KeyDecoder`) and classified with :func:`agent.keys.classify`
inside the callback, so the sink receives the same calls as from
:class:`~agent.capture.inputs.PynputInput`. The character exists only in a local of the
callback; nothing but the :class:`~agent.keys.KeyStroke` leaves it. Unlike pynput, the
keyboard mapping is fetched again after a MappingNotify (xdotool, xmodmap and layout
switches change it), which is recorded in the same context.
"""

from __future__ import annotations

import logging
import struct
import threading
from typing import Any

from taskloom.agent.capture import InputSink
from taskloom.agent.capture.xkeys import KeyDecoder, RecordUnavailable
from taskloom.agent.keys import classify, modifier_of

log = logging.getLogger(__name__)

# X protocol constants (X.h, record.h): core event codes and RECORD reply categories.
KEY_PRESS, KEY_RELEASE, BUTTON_PRESS, BUTTON_RELEASE, MAPPING_NOTIFY = 2, 3, 4, 5, 34
MAPPING_MODIFIER, MAPPING_KEYBOARD = 0, 1
FROM_SERVER, START_OF_DATA, END_OF_DATA = 0, 4, 5
ERROR, REPLY, GENERIC_EVENT = 0, 1, 35
ENABLE_CONTEXT = 5  # RECORD minor opcode
RECV_BYTES = 65536
THREAD_NAME = "xrecord-input"

# A core KeyPress/KeyRelease/ButtonPress/ButtonRelease event: type, detail, sequence,
# time, root, event, child, root_x, root_y, event_x, event_y, state, same_screen, pad.
# Only type, detail, root_x, root_y and state are read.
_EVENT = struct.Struct("=BB18xhh4xH2x")
_EVENT_SWAPPED = struct.Struct(("<" if struct.pack("=H", 1) == struct.pack(">H", 1) else ">")
                               + "BB18xhh4xH2x")
assert _EVENT.size == 32
_CARD32 = struct.Struct("=I")
# RecordEnableContext: major opcode, minor opcode, request length in 4-byte units, context.
_ENABLE = struct.Struct("=BBHI")

# pynput's mouse.Button names (X11 button numbers), and its scroll buttons 4-7 as (dx, dy).
BUTTON_NAMES: dict[int, str] = {1: "left", 2: "middle", 3: "right",
                                **{n: f"button{n}" for n in range(8, 31)}}
SCROLL_BUTTONS: dict[int, tuple[int, int]] = {4: (0, 1), 5: (0, -1), 6: (-1, 0), 7: (1, 0)}

def record_available(display: str | None = None) -> bool:
    """Whether the X server (``DISPLAY`` by default) offers the RECORD extension."""
    from Xlib import display as xdisplay

    try:
        conn = xdisplay.Display(display)
    except Exception as exc:
        log.warning("cannot open the X display to look for RECORD: %s", exc)
        return False
    try:
        return bool(conn.has_extension("RECORD"))
    finally:
        conn.close()


class XRecordInput:
    """Global mouse and keyboard hooks through one X RECORD context (Linux/X11).

    ``start`` opens two connections: on one, a thread of its own enables the context and
    reads the recorded events until the context is disabled; the other fetches the
    keyboard mapping and lets ``stop`` disable the context, which makes the server end
    the recording (EndOfData) at once: no further input event is needed to stop.
    """

    def __init__(self, display: str | None = None) -> None:
        self.display_name = display
        self._ctl: Any = None
        self._rec: Any = None
        self._context = 0
        self._opcode = 0
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopping = False
        self._sink: InputSink | None = None
        self._keys: KeyDecoder | None = None
        self._stale = False
        self._held: set[str] = set()
        self._held_now: frozenset[str] = frozenset()

    def start(self, sink: InputSink) -> None:
        import Xlib.threaded  # noqa: F401 - real locks: stop() shares the control connection
        from Xlib import X
        from Xlib import display as xdisplay
        from Xlib.ext import record

        self._ctl = xdisplay.Display(self.display_name)
        if not self._ctl.has_extension("RECORD"):
            self._ctl.close()
            self._ctl = None
            raise RecordUnavailable("the X server has no RECORD extension")
        try:
            self._rec = xdisplay.Display(self.display_name)
            self._keys = KeyDecoder.fetch(self._ctl)
            self._context = self._rec.record_create_context(0, [record.AllClients], [{
                "core_requests": (0, 0), "core_replies": (0, 0),
                "ext_requests": (0, 0, 0, 0), "ext_replies": (0, 0, 0, 0),
                "delivered_events": (X.MappingNotify, X.MappingNotify),
                "device_events": (X.KeyPress, X.ButtonRelease),  # key and button press/release
                "errors": (0, 0), "client_started": False, "client_died": False,
            }])
            self._rec.sync()
            self._opcode = self._rec.display.get_extension_major(record.extname)
        except Exception:
            for conn in (self._rec, self._ctl):
                if conn is not None:
                    conn.close()
            self._rec = self._ctl = None
            raise
        self._sink, self._stopping, self._stale = sink, False, False
        self._held, self._held_now = set(), frozenset()
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            log.warning("X RECORD did not confirm recording within 10 s")
        log.info("input hooks started (X RECORD)")

    def _run(self) -> None:
        """Enable the context and read its replies off the socket until EndOfData.

        python-xlib sends the request but is not asked to read the replies: its generic
        reply loop (select, locks, buffer copies, a reply object per event) cost most of
        the hook's CPU. Every byte this connection receives from here on is a RECORD
        reply, an X error or an event sent to every client (MappingNotify), each framed
        by the core protocol: 32 bytes plus, for a reply, 4 x its length field.
        """
        rec = self._rec
        sock = rec.display.socket
        buf = bytearray()
        try:
            sock.sendall(_ENABLE.pack(self._opcode, ENABLE_CONTEXT, _ENABLE.size // 4, self._context))
            while True:
                chunk = sock.recv(RECV_BYTES)
                if not chunk:
                    if not self._stopping:
                        log.error("the X server closed the RECORD connection; clicks and keys "
                                  "are no longer captured")
                    return
                buf += chunk
                if not self._frames(buf):
                    return
        except Exception:
            if not self._stopping:
                log.exception("X RECORD input hook failed; clicks and keys are no longer captured")
        finally:
            self._ready.set()
            try:
                rec.close()  # frees the context with the connection
            except Exception as exc:
                log.debug("closing the X RECORD connection: %s", exc)

    def _frames(self, buf: bytearray) -> bool:
        """Handle every complete frame in ``buf`` (and drop it); False at EndOfData."""
        offset, size = 0, len(buf)
        while size - offset >= 32:
            kind = buf[offset]
            end = offset + 32
            if kind == REPLY or kind & 0x7F == GENERIC_EVENT:
                end += 4 * _CARD32.unpack_from(buf, offset + 4)[0]
                if end > size:
                    break
            if kind == REPLY:
                category = buf[offset + 1]
                if category == FROM_SERVER:
                    self._events(buf, offset + 32, end, bool(buf[offset + 9]))
                elif category == START_OF_DATA:
                    self._ready.set()
                elif category == END_OF_DATA:
                    del buf[:end]
                    return False
            elif kind == ERROR:
                log.warning("X error %d on the RECORD connection", buf[offset + 1])
            offset = end
        del buf[:offset]
        return True

    def _events(self, data: bytearray, start: int, end: int, swapped: bool) -> None:
        """The 32-byte core events of one FromServer reply."""
        unpack = (_EVENT_SWAPPED if swapped else _EVENT).unpack_from
        for offset in range(start, end - 31, 32):
            etype, detail, x, y, state = unpack(data, offset)
            try:
                self._event(etype & 0x7F, detail, x, y, state, data, offset)
            except Exception:
                log.exception("input event dropped")

    def _event(self, etype: int, detail: int, x: int, y: int, state: int, data: Any, offset: int) -> None:
        sink, keys = self._sink, self._keys
        assert sink is not None and keys is not None
        if etype == KEY_PRESS:
            if self._stale:
                keys = self._refresh()
            name, char, keysym = keys.decode(detail, state)
            mod = modifier_of(name) if name is not None else None
            if mod and mod not in self._held:
                self._held.add(mod)
                self._held_now = frozenset(self._held)
            sink.key(classify(name, char, keysym, self._held_now))
        elif etype == KEY_RELEASE:
            if self._stale:
                keys = self._refresh()
            name = keys.decode(detail, state)[0]
            mod = modifier_of(name) if name is not None else None
            if mod and mod in self._held:
                self._held.discard(mod)
                self._held_now = frozenset(self._held)
        elif etype == BUTTON_PRESS:
            scroll = SCROLL_BUTTONS.get(detail)
            if scroll is not None:
                sink.scroll(x, y, scroll[0], scroll[1])
            else:
                sink.click(x, y, BUTTON_NAMES.get(detail, "unknown"))
        elif etype == MAPPING_NOTIFY and data[offset + 4] in (MAPPING_MODIFIER, MAPPING_KEYBOARD):
            self._stale = True  # one fetch at the next key, however many clients were told

    def _refresh(self) -> KeyDecoder:
        """Fetch the keyboard and modifier mappings again (after a MappingNotify)."""
        self._stale = False
        ctl = self._ctl
        self._keys = KeyDecoder.fetch(ctl)
        while ctl.pending_events():  # the MappingNotify events this connection was sent
            ctl.next_event()
        log.debug("keyboard mapping refreshed")
        return self._keys

    def stop(self) -> None:
        """Disable the context from the control connection, wait for the thread, close."""
        thread, ctl = self._thread, self._ctl
        if thread is None or ctl is None:
            return
        self._stopping = True
        try:
            ctl.record_disable_context(self._context)
            ctl.flush()
        except Exception as exc:
            log.debug("disabling the X RECORD context: %s", exc)
        thread.join(5)
        if thread.is_alive():
            log.warning("the X RECORD thread did not end within 5 s")
        try:
            ctl.close()
        except Exception as exc:
            log.debug("closing the X control connection: %s", exc)
        self._thread = self._ctl = self._rec = None
        self._sink = self._keys = None
        self._held.clear()
        log.info("input hooks stopped")

