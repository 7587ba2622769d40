"""Chapter 9's DigitPlayground in the static book: no kernel, the network runs in the page.

The reader draws with the mouse and with the keyboard and picks test digits; each time the page's answer
must be convkit's, computed here with the weights the page holds (read from its saved widget state).
On a phone (390 px), light and dark, nothing is wider than the screen.
"""
import base64
import json
import re

import numpy as np
import pytest
from conftest import ARTIFACTS, PHONE, PageRecorder

from convkit.train import make_net

CHAPTER_9 = "notebooks/09_cnn.html"
READY = ".ck-playground .ck-layer canvas"


def page_state(page):
    """The DigitPlayground's saved state, as the page loaded it."""
    text = page.eval_on_selector('script[type="application/vnd.jupyter.widget-state+json"]', "s => s.textContent")
    models = json.loads(text)["state"].values()
    return next(m["state"] for m in models if "layers" in m["state"])


def float32s(text):
    """A saved weight array: little-endian float32 bytes in base64 (convkit/playground.py)."""
    return np.frombuffer(base64.b64decode(text), dtype="<f4")


def net_of(state):
    """convkit's network with the page's (float32) weights."""
    net = make_net(0)
    for layer, saved in zip(net, state["layers"]):
        if hasattr(layer, "W"):
            layer.W = float32s(saved["W"]).astype(np.float64).reshape(layer.W.shape)
            layer.b = float32s(saved["b"]).astype(np.float64).reshape(layer.b.shape)
    return net


@pytest.fixture
def playground(site_url, recorder):
    page = recorder.open(f"{site_url}/{CHAPTER_9}")
    page.wait_for_selector(READY, timeout=20000)
    state = page_state(page)
    yield page, page.locator(".ck-playground").first, state, net_of(state)
    recorder.assert_clean()


def shown_image(widget):
    """The drawing grid as the page shows it, back on the data's scale (ink counts / 16)."""
    greys = widget.locator(".ck-draw div").evaluate_all(
        "cells => cells.map(c => Number(getComputedStyle(c).backgroundColor.match(/\\d+/)[0]))")
    return np.round((255 - np.array(greys)) / 255 * 16).reshape(8, 8) / 16


def answer(widget):
    text = widget.locator(".ck-pred").inner_text()
    found = re.match(r"The network reads an? (\d) \(probability \d\.\d\d\)", text)
    assert found, text
    return int(found[1])


def check_answer(widget, net):
    """The page's answer and bars are convkit's for the image the page shows."""
    image = shown_image(widget)
    z = net.forward(image[None, None])[0]
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    assert answer(widget) == z.argmax()
    shown = [float(t.split()[0]) for t in widget.locator(".ck-pct").all_inner_texts()]
    np.testing.assert_allclose(shown, 100 * p, atol=0.051)
    return image, int(z.argmax())


def cell_centre(widget, i, j):
    box = widget.locator(".ck-draw div").nth(i * 8 + j).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_picked_test_digits_get_convkits_answer(playground):
    page, w, state, net = playground
    options = w.locator(".ck-pick option")
    assert options.count() == 21 and options.first.inner_text() == "your drawing"
    for n in range(20):
        w.locator(".ck-pick").select_option(str(n))
        image, pred = check_answer(w, net)
        np.testing.assert_array_equal(image, state["samples"][n])  # the picked digit, on the data's scale
        assert f"label is {state['labels'][n]}" in w.locator(".ck-pred").inner_text()
    assert len(w.locator(".ck-layer").all()) == 6  # conv, ReLU, pool, conv, ReLU, pool
    assert "After Conv2D(1 → 16, 3×3, padding 1): 16 maps 8×8" in w.locator(".ck-layer figcaption").first.inner_text()


PIXELS = """root => [...root.querySelectorAll('.ck-layer canvas')].map(c => ({
  width: c.width, dpr: c.width / parseFloat(c.style.width),
  data: Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)}))"""
NEXT_PAINT = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 0))))"


def test_feature_maps_are_convkits(playground):
    """The maps are painted (a frame after the rest of the widget) and every cell of every map has the colour
    of convkit's value there: white for 0, orange for positive, blue for negative, on one scale per layer."""
    page, w, state, net = playground
    for n in (0, 3):
        w.locator(".ck-pick").select_option(str(n))
        page.evaluate(NEXT_PAINT)
        canvases = w.evaluate(PIXELS)
        a, maps = shown_image(w)[None, None], []
        for layer in net:
            a = layer.forward(a)
            if a.ndim == 4:
                maps.append(a[0])
        assert len(canvases) == len(maps) == 6
        for cv, t in zip(canvases, maps):
            C, H, W = t.shape
            px = np.array(cv["data"]).reshape(-1, cv["width"], 4)
            scale, cell = max(1e-12, np.abs(t).max()), 32 / max(H, W)
            for c in range(C):
                x0, y0 = (c % 8) * 36, (c // 8) * 36
                for i in range(H):
                    for j in range(W):
                        v = t[c, i, j]
                        hue = np.array([213, 94, 0] if v >= 0 else [0, 114, 178])
                        want = np.round(255 - min(1, abs(v) / scale) * (255 - hue))
                        got = px[int((y0 + (i + 0.5) * cell) * cv["dpr"]), int((x0 + (j + 0.5) * cell) * cv["dpr"])]
                        # the page computes in float32: a colour level may round the other way
                        assert np.all(np.abs(got[:3] - want) <= 1) and got[3] == 255, (c, i, j, got, want)


def test_drawing_with_the_mouse(playground):
    page, w, state, net = playground
    w.locator(".ck-clear").click()
    assert not shown_image(w).any() and w.locator(".ck-pick").input_value() == "-1"
    # A 1: a vertical stroke down column 4.
    page.mouse.move(*cell_centre(w, 1, 4))
    page.mouse.down()
    page.mouse.move(*cell_centre(w, 6, 4), steps=12)
    page.mouse.up()
    image, one = check_answer(w, net)
    assert image[1:7, 4].tolist() == [1.0] * 6 and image.sum() == 6
    # A bar across the top makes it a 7.
    page.mouse.move(*cell_centre(w, 1, 1))
    page.mouse.down()
    page.mouse.move(*cell_centre(w, 1, 4), steps=8)
    page.mouse.up()
    image, seven = check_answer(w, net)
    assert image[1, 1:5].tolist() == [1.0] * 4 and image.sum() == 9
    # The eraser takes ink away again.
    w.locator(".ck-erase").click()
    assert w.locator(".ck-erase").get_attribute("aria-pressed") == "true"
    page.mouse.click(*cell_centre(w, 6, 4))
    image, _ = check_answer(w, net)
    assert image[6, 4] == 0 and image.sum() == 8
    print(f"\nmouse: the stroke read as {one}, with the bar as {seven}")


def test_drawing_with_the_keyboard(playground):
    page, w, state, net = playground
    w.locator(".ck-clear").focus()
    page.keyboard.press("Enter")  # the Clear button
    assert not shown_image(w).any()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past the eraser, onto the grid
    assert page.evaluate("document.activeElement.getAttribute('role')") == "application"
    assert "arrow keys move the cursor" in page.evaluate("document.activeElement.getAttribute('aria-label')")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    for key in ["Space", "ArrowDown", "Enter", "ArrowDown", "Space", "ArrowDown", "Space", "ArrowDown", "Space"]:
        page.keyboard.press(key)
    image, pred = check_answer(w, net)
    assert image[1:6, 4].tolist() == [1.0] * 5 and image.sum() == 5
    assert w.locator(".ck-where").inner_text() == "Row 6, column 5: ink 1"
    page.keyboard.press("Delete")
    image, _ = check_answer(w, net)
    assert image[5, 4] == 0 and image.sum() == 4
    assert w.locator(".ck-where").inner_text() == "Row 6, column 5: ink 0"
    y = page.evaluate("window.scrollY")  # arrow keys and Space move the cursor, never the page
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Space")
    assert page.evaluate("window.scrollY") == y and shown_image(w)[5, 3] == 1
    check_answer(w, net)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["phone", "desk"])
def test_fits_the_screen(site_url, browser, scheme, size):
    view = PHONE if size == "phone" else {"width": 1280, "height": 900}
    rec = PageRecorder(browser, width=view["width"], height=view["height"], scheme=scheme)
    try:
        page = rec.open(f"{site_url}/{CHAPTER_9}")
        page.wait_for_selector(READY, timeout=20000)
        w = page.locator(".ck-playground").first
        widest = w.evaluate("""root => Math.max(...[root, ...root.querySelectorAll('*')].map(
            e => e.getBoundingClientRect().right))""")
        assert widest <= view["width"], f"the widget reaches {widest} px on a {view['width']} px screen"
        assert page.evaluate("document.documentElement.scrollWidth") <= view["width"]
        assert w.evaluate("r => r.scrollWidth <= r.clientWidth")
        w.locator(".ck-pick").select_option("3")
        w.locator(".ck-draw").scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, -60)")  # below the theme's sticky header
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"09_playground-{view['width']}-{scheme}.png"))
        rec.assert_clean()
    finally:
        rec.context.close()


def test_drawing_with_a_finger_on_a_phone(site_url, browser):
    """A finger drags a stroke across the grid (touch events, as a phone sends them): it paints, and the
    page does not scroll under the finger."""
    rec = PageRecorder(browser, width=PHONE["width"], height=PHONE["height"])
    try:
        page = rec.open(f"{site_url}/{CHAPTER_9}")
        page.wait_for_selector(READY, timeout=20000)
        w = page.locator(".ck-playground").first
        net = net_of(page_state(page))
        cdp = rec.context.new_cdp_session(page)
        cdp.send("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 1})
        w.locator(".ck-clear").click()
        w.locator(".ck-draw").scroll_into_view_if_needed()
        y = page.evaluate("window.scrollY")
        (x0, y0), (x1, y1) = cell_centre(w, 1, 3), cell_centre(w, 6, 3)  # downwards: a page would scroll
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
        for k in range(1, 11):
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [
                {"x": x0 + (x1 - x0) * k / 10, "y": y0 + (y1 - y0) * k / 10}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        image, _ = check_answer(w, net)
        assert image[1:7, 3].tolist() == [1.0] * 6 and image.sum() == 6
        assert page.evaluate("window.scrollY") == y
        rec.assert_clean()
    finally:
        rec.context.close()
