/* Dashboard charts (Apache ECharts, vendored). The data comes from the page's
   <script type="application/json" id="dashboard-charts"> (Django json_script): no inline script.
   A click on a bar, slice or point opens the filtered issue list behind it. */
(function () {
  "use strict";

  var PALETTE = ["#b3261e", "#e08a1e", "#2f6fb3", "#3a8f5c", "#7a4fb3", "#8c8c8c", "#c9573c"];

  function option(spec) {
    var base = {
      color: PALETTE,
      tooltip: { trigger: spec.type === "pie" ? "item" : "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      animation: false
    };
    if (spec.type === "pie") {
      base.series = [{
        type: "pie", radius: ["35%", "65%"], top: 24, name: spec.series[0].name,
        label: { formatter: "{b}: {c}" },
        data: spec.labels.map(function (label, i) {
          return { name: label, value: spec.series[0].data[i] };
        })
      }];
      return base;
    }
    base.xAxis = { type: "category", data: spec.labels,
                   axisLabel: { interval: 0, rotate: spec.labels.length > 6 ? 35 : 0 } };
    base.yAxis = { type: "value", max: spec.percent ? 100 : null, minInterval: 1 };
    base.series = spec.series.map(function (s) {
      return { type: spec.type, name: s.name, data: s.data, smooth: false, symbolSize: 6,
               barMaxWidth: 28 };
    });
    return base;
  }

  function renderCharts() {
    var node = document.getElementById("dashboard-charts");
    if (!node || !window.echarts) { return; }
    var specs = JSON.parse(node.textContent);
    var charts = {};
    specs.forEach(function (spec) {
      var el = document.getElementById(spec.id);
      if (!el) { return; }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option(spec));
      chart.on("click", function (params) {
        var url = spec.urls[params.dataIndex];
        if (url) { window.location.assign(url); }
      });
      el.setAttribute("data-chart-ready", "1");
      charts[spec.id] = chart;
    });
    window.lxDashboardCharts = charts;
    window.addEventListener("resize", function () {
      Object.keys(charts).forEach(function (id) { charts[id].resize(); });
    });
  }

  /* Show only the fields the chosen period uses (all stay visible without JavaScript). */
  function periodForm() {
    var form = document.querySelector(".lx-period");
    if (!form) { return; }
    var kind = form.querySelector("select[name=period]");
    function sync() {
      form.querySelectorAll("[data-period-part]").forEach(function (part) {
        var show = part.getAttribute("data-period-part").split(" ").indexOf(kind.value) >= 0;
        part.classList.toggle("d-none", !show);
      });
    }
    kind.addEventListener("change", sync);
    sync();
  }

  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    periodForm();
    renderCharts();
    printButtons();
  });
})();
