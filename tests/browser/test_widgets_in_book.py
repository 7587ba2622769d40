"""The widgets in the static book: no kernel, no network, every control working."""
import pytest

CHAPTER_1 = "notebooks/01_one_window.html"


@pytest.fixture
def stepper(site_url, recorder):
    page = recorder.open(f"{site_url}/{CHAPTER_1}")
    page.wait_for_selector(".ck-stepper table.ck-out td", timeout=15000)
    yield page, page.locator(".ck-stepper").first
    recorder.assert_clean()


def window_cells(widget):
    return widget.locator("table.ck-in td.win").all_inner_texts()


def out_shape(widget):
    rows = widget.locator("table.ck-out tr")
    return rows.count(), rows.first.locator("td").count() if rows.count() else 0


def test_next_shows_the_next_window_and_sum(stepper):
    page, w = stepper
    assert w.locator(".ck-sum").inner_text().endswith("= 37")
    assert window_cells(w) == ["1", "2", "4", "5"]
    w.locator(".ck-next").click()
    assert w.locator(".ck-sum").inner_text() == "output[0, 1] = 2·1 + 3·2 + 5·3 + 6·4 = 47"
    assert window_cells(w) == ["2", "3", "5", "6"]
    assert w.locator("table.ck-out td.cur").inner_text() == "47"
    w.locator(".ck-prev").click()
    assert w.locator(".ck-sum").inner_text().endswith("= 37")


def test_keyboard_drives_the_slider_and_buttons(stepper):
    page, w = stepper
    slider = w.locator(".ck-slider")
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert w.locator(".ck-sum").inner_text().endswith("= 67")
    page.keyboard.press("End")
    assert w.locator(".ck-sum").inner_text().endswith("= 77")
    assert "window 4 of 4" in slider.get_attribute("aria-valuetext")
    # Tab reaches the buttons; Enter and Space press them.
    w.locator(".ck-prev").focus()
    page.keyboard.press("Enter")
    assert w.locator(".ck-sum").inner_text().endswith("= 67")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "ck-next"
    page.keyboard.press("Space")
    assert w.locator(".ck-sum").inner_text().endswith("= 77")


def test_geometry_controls_recompute_the_output(stepper):
    page, w = stepper
    w.locator(".ck-padding").select_option("1")
    assert out_shape(w) == (4, 4)
    assert w.locator(".ck-in-cap").inner_text() == "Input, padded to 5×5"
    assert w.locator(".ck-sum").inner_text() == "output[0, 0] = 0·1 + 0·2 + 0·3 + 1·4 = 4"
    assert w.locator(".ck-knote").inner_text() == ""  # the given kernel: nothing to explain
    w.locator(".ck-fh").select_option("3")
    w.locator(".ck-fw").select_option("3")
    assert out_shape(w) == (3, 3)  # (3 - 3 + 2)/1 + 1
    # A bigger kernel: the given 1 2 / 3 4 stays top-left; the five new cells hold their place in
    # reading order, are outlined, and the page says where those numbers come from.
    assert w.locator("table.ck-k td").all_inner_texts() == ["1", "2", "3", "3", "4", "6", "7", "8", "9"]
    assert w.locator("table.ck-k td.added").all_inner_texts() == ["3", "6", "7", "8", "9"]
    note = w.locator(".ck-knote").inner_text()
    assert "given 2×2 kernel in the top-left corner" in note and "place in reading order, 1 to 9" in note, note
    assert w.locator(".ck-knote").is_visible()
    w.locator(".ck-stride").select_option("2")
    assert out_shape(w) == (2, 2)  # (3 - 3 + 2)/2 + 1
    w.locator(".ck-fh").select_option("2")
    w.locator(".ck-fw").select_option("2")
    w.locator(".ck-padding").select_option("0")  # (3 - 2 + 0)/2 + 1 = 1.5
    assert "not a whole number" in w.locator(".ck-sum").inner_text()
    assert "(3 − 2 + 2·0)/2 + 1 = 1.5" in w.locator(".ck-sum").inner_text()
    assert w.locator(".ck-next").is_disabled()
    assert out_shape(w) == (0, 0)
    w.locator(".ck-stride").select_option("1")
    w.locator(".ck-fh").select_option("3")
    w.locator(".ck-fw").select_option("1")
    assert out_shape(w) == (1, 3)  # a non-square 3x1 kernel
    assert w.locator("table.ck-k td").all_inner_texts() == ["1", "3", "3"]  # column 0 of the given, then row 2
    note = w.locator(".ck-knote").inner_text()
    assert "cut to its top-left 2×1" in note and "1 to 3" in note, note


def test_play_steps_by_itself_and_pauses(stepper):
    page, w = stepper
    play = w.locator(".ck-play")
    play.click()
    assert play.get_attribute("aria-pressed") == "true"
    page.wait_for_function("() => document.querySelector('.ck-sum').textContent.endsWith('= 47')", timeout=5000)
    play.click()
    assert play.get_attribute("aria-pressed") == "false"


@pytest.mark.parametrize("chapter", ["01_one_window", "02_shapes", "03_sparse_matrix", "04_backprop", "05_im2col",
                                     "08_dilation_transposed"])
def test_fits_a_phone_screen(site_url, browser, chapter):
    """At 360 px the widgets scroll inside themselves; the page never scrolls sideways."""
    from conftest import ARTIFACTS, PageRecorder

    rec = PageRecorder(browser, width=360, height=740)
    page = rec.open(f"{site_url}/notebooks/{chapter}.html")
    page.wait_for_selector(".ck-stepper td", timeout=15000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for n, widget in enumerate(page.locator(".ck-stepper").all()):
        widget.scroll_into_view_if_needed()
        box = widget.bounding_box()
        assert box["width"] <= 360, (n, box)
        widget.screenshot(path=str(ARTIFACTS / f"phone__{chapter}__widget{n}.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    rec.assert_clean()
    rec.context.close()


def test_phone_keeps_the_current_column_in_sight(site_url, browser):
    """At 390 px the 4x25 column matrix scrolls inside the widget, and follows the column being filled."""
    from conftest import PHONE, PageRecorder

    rec = PageRecorder(browser, **PHONE)
    page = rec.open(f"{site_url}/notebooks/05_im2col.html")
    page.wait_for_selector(".ck-cols td", timeout=15000)
    w = page.locator(".ck-stepper").filter(has=page.locator(".ck-cols")).first
    box = w.locator(".ck-scroll").filter(has=page.locator(".ck-cols"))
    assert box.evaluate("b => b.scrollWidth > b.clientWidth"), "the matrix fits: nothing to check"
    inside = ("b => { const r = b.getBoundingClientRect();"
              " return [...b.querySelectorAll('td.new')].every(c => { const q = c.getBoundingClientRect();"
              " return q.left >= r.left - 1 && q.right <= r.right + 1; }); }")
    w.locator(".ck-slider").focus()
    page.keyboard.press("End")  # im2col: column 24, at the far right
    assert box.evaluate(inside)
    w.locator(".ck-mode").click()  # col2im starts again at column 0, at the far left
    assert box.evaluate(inside)
    rec.assert_clean()
    rec.context.close()


def _open(site_url, recorder, chapter, selector):
    page = recorder.open(f"{site_url}/notebooks/{chapter}.html")
    page.wait_for_selector(f"{selector} td", timeout=15000)
    return page


def _stepper(site_url, recorder, chapter, marker):
    """(page, the chapter's first stepper holding ``marker``), once that part of it is drawn."""
    page = recorder.open(f"{site_url}/notebooks/{chapter}.html")
    page.wait_for_selector(f".ck-stepper {marker}", timeout=15000)
    return page, page.locator(".ck-stepper").filter(has=page.locator(marker)).first


def _clean(recorder):
    recorder.assert_clean()


def test_matrix_explorer(site_url, recorder):
    page = _open(site_url, recorder, "03_sparse_matrix", ".ck-m")
    w = page.locator(".ck-stepper").filter(has=page.locator(".ck-m")).first
    assert w.locator(".ck-sum").inner_text() == "y*[0] = row 0 of W* · x* = 1·1 + 2·2 + 3·4 + 4·5 = 37"
    assert w.locator("table.ck-in td.hit").all_inner_texts() == ["1", "2", "4", "5"]
    w.locator(".ck-next").click()
    assert w.locator(".ck-sum").inner_text().endswith("= 47")
    assert w.locator("table.ck-in td.hit").all_inner_texts() == ["2", "3", "5", "6"]
    assert w.locator("tr.row-cur td.hit").all_inner_texts() == ["1", "2", "3", "4"]
    w.locator("table.ck-out tr").nth(1).locator("td").nth(1).hover()  # point at output 77
    assert w.locator(".ck-sum").inner_text().endswith("= 77")
    w.locator(".ck-slider").focus()
    page.keyboard.press("Home")
    assert w.locator(".ck-sum").inner_text().endswith("= 37")
    page.wait_for_timeout(300)  # the grid was redrawn under the resting pointer: the keyboard's choice stays
    assert w.locator(".ck-sum").inner_text().endswith("= 37")
    _clean(recorder)


def test_backprop_stepper(site_url, recorder):
    page = _open(site_url, recorder, "04_backprop", ".ck-pad")
    w = page.locator(".ck-stepper").filter(has=page.locator(".ck-pad")).first
    # x = [1, -2, 3, 0.5, 2], w = [0.5, -1, 2], dout = [1, 2, -1] in the chapter.
    assert w.locator(".ck-sum").inner_text() == "dL/dx0 = w0·dy0 = 0.5·1 = 0.5"
    w.locator(".ck-slider").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert w.locator(".ck-sum").inner_text() == "dL/dx2 = w2·dy0 + w1·dy1 + w0·dy2 = 2·1 + (-1)·2 + 0.5·(-1) = -0.5"
    assert w.locator("table.ck-dy td.hit").count() == 3
    assert w.locator("table.ck-pad tr").nth(1).locator("td.ker").all_inner_texts() == ["w2", "w1", "w0"]
    w.locator(".ck-next").click()
    assert w.locator(".ck-sum").inner_text().endswith("= 5")
    assert w.locator("table.ck-dy td.hit").count() == 2
    _clean(recorder)


def test_im2col_stepper_and_col2im(site_url, recorder):
    page = _open(site_url, recorder, "05_im2col", ".ck-cols")
    w = page.locator(".ck-stepper").filter(has=page.locator(".ck-cols")).first
    for _ in range(3):
        w.locator(".ck-next").click()
    assert w.locator(".ck-sum").inner_text() == "im2col: window 3 becomes column 3 = [0, 0, 2, 3]"
    assert w.locator("table.ck-img td.win").all_inner_texts() == ["0", "0", "2", "3"]
    w.locator(".ck-mode").click()
    assert w.locator(".ck-mode").get_attribute("aria-pressed") == "true"
    w.locator(".ck-slider").focus()
    page.keyboard.press("End")
    # After all 25 columns, pixel 5 (row 1, col 1 of the input) is covered by 4 windows: 20.
    image = w.locator("table.ck-img tr")
    assert image.nth(2).locator("td").nth(2).inner_text() == "20"
    # The note points at a pixel the reader can find: ringed, and its value is the product it states.
    note = w.locator(".ck-note").inner_text()
    assert "x[3, 3] = 15, lies in 4 windows, so it shows 4·15 = 60" in note, note
    assert "every pixel lies in 4 windows" in note and "does not give x back" in note, note
    assert w.locator("table.ck-img td.ex").all_inner_texts() == ["60"]
    assert "ex" in image.nth(4).locator("td").nth(4).get_attribute("class").split()  # padded (4, 4) = x[3, 3]
    _clean(recorder)


def test_window_stepper_in_chapter_2_starts_padded(site_url, recorder):
    page = _open(site_url, recorder, "02_shapes", ".ck-out")
    w = page.locator(".ck-stepper").first
    assert out_shape(w) == (5, 5)
    assert w.locator(".ck-in-cap").inner_text() == "Input, padded to 6×6"
    _clean(recorder)


# Chapter 6: the channel stepper, on the chapter's worked example (2 channels of 3x3, 2 filters of 2x2x2,
# b = (1, -2)); the expected numbers come from convkit, not from the page.
X6 = [[[1, 2, 0], [0, 1, 3], [2, 1, 1]], [[0, 1, 1], [2, 0, 1], [1, 3, 0]]]
W6 = [[[[1, 0], [0, 1]], [[0, 1], [1, 0]]], [[[1, -1], [0, 2]], [[2, 0], [-1, 1]]]]
B6 = [1, -2]

# The lowest contrast ratio (WCAG) between any text in the element and the background it is drawn on.
MIN_CONTRAST_JS = """el => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
      .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (n) => { for (let a = n; a; a = a.parentElement) { const c = rgb(getComputedStyle(a).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c.slice(0, 3); } return [255, 255, 255]; };
  let worst = 99, where = '';
  const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let t = walk.nextNode(); t; t = walk.nextNode()) {
    if (!t.textContent.trim()) continue;
    const p = t.parentElement, l1 = lum(rgb(getComputedStyle(p).color)), l2 = lum(background(p));
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    if (ratio < worst) { worst = ratio; where = t.textContent.trim().slice(0, 40); }
  }
  return [worst, where];
}"""


def _channel_stepper(page):
    page.wait_for_selector(".ck-stepper table.ck-xc td", timeout=15000)
    return page.locator(".ck-stepper").filter(has=page.locator(".ck-xc")).first


def _maps(w):
    return [[[c.inner_text() for c in row.locator("td").all()] for row in table.locator("tr").all()]
            for table in w.locator("table.ck-map").all()]


def test_channel_stepper_steps_over_positions_and_channels(site_url, recorder):
    import numpy as np

    import convkit as ck

    page = recorder.open(f"{site_url}/notebooks/06_channels.html")
    w = _channel_stepper(page)
    y = ck.conv2d(np.array(X6)[None], np.array(W6), np.array(B6))[0].astype(int)
    assert w.locator(".ck-sum").inner_text() == "y[0, 0, 0] = b[0] + channel 0 + channel 1 = 1 + 2 + 3 = 6"
    assert w.locator(".ck-chan-sum").all_inner_texts() == ["channel 0: 1·1 + 2·0 + 0·0 + 1·1 = 2",
                                                          "channel 1: 0·0 + 1·1 + 2·1 + 0·0 = 3"]
    # The window is outlined in both channels, beside filter 0's slice for that channel.
    xs = w.locator("table.ck-xc")
    assert xs.nth(0).locator("td.win").all_inner_texts() == ["1", "2", "0", "1"]
    assert xs.nth(1).locator("td.win").all_inner_texts() == ["0", "1", "2", "0"]
    assert w.locator(".ck-wcap").all_inner_texts() == ["w[0, 0]", "w[0, 1]"]
    assert w.locator("table.ck-wc").nth(1).locator("td").all_inner_texts() == ["0", "1", "1", "0"]
    assert _maps(w) == [[["6", ""], ["", ""]], [["", ""], ["", ""]]]  # outputs appear as they are computed

    w.locator(".ck-next").click()
    assert w.locator(".ck-sum").inner_text().endswith(f"= 1 + 5 + 1 = {y[0, 0, 1]}")
    assert xs.nth(0).locator("td.win").all_inner_texts() == ["2", "0", "1", "3"]
    # The filter menu keeps the position: (0, 1) of map 1.
    w.locator(".ck-filter").select_option("1")
    assert w.locator(".ck-sum").inner_text() == \
        f"y[1, 0, 1] = b[1] + channel 0 + channel 1 = -2 + 8 + 3 = {y[1, 0, 1]}"
    assert w.locator(".ck-chan-sum").first.inner_text() == "channel 0: 2·1 + 0·(-1) + 1·0 + 3·2 = 8"
    assert w.locator(".ck-wcap").all_inner_texts() == ["w[1, 0]", "w[1, 1]"]
    assert w.locator("table.ck-map").nth(1).locator("td.cur").inner_text() == "9"
    assert "output 6 of 8: filter 1, row 0, column 1" in w.locator(".ck-slider").get_attribute("aria-valuetext")

    # Keyboard only: the slider's End shows the last output and every map, equal to convkit's.
    w.locator(".ck-slider").focus()
    page.keyboard.press("End")
    assert w.locator(".ck-sum").inner_text() == \
        f"y[1, 1, 1] = b[1] + channel 0 + channel 1 = -2 + 0 + (-3) = {y[1, 1, 1]}"  # negative terms bracketed
    assert _maps(w) == [[[str(v) for v in row] for row in m] for m in y.tolist()]
    page.keyboard.press("Home")
    assert w.locator(".ck-sum").inner_text().endswith("= 6")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert w.locator(".ck-sum").inner_text().startswith("y[0, 1, 0]")
    # Tab reaches the filter menu; an arrow key picks filter 1 at the same position.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "ck-filter"
    page.keyboard.press("ArrowDown")
    assert w.locator(".ck-sum").inner_text().startswith("y[1, 1, 0]")
    assert w.locator(".ck-sum").inner_text().endswith(f"= {y[1, 1, 0]}")
    # Enter and Space press Next (from the last output it wraps round to the first).
    w.locator(".ck-next").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Space")
    assert w.locator(".ck-sum").inner_text().startswith("y[0, 0, 0]")
    recorder.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark", "dark-toggle"])
def test_channel_stepper_on_a_phone_light_and_dark(site_url, browser, scheme):
    """At 390 px the channel stepper fits (the page never scrolls sideways), and its text stays readable."""
    from conftest import ARTIFACTS, PHONE, PageRecorder

    rec = PageRecorder(browser, **PHONE, scheme=scheme)
    page = rec.open(f"{site_url}/notebooks/06_channels.html")
    w = _channel_stepper(page)
    w.scroll_into_view_if_needed()
    box = w.bounding_box()
    assert box["width"] <= PHONE["width"], box
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Nothing inside the card is cut off at its right edge: the grids wrap below each other.
    assert w.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    worst, where = w.evaluate(MIN_CONTRAST_JS)
    assert worst >= 4.5, f"contrast {worst:.2f} at {where!r} in the {scheme} scheme"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    w.screenshot(path=str(ARTIFACTS / f"phone-{scheme}__06_channels__channel_stepper.png"))
    rec.assert_clean()
    rec.context.close()


# Chapter 7: the backprop stepper in 2-D. The chapter's example: x 5x5, w = 1..9, dy 3x3, stride 2, padding 1.
X7 = [[1, 0, 2, 1, 0], [3, 1, 0, 2, 1], [0, 2, 1, 3, 0], [1, 0, 3, 1, 2], [2, 1, 0, 0, 1]]
W7 = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
DY7 = [[1, 0, -1], [2, 1, 0], [0, -1, 1]]
CHAPTER_7 = "07_backward_2d"


def _chapter7_gradients():
    import numpy as np

    import convkit as ck

    x, w, dy = (np.array(a, float)[None, None] for a in (X7, W7, DY7))
    dx, dw, db = ck.conv2d_backward(dy, x, w, stride=2, padding=1)
    # how many outputs read each pixel: the number of terms in its dx
    covers = ck.conv_transpose2d(np.ones_like(dy), np.ones_like(w), stride=2, padding=1)
    return dx[0, 0], dw[0, 0], float(db[0]), covers[0, 0].astype(int)


def _sum(w):
    return w.locator(".ck-sum").inner_text().replace("\u00a0", " ")


def _value(text):
    return float(text.rsplit("= ", 1)[1])


@pytest.fixture
def stepper2d(site_url, recorder):
    yield _stepper(site_url, recorder, CHAPTER_7, ".bp-mode")
    recorder.assert_clean()


def test_backprop_stepper_2d_dx(stepper2d):
    """Every pixel's dx, term by term, equals convkit's, with as many terms as windows cover the pixel."""
    page, w = stepper2d
    dx, _, _, covers = _chapter7_gradients()
    assert w.locator(".bp-mode[data-wrt=x]").get_attribute("aria-pressed") == "true"
    assert _sum(w) == "dx[0, 0] = w[1, 1]·dy[0, 0] = 5·1 = 5"
    for k in range(25):
        t, q = divmod(k, 5)
        text = _sum(w)
        assert text.startswith(f"dx[{t}, {q}] = "), text
        assert _value(text) == dx[t, q], (t, q, text)
        assert text.count("·dy[") == covers[t, q], (t, q, text)   # 1, 2 or 4 terms: the stride's checkerboard
        assert w.locator("table.bp-d td.cur").inner_text() == f"{dx[t, q]:g}"   # convkit's value, sent by Python
        w.locator(".ck-next").click()
    assert _sum(w).startswith("dx[0, 0] = ")  # Next wraps around


def test_backprop_stepper_2d_shows_the_dilation(stepper2d):
    page, w = stepper2d
    w.locator(".ck-slider").focus()
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    assert _sum(w) == "dx[1, 1] = w[2, 2]·dy[0, 0] + w[2, 0]·dy[0, 1] + w[0, 2]·dy[1, 0] + w[0, 0]·dy[1, 1] = " \
                      "9·1 + 7·0 + 3·2 + 1·1 = 16"
    assert "pixel 7 of 25: dx row 1, column 1" in w.locator(".ck-slider").get_attribute("aria-valuetext")
    full = w.locator("table.bp-b")
    assert full.locator("tr").count() == 9 and full.locator("tr").first.locator("td").count() == 9
    # The window over dy dilated by 2: its four dy entries filled, the five zeros the stride inserted ringed.
    assert full.locator("td.win").all_inner_texts() == ["1", "0", "2", "1"]
    assert full.locator("td.bp-ins.bp-box").count() == 5
    assert full.locator("td.bp-ins").count() == 16          # (5x5 dilated) - (3x3 entries)
    assert w.locator("table.bp-c td.hit").all_inner_texts() == ["9", "7", "3", "1"]   # w rotated, over the entries
    assert w.locator("table.bp-c td").all_inner_texts() == [str(v) for v in range(9, 0, -1)]
    assert "Ringed in blue: the zeros that stride 2 inserts, 1 between neighbouring dy entries" in \
        w.locator(".bp-key").inner_text()
    assert w.locator("table.bp-a td.hit").count() == 4      # the outputs x[1, 1] feeds


def test_backprop_stepper_2d_dw_and_db(stepper2d):
    page, w = stepper2d
    _, dw, db, _ = _chapter7_gradients()
    w.locator(".bp-mode[data-wrt=w]").click()
    assert w.locator(".bp-mode[data-wrt=w]").get_attribute("aria-pressed") == "true"
    assert w.locator(".bp-mode[data-wrt=x]").get_attribute("aria-pressed") == "false"
    assert w.locator(".ck-pos").inner_text() == "1 of 9"
    for k in range(9):
        u, v = divmod(k, 3)
        text = _sum(w)
        assert text.startswith(f"dw[{u}, {v}] = Σ dy[i, j]·x̄[2i + {u}, 2j + {v}] = "), text
        assert _value(text) == dw[u, v], (u, v, text)
        assert text.count("·") == 1 + 9        # nine products, one per output
        assert w.locator("table.bp-d td.cur").inner_text() == f"{dw[u, v]:g}"
        # the nine cells read, two apart: filled, or outlined on the padding
        assert w.locator("table.bp-a td.hit").count() + w.locator("table.bp-a td.pad.bp-box").count() == 9
        if k == 4:
            assert text == "dw[1, 1] = Σ dy[i, j]·x̄[2i + 1, 2j + 1] = 1·1 + 0·2 + (-1)·0 + 2·0 + 1·1 + 0·0 + 0·2 " \
                           "+ (-1)·0 + 1·1 = 3"
            assert w.locator("table.bp-a td.hit").all_inner_texts() == ["1", "2", "0", "0", "1", "0", "2", "0", "1"]
        w.locator(".ck-next").click()
    # db: keyboard only. Tab from the dw button to db, Enter presses it; End on the slider sums everything.
    w.locator(".bp-mode[data-wrt=w]").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.wrt") == "b"
    page.keyboard.press("Enter")
    assert w.locator(".bp-mode[data-wrt=b]").get_attribute("aria-pressed") == "true"
    assert _sum(w) == "db = dy[0, 0] = 1 = 1"
    w.locator(".ck-slider").focus()
    page.keyboard.press("End")
    assert _sum(w) == "db = dy[0, 0] + … + dy[2, 2] = 1 + 0 + (-1) + 2 + 1 + 0 + 0 + (-1) + 1 = 3"
    assert _value(_sum(w)) == db and w.locator("table.bp-d td.cur").inner_text() == f"{db:g}"
    assert not w.locator(".bp-fig-b").is_visible()          # nothing to dilate for db
    # Space on the dx button goes back to the start of dx.
    w.locator(".bp-mode[data-wrt=x]").focus()
    page.keyboard.press("Space")
    assert _sum(w) == "dx[0, 0] = w[1, 1]·dy[0, 0] = 5·1 = 5"


@pytest.mark.parametrize("scheme", ["light", "dark", "dark-toggle"])
def test_backprop_stepper_2d_on_a_phone(site_url, browser, scheme):
    """At 390 px, in every colour scheme: the whole widget on screen, nothing sideways, the card's own colours."""
    from conftest import ARTIFACTS, PHONE, PageRecorder

    rec = PageRecorder(browser, **PHONE, scheme=scheme)
    page, w = _stepper(site_url, rec, CHAPTER_7, ".bp-mode")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for mode in ("x", "w", "b"):
        w.locator(f".bp-mode[data-wrt={mode}]").click()
        w.locator(".ck-next").click()
        w.scroll_into_view_if_needed()
        box = w.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (mode, box)
        for table in w.locator("table").all():
            if table.is_visible():
                t = table.bounding_box()
                assert t["x"] >= 0 and t["x"] + t["width"] <= PHONE["width"], (mode, t)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        w.screenshot(path=str(ARTIFACTS / f"phone-{scheme}__{CHAPTER_7}__backprop2d_{mode}.png"))
    # The card keeps its light colours in a dark page: dark text on white, the sum line too.
    colours = w.evaluate("""el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color,
                                  getComputedStyle(el.querySelector('.ck-sum')).color,
                                  getComputedStyle(el.querySelector('figcaption')).color]""")
    assert colours == ["rgb(255, 255, 255)", "rgb(27, 27, 27)", "rgb(27, 27, 27)", "rgb(27, 27, 27)"], colours
    rec.assert_clean()
    rec.context.close()



# Chapter 8: the transposed-convolution stepper. The chapter's example: y = [[1, 2], [3, -1]], w = 3x3 ones with 2 in
# the middle, stride 2. Every expected number comes from convkit, computed here.
CHAPTER_8 = "08_dilation_transposed"
Y8 = [[1, 2], [3, -1]]
W8 = [[1, 1, 1], [1, 2, 1], [1, 1, 1]]


def _kernel8(fh, fw):
    """The kernel the page uses for a size picked in its menus: the given one top-left, new cells 1, 2, 3, ..."""
    return [[W8[a][b] if a < 3 and b < 3 else a * fw + b + 1 for b in range(fw)] for a in range(fh)]


def _transposed8(stride, fh, fw):
    import numpy as np

    import convkit as ck

    y, w = np.array(Y8, float)[None, None], np.array(_kernel8(fh, fw), float)[None, None]
    out = ck.conv_transpose2d(y, w, stride=stride)[0, 0]
    cover = ck.conv_transpose2d(np.ones_like(y), np.ones_like(w), stride=stride)[0, 0]
    return out, cover, ck.conv_matrix(w[0, 0], out.shape, stride).T


def _cells(table):
    return [[c.inner_text() for c in row.locator("td").all()] for row in table.locator("tr").all()]


def _texts(a):
    return [[f"{v:g}" for v in row] for row in a]


@pytest.fixture
def transposed(site_url, recorder):
    yield _stepper(site_url, recorder, CHAPTER_8, "table.tc-y td")
    recorder.assert_clean()


def test_transposed_stepper_stamps_add_up_to_convkits_output(transposed):
    page, w = transposed
    out, cover, _ = _transposed8(2, 3, 3)
    assert _sum(w) == "Stamp 1: y[0, 0]·w added with its corner at (0·2, 0·2) = (0, 0). " \
                      "out[0, 0] = y[0, 0]·w[0, 0] = 1·1 = 1"
    assert _cells(w.locator("table.tc-cover")) == _texts(cover)          # 1, 2 or 4 stamps: the checkerboard
    assert "FH = 3 and FW = 3 are not multiples of S = 2" in w.locator(".tc-check").inner_text()
    assert "Stamps per cell: 1, 2 or 4." in w.locator(".tc-check").inner_text()
    assert w.locator("table.ck-out td.tc-foot").count() == 9
    for _ in range(3):
        w.locator(".ck-next").click()
    # The last stamp, y[1, 1] = -1: bracketed wherever it is a factor; the centre cell sums all four stamps.
    assert w.locator(".tc-stamp-cap").inner_text().replace("\u00a0", " ") == "Stamp y[1, 1]·w = (-1)·w"
    assert _sum(w) == "Stamp 4: y[1, 1]·w added with its corner at (1·2, 1·2) = (2, 2). out[2, 2] = " \
                      "y[0, 0]·w[2, 2] + y[0, 1]·w[2, 0] + y[1, 0]·w[0, 2] + y[1, 1]·w[0, 0] = " \
                      f"1·1 + 2·1 + 3·1 + (-1)·1 = {out[2, 2]:g}"
    assert _cells(w.locator("table.ck-out")) == _texts(out)
    assert w.locator("table.tc-stamp td").all_inner_texts() == ["-1", "-1", "-1", "-1", "-2", "-1", "-1", "-1", "-1"]
    w.locator(".ck-next").click()  # wraps round to the first stamp
    assert _sum(w).startswith("Stamp 1: ")


@pytest.mark.parametrize("stride, fh, fw", [(1, 3, 3), (2, 4, 4), (3, 2, 4), (1, 1, 2), (3, 4, 1)])
def test_transposed_stepper_recomputes_on_stride_and_kernel(transposed, stride, fh, fw):
    """The page's own output, stamp counts and (W*)^T after a change of geometry equal convkit's."""
    page, w = transposed
    out, cover, wt = _transposed8(stride, fh, fw)
    w.locator(".ck-stride").select_option(str(stride))
    w.locator(".ck-fh").select_option(str(fh))
    w.locator(".ck-fw").select_option(str(fw))
    assert w.locator("table.ck-k td").all_inner_texts() == [str(v) for row in _kernel8(fh, fw) for v in row]
    assert w.locator(".ck-pos").inner_text() == "1 of 4"
    w.locator(".ck-slider").focus()
    page.keyboard.press("End")
    assert _cells(w.locator("table.ck-out")) == _texts(out)
    assert _cells(w.locator("table.tc-cover")) == _texts(cover)
    note = w.locator(".tc-check").inner_text()
    if stride > 1:
        assert ("not a multiple" in note or "not multiples" in note) == bool(fh % stride or fw % stride), note
    if (fh, fw) != (3, 3):
        assert f"Kernel {fh}×{fw}: the given 3×3 kernel" in w.locator(".ck-knote").inner_text()
    # Row by row: every output cell is its row of (W*)^T times y*.
    w.locator(".tc-view").click()
    assert w.locator(".tc-view").get_attribute("aria-pressed") == "true"
    assert _cells(w.locator("table.tc-m")) == [["·" if v == 0 else f"{v:g}" for v in row] for row in wt]
    h, wd = out.shape
    assert w.locator(".ck-pos").inner_text() == f"1 of {h * wd}"
    w.locator(".ck-slider").focus()
    page.keyboard.press("End")
    assert _cells(w.locator("table.ck-out")) == _texts(out)
    assert _sum(w).startswith(f"out[{h - 1}, {wd - 1}] = row {h * wd - 1} of (W*)ᵀ · y* = ")
    assert _value(_sum(w)) == out[-1, -1]


def test_transposed_stepper_matrix_view_row_by_row(transposed):
    import numpy as np

    page, w = transposed
    out, _, wt = _transposed8(2, 3, 3)
    # Keyboard only: Enter presses the view switch.
    w.locator(".tc-view").focus()
    page.keyboard.press("Enter")
    assert w.locator(".tc-view").get_attribute("aria-pressed") == "true"
    assert w.locator(".tc-view").inner_text() == "Back to the stamps"
    assert not w.locator(".tc-cover").is_visible() and w.locator("table.tc-m").is_visible()
    w.locator(".ck-slider").focus()
    for n in range(25):
        a, b = divmod(n, 5)
        text = _sum(w)
        assert text.startswith(f"out[{a}, {b}] = row {n} of (W*)ᵀ · y* = "), text
        assert _value(text) == out[a, b], (a, b, text)
        assert text.count("·") - 1 == np.count_nonzero(wt[n]), text      # one product per stamp reaching the cell
        assert w.locator("table.tc-m tr.row-cur td.hit").count() == np.count_nonzero(wt[n])
        assert w.locator("table.tc-y td.hit").count() == np.count_nonzero(wt[n])
        assert f"output cell {n + 1} of 25: output row {a}, column {b}" in \
            w.locator(".ck-slider").get_attribute("aria-valuetext")
        if n < 24:
            page.keyboard.press("ArrowRight")
    assert _sum(w) == "out[4, 4] = row 24 of (W*)ᵀ · y* = 1·(-1) = -1"   # the last stamp's corner: y[1, 1]·w[2, 2]
    w.locator(".ck-next").click()   # Next wraps round to the first output cell
    assert _sum(w) == "out[0, 0] = row 0 of (W*)ᵀ · y* = 1·1 = 1"
    w.locator(".ck-slider").focus()
    assert _cells(w.locator("table.tc-m"))[14] == ["·", "1", "·", "1"]   # out[2, 4]: y[0, 1] and y[1, 1] reach it
    # Tab from the slider reaches the stride menu; an arrow key picks stride 3, back at the first output cell.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "ck-stride"
    page.keyboard.press("ArrowDown")
    assert w.locator(".ck-pos").inner_text() == "1 of 36"   # output (2 - 1)·3 + 3 = 6 by 6
    # Space on the switch goes back to the stamps.
    w.locator(".tc-view").focus()
    page.keyboard.press("Space")
    assert w.locator(".tc-view").get_attribute("aria-pressed") == "false"
    assert _sum(w).startswith("Stamp 1: ")


def test_transposed_stepper_play_steps_and_pauses(transposed):
    page, w = transposed
    play = w.locator(".ck-play")
    play.click()
    assert play.get_attribute("aria-pressed") == "true"
    page.wait_for_function("() => [...document.querySelectorAll('.ck-stepper .ck-sum')]"
                           ".some(e => e.textContent.startsWith('Stamp 2: '))", timeout=5000)
    play.click()
    assert play.get_attribute("aria-pressed") == "false"


@pytest.mark.parametrize("scheme", ["light", "dark", "dark-toggle"])
def test_transposed_stepper_on_a_phone(site_url, browser, scheme):
    """At 390 px, both views: the card on screen, nothing sideways but the matrix's own box, text readable."""
    from conftest import ARTIFACTS, PHONE, PageRecorder

    rec = PageRecorder(browser, **PHONE, scheme=scheme)
    page, w = _stepper(site_url, rec, CHAPTER_8, "table.tc-y td")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for view in ("stamps", "matrix"):
        w.locator(".ck-fh").select_option("4")   # the largest grids the menus allow
        w.locator(".ck-fw").select_option("4")
        w.locator(".ck-next").click()
        w.scroll_into_view_if_needed()
        box = w.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (view, box)
        assert w.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), view
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        worst, where = w.evaluate(MIN_CONTRAST_JS)
        assert worst >= 4.5, f"contrast {worst:.2f} at {where!r} in the {scheme} scheme, {view}"
        w.screenshot(path=str(ARTIFACTS / f"phone-{scheme}__{CHAPTER_8}__transposed_{view}.png"))
        if view == "stamps":
            w.locator(".tc-view").click()
    colours = w.evaluate("el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]")
    assert colours == ["rgb(255, 255, 255)", "rgb(27, 27, 27)"], colours
    rec.assert_clean()
    rec.context.close()


# Chapter 8: the receptive-field explorer, on the chapter's stack (F, S, D) = (3, 1, 1), (3, 2, 1), (3, 1, 2), output 1
# of 3. Every expected field is convkit's gradient, computed here.
LAYERS8 = [[3, 1, 1], [3, 2, 1], [3, 1, 2]]


def _field8(layers, cell=1):
    from convkit.widgets import receptive_field

    return receptive_field(layers, 3, cell)


def _strips(w):
    """The strips' numbers, the input first (as receptive_field gives them): '' read as 0."""
    tables = w.locator("table.rf-strip").all()
    return [[int(t) if t else 0 for t in table.locator("td").all_inner_texts()] for table in reversed(tables)]


@pytest.fixture
def field(site_url, recorder):
    yield _stepper(site_url, recorder, CHAPTER_8, "table.rf-strip td")
    recorder.assert_clean()


def test_receptive_field_explorer_lights_up_layer_by_layer(field):
    page, w = field
    want = _field8(LAYERS8)
    assert _strips(w) == want      # saved with every level shown: convkit's dY/dX, level by level
    lit = [i for i, v in enumerate(want[0]) if v]
    assert _sum(w).startswith(f"Output 1 reads the input at cells {lit[0]} to {lit[-1]}: 13 wide, r₃ = 13; every one")
    assert w.locator(".rf-rec").all_inner_texts() == [
        "r₀ = 1", "r₁ = r₀ + (F₁ − 1)·D₁ = 1 + 2·1 = 3", "r₂ = r₁ + (F₂ − 1)·D₂·S₁ = 3 + 2·1·1 = 5",
        "r₃ = r₂ + (F₃ − 1)·D₃·(S₁·S₂) = 5 + 2·2·(1·2) = 13"]
    w.locator(".ck-next").click()      # wraps round to the output alone
    assert _strips(w) == [[0] * 17, [0] * 15, [0] * 7, [0, 1, 0]]
    w.locator(".ck-next").click()      # one level down: layer 2, read 2 apart (D3 = 2)
    assert _strips(w) == [[0] * 17, [0] * 15, want[2], want[3]]
    assert "layer 2's output at cells 1 to 5: 5 wide; 3 of them have a non-zero dY/dX" in _sum(w)
    assert _sum(w).endswith("; the other 2 are holes, which no path reaches.")
    w.locator(".ck-next").click()
    assert _strips(w)[1:] == want[1:] and "layer 1's output at cells 2 to 12: 11 wide; 9 of them have" in _sum(w)
    # Keyboard: the output slider picks output 0; End on the level slider shows the field down to the input.
    w.locator(".rf-cell").focus()
    page.keyboard.press("Home")
    w.locator(".ck-slider").focus()
    page.keyboard.press("End")
    assert _strips(w) == _field8(LAYERS8, cell=0)
    assert "levels" in w.locator(".ck-slider").get_attribute("aria-valuetext")


@pytest.mark.parametrize("layer, what, value", [(3, "d", 4), (2, "s", 3), (1, "f", 5), (2, "d", 2), (3, "f", 1)])
def test_receptive_field_explorer_recomputes_on_edits(field, layer, what, value):
    """Each edit: the page's field (all levels) equals convkit's gradient, and r_L its width in the input."""
    page, w = field
    layers = [list(v) for v in LAYERS8]
    layers[layer - 1]["fsd".index(what)] = value
    w.locator(f".rf-layer:has-text('Layer {layer}') .rf-{what}").select_option(str(value))
    want = _field8(layers)
    assert _strips(w) == want
    r = int(w.locator(".rf-rec").last.inner_text().rsplit("= ", 1)[1])
    lit = [i for i, v in enumerate(want[0]) if v]
    assert r == lit[-1] - lit[0] + 1
    holes = len(lit) < r
    assert ("holes" in _sum(w)) == holes, _sum(w)


def test_receptive_field_explorer_keyboard_add_and_remove(field):
    page, w = field
    # Tab order: the layer menus are reachable, an arrow key edits one and the focus stays on it through the redraw.
    sel = w.locator(".rf-layer:has-text('Layer 3') .rf-d")
    sel.focus()
    page.keyboard.press("ArrowDown")        # D3: 2 -> 3
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Layer 3 dilation D3"
    page.keyboard.press("ArrowDown")        # D3: 3 -> 4
    layers = [list(v) for v in LAYERS8]
    layers[2][2] = 4
    assert _strips(w) == _field8(layers)
    w.locator(".rf-add").focus()
    page.keyboard.press("Enter")             # a fourth layer (3, 1, 1) on top
    assert w.locator(".rf-layer").count() == 4 and w.locator(".ck-pos").inner_text() == "4 of 4"
    assert _strips(w) == _field8(layers + [[3, 1, 1]])
    assert w.locator(".rf-add").is_disabled()   # at most 4 layers
    w.locator(".rf-remove").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Space")
    assert w.locator(".rf-layer").count() == 2 and _strips(w) == _field8(layers[:2])
    assert w.locator(".rf-rec").all_inner_texts()[-1] == "r₂ = r₁ + (F₂ − 1)·D₂·S₁ = 3 + 2·1·1 = 5"


@pytest.mark.parametrize("scheme", ["light", "dark", "dark-toggle"])
def test_receptive_field_explorer_on_a_phone(site_url, browser, scheme):
    """At 390 px: the card on screen, the long strips scroll inside their own boxes, text readable."""
    from conftest import ARTIFACTS, PHONE, PageRecorder

    rec = PageRecorder(browser, **PHONE, scheme=scheme)
    page, w = _stepper(site_url, rec, CHAPTER_8, "table.rf-strip td")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for n, (what, value) in enumerate([(None, None), ("s", "3")]):
        if what:
            w.locator(f".rf-layer:has-text('Layer 2') .rf-{what}").select_option(value)   # stride 3 in layer 2: 23 inputs, with holes
        w.scroll_into_view_if_needed()
        box = w.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        assert w.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        worst, where = w.evaluate(MIN_CONTRAST_JS)
        assert worst >= 4.5, f"contrast {worst:.2f} at {where!r} in the {scheme} scheme"
        w.screenshot(path=str(ARTIFACTS / f"phone-{scheme}__{CHAPTER_8}__field{n}.png"))
    # The input strip scrolls inside its box, and its lit cells are in sight.
    inside = ("b => { const r = b.getBoundingClientRect(); const c = b.querySelector('td.hit');"
              " const q = c.getBoundingClientRect(); return q.left >= r.left - 1 && q.right <= r.right + 1; }")
    strip = w.locator(".ck-scroll").filter(has=page.locator("table.rf-strip[data-level='0']"))
    assert strip.evaluate(inside)
    rec.assert_clean()
    rec.context.close()
