"""The widgets in the static book: no kernel, no network, every control working."""
import pytest

CHAPTER_1 = "notebooks/01_one_window.html"


@pytest.fixture
def stepper(site_url, recorder):
    page = recorder.open(f"{site_url}/{CHAPTER_1}")
    page.wait_for_selector(".ck-stepper table.ck-out td", timeout=15000)
    yield page, page.locator(".ck-stepper").first
    assert not recorder.blocked, f"requests to other hosts: {recorder.blocked}"
    assert not recorder.http_errors, f"HTTP errors: {recorder.http_errors}"
    assert not recorder.real_page_errors(), f"page errors: {recorder.real_page_errors()}"


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
    w.locator(".ck-fh").select_option("3")
    w.locator(".ck-fw").select_option("3")
    assert out_shape(w) == (3, 3)  # (3 - 3 + 2)/1 + 1
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


def test_play_steps_by_itself_and_pauses(stepper):
    page, w = stepper
    play = w.locator(".ck-play")
    play.click()
    assert play.get_attribute("aria-pressed") == "true"
    page.wait_for_function("() => document.querySelector('.ck-sum').textContent.endsWith('= 47')", timeout=5000)
    play.click()
    assert play.get_attribute("aria-pressed") == "false"


def test_fits_a_phone_screen(site_url, browser):
    from conftest import ARTIFACTS, PageRecorder

    rec = PageRecorder(browser, width=360, height=740)
    page = rec.open(f"{site_url}/{CHAPTER_1}")
    page.wait_for_selector(".ck-stepper table.ck-out td", timeout=15000)
    widget = page.locator(".ck-stepper").first
    widget.scroll_into_view_if_needed()
    box = widget.bounding_box()
    assert box["width"] <= 360, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "phone__01_one_window_stepper.png"))
    rec.context.close()
