"""Each script once per page.

Sphinx 7.4 adds an inline script that an extension registers after the HTML builder exists
(sphinx-thebe's ``const THEBE_JS_URL = ...``, sphinx-togglebutton's ``var togglebuttonSelector``)
a second time: its duplicate check compares file names, and the inline script's is ``None`` once and
``''`` the other time. The second ``const`` throws in every browser ("Identifier 'THEBE_JS_URL' has
already been declared") on every page. Fixed upstream in Sphinx 8 (sphinx-doc/sphinx#13402), which
jupyter-book 1 cannot use. Here the page's script list keeps the first of equal scripts.
"""


def _key(js):
    return (js.filename or "", js.priority, tuple(sorted(js.attributes.items())))


def _one_copy_of_each(app, pagename, templatename, context, doctree):
    if "script_files" not in context:
        return
    seen, unique = set(), []
    for js in context["script_files"]:
        if _key(js) not in seen:
            seen.add(_key(js))
            unique.append(js)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _one_copy_of_each)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
