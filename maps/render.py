"""Map pages with folium, on the product's own Leaflet (no CDN: offices have poor links, tests none).

folium pulls Leaflet, jQuery, Bootstrap, Font Awesome and awesome-markers from CDNs by default; a map
here needs only Leaflet, marker clusters and d3 v3 (branca's legend writes its d3 URL inside its own
render, so that one is rewritten after rendering).

Stored text (area names, household labels: typed on phones, imported from files) is never markup here.
It reaches the page only as JSON inside scripts, which folium writes with ``<``, ``>``, ``&`` and ``'``
escaped, so it cannot close the script; and tooltips and popups put it on screen as text nodes. folium's
own GeoJsonTooltip/GeoJsonPopup and a string given to ``bindTooltip`` are HTML to Leaflet, so they are
not used. Rendered pages carry no nonce (they are cached for everyone); ``with_csp_nonce`` adds the
request's nonce to their scripts when a page is served.
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
from folium.plugins import FastMarkerCluster
from folium.template import Template

from backend.formats import number, percent

BOUNDARY_CREDIT = "Ranh giới: thanglequoc/vietnamese-provinces-database (MIT), sapnhap.bando.com.vn"
LEGEND_COLOURS = ["#d73027", "#fc8d59", "#fee08b", "#91cf60", "#1a9850"]
STATUS_COLOURS = {"visited": "#1a9850", "not_yet": "#d73027", "followup": "#f28e2b"}
CDN_D3 = "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js"


def _local_assets(map_: folium.Map) -> None:
    map_.default_js = [("leaflet", static("vendor/leaflet/leaflet.js"))]
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
        **{"maxZoom": 18},
    )
    _local_assets(map_)
    if tiles_url:
        folium.TileLayer(
            tiles_url, attr=settings.MAP_TILES_ATTRIBUTION, name=_("Bản đồ nền"), max_zoom=18
        ).add_to(map_)
    if bounds:
        map_.fit_bounds(bounds, padding=(20, 20))
    MetricScale().add_to(map_)
    map_.get_root().header.add_child(
        folium.Element(f'<style>{MAP_CSS}</style><meta name="credit" content="{BOUNDARY_CREDIT}">')
    )
    return map_


# Phones first: tooltips and popups wrap within 260 px, the legend sits bottom right (the zoom buttons
# are top left, the layer switch top right), controls shrink below 600 px.
MAP_CSS = """
.leaflet-container { background: #f4f6f8; font-size: 14px; }
.leaflet-container .leaflet-control-attribution { font-size: 11px; }
.leaflet-container .leaflet-tooltip { max-width: 260px; white-space: normal; overflow-wrap: anywhere; }
.leaflet-tooltip table th { text-align: left; padding-right: 6px; font-weight: 600; }
.leaflet-tooltip table td { text-align: right; }
.leaflet-container .leaflet-popup-content { max-width: 240px; margin: 10px 12px; overflow-wrap: anywhere; }
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

LEGEND_SCRIPT = """
(function (map) {
    var legend = L.control({position: 'bottomright'});
    var spec = {{ this.spec | tojson }};
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
})({{ this._parent.get_name() }});
"""


class Legend(MacroElement):
    """The map's legend as a Leaflet control built from text nodes: coverage in percent (Vietnamese
    number format) and, on commune maps, the household colours and the estimated village shapes."""

    _template = Template("{% macro script(this, kwargs) %}" + LEGEND_SCRIPT + "{% endmacro %}")

    def __init__(self, *, households: bool = False, estimated: bool = False, caption: str | None = None):
        super().__init__()
        self._name = "Legend"
        rows = []
        for low, high, colour in zip(LEGEND_STEPS, LEGEND_STEPS[1:], LEGEND_COLOURS, strict=False):
            rows.append(
                {
                    "kind": "swatch",
                    "colour": colour,
                    "label": f"{number(round(low * 100))}–{percent(min(high, 1), 0)}",
                }
            )
        sections = [{"caption": caption or _("Độ phủ (tỉ lệ hộ đã được thăm)"), "rows": list(reversed(rows))}]
        if households:
            sections.append(
                {
                    "caption": _("Hộ gia đình"),
                    "rows": [
                        {"kind": "dot", "colour": STATUS_COLOURS["visited"], "label": _("Đã thăm")},
                        {"kind": "dot", "colour": STATUS_COLOURS["not_yet"], "label": _("Chưa thăm")},
                        {
                            "kind": "dot",
                            "colour": STATUS_COLOURS["followup"],
                            "label": _("Có việc cần theo dõi"),
                        },
                    ],
                }
            )
        if estimated:
            sections.append(
                {
                    "caption": _("Thôn chưa có ranh giới"),
                    "rows": [
                        {"kind": "estimated", "colour": None, "label": _("Vùng ước tính từ vị trí các hộ")}
                    ],
                }
            )
        self.spec = {"sections": sections, "toggle": _("Chú giải")}


def _finish(map_: folium.Map) -> str:
    html = map_.get_root().render()
    # branca's templates may still name d3 on a CDN: point it at our copy.
    return html.replace(CDN_D3, static("vendor/d3/d3.min.js"))


def with_csp_nonce(html: str, nonce: str) -> str:
    """The page with this request's CSP nonce on every script tag (the cached copy has none).

    Only our own markup can hold ``<script`` here: every stored string is inside escaped JSON."""
    return SCRIPT_TAG.sub(f'<script nonce="{nonce}"', html)


SCRIPT_TAG = re.compile(r"<script(?=[\s>])")


@dataclass(frozen=True)
class MapParts:
    """A rendered map page cut into what the shell (templates/maps/map_page.html) places: the head's
    scripts and styles, the map's markup, and the script that draws it (folium writes it after body)."""

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


# Leaflet calls these with the hovered or clicked layer; each builds its content from text nodes.
TEXT_TABLE = """
function (layer) {
    var properties = layer.feature.properties;
    var fields = {{ this.fields | tojson }};
    var aliases = {{ this.aliases | tojson }};
    var div = L.DomUtil.create('div');
    var table = L.DomUtil.create('table', '', div);
    fields.forEach(function (field, index) {
        var value = properties[field];
        if (value === null || value === undefined || value === '') { return; }
        var row = L.DomUtil.create('tr', '', table);
        L.DomUtil.create('th', '', row).textContent = aliases[index];
        L.DomUtil.create('td', '', row).textContent = value === null || value === undefined ? '' : String(value);
    });
    return div;
}
"""

AREA_LINK = """
function (layer) {
    var properties = layer.feature.properties;
    var div = L.DomUtil.create('div');
    var url = properties.link_url;
    if (typeof url === 'string' && url.charAt(0) === '/' && url.charAt(1) !== '/') {
        var link = L.DomUtil.create('a', '', div);
        link.href = url;
        link.textContent = properties.link_label;
    } else {
        div.textContent = properties.name;
    }
    return div;
}
"""


class TextTooltip(MacroElement):
    """A GeoJSON layer's tooltip as a table of the named properties, built from text nodes."""

    # While a popup is open its tooltip is hidden (they would cover each other on a phone's tap).
    _template = Template(
        "{% macro script(this, kwargs) %}{{ this._parent.get_name() }}.bindTooltip("
        + TEXT_TABLE
        + ", {{ this.options | tojavascript }});"
        "(function (layer) {"
        " layer.on('popupopen', function () { layer.getTooltip().setOpacity(0); });"
        " layer.on('popupclose', function () { layer.getTooltip().setOpacity(0.9); });"
        "})({{ this._parent.get_name() }});{% endmacro %}"
    )

    def __init__(self, *, fields: list[str], aliases: list[str], sticky: bool = True):
        super().__init__()
        self._name = "TextTooltip"
        self.fields, self.aliases = fields, aliases
        self.options = {
            "sticky": sticky,
            "class_name": "foliumtooltip",
            "direction": "top",
            "offset": [0, -12],
        }


class AreaLinkPopup(MacroElement):
    """A popup with a link to the area's own map (``link_url``, ``link_label``), or its name."""

    _template = Template(
        "{% macro script(this, kwargs) %}{{ this._parent.get_name() }}.bindPopup("
        + AREA_LINK
        + ");{% endmacro %}"
    )

    def __init__(self):
        super().__init__()
        self._name = "AreaLinkPopup"


def _tooltip_fields():
    """Numbers as text already formatted for the language (backend/formats.py), never raw floats."""
    fields = [
        "name",
        "households_text",
        "households_visited_text",
        "coverage_pct",
        "people_helped_text",
        "services_done_text",
        "estimated_note",
    ]
    aliases = [
        _("Tên"),
        _("Số hộ"),
        _("Số hộ đã thăm"),
        _("Độ phủ"),
        _("Lượt người được hướng dẫn"),
        _("Dịch vụ hoàn thành"),
        _("Vị trí trên bản đồ"),
    ]
    return fields, aliases


def _coverage_layer(
    geojson_text: str, colormap, name: str, link_label: str | None, tooltip=None
) -> folium.GeoJson:
    fields, aliases = tooltip or _tooltip_fields()

    def style(feature):
        properties = feature["properties"]
        coverage = properties.get("coverage") or 0
        look = {"fillColor": colormap(coverage), "color": "#37474f", "weight": 1, "fillOpacity": 0.7}
        if properties.get("estimated"):
            # Not a boundary: drawn from the households' locations, so it says so.
            look.update({"weight": 2, "dashArray": "4 3", "fillOpacity": 0.55})
        return look

    layer = folium.GeoJson(
        json.loads(geojson_text),
        name=name,
        style_function=style,
        highlight_function=lambda _feature: {"weight": 3, "color": "#000"},
        zoom_on_click=False,
        # A village known only by its households' centroid is a point.
        marker=folium.CircleMarker(radius=9),
    )
    TextTooltip(fields=fields, aliases=aliases).add_to(layer)
    if link_label:
        AreaLinkPopup().add_to(layer)
    return layer


def _outline_layer(geojson_text: str) -> folium.GeoJson:
    """The commune's outline under villages drawn without boundaries: context only, not interactive."""
    return folium.GeoJson(
        json.loads(geojson_text),
        name=_("Ranh giới xã"),
        style_function=lambda _feature: {
            "fill": False,
            "color": "#455a64",
            "weight": 2,
            "interactive": False,
        },
        control=False,
        interactive=False,
    )


def choropleth_page(
    *,
    geojson_text: str,
    bounds,
    layer_name: str,
    with_links: bool,
    tooltip: tuple[list[str], list[str]] | None = None,
    legend_caption: str | None = None,
) -> str:
    """Areas coloured by coverage (a 0–1 ``coverage`` property), with a legend, Vietnamese tooltips and
    links to the next level. ``tooltip``: other (fields, labels) than coverage's, e.g. a campaign's."""
    map_ = _base_map(bounds)
    colormap = _colormap()
    _coverage_layer(
        geojson_text, colormap, layer_name, _("Mở bản đồ") if with_links else None, tooltip
    ).add_to(map_)
    Legend(caption=legend_caption).add_to(map_)
    folium.LayerControl(collapsed=False).add_to(map_)
    return _finish(map_)


def script_json(value) -> str:
    """JSON safe inside a <script>: no character of it can close the script or open markup."""
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


# row: [lat, lon, status, label, last visit (text), outcome (text), [indices of services still missing]]
HOUSEHOLD_MARKER = """
function (row) {
    var colours = __COLOURS__;
    var texts = __TEXTS__;
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
};
"""


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
    colormap = _colormap()
    if outline_geojson:
        _outline_layer(outline_geojson).add_to(map_)
    _coverage_layer(geojson_text, colormap, _("Thôn, tổ dân phố"), None).add_to(map_)
    Legend(households=households is not None, estimated=estimated).add_to(map_)
    if households is not None:
        texts = {
            "last_visit": _("Lần thăm gần nhất"),
            "never": _("chưa thăm"),
            "outcome": _("Kết quả"),
            "missing": _("Còn thiếu"),
            "more": _("và %s dịch vụ khác"),
            "all_done": _("Đã xong mọi dịch vụ"),
            "services": service_names or [],
        }
        callback = HOUSEHOLD_MARKER.replace("__COLOURS__", script_json(STATUS_COLOURS)).replace(
            "__TEXTS__", script_json(texts)
        )
        cluster = FastMarkerCluster(
            households,
            callback=callback,
            name=_("Hộ gia đình"),
            options={"maxClusterRadius": 40, "disableClusteringAtZoom": 17},
        )
        cluster.default_js = [
            ("markerclusterjs", static("vendor/leaflet.markercluster/leaflet.markercluster.js"))
        ]
        cluster.default_css = [
            ("markerclustercss", static("vendor/leaflet.markercluster/MarkerCluster.css")),
            ("markerclusterdefaultcss", static("vendor/leaflet.markercluster/MarkerCluster.Default.css")),
        ]
        cluster.add_to(map_)
    folium.LayerControl(collapsed=False).add_to(map_)
    return _finish(map_)
