"""Every file the widgets' styles name is served by the site: each font of each @font-face rule.

The widget manager injects its styles (and with them Font Awesome's @font-face rules) from JavaScript once
the widgets start, so a scan of the site's files cannot see them: the page is loaded and asked. Which of two
rules for one font family the browser uses depends on their order, and it only fetches a font when a glyph
needs it, so a rule that names a missing file failed a test once in many runs; here every rule's every
URL is fetched. The pages are found by reading the built site.
"""
import pytest
from conftest import PageRecorder
from test_widgets_slow_device import VIEW, pages_with_widgets

# (font family, URL) of every url() in every @font-face rule of the page's stylesheets, resolved as the
# browser resolves it: against the stylesheet's own URL, or the page's for a <style> element.
FONT_FACES = r"""() => [...document.styleSheets]
  .flatMap((sheet) => { try { return [...sheet.cssRules]; } catch (e) { return []; } })
  .filter((rule) => rule instanceof CSSFontFaceRule)
  .flatMap((rule) => [...rule.style.getPropertyValue('src').matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)]
    .filter((m) => !m[1].startsWith('data:'))
    .map((m) => [rule.style.getPropertyValue('font-family'),
                 new URL(m[1], rule.parentStyleSheet.href || document.baseURI).href]))"""


@pytest.mark.parametrize("path", pages_with_widgets())
def test_every_font_the_widget_styles_name_is_served(site_url, browser, path):
    rec = PageRecorder(browser)
    try:
        page = rec.open(f"{site_url}/{path}")
        page.wait_for_function(f"document.querySelectorAll('{VIEW}').length > 0 && "
                               "document.querySelectorAll('.widget-subarea .lm-Widget, .widget-subarea .ck-stepper')"
                               f".length >= document.querySelectorAll('{VIEW}').length", timeout=60_000)
        faces = page.evaluate(FONT_FACES)
        widget_faces = [(family, url) for family, url in faces if "html-manager" in url or "Awesome 5" in family]
        assert widget_faces, f"{path}: the widget manager's fonts were not found in the page's styles"
        missing = sorted({f"{family} {url.removeprefix(site_url)} ({status})" for family, url in faces
                          if (status := page.request.get(url).status) != 200})
        assert not missing, f"{path}: @font-face rules name files the site does not serve: {missing}"
        rec.assert_clean()
    finally:
        rec.context.close()
