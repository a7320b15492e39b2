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
        control_scale=True,
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
        map_.fit_bounds(bounds)
    map_.get_root().header.add_child(
        folium.Element(
            f'<style>.leaflet-container {{ background: #f4f6f8; }}</style><meta name="credit" content="{BOUNDARY_CREDIT}">'
        )
    )
    return map_


def _legend() -> cm.StepColormap:
    colormap = cm.StepColormap(
        LEGEND_COLOURS,
        index=[0, 0.2, 0.4, 0.6, 0.8, 1.0001],
        vmin=0,
        vmax=1.0001,
        caption=_("Độ phủ (tỉ lệ hộ đã được thăm)"),
    )
    return colormap


def _finish(map_: folium.Map) -> str:
    html = map_.get_root().render()
    # branca's legend loads d3 from a CDN inside its own template: point it at our copy.
    html = html.replace(CDN_D3, static("vendor/d3/d3.min.js"))
    credit = (
        '<div class="credit" style="position:absolute;bottom:2px;left:120px;z-index:1000;font:11px sans-serif;'
        f'background:rgba(255,255,255,.85);padding:1px 4px">{BOUNDARY_CREDIT}</div>'
    )
    return html.replace("</body>", f"{credit}</body>")


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

    _template = Template(
        "{% macro script(this, kwargs) %}{{ this._parent.get_name() }}.bindTooltip("
        + TEXT_TABLE
        + ", {{ this.options | tojavascript }});{% endmacro %}"
    )

    def __init__(self, *, fields: list[str], aliases: list[str], sticky: bool = True):
        super().__init__()
        self._name = "TextTooltip"
        self.fields, self.aliases = fields, aliases
        self.options = {"sticky": sticky, "class_name": "foliumtooltip"}


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
    fields = ["name", "households", "households_visited", "coverage_pct", "people_helped", "services_done"]
    aliases = [
        _("Tên"),
        _("Số hộ"),
        _("Số hộ đã thăm"),
        _("Độ phủ"),
        _("Lượt người được hướng dẫn"),
        _("Dịch vụ hoàn thành"),
    ]
    return fields, aliases


def _coverage_layer(geojson_text: str, colormap, name: str, link_label: str | None) -> folium.GeoJson:
    fields, aliases = _tooltip_fields()

    def style(feature):
        coverage = feature["properties"].get("coverage") or 0
        return {"fillColor": colormap(coverage), "color": "#37474f", "weight": 1, "fillOpacity": 0.7}

    layer = folium.GeoJson(
        json.loads(geojson_text),
        name=name,
        style_function=style,
        highlight_function=lambda _feature: {"weight": 3, "color": "#000"},
        zoom_on_click=False,
    )
    TextTooltip(fields=fields, aliases=aliases).add_to(layer)
    if link_label:
        AreaLinkPopup().add_to(layer)
    return layer


def choropleth_page(*, geojson_text: str, bounds, layer_name: str, with_links: bool) -> str:
    """Areas coloured by coverage, with a legend, Vietnamese tooltips and links to the next level."""
    map_ = _base_map(bounds)
    colormap = _legend()
    _coverage_layer(geojson_text, colormap, layer_name, _("Mở bản đồ") if with_links else None).add_to(map_)
    colormap.add_to(map_)
    folium.LayerControl(collapsed=False).add_to(map_)
    return _finish(map_)


HOUSEHOLD_MARKER = """
function (row) {
    var colours = %s;
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {
        radius: 6, color: '#263238', weight: 1, fillColor: colours[row[2]], fillOpacity: 0.9
    });
    // A string tooltip is HTML to Leaflet: give it the label as a text node.
    marker.bindTooltip(function () {
        var label = document.createElement('span');
        label.textContent = row[3];
        return label;
    });
    return marker;
};
"""


def commune_page(*, geojson_text: str, bounds, households: list[tuple] | None) -> str:
    """Villages coloured by coverage; households clustered and coloured by status when allowed."""
    map_ = _base_map(bounds)
    colormap = _legend()
    _coverage_layer(geojson_text, colormap, _("Thôn, tổ dân phố"), None).add_to(map_)
    colormap.add_to(map_)
    if households is not None:
        cluster = FastMarkerCluster(
            households,
            callback=HOUSEHOLD_MARKER % json.dumps(STATUS_COLOURS),
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
        legend = "".join(
            f'<div><span style="display:inline-block;width:12px;height:12px;border-radius:6px;background:{colour}"></span> {label}</div>'
            for colour, label in (
                (STATUS_COLOURS["visited"], _("Đã thăm")),
                (STATUS_COLOURS["not_yet"], _("Chưa thăm")),
                (STATUS_COLOURS["followup"], _("Có việc cần theo dõi")),
            )
        )
        map_.get_root().html.add_child(
            folium.Element(
                f'<div class="household-legend" style="position:absolute;bottom:30px;right:10px;z-index:1000;'
                f'background:#fff;padding:6px 8px;border-radius:4px;font:12px sans-serif">{legend}</div>'
            )
        )
    folium.LayerControl(collapsed=False).add_to(map_)
    return _finish(map_)
