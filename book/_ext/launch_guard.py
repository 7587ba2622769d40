"""Show launch buttons (Binder, Colab) only when the book knows its repository.

`repository.url` in _config.yml is the one setting: empty for a local build
(sphinx-book-theme would crash on launch buttons without a repository), set by
the GitHub Pages workflow to the repository it runs in.
"""


def _drop_launch_buttons_without_repository(app, config):
    options = config.html_theme_options
    if not options.get("repository_url"):
        options["launch_buttons"] = {}


def setup(app):
    app.connect("config-inited", _drop_launch_buttons_without_repository)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
