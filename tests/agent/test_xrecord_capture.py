"""The X RECORD input hook under Xvfb: the same sink calls as the pynput hook for the same
xdotool input, key by key over the whole keymap, a keymap change followed, a clean stop,
and the pynput fallback on a server without RECORD."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from taskloom.agent.capture import select_backend
from taskloom.agent.capture.inputs import PynputInput, stroke_of
from taskloom.agent.capture.xkeys import KeyDecoder, RecordUnavailable
from taskloom.agent.capture.xrecord import THREAD_NAME, XRecordInput
from taskloom.agent.keys import KeyStroke, classify
from tests.agent.factories import RecordingSink
from tests.support.ports import wait_for
from tests.support.xserver import XServer, missing_tools, start_xvfb, stop

pytestmark = pytest.mark.xvfb


def _record_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME]


def _wait_settled(sinks: list[RecordingSink], marker_key: KeyStroke, marker_button: str) -> None:
    """Until every sink has seen the marker key and the marker click (the last input)."""
    def seen() -> bool:
        for sink in sinks:
            keys, mouse = sink.snapshot()
            if not keys or keys[-1] != marker_key or not mouse or mouse[-1][-1] != marker_button:
                return False
        return True

    wait_for(seen, 30, "both hooks to see the last key and click")


def test_xrecord_gives_the_same_calls_as_pynput(xserver: XServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", xserver.display)
    by_pynput, by_record = RecordingSink(), RecordingSink()
    pynput_hooks = PynputInput()
    pynput_hooks.start(by_pynput)
    hook = XRecordInput(xserver.display)
    hook.start(by_record)
    threads = _record_threads()
    try:
        assert len(threads) == 1  # one context, one thread
        xdo = xserver.xdotool
        xdo("mousemove", "300", "200", "click", "1")
        xdo("type", "--delay", "15", "Hello World 42, ok.")
        xdo("key", "--delay", "15", "ctrl+c", "ctrl+s", "ctrl+shift+v", "shift+Insert", "shift+Tab",
            "Return", "BackSpace", "Left", "Page_Down", "F5", "KP_Add", "KP_1", "ctrl+slash", "alt+F4")
        xdo("mousemove", "500", "400", "click", "2", "click", "--repeat", "2", "4", "click", "5",
            "click", "6", "click", "7", "click", "8")
        xdo("click", "3")
        xdo("key", "Escape")  # openbox's root menu, opened by the right click
        xdo("mousemove", "20", "700", "key", "F12", "click", "9")
        _wait_settled([by_pynput, by_record], classify("f12", None, None, frozenset()), "button9")
        keys, mouse = by_record.snapshot()
        assert (keys, mouse) == by_pynput.snapshot()
        # the input was rich enough to compare: classes, shortcuts, buttons, scrolls, positions
        assert {"letter", "digit", "space", "punctuation", "enter", "navigation", "function"} <= {
            k.key_class for k in keys}
        assert {"ctrl+c", "ctrl+s", "ctrl+shift+v", "shift+insert"} <= {k.shortcut for k in keys}
        assert {m[3] for m in mouse if m[0] == "click"} >= {"left", "middle", "right", "button8"}
        assert {m[3:] for m in mouse if m[0] == "scroll"} == {(0, 1), (0, -1), (-1, 0), (1, 0)}
        assert mouse[0][:3] == ("click", 300, 200)

        hook.stop()
        # stop() ends the record thread by itself: no further X event needed
        assert not any(t.is_alive() for t in threads) and not _record_threads()
        before = by_record.snapshot()
        xdo("key", "F12", "click", "9")
        wait_for(lambda: len(by_pynput.snapshot()[1]) == len(before[1]) + 1, 30, "pynput to see the click")
        assert by_record.snapshot() == before
    finally:
        hook.stop()
        listeners = [pynput_hooks._mouse, pynput_hooks._keyboard]
        pynput_hooks.stop()
        xserver.xdotool("key", "shift", "click", "1")  # pynput's threads see their stop on an event
        for listener in listeners:
            listener.join(10)


def test_key_decoder_matches_pynput_for_every_keycode(xserver: XServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", xserver.display)
    from pynput.keyboard import Listener
    from Xlib import display as xdisplay

    conn = xdisplay.Display(xserver.display)
    try:
        decoder = KeyDecoder.fetch(conn)
        listener = Listener()
        states = {0, 1, decoder.numlock_mask, decoder.altgr_mask, 1 | decoder.numlock_mask,
                  1 | decoder.altgr_mask, 4, 8}
        helds = [frozenset(), frozenset({"shift"}), frozenset({"ctrl"}), frozenset({"ctrl", "shift"}),
                 frozenset({"alt"}), frozenset({"cmd"})]
        mismatches, strokes = [], set()
        info = conn.display.info
        for keycode in range(info.min_keycode, info.max_keycode + 1):
            for state in states:
                key = listener._event_to_key(conn, SimpleNamespace(detail=keycode, state=state))
                for held in helds:
                    ours = classify(*decoder.decode(keycode, state), held)
                    theirs = stroke_of(key, held)
                    strokes.add(ours)
                    if ours != theirs:
                        mismatches.append((keycode, state, sorted(held), ours, theirs))
    finally:
        conn.close()
    assert mismatches == []
    assert {"letter", "digit", "punctuation", "function", "navigation", "modifier"} <= {
        s.key_class for s in strokes}
    assert len({s.shortcut for s in strokes}) > 100


def test_keyboard_mapping_change_is_followed(xserver: XServer) -> None:
    from Xlib import XK, X
    from Xlib import display as xdisplay
    from Xlib.ext import xtest

    conn = xdisplay.Display(xserver.display)
    sink = RecordingSink()
    hook = XRecordInput(xserver.display)
    hook.start(sink)
    try:
        decoder = KeyDecoder.fetch(conn)
        info = conn.display.info
        keycode = next(code for code in range(info.max_keycode, info.min_keycode, -1)
                       if not any(decoder.codes[code]))
        assert decoder.decode(keycode, 0) == (None, None, 0)  # unbound before the change
        conn.change_keyboard_mapping(keycode, [(XK.XK_x, XK.XK_X)])
        conn.sync()
        for event in (X.KeyPress, X.KeyRelease):
            xtest.fake_input(conn, event, keycode)
        conn.sync()
        wait_for(lambda: len(sink.snapshot()[0]) == 1, 30, "the key on the remapped keycode")
        assert sink.snapshot()[0] == [classify(None, "x", XK.XK_x, frozenset())]
        conn.change_keyboard_mapping(keycode, [(X.NoSymbol, X.NoSymbol)])
        conn.sync()
    finally:
        hook.stop()
        conn.close()


@pytest.fixture
def xvfb_without_record() -> Iterator[str]:
    """A bare Xvfb started with the RECORD extension disabled; yields its DISPLAY."""
    reason = missing_tools("Xvfb")
    if reason:
        pytest.skip(reason)
    try:
        display, xvfb = start_xvfb("-extension", "RECORD")
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield display
    finally:
        stop([xvfb])


def test_linux_backend_uses_xrecord(xserver: XServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", xserver.display)
    backend = select_backend("linux")
    assert backend.windows is not None
    backend.windows.close()
    assert isinstance(backend.inputs, XRecordInput)


def test_record_extension_missing_falls_back_to_pynput(
        xvfb_without_record: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", xvfb_without_record)
    with pytest.raises(RecordUnavailable, match="RECORD"):
        XRecordInput(xvfb_without_record).start(RecordingSink())
    backend = select_backend("linux")
    assert backend.windows is not None
    backend.windows.close()
    assert isinstance(backend.inputs, PynputInput)
