"""X11 keys decoded exactly as pynput's X11 listener decodes them, with no X calls.

:class:`KeyDecoder` turns a keycode and modifier state into (special key name, character,
keysym), using pynput's own keysym tables and its shift, AltGr and NumLock rules, so
:func:`agent.keys.classify` sees the same input from the X RECORD hook as from pynput.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import Any

SHIFT_MASK = 1


class RecordUnavailable(Exception):
    """The X RECORD hook cannot run here (no RECORD extension, or pynput's keysym tables
    are missing): select_backend uses pynput's hooks instead."""


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
