"""No path in the product turns text into code (issue 19, section 1): the code itself is read.

Stored text must never become part of a template's source, nor markup, nor anything evaluated. The
behaviour is proven with hostile text in tests/maps/test_stored_text_in_maps.py; this keeps the places
where it could happen from growing back:

- only maps/render.py touches folium, branca or Jinja2, and every template it gives them is built
  from module constants alone (data reaches a map page in its JSON data block);
- no Django template is built from a string, nothing is ``eval``/``exec``/``compile``'d, and no
  ``str.format`` or ``%`` takes its format from a variable;
- ``mark_safe`` and ``|safe`` appear only where the text is ours (listed here with the reason), and
  autoescape is never switched off;
- our browser scripts never write markup from strings (``innerHTML`` and the like) or evaluate text.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "backend",
    "core",
    "coverage",
    "campaigns",
    "maps",
    "field_api",
    "leaders",
    "onboarding",
    "ioc",
    "phoneapp",
    "demo",
]
TEMPLATING = {"folium", "branca", "jinja2"}
# Where text is marked safe, and why it is ours.
SAFE_MARKS = {
    ("campaigns/views.py", "mark_safe"): "the progress chart: SVG built from numbers and escaped labels",
}
SAFE_FILTERS = {
    # the map's parts as maps/render.py wrote them: our markup, stored text only in escaped JSON
    "maps/templates/maps/map_page.html": 3,
    "leaders/templates/leaders/commune.html": 3,
    "onboarding/templates/onboarding/province_boundaries_preview.html": 3,
}


def _python_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "node_modules" not in path.parts:
                yield path


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_only_the_map_renderer_touches_a_template_engine_of_its_own():
    users = set()
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            if any(name.split(".")[0] in TEMPLATING for name in names):
                users.add(_relative(path))
    assert users == {"maps/render.py"}


def _constant_text(node: ast.AST, constants: set[str]) -> bool:
    """A string made only of literals and module-level string constants."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Name):
        return node.id in constants
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _constant_text(node.left, constants) and _constant_text(node.right, constants)
    if isinstance(node, ast.JoinedStr):
        return all(
            isinstance(part, ast.Constant) or _constant_text(part.value, constants) for part in node.values
        )
    return False


def test_every_template_the_map_renderer_compiles_is_made_of_constants():
    path = ROOT / "maps/render.py"
    tree = ast.parse(path.read_text())
    constants = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign) and _constant_text(node.value, set())
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    # constants built from other constants (e.g. "{% macro %}" + SCRIPT + "{% endmacro %}")
    for node in tree.body:
        if isinstance(node, ast.Assign) and _constant_text(node.value, constants):
            constants |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    compiled = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        # Template(...) compiles its text; branca's Element(text) does too (folium.Element).
        if name in {"Template", "Element", "from_string"}:
            compiled.append(name)
            assert node.args and all(_constant_text(arg, constants) for arg in node.args), ast.unparse(node)
            assert not node.keywords, ast.unparse(node)
    assert "Template" in compiled


TRANSLATIONS = {"_", "gettext", "ngettext", "pgettext", "gettext_lazy"}


def _literal_format(node: ast.AST) -> bool:
    """A format that is a literal, a translation of one, or a throttle's fixed ``cache_format``."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") in TRANSLATIONS:
        return True
    return isinstance(node, ast.Attribute) and node.attr == "cache_format"


def test_nothing_is_evaluated_or_formatted_from_a_variable():
    found = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            where = f"{_relative(path)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
                # "%" with a dict or tuple is string formatting: its format must be ours
                if isinstance(node.right, ast.Dict | ast.Tuple) and not _literal_format(node.left):
                    found.append(f"{where} {ast.unparse(node)[:80]}")
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id in {
                "eval",
                "exec",
                "compile",
                "__import__",
                "Template",
            }:
                found.append(f"{where} {func.id}")
            if isinstance(func, ast.Attribute) and func.attr in {"from_string", "format", "format_map"}:
                if not _literal_format(func.value):
                    found.append(f"{where} {ast.unparse(node)[:80]}")
    # folium's Template in the map renderer: made of constants (the test above)
    assert [
        line for line in found if not (line.startswith("maps/render.py:") and line.endswith(" Template"))
    ] == []


def test_markup_is_marked_safe_only_where_it_is_ours():
    marks = set()
    for path in _python_files():
        text = path.read_text()
        for name in ("mark_safe", "SafeString", "SafeData"):
            if re.search(rf"\b{name}\(", text):
                marks.add((_relative(path), name))
    assert marks == set(SAFE_MARKS)
    filters = {}
    for path in sorted(ROOT.glob("*/templates/**/*.html")) + sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        assert "autoescape off" not in text, path
        assert "|safeseq" not in text, path
        count = text.count("|safe")
        if count:
            filters[_relative(path)] = count
    assert filters == SAFE_FILTERS


SCRIPT_SINKS = re.compile(
    r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|"
    r"dangerouslySetInnerHTML|setTimeout\(\s*['\"`]|setInterval\(\s*['\"`]|\.html\("
)


def test_our_browser_scripts_never_write_markup_from_strings():
    scripts = [
        *sorted(ROOT.glob("*/static/**/*.js")),
        *sorted((ROOT / "phone/src").rglob("*.js")),
        *sorted((ROOT / "phone/src").rglob("*.jsx")),
    ]
    assert scripts
    offenders = [
        f"{_relative(path)}: {match.group(0)}"
        for path in scripts
        if "node_modules" not in path.parts
        for match in SCRIPT_SINKS.finditer(path.read_text())
    ]
    assert offenders == []
    render = (ROOT / "maps/render.py").read_text()
    assert not SCRIPT_SINKS.search(render)
