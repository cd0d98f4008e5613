"""Keyboard and mouse hooks on Linux/X11: ONE XRecord context, events decoded with struct.

pynput's X11 listeners run two RECORD contexts (two connections and a thread each),
receive every recorded event through python-xlib's generic reply loop, parse it with
python-xlib's event classes and build a key object per key. :class:`XRecordInput`
records the key and button device events (no motion) in one context; python-xlib opens
the connections and creates the context, and the hook's thread then reads the RECORD
replies off the socket itself and takes the five fields it needs (type, detail, root x,
root y, state) from each 32-byte core event with :func:`struct.unpack_from`.

Keys are decoded exactly as pynput decodes them (same keysym tables, same shift, AltGr
and NumLock rules: :class:`KeyDecoder`) and classified with :func:`agent.keys.classify`
inside the callback, so the sink receives the same calls as from
:class:`~agent.capture.inputs.PynputInput`. The character exists only in a local of the
callback; nothing but the :class:`~agent.keys.KeyStroke` leaves it. Unlike pynput, the
keyboard mapping is fetched again after a MappingNotify (xdotool, xmodmap and layout
switches change it), which is recorded in the same context.
"""

from __future__ import annotations

import importlib.util
import logging
import struct
import threading
from collections.abc import Sequence
from typing import Any

from taskloom.agent.capture import InputSink
from taskloom.agent.keys import classify, modifier_of

log = logging.getLogger(__name__)

# X protocol constants (X.h, record.h): core event codes and RECORD reply categories.
KEY_PRESS, KEY_RELEASE, BUTTON_PRESS, BUTTON_RELEASE, MAPPING_NOTIFY = 2, 3, 4, 5, 34
MAPPING_MODIFIER, MAPPING_KEYBOARD = 0, 1
FROM_SERVER, START_OF_DATA, END_OF_DATA = 0, 4, 5
ERROR, REPLY, GENERIC_EVENT = 0, 1, 35
ENABLE_CONTEXT = 5  # RECORD minor opcode
RECV_BYTES = 65536
SHIFT_MASK = 1
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

# pynput's keyboard.Key members on X11, in its declaration order: (name, X keysym name).
# Members with the same keysym are enum aliases of the first (alt_l -> alt, ...).
SPECIAL_KEYS: tuple[tuple[str, str], ...] = (
    ("alt", "Alt_L"), ("alt_l", "Alt_L"), ("alt_r", "Alt_R"), ("alt_gr", "Mode_switch"),
    ("backspace", "BackSpace"), ("caps_lock", "Caps_Lock"), ("cmd", "Super_L"),
    ("cmd_l", "Super_L"), ("cmd_r", "Super_R"), ("ctrl", "Control_L"), ("ctrl_l", "Control_L"),
    ("ctrl_r", "Control_R"), ("delete", "Delete"), ("down", "Down"), ("end", "End"),
    ("enter", "Return"), ("esc", "Escape"),
    *((f"f{n}", f"F{n}") for n in range(1, 21)),
    ("home", "Home"), ("left", "Left"), ("page_down", "Page_Down"), ("page_up", "Page_Up"),
    ("right", "Right"), ("shift", "Shift_L"), ("shift_l", "Shift_L"), ("shift_r", "Shift_R"),
    ("space", "space"), ("tab", "Tab"), ("up", "Up"),
    ("media_play_pause", "XF86_AudioPlay"), ("media_volume_mute", "XF86_AudioMute"),
    ("media_volume_down", "XF86_AudioLowerVolume"), ("media_volume_up", "XF86_AudioRaiseVolume"),
    ("media_previous", "XF86_AudioPrev"), ("media_next", "XF86_AudioNext"),
    ("insert", "Insert"), ("menu", "Menu"), ("num_lock", "Num_Lock"), ("pause", "Pause"),
    ("print_screen", "Print"), ("scroll_lock", "Scroll_Lock"),
)

#: What :func:`classify` is given for one key: (special key name, character, keysym).
Decoded = tuple[str | None, str | None, int | None]


def _named(name: str) -> Decoded:
    return name, None, None


def _char(char: str) -> Decoded:
    return None, char, None


# pynput's keypad table: keypad keysym name -> the named key or character it reports.
KEYPAD: dict[str, Decoded] = {
    **{f"KP_{d}": _char(d) for d in "0123456789"},
    "KP_Add": _char("+"), "KP_Decimal": _char(","), "KP_Delete": _named("delete"),
    "KP_Divide": _char("/"), "KP_Down": _named("down"), "KP_End": _named("end"),
    "KP_Enter": _named("enter"), "KP_Equal": _char("="), "KP_F1": _named("f1"),
    "KP_F2": _named("f2"), "KP_F3": _named("f3"), "KP_F4": _named("f4"), "KP_Home": _named("home"),
    "KP_Insert": _named("insert"), "KP_Left": _named("left"), "KP_Multiply": _char("*"),
    "KP_Page_Down": _named("page_down"), "KP_Page_Up": _named("page_up"),
    "KP_Right": _named("right"), "KP_Space": _named("space"), "KP_Subtract": _char("-"),
    "KP_Tab": _named("tab"), "KP_Up": _named("up"),
}

class RecordUnavailable(Exception):
    """The X RECORD hook cannot run here (no RECORD extension, or pynput's keysym tables
    are missing): select_backend uses pynput's hooks instead."""


def _keysym_of(symbol: str) -> int:
    """A keysym by name, looked up as pynput's ``KeyCode._from_symbol`` does."""
    from Xlib import XK
    from Xlib.keysymdef import latin1, miscellany, xf86, xkb

    for module in (XK, miscellany, latin1, xf86, xkb):
        value = getattr(module, "XK_" + symbol, 0)
        if value:
            return int(value)
    return 0


def _pynput_symbol_tables() -> tuple[dict[int, str], dict[str, str], dict[str, int]]:
    """pynput's keysym tables (keysym -> character, dead keys, keypad keysyms).

    Loaded from pynput's data module without importing the ``pynput`` package, whose
    import opens X connections and starts nothing we use; the tables are the ones its
    X11 listener uses, so characters come out the same.
    """
    spec = importlib.util.find_spec("pynput")
    if spec is None or not spec.submodule_search_locations:
        raise RecordUnavailable("pynput is not installed (its keysym tables are needed)")
    path = f"{next(iter(spec.submodule_search_locations))}/_util/xorg_keysyms.py"
    data_spec = importlib.util.spec_from_file_location("taskloom.agent.capture._xorg_keysyms", path)
    if data_spec is None or data_spec.loader is None:
        raise RecordUnavailable(f"cannot load pynput's keysym tables from {path}")
    module = importlib.util.module_from_spec(data_spec)
    data_spec.loader.exec_module(module)
    symbols: dict[str, tuple[int, str]] = module.SYMBOLS
    chars = {keysym: symbols[name][1] for keysym, name in module.KEYSYMS.items()}
    return chars, dict(module.DEAD_KEYS), dict(module.KEYPAD_KEYS)


class KeyDecoder:
    """Keycode + modifier state -> what pynput's X11 listener would report for the key.

    ``codes[keycode]`` is that keycode's keysym list from ``GetKeyboardMapping``;
    ``altgr_mask`` and ``numlock_mask`` are the modifier bits of Mode_switch and
    Num_Lock. Pure lookups: no X calls.
    """

    _tables: tuple[dict[int, str], dict[str, str], dict[int, Decoded], dict[int, Decoded]] | None = None

    def __init__(self, codes: Sequence[Sequence[int]], altgr_mask: int, numlock_mask: int) -> None:
        self.codes = [tuple(syms) for syms in codes]
        self.altgr_mask = altgr_mask
        self.numlock_mask = numlock_mask
        self.chars, self.dead, self.special, self.keypad = self.tables()

    @classmethod
    def tables(cls) -> tuple[dict[int, str], dict[str, str], dict[int, Decoded], dict[int, Decoded]]:
        """(keysym -> char, dead keys, keysym -> special key, keysym -> keypad key); built once."""
        if cls._tables is None:
            chars, dead, keypad_syms = _pynput_symbol_tables()
            special: dict[int, Decoded] = {}
            for name, symbol in SPECIAL_KEYS:
                keysym = _keysym_of(symbol)
                if keysym not in special:  # a later member with the same keysym is an alias
                    special[keysym] = _named(name)
            keypad = {keypad_syms[symbol]: decoded for symbol, decoded in KEYPAD.items()}
            cls._tables = (chars, dead, special, keypad)
        return cls._tables

    @classmethod
    def fetch(cls, display: Any) -> KeyDecoder:
        """Read the keyboard and modifier mappings from an Xlib display (two round trips)."""
        first = display.display.info.min_keycode
        count = display.display.info.max_keycode - first + 1
        codes: list[Sequence[int]] = [()] * 256
        codes[first:first + count] = display.get_keyboard_mapping(first, count)
        modifiers = display.get_modifier_mapping()
        return cls(codes, _mask_of(codes, modifiers, _keysym_of("Mode_switch")),
                   _mask_of(codes, modifiers, _keysym_of("Num_Lock")))

    def keysym(self, keycode: int, index: int) -> int:
        """The keysym at ``index`` (0 plain, 1 shift, 2 AltGr, 3 both), dropping AltGr
        then shift when that entry is empty (pynput's ``_keycode_to_keysym``)."""
        syms = self.codes[keycode]
        while True:
            keysym = syms[index] if index < len(syms) else 0
            if keysym:
                return keysym
            if index & 2:
                index &= ~2
            elif index & 1:
                index &= ~1
            else:
                return 0

    def decode(self, keycode: int, state: int) -> Decoded:
        """(special key name, character, keysym) for a key event, as pynput builds its key."""
        index = (1 if state & SHIFT_MASK else 0) + (2 if state & self.altgr_mask else 0)
        keysym = self.keysym(keycode, index)
        special = self.special.get(keysym)
        if special is not None:
            return special
        if keysym in self.keypad:
            keypad = self.keypad.get(self.keysym(keycode, 1 if state & self.numlock_mask else 0))
            if keypad is not None:
                return keypad
        char = self.chars.get(keysym)
        if char is not None:
            if index & 1:
                char = char.upper()
            return None, self.dead.get(char, char), keysym
        return None, None, keysym


def _mask_of(codes: Sequence[Sequence[int]], modifiers: Sequence[Sequence[int]], keysym: int) -> int:
    """The modifier bit of the key bound to ``keysym`` (pynput's ``_find_mask``).

    The keycode is the one python-xlib's ``keysym_to_keycode`` gives (lowest index, then
    lowest keycode; 0 when unbound, which then matches a modifier's 0 padding exactly as
    in pynput).
    """
    found = [(syms.index(keysym), code) for code, syms in enumerate(codes) if keysym and keysym in syms]
    keycode = min(found)[1] if found else 0
    for bit, keycodes in enumerate(modifiers):
        if keycode in keycodes:
            return 1 << bit
    return 0


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

