"""Voilà's page templates, compiled once per server (widgets.server.templates)."""

from __future__ import annotations

import jinja2

from widgets.server.templates import COMPILED, CompiledTemplates, keep_compiled_templates


def test_a_template_is_compiled_once_for_every_environment_and_again_when_edited(
    tmp_path, monkeypatch
):
    compiled: list[str] = []
    real_compile = jinja2.Environment.compile

    def counting_compile(self, source, name=None, filename=None, *args, **kwargs):
        compiled.append(name)
        return real_compile(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting_compile)
    (tmp_path / "page.html").write_text("<p>{{ who | upper }}</p>", encoding="utf-8")
    cache = CompiledTemplates()

    def render(who: str) -> str:
        # A new environment for each page, as Voilà makes one, each with its own filters.
        environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(tmp_path), bytecode_cache=cache, autoescape=True
        )
        return environment.get_template("page.html").render(who=who)

    assert render("a supervisor") == "<p>A SUPERVISOR</p>"
    assert render("<b>a team</b>") == "<p>&lt;B&gt;A TEAM&lt;/B&gt;</p>"
    assert compiled == ["page.html"] and len(cache) == 1
    (tmp_path / "page.html").write_text("<h2>{{ who }}</h2>", encoding="utf-8")
    assert render("a practice lead") == "<h2>a practice lead</h2>"
    assert compiled == ["page.html", "page.html"] and len(cache) == 1


def test_voila_s_exporter_shares_the_server_s_compiled_templates():
    import voila.notebook_renderer as renderer

    keep_compiled_templates()
    keep_compiled_templates()  # a second call changes nothing
    exporter_class = renderer.VoilaExporter
    assert exporter_class.keeps_compiled_templates
    assert exporter_class.__mro__[1].__name__ == "VoilaExporter"
    assert not getattr(exporter_class.__mro__[1], "keeps_compiled_templates", False)
    first = exporter_class(template_name="lab")
    second = exporter_class(template_name="lab")
    assert first.environment is not second.environment
    assert first.environment.bytecode_cache is COMPILED is second.environment.bytecode_cache


def test_prose_is_turned_into_html_once_and_a_passage_with_a_picture_every_time(monkeypatch):
    import voila.notebook_renderer as renderer
    from voila.exporter import VoilaExporter

    import widgets.server.templates as templates

    keep_compiled_templates()

    class NoFiles:
        def file_exists(self, path: str) -> bool:
            return False

    exporter = renderer.VoilaExporter(template_name="lab", contents_manager=NoFiles())
    plain = VoilaExporter(template_name="lab", contents_manager=NoFiles())
    text = "## Being available\n\nA team that is *there* for each other, & says so."
    context = {"cell": {"cell_type": "markdown", "source": text}}
    drawn: list[str] = []
    real = VoilaExporter.markdown2html

    def counting(self, context, source):
        drawn.append(source)
        return real(self, context, source)

    monkeypatch.setattr(templates, "PROSE", templates.OrderedDict())
    monkeypatch.setattr(templates, "MAX_PASSAGES", 2)
    expected = plain.markdown2html(context, text)
    monkeypatch.setattr(VoilaExporter, "markdown2html", counting)
    assert exporter.markdown2html(context, text) == expected
    assert exporter.markdown2html(context, text) == expected
    assert drawn == [text]
    assert "<h2" in expected and "&amp;" in expected
    # A picture's file is read into the page, so it is drawn afresh each time.
    picture = "![The model](model.svg)"
    exporter.markdown2html({"cell": {"source": picture}}, picture)
    exporter.markdown2html({"cell": {"source": picture}}, picture)
    assert drawn == [text, picture, picture] and len(templates.PROSE) == 1
    # The cache is bounded: the passage drawn least recently goes first.
    for other in ("First.", "Second."):
        exporter.markdown2html({"cell": {"source": other}}, other)
    assert [key[0] for key in templates.PROSE] == ["First.", "Second."]
