// Draws every chart of a desk page with the vendored ECharts. Each chart's option is in a
// <script type="application/json"> beside its element, made on the server from the published
// JSON; this script only hands it over. Without JavaScript the tables beside the charts say it all.
(function () {
  "use strict";
  function draw() {
    var charts = [];
    document.querySelectorAll(".chart[data-option]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-option"));
      if (!source || typeof echarts === "undefined") { return; }
      var option = JSON.parse(source.textContent);
      var chart = echarts.init(element, null, { renderer: "canvas" });
      chart.setOption(option);
      element.setAttribute("data-drawn", "true");
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
