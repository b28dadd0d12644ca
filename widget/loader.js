/* Parley widget loader, served as /widget.js. Embed with:
 *   <script src="https://support.example.com/widget.js" data-site-key="pk_..." async></script>
 * It defines window.Parley (calls made before the app has loaded are queued), creates the
 * widget's host element and its shadow root, starts loading the stylesheet, and injects the app
 * (widget/app.js, an ES module) which takes over. No inline script or style, no eval. */
(function () {
  "use strict";
  var w = window;
  var d = document;
  if (w.Parley && w.Parley.__parley) {
    console.warn("Parley: the widget script is included twice; ignoring the second copy.");
    return;
  }
  var script = d.currentScript || d.querySelector("script[data-site-key][src*='widget.js']");
  if (!script || !script.src) return;
  var siteKey = script.getAttribute("data-site-key");
  if (!siteKey) {
    console.warn("Parley: data-site-key is missing on the widget script tag.");
    return;
  }
  // Parley's base URL: the script's URL without "/widget.js" (Parley may sit under a path).
  var base = script.src.replace(/[?#].*$/, "").replace(/\/widget\.js$/, "");

  var queue = [];
  var listeners = {};
  function later(name) {
    return function () {
      queue.push([name, Array.prototype.slice.call(arguments)]);
    };
  }
  var api = {
    __parley: true,
    open: later("open"),
    close: later("close"),
    setTexts: later("setTexts"),
    identify: function (identity) {
      return new Promise(function (resolve, reject) {
        queue.push(["identify", [identity], resolve, reject]);
      });
    },
    on: function (event, handler) {
      if (typeof handler !== "function") throw new TypeError("Parley.on needs a function");
      (listeners[event] = listeners[event] || []).push(handler);
      return function off() {
        var list = listeners[event] || [];
        var i = list.indexOf(handler);
        if (i >= 0) list.splice(i, 1);
      };
    }
  };
  w.Parley = api;

  function start() {
    var host = d.createElement("div");
    host.id = "parley-widget";
    var root = host.attachShadow({ mode: "open" });
    var link = d.createElement("link");
    link.rel = "stylesheet";
    link.href = base + "/widget/widget.css";
    var css = new Promise(function (resolve, reject) {
      link.onload = resolve;
      link.onerror = reject;
    });
    // The app awaits `css` and reports a failure; this keeps a stylesheet that fails before
    // the app has loaded from being an unhandled rejection too.
    css["catch"](function () {});
    root.appendChild(link);
    d.body.appendChild(host);
    api._boot = {
      host: host,
      root: root,
      base: base,
      css: css,
      queue: queue,
      listeners: listeners,
      options: {
        siteKey: siteKey,
        position: script.getAttribute("data-position") === "bottom-left" ? "left" : "right",
        locale: script.getAttribute("data-locale") || ""
      }
    };
    var app = d.createElement("script");
    app.type = "module";
    app.src = base + "/widget/app.js";
    app.onerror = function () {
      console.warn("Parley: could not load " + app.src);
      host.remove();
    };
    (d.head || d.body).appendChild(app);
  }

  if (d.body) start();
  else d.addEventListener("DOMContentLoaded", start);
})();
