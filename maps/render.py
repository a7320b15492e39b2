"""Map pages with folium, on the product's own Leaflet (no CDN: offices have poor links, tests none).

folium pulls Leaflet, jQuery, Bootstrap, Font Awesome and awesome-markers from CDNs by default; a map
here needs only Leaflet and marker clusters (branca's d3 legend is replaced by our own, see Legend).

Stored text (area names, household labels, service names: typed on phones, in forms, imported from
files) never passes through folium. folium and branca compile every piece of a page they render as a
Jinja2 template (each macro's output is wrapped in ``Element(...)``, whose text is template source), so
anything given to them inline would be evaluated on the server: ``{{ 7*7 }}`` in a label came back as
49, and a tag answered 500. Here folium renders only our code, numbers and the layers' names; what a
map shows travels in one JSON data block appended to the rendered page (``_finish``), never rendered
by any template, and our scripts read it with ``JSON.parse``. The block is JSON with ``<``, ``>`` and
``&`` escaped, so it cannot close its script or open markup; tooltips and popups put its text on
screen as text nodes (folium's own GeoJsonTooltip/GeoJsonPopup and a string given to ``bindTooltip``
are HTML to Leaflet, so they are not used). Rendered pages carry no nonce (they are cached for
everyone); ``with_csp_nonce`` adds the request's nonce to their scripts when a page is served.
"""

import json
import re
from dataclasses import dataclass

import branca.colormap as cm
import folium
from branca.element import MacroElement
from django.conf import settings
from django.templatetags.static import static
from django.utils.translation import gettext as _
from folium.plugins import MarkerCluster
from folium.template import Template

from backend.formats import number, percent

BOUNDARY_CREDIT = "Ranh giới: thanglequoc/vietnamese-provinces-database (MIT), sapnhap.bando.com.vn"
LEGEND_COLOURS = ["#d73027", "#fc8d59", "#fee08b", "#91cf60", "#1a9850"]
STATUS_COLOURS = {"visited": "#1a9850", "not_yet": "#d73027", "followup": "#f28e2b"}


def _local_assets(map_: folium.Map) -> None:
    map_.default_js = [("leaflet", static("vendor/leaflet/leaflet.js")), ("areas", static("maps/areas.js"))]
    map_.default_css = [("leaflet_css", static("vendor/leaflet/leaflet.css"))]


def _base_map(bounds) -> folium.Map:
    tiles_url = settings.MAP_TILES_URL
    map_ = folium.Map(
        location=[16.0, 107.5],
        zoom_start=6,
        tiles=None,
        control_scale=False,  # folium's scale shows miles and feet too: MetricScale below
        prefer_canvas=False,
        # folium gives max_zoom to the tile layer only; without tiles, clusters need it on the map.
        # Without tiles the map fits its area in quarter zoom steps (tiles would blur between steps).
        **{"maxZoom": 18, "zoomSnap": 1 if tiles_url else 0.25},
    )
    _local_assets(map_)
    PageData(block_id=_block_id(map_)).add_to(map_)
    if tiles_url:
        folium.TileLayer(
            tiles_url, attr=settings.MAP_TILES_ATTRIBUTION, name=_("Bản đồ nền"), max_zoom=18
        ).add_to(map_)
    FitArea().add_to(map_)
    MetricScale().add_to(map_)
    map_.get_root().header.add_child(
        folium.Element(f'<style>{MAP_CSS}</style><meta name="credit" content="{BOUNDARY_CREDIT}">')
    )
    return map_


# Phones first: tooltips and popups wrap within 300 px (less on a narrower screen), the legend sits bottom right (the zoom buttons
# are top left, the layer switch top right), controls shrink below 600 px.
MAP_CSS = """
.leaflet-container { background: #f4f6f8; font-size: 14px; }
.leaflet-container .leaflet-control-attribution { font-size: 11px; }
/* A tooltip's box is absolutely placed in a pane of no width: it takes its content's width (up to a
   phone's), and words wrap only between words, never a letter a line. */
.leaflet-container .leaflet-tooltip { width: max-content; max-width: min(300px, calc(100vw - 24px));
  white-space: normal; overflow-wrap: break-word; padding: 6px 8px; }
.leaflet-container .leaflet-popup-content { margin: 10px 12px; overflow-wrap: break-word; }
.area-card { font: 13px/1.35 system-ui, sans-serif; color: #1f2933; min-width: 150px; }
.area-card .title { font-weight: 700; font-size: 14px; margin-bottom: 3px; }
.area-card table { border-collapse: collapse; width: 100%; }
.area-card th, .area-card td { border: 0; padding: 1px 0; vertical-align: baseline; }
.area-card th { text-align: left; font-weight: 400; color: #52606d; padding-right: 10px; }
.area-card td { text-align: right; font-weight: 600; white-space: nowrap; font-variant-numeric: tabular-nums; }
.area-card tr.main td { font-size: 14px; }
.area-card tr.bad td { color: #b71c1c; }
.area-card .area-link { display: block; margin-top: 6px; font-weight: 600; }
/* A click or tap focuses an area: no box drawn round it then (the keyboard's focus ring stays). */
.leaflet-container path.leaflet-interactive:focus:not(:focus-visible) { outline: none; }
/* Area names on the map: centred on their label point, a white halo to read over any colour. */
.area-label-anchor { width: 0 !important; height: 0 !important; background: none; border: 0; }
.area-label { position: absolute; left: 0; top: 0; transform: translate(-50%, -50%); display: block;
  width: max-content; max-width: 10em; text-align: center; font: 600 12px/1.15 system-ui, sans-serif;
  color: #102a43; white-space: normal; overflow-wrap: break-word; pointer-events: none;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff, 0 0 4px #fff; }
.leaflet-control button.fit-area, button.fit-area { width: 30px; height: 30px; padding: 0; font: 18px/30px sans-serif;
  background: #fff; border: 2px solid rgba(0,0,0,.2); border-radius: 4px; cursor: pointer; color: #1f2933; }
.map-legend { background: rgba(255,255,255,.92); padding: 6px 8px; border-radius: 4px; font: 12px/1.35 sans-serif;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); max-width: 180px; }
.map-legend .caption { font-weight: 600; margin-bottom: 3px; }
.map-legend .row { display: flex; align-items: center; gap: 6px; }
.map-legend .swatch { width: 14px; height: 12px; border: 1px solid #607d8b; flex: none; }
.map-legend .dot { width: 12px; height: 12px; border-radius: 6px; border: 1px solid #263238; flex: none; }
.map-legend .estimated { width: 14px; height: 12px; border: 2px dashed #37474f; flex: none; }
.map-legend .section { margin-top: 5px; }
.map-legend .section.first { margin-top: 0; }
.map-legend .legend-toggle { display: none; font: inherit; font-weight: 600; border: 0; background: none; padding: 2px 0;
  cursor: pointer; }
.map-legend.folded .legend-toggle { display: block; }
.map-legend.folded .legend-toggle::after { content: " ▸"; }
.map-legend.folded .row, .map-legend.folded .section:not(.first) { display: none; }
.household-tip .label { font-weight: 600; }
.household-tip .line { margin-top: 2px; }
@media (max-width: 600px) {
  .leaflet-control-layers-expanded { padding: 4px 6px; font-size: 12px; }
  .map-legend { font-size: 11px; max-width: 150px; padding: 4px 6px; }
  .leaflet-control-attribution { font-size: 9px; max-width: 60vw; }
}
"""


class MetricScale(MacroElement):
    """The scale bar in metres and kilometres only, and the boundary credit in the attribution."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "L.control.scale({metric: true, imperial: false, position: 'bottomleft'})"
        ".addTo({{ this._parent.get_name() }});"
        "{{ this._parent.get_name() }}.attributionControl.setPrefix({{ this.credit | tojson }});"
        "{% endmacro %}"
    )

    def __init__(self):
        super().__init__()
        self._name = "MetricScale"
        self.credit = BOUNDARY_CREDIT


def _colormap() -> cm.StepColormap:
    return cm.StepColormap(LEGEND_COLOURS, index=LEGEND_STEPS, vmin=0, vmax=LEGEND_STEPS[-1])


LEGEND_STEPS = [0, 0.2, 0.4, 0.6, 0.8, 1.0001]


class PageData(MacroElement):
    """Reads the page's data block (see ``_finish``) into ``<map>_data`` for the layers after it.

    Added to the map before any layer, so its script runs first."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this._parent.get_name() }}_data = JSON.parse("
        "document.getElementById({{ this.block_id | tojson }}).textContent);"
        "{% endmacro %}"
    )

    def __init__(self, *, block_id: str):
        super().__init__()
        self._name = "PageData"
        self.block_id = block_id


def _data_var(map_: folium.Map) -> str:
    """The script variable holding the map's data block (a name folium made, never stored text)."""
    return f"{map_.get_name()}_data"


def _block_id(map_: folium.Map) -> str:
    return f"{map_.get_name()}-data"


LEGEND_SCRIPT = """
(function (map, spec) {
    var legend = L.control({position: 'bottomright'});
    legend.onAdd = function () {
        var div = L.DomUtil.create('div', 'legend map-legend');
        // On a phone the legend starts folded to one line; a tap opens or folds it.
        if (map.getContainer().clientWidth < 600) { L.DomUtil.addClass(div, 'folded'); }
        var toggle = L.DomUtil.create('button', 'legend-toggle', div);
        toggle.type = 'button';
        toggle.textContent = spec.toggle;
        L.DomEvent.on(toggle, 'click', function () {
            if (L.DomUtil.hasClass(div, 'folded')) { L.DomUtil.removeClass(div, 'folded'); }
            else { L.DomUtil.addClass(div, 'folded'); }
        });
        spec.sections.forEach(function (section, index) {
            var box = L.DomUtil.create('div', index ? 'section' : 'section first', div);
            L.DomUtil.create('div', 'caption', box).textContent = section.caption;
            section.rows.forEach(function (row) {
                var line = L.DomUtil.create('div', 'row', box);
                var mark = L.DomUtil.create('span', row.kind, line);
                if (row.colour) { mark.style.background = row.colour; }
                L.DomUtil.create('span', '', line).textContent = row.label;
            });
        });
        L.DomEvent.disableClickPropagation(div);
        return div;
    };
    legend.addTo(map);
})({{ this._parent.get_name() }}, {{ this._parent.get_name() }}_data.legend);
"""


class Legend(MacroElement):
    """The map's legend as a Leaflet control built from text nodes, from the data block's ``legend``
    (``legend_spec``)."""

    _template = Template("{% macro script(this, kwargs) %}" + LEGEND_SCRIPT + "{% endmacro %}")

    def __init__(self):
        super().__init__()
        self._name = "Legend"


def legend_spec(*, households: bool = False, estimated: bool = False, caption: str | None = None) -> dict:
    """Coverage in percent (Vietnamese number format) and, on commune maps, the household colours and the
    estimated village shapes."""
    rows = []
    for low, high, colour in zip(LEGEND_STEPS, LEGEND_STEPS[1:], LEGEND_COLOURS, strict=False):
        rows.append(
            {
                "kind": "swatch",
                "colour": colour,
                "label": f"{number(round(low * 100))}–{percent(min(high, 1), 0)}",
            }
        )
    sections = [{"caption": caption or _("Độ phủ (tỉ lệ hộ đã gặp được)"), "rows": list(reversed(rows))}]
    if households:
        sections.append(
            {
                "caption": _("Hộ gia đình"),
                "rows": [
                    {"kind": "dot", "colour": STATUS_COLOURS["visited"], "label": _("Đã thăm")},
                    {"kind": "dot", "colour": STATUS_COLOURS["not_yet"], "label": _("Chưa thăm")},
                    {"kind": "dot", "colour": STATUS_COLOURS["followup"], "label": _("Có việc cần theo dõi")},
                ],
            }
        )
    if estimated:
        sections.append(
            {
                "caption": _("Thôn chưa có ranh giới"),
                "rows": [{"kind": "estimated", "colour": None, "label": _("Vùng ước tính từ vị trí các hộ")}],
            }
        )
    return {"sections": sections, "toggle": _("Chú giải")}


def _finish(map_: folium.Map, data: dict) -> str:
    """The rendered page with its data block. The block is added after folium has rendered (text in it
    is never template source), just before folium's scripts (written after ``</body>``), so it is in the
    document when they run and travels with them (``split_page``'s ``script``, which gets the nonce).
    folium's render holds no stored text, so its last ``</body>`` is its own; the block holds no ``<``."""
    html = map_.get_root().render()
    before, after = html.rsplit("</body>", 1)
    block = f'<script type="application/json" id="{_block_id(map_)}">{script_json(data)}</script>'
    return f"{before}</body>\n{block}{after}"


def with_csp_nonce(html: str, nonce: str) -> str:
    """The page with this request's CSP nonce on every script tag (the cached copy has none).

    Only our own markup can hold ``<script`` here: every stored string is inside escaped JSON."""
    return SCRIPT_TAG.sub(f'<script nonce="{nonce}"', html)


SCRIPT_TAG = re.compile(r"<script(?=[\s>])")


@dataclass(frozen=True)
class MapParts:
    """A rendered map page cut into what the shell (templates/maps/map_page.html) places: the head's
    scripts and styles, the map's markup, and the data block with the script that draws from it
    (folium writes its script after body)."""

    head: str
    body: str
    script: str


# folium's page-wide rules would undo the shell's layout (and its viewport forbids zooming the page).
_FOLIUM_PAGE_RULES = [
    re.compile(r'<meta http-equiv="content-type"[^>]*>'),
    re.compile(r'<meta name="viewport".*?/>', re.S),
    re.compile(r"<style>\s*html, body \{.*?</style>", re.S),
    re.compile(r"<style>\s*#map \{.*?</style>", re.S),
]


def split_page(html: str) -> MapParts:
    """Cut a page from ``choropleth_page``/``commune_page`` (ours: stored text in it is escaped JSON,
    so these markers only ever come from folium's own template)."""
    head = html.split("<head>", 1)[1].split("</head>", 1)[0]
    for rule in _FOLIUM_PAGE_RULES:
        head = rule.sub("", head)
    body, after = html.split("<body>", 1)[1].split("</body>", 1)
    script = after.rsplit("</html>", 1)[0]
    return MapParts(head=head.strip(), body=body.strip(), script=script.strip())


class AreaCards(MacroElement):
    """An area layer's card (the data block's ``card``, see ``area_card``): the hover tooltip, the popup a
    tap or click opens (with the link to the area's own map when ``link_url`` is there), and the areas'
    names on the map (maps/static/maps/areas.js builds all of them from text nodes)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "CnscdAreas.bindCards({{ this._parent._parent.get_name() }}, {{ this._parent.get_name() }},"
        " {{ this.data_var }}.card, {{ this.links | tojson }});"
        "CnscdAreas.labels({{ this._parent._parent.get_name() }}, {{ this._parent.get_name() }},"
        " {{ this.data_var }}.card.title);"
        "{% endmacro %}"
    )

    def __init__(self, *, data_var: str, links: bool):
        super().__init__()
        self._name = "AreaCards"
        self.data_var, self.links = data_var, links


class FitArea(MacroElement):
    """The map fitted to the data block's ``bounds`` (again when its box changes size, and from a button)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "CnscdAreas.fit({{ this._parent.get_name() }}, {{ this._parent.get_name() }}_data.bounds,"
        " {{ this.label | tojson }});"
        "{% endmacro %}"
    )

    def __init__(self):
        super().__init__()
        self._name = "FitArea"
        self.label = _("Xem cả vùng")


AREAS_SCRIPT = """
var {{ this.get_name() }} = (function (features) {
    var layer = L.geoJson(null, {
        style: function (feature) {
            var properties = feature.properties;
            var look = {fillColor: properties.fill_colour, color: '#37474f', weight: 1, fillOpacity: 0.7};
            if (properties.estimated) {
                // Not a boundary: drawn from the households' locations, so it says so.
                look.weight = 2; look.dashArray = '4 3'; look.fillOpacity = 0.55;
            }
            return look;
        },
        // A village known only by its households' centroid is a point.
        pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, {radius: 9}); },
        onEachFeature: function (feature, child) {
            child.on({
                mouseover: function (e) { e.target.setStyle({weight: 3, color: '#000'}); },
                mouseout: function (e) { layer.resetStyle(e.target); }
            });
        }
    });
    if (features) { layer.addData(features); }
    return layer;
})({{ this.data_var }}.{{ this.key }});
"""


class DataGeoJson(folium.map.Layer):
    """Areas from the data block's ``key`` (a FeatureCollection whose features carry ``fill_colour``):
    coloured by coverage, highlighted under the pointer, or an outline that takes no pointer."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{% if this.outline %}"
        "var {{ this.get_name() }} = L.geoJson({{ this.data_var }}.{{ this.key }}, {"
        "style: function () { return {{ this.look | tojson }}; }, interactive: false});"
        "{% else %}" + AREAS_SCRIPT + "{% endif %}{% endmacro %}"
    )

    # Outlines that take no pointer: the commune's boundary, and the light "basemap" of the areas around
    # (no tile server at run time: the areas' own outlines show where a place is).
    LOOKS = {
        "boundary": {"fill": False, "color": "#455a64", "weight": 2},
        "context": {"fill": True, "fillColor": "#e9edf1", "fillOpacity": 1, "color": "#b3bdc8", "weight": 1},
    }

    def __init__(self, *, data_var: str, key: str, name: str, outline: bool = False, look: str = "boundary"):
        super().__init__(name=name, overlay=True, control=not outline, show=True)
        self._name = "DataGeoJson"
        self.data_var, self.key, self.outline = data_var, key, outline
        self.look = self.LOOKS[look]


def card_row(label: str, *fields: str, cls: str = "") -> dict:
    """One line of an area's card: the label and the properties it shows (joined by " / "). The line is
    left out where an area lacks any of them, so a number a page does not have yet needs only its line."""
    return {"label": label, "fields": list(fields), "cls": cls}


def area_card(rows: list[dict] | None = None, *, title: str = "name") -> dict:
    """What an area's tooltip and popup show. Numbers are text already formatted for the language
    (backend/formats.py), never raw floats. The coverage maps' lines by default; ``flagged_text`` (visits
    flagged for review) shows once the rows carry it."""
    if rows is None:
        rows = [
            card_row(_("Đã gặp / số hộ"), "households_reached_text", "households_text", cls="main"),
            card_row(_("Độ phủ"), "coverage_pct", cls="main"),
            card_row(_("Hộ đã đến nhưng chưa gặp"), "households_tried_text"),
            card_row(_("Hộ đã đăng ký"), "households_registered_text"),
            card_row(_("Việc quá hạn"), "overdue_text", cls="bad"),
            card_row(_("Lượt thăm có cảnh báo"), "flagged_text"),
            card_row(_("Lượt người được hướng dẫn"), "people_helped_text"),
            card_row(_("Dịch vụ hoàn thành"), "services_done_text"),
            card_row(_("Vị trí trên bản đồ"), "estimated_note"),
        ]
    return {"title": title, "rows": rows}


def _features(geojson_text: str, colormap=None) -> dict:
    """A FeatureCollection as data; with a colour scale, each feature's ``fill_colour`` from its 0–1
    ``coverage``. NaN (a number missing in a frame) is not JSON: it becomes null."""
    collection = json.loads(geojson_text, parse_constant=lambda _constant: None)
    if colormap is not None:
        for feature in collection["features"]:
            feature["properties"]["fill_colour"] = colormap(feature["properties"].get("coverage") or 0)
    return collection


def _coverage_layer(map_: folium.Map, *, name: str, with_links: bool) -> DataGeoJson:
    data_var = _data_var(map_)
    layer = DataGeoJson(data_var=data_var, key="areas", name=name)
    AreaCards(data_var=data_var, links=with_links).add_to(layer)
    return layer


def choropleth_page(
    *,
    geojson_text: str,
    bounds,
    layer_name: str,
    with_links: bool,
    card: dict | None = None,
    legend_caption: str | None = None,
    context_geojson: str | None = None,
) -> str:
    """Areas coloured by coverage (a 0–1 ``coverage`` property), named where they fit, with a legend,
    Vietnamese cards (tooltip and popup) and links to the next level. ``card``: other lines than
    coverage's (``area_card``), e.g. a campaign's. ``context_geojson``: the areas around, drawn as a light
    outline beneath (no names, no numbers)."""
    map_ = _base_map(bounds)
    data = {
        "bounds": bounds,
        "areas": _features(geojson_text, _colormap()),
        "card": card or area_card(),
        "legend": legend_spec(caption=legend_caption),
    }
    if context_geojson:
        data["context"] = _features(context_geojson)
        DataGeoJson(data_var=_data_var(map_), key="context", name="", outline=True, look="context").add_to(
            map_
        )
    _coverage_layer(map_, name=layer_name, with_links=with_links).add_to(map_)
    Legend().add_to(map_)
    folium.LayerControl(collapsed=False).add_to(map_)
    return _finish(map_, data)


BOUNDARY_CHECK_COLOURS = {"ok": "#1a9850", "bad": "#d73027"}


def boundary_check_page(*, villages: dict, communes: dict, bounds) -> str:
    """An uploaded file's villages before they are stored, green when they passed the checks and red
    when not, over the outlines of the communes they go to (``villages`` carry ``name``,
    ``commune_name``, ``result`` and ``ok``; ``communes`` are outlines only)."""
    map_ = _base_map(bounds)
    for feature in villages["features"]:
        feature["properties"]["fill_colour"] = BOUNDARY_CHECK_COLOURS[
            "ok" if feature["properties"].get("ok") else "bad"
        ]
    data = {
        "bounds": bounds,
        "areas": villages,
        "context": communes,
        "card": area_card([card_row(_("Xã"), "commune_name"), card_row(_("Kết quả"), "result", cls="main")]),
        "legend": {
            "sections": [
                {
                    "caption": _("Thôn trong tệp"),
                    "rows": [
                        {"kind": "swatch", "colour": BOUNDARY_CHECK_COLOURS["ok"], "label": _("Đạt")},
                        {"kind": "swatch", "colour": BOUNDARY_CHECK_COLOURS["bad"], "label": _("Lỗi")},
                    ],
                }
            ],
            "toggle": _("Chú giải"),
        },
    }
    data_var = _data_var(map_)
    DataGeoJson(data_var=data_var, key="context", name="", outline=True, look="context").add_to(map_)
    layer = DataGeoJson(data_var=data_var, key="areas", name=_("Thôn trong tệp"))
    AreaCards(data_var=data_var, links=False).add_to(layer)
    layer.add_to(map_)
    Legend().add_to(map_)
    return _finish(map_, data)


def script_json(value) -> str:
    """JSON safe inside a <script>: no character of it can close the script or open markup (and, ASCII
    as folium's own ``tojson`` wrote it, none a mis-declared encoding could garble)."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# row: [lat, lon, status, label, last visit (text), outcome (text), [indices of services still missing]]
HOUSEHOLD_MARKER = """
function (row) {
    var colours = data.colours;
    var texts = data.texts;
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {
        radius: 6, color: '#263238', weight: 1, fillColor: colours[row[2]], fillOpacity: 0.9
    });
    // A string tooltip is HTML to Leaflet: build it from text nodes (stored text stays text).
    marker.bindTooltip(function () {
        var box = document.createElement('div');
        box.className = 'household-tip';
        var line = function (cls, text) {
            var el = document.createElement('div');
            el.className = cls;
            el.textContent = text;
            box.appendChild(el);
        };
        var label = document.createElement('div');
        label.className = 'label';
        label.textContent = row[3];
        box.appendChild(label);
        line('line', texts.last_visit + ': ' + (row[4] || texts.never));
        if (row[5]) { line('line', texts.outcome + ': ' + row[5]); }
        var missing = row[6] || [];
        if (missing.length) {
            var names = missing.slice(0, 3).map(function (i) { return texts.services[i]; });
            if (missing.length > 3) { names.push(texts.more.replace('%s', String(missing.length - 3))); }
            line('line', texts.missing + ': ' + names.join('; '));
        } else {
            line('line', texts.all_done);
        }
        return box;
    }, {direction: 'top', offset: [0, -6]});
    return marker;
}
"""


class HouseholdCluster(MarkerCluster):
    """The data block's ``households`` rows as circle markers coloured by status, clustered, each with a
    tooltip built from text nodes; markercluster from our own static files."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = (function (data) {"
        " var callback = " + HOUSEHOLD_MARKER + ";"
        " var cluster = L.markerClusterGroup({{ this.options | tojavascript }});"
        " data.households.forEach(function (row) { callback(row).addTo(cluster); });"
        " return cluster;"
        "})({{ this.data_var }});{% endmacro %}"
    )

    def __init__(self, *, data_var: str, name: str):
        super().__init__(name=name, options={"maxClusterRadius": 40, "disableClusteringAtZoom": 17})
        self._name = "HouseholdCluster"
        self.data_var = data_var
        self.default_js = [
            ("markerclusterjs", static("vendor/leaflet.markercluster/leaflet.markercluster.js"))
        ]
        self.default_css = [
            ("markerclustercss", static("vendor/leaflet.markercluster/MarkerCluster.css")),
            ("markerclusterdefaultcss", static("vendor/leaflet.markercluster/MarkerCluster.Default.css")),
        ]


def commune_page(
    *,
    geojson_text: str,
    bounds,
    households: list[tuple] | None,
    service_names: list[str] | None = None,
    outline_geojson: str | None = None,
    estimated: bool = False,
) -> str:
    """Villages coloured by coverage (those without a boundary drawn from their households' locations);
    households clustered and coloured by status when allowed."""
    map_ = _base_map(bounds)
    data = {
        "bounds": bounds,
        "areas": _features(geojson_text, _colormap()),
        "card": area_card(),
        "legend": legend_spec(households=households is not None, estimated=estimated),
    }
    if outline_geojson:
        data["outline"] = _features(outline_geojson)
        DataGeoJson(data_var=_data_var(map_), key="outline", name=_("Ranh giới xã"), outline=True).add_to(
            map_
        )
    _coverage_layer(map_, name=_("Thôn, tổ dân phố"), with_links=False).add_to(map_)
    Legend().add_to(map_)
    if households is not None:
        data["households"] = [list(row) for row in households]
        data["colours"] = STATUS_COLOURS
        data["texts"] = {
            "last_visit": _("Lần thăm gần nhất"),
            "never": _("chưa thăm"),
            "outcome": _("Kết quả"),
            "missing": _("Còn thiếu"),
            "more": _("và %s dịch vụ khác"),
            "all_done": _("Đã xong mọi dịch vụ"),
            "services": service_names or [],
        }
        HouseholdCluster(data_var=_data_var(map_), name=_("Hộ gia đình")).add_to(map_)
    folium.LayerControl(collapsed=False).add_to(map_)
    return _finish(map_, data)
