// The areas of a map page (maps/render.py): a card of the area's numbers as the hover tooltip and as the
// popup a tap or click opens, the areas' names on the map where they fit, and the map kept fitted to its
// area. Everything stored (names, labels) is put on screen as text nodes, never as markup.
(function () {
  "use strict";

  // Leaflet's own words (zoom buttons, the layer switch, a popup's close button, its credit link) in the
  // page's language. Set before any map is made (this file loads after Leaflet, before the maps' scripts);
  // an English page keeps Leaflet's English.
  var LEAFLET_WORDS = {
    vi: {zoomIn: "Phóng to", zoomOut: "Thu nhỏ", layers: "Lớp bản đồ", close: "Đóng",
         credit: "Thư viện bản đồ tương tác"}
  };
  var words = LEAFLET_WORDS[(document.documentElement.lang || "").slice(0, 2)];
  if (words && window.L) {
    L.Control.Zoom.prototype.options.zoomInTitle = words.zoomIn;
    L.Control.Zoom.prototype.options.zoomOutTitle = words.zoomOut;
    var attribution = L.Control.Attribution.prototype.options;
    attribution.prefix = String(attribution.prefix).replace(
      "A JavaScript library for interactive maps", words.credit);
    var layersLayout = L.Control.Layers.prototype._initLayout;
    L.Control.Layers.prototype._initLayout = function () {
      layersLayout.apply(this, arguments);
      if (this._layersLink) { this._layersLink.title = words.layers; }
    };
    var popupLayout = L.Popup.prototype._initLayout;
    L.Popup.prototype._initLayout = function () {
      popupLayout.apply(this, arguments);
      if (this._closeButton) { this._closeButton.setAttribute("aria-label", words.close); }
    };
  }

  function present(value) {
    return value !== null && value !== undefined && value !== "";
  }

  // spec: {title: field, rows: [{label, fields: [field, ...], cls}], link: {url, label} fields or null}.
  // A row shows when every one of its fields is in the area's properties (joined by " / ").
  function card(properties, spec, withLink) {
    var box = L.DomUtil.create("div", "area-card");
    var title = L.DomUtil.create("div", "title", box);
    title.textContent = present(properties[spec.title]) ? String(properties[spec.title]) : "";
    var table = L.DomUtil.create("table", "", box);
    spec.rows.forEach(function (row) {
      var values = row.fields.map(function (field) { return properties[field]; });
      if (!values.every(present)) { return; }
      var line = L.DomUtil.create("tr", row.cls || "", table);
      L.DomUtil.create("th", "", line).textContent = row.label;
      L.DomUtil.create("td", "", line).textContent = values.map(String).join(" / ");
    });
    var url = properties.link_url;
    // Only a path on this site (never another origin, never a script URL).
    if (withLink && typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") {
      var link = L.DomUtil.create("a", "area-link", box);
      link.href = url;
      link.textContent = properties.link_label;
    }
    return box;
  }

  // The tooltip goes where it fits: above the pointer in the map's lower half, below it in the upper
  // half, to a side near the left and right edges (a map's container clips what passes its edges).
  function place(map, tooltip, latlng) {
    var size = map.getSize();
    var point = map.latLngToContainerPoint(latlng);
    var element = tooltip.getElement();
    var width = element ? element.offsetWidth : 240;
    var direction = point.y > size.y / 2 ? "top" : "bottom";
    if (point.x < width / 2 + 12) { direction = "right"; }
    else if (point.x > size.x - width / 2 - 12) { direction = "left"; }
    tooltip.options.direction = direction;
    tooltip.options.offset = direction === "top" ? [0, -14] : direction === "bottom" ? [0, 14] : [0, 0];
  }

  // Binds the card to an area layer (a GeoJSON group): tooltip on hover, popup on tap or click.
  function bindCards(map, layer, spec, withLink) {
    // Registered before the tooltip's own handlers, so the direction is chosen before it moves.
    layer.on("mousemove mouseover", function (event) {
      var tooltip = layer.getTooltip();
      if (tooltip && event.latlng) { place(map, tooltip, event.latlng); }
    });
    layer.bindTooltip(function (child) { return card(child.feature.properties, spec, false); }, {
      sticky: true, className: "area-tip", direction: "top", offset: [0, -14], opacity: 0.95
    });
    layer.bindPopup(function (child) { return card(child.feature.properties, spec, withLink); }, {
      // Panned clear of the zoom buttons (top left) and the layer switch (top right).
      maxWidth: 260, minWidth: 160, autoPanPaddingTopLeft: [52, 64], autoPanPaddingBottomRight: [12, 12],
      className: "area-popup"
    });
    // While the popup is open its tooltip steps aside (on a phone a tap would open both).
    layer.on("popupopen", function (event) {
      layer.getTooltip().setOpacity(0);
      // The map pans the popup inside its box; the page scrolls it into the screen (on a phone the map
      // may start below the filters). After the pan, which moves it.
      var element = event.popup.getElement();
      window.setTimeout(function () {
        if (element && element.isConnected) { element.scrollIntoView({block: "nearest", inline: "nearest"}); }
      }, 300);
    });
    layer.on("popupclose", function () { layer.getTooltip().setOpacity(0.95); });
  }

  // The areas' names at their label points (label_lat, label_lon), shown when the area is wide enough on
  // screen for its name and the name overlaps no bigger area's name; checked again at every zoom.
  function labels(map, layer, titleField) {
    if (!map.getPane("area-labels")) {
      var pane = map.createPane("area-labels");
      pane.style.zIndex = 450;
      pane.style.pointerEvents = "none";
    }
    var items = [];
    var group = L.layerGroup().addTo(map);  // the names come and go with their layer (layer switch)
    layer.on("add", function () { group.addTo(map); relabel(); });
    layer.on("remove", function () { group.remove(); });
    layer.eachLayer(function (child) {
      var properties = child.feature.properties;
      if (!present(properties.label_lat) || !present(properties[titleField])) { return; }
      var text = document.createElement("span");
      text.className = "area-label";
      text.textContent = String(properties[titleField]);
      var marker = L.marker([properties.label_lat, properties.label_lon], {
        icon: L.divIcon({className: "area-label-anchor", html: text, iconSize: null}),
        interactive: false, keyboard: false, pane: "area-labels"
      }).addTo(group);
      items.push({child: child, marker: marker, text: text});
    });
    function pixelSize(child) {
      if (!child.getBounds) { return {x: Infinity, y: Infinity}; }  // a point: only collisions matter
      var bounds = child.getBounds();
      var a = map.latLngToContainerPoint(bounds.getNorthWest());
      var b = map.latLngToContainerPoint(bounds.getSouthEast());
      return {x: Math.abs(b.x - a.x), y: Math.abs(b.y - a.y)};
    }
    function relabel() {
      if (!map.hasLayer(group)) { return; }
      var placed = [];
      var sized = items.map(function (item) {
        item.text.style.visibility = "hidden";
        item.text.style.display = "";
        return {item: item, size: pixelSize(item.child)};
      });
      sized.sort(function (a, b) { return b.size.x * b.size.y - a.size.x * a.size.y; });
      sized.forEach(function (entry) {
        var text = entry.item.text;
        var box = text.getBoundingClientRect();
        var fits = entry.size.x >= box.width * 0.9 && entry.size.y >= box.height * 1.2;
        var clear = fits && placed.every(function (other) {
          return box.right + 4 < other.left || other.right + 4 < box.left ||
            box.bottom + 2 < other.top || other.bottom + 2 < box.top;
        });
        if (clear) { placed.push(box); text.style.visibility = ""; }
        else { text.style.display = "none"; }
      });
    }
    map.on("zoomend viewreset resize", relabel);
    relabel();
    return relabel;
  }

  // Fits the map to its area now and whenever its box changes size while nobody has moved it; a
  // button brings the whole area back. Zooming out stops a few steps beyond the whole area.
  function fit(map, bounds, label) {
    if (!bounds) { return; }
    var moved = false;
    var fitting = false;
    function refit() {
      fitting = true;
      map.invalidateSize({pan: false});
      map.fitBounds(bounds, {padding: [16, 16], animate: false});
      fitting = false;
    }
    refit();
    map.setMinZoom(Math.max(map.getBoundsZoom(bounds) - 3, 0));
    map.on("movestart zoomstart", function () { if (!fitting) { moved = true; } });
    window.addEventListener("resize", function () { if (!moved) { refit(); } });
    var control = L.control({position: "topleft"});
    control.onAdd = function () {
      var button = L.DomUtil.create("button", "fit-area");
      button.type = "button";
      button.title = label;
      button.setAttribute("aria-label", label);
      button.textContent = "⤢";
      L.DomEvent.disableClickPropagation(button);
      L.DomEvent.on(button, "click", function () { refit(); moved = false; });
      return button;
    };
    control.addTo(map);
  }

  window.CnscdAreas = {card: card, bindCards: bindCards, labels: labels, fit: fit};
})();
