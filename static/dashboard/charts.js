/* Dashboard charts (Apache ECharts, vendored). The data comes from the page's
   <script type="application/json" id="dashboard-charts"> (Django json_script): no inline script.
   A click on a bar, slice or point opens the filtered issue list behind it.

   Readable at 390 px: on a narrow chart the bars lie down (names on the left, one per row, the
   chart as tall as its rows), long names are shortened (the tooltip has them in full), the trend
   shows fewer month labels, value axes have fewer ticks and legends sit at the bottom. Charts are
   redrawn when their width crosses the narrow limit (rotating a phone, resizing a window). */
(function () {
  "use strict";

  // as many colours as statuses (nine), so no two slices of the status ring look alike
  var PALETTE = ["#b3261e", "#e08a1e", "#2f6fb3", "#3a8f5c", "#7a4fb3", "#8c8c8c", "#c9573c",
                 "#2f9aa0", "#b38f2f"];
  var NARROW = 576;          // px: Bootstrap's small breakpoint
  var ROW = 30;              // px per category of a lying bar chart
  var FONT = 11;

  function isNarrow(el) { return el.clientWidth > 0 && el.clientWidth < NARROW; }

  /* A label cut to `max` characters (a CJK character counts as two Latin ones). */
  function shorten(max) {
    return function (text) {
      text = String(text);
      var width = 0;
      for (var i = 0; i < text.length; i += 1) {
        width += text.charCodeAt(i) > 0x2e80 ? 2 : 1;
        if (width > max * 2) { return text.slice(0, i) + "…"; }
      }
      return text;
    };
  }

  function legend(narrow) {
    return { type: "scroll", bottom: 0, itemWidth: 14, itemHeight: 10,
             textStyle: { fontSize: narrow ? FONT : 12 } };
  }

  function pieOption(spec, narrow, base) {
    // on a phone every status is named below the ring (wrapped rows, no paging)
    base.legend = narrow ? { type: "plain", bottom: 0, left: "center", itemWidth: 14, itemHeight: 10,
                             itemGap: 8, textStyle: { fontSize: FONT } }
                         : legend(narrow);
    base.series = [{
      type: "pie", name: spec.series[0].name,
      radius: narrow ? ["30%", "58%"] : ["35%", "65%"],
      center: ["50%", narrow ? "36%" : "46%"],
      avoidLabelOverlap: true,
      // on a phone the slice labels would run off the sides: the legend and tooltip name them
      label: narrow ? { show: true, position: "inside", formatter: "{c}", fontSize: FONT,
                        color: "#fff" }
                    : { formatter: "{b}: {c}" },
      labelLine: { show: !narrow },
      data: spec.labels.map(function (label, i) {
        return { name: label, value: spec.series[0].data[i] };
      })
    }];
    return base;
  }

  function valueAxis(spec, narrow) {
    var axis = { type: "value", max: spec.percent ? 100 : null, minInterval: 1,
                 splitNumber: narrow ? 3 : 5, axisLabel: { fontSize: FONT, hideOverlap: true } };
    if (spec.percent) { axis.interval = narrow ? 50 : 20; }  // 0-100 in even steps, 100 drawn
    return axis;
  }

  function option(spec, narrow) {
    var base = {
      color: PALETTE,
      tooltip: { trigger: spec.type === "pie" ? "item" : "axis", confine: true },
      legend: legend(narrow),
      grid: { left: 8, right: narrow ? 12 : 16, top: 12, bottom: 32, containLabel: true },
      animation: false
    };
    if (spec.type === "pie") { return pieOption(spec, narrow, base); }
    var lying = spec.type === "bar" && narrow;
    var category = { type: "category", data: spec.labels,
                     axisTick: { alignWithLabel: true },
                     axisLabel: { fontSize: FONT, hideOverlap: true } };
    if (lying) {
      // one row per name, first name on top; names cut to 6 characters
      category.inverse = true;
      category.axisLabel.interval = 0;
      category.axisLabel.formatter = shorten(6);
      base.yAxis = category;
      base.xAxis = valueAxis(spec, narrow);
    } else {
      if (spec.type === "line") {
        // the trend's months: on a phone about five of them, level, without the century
        category.axisLabel.interval = narrow ? Math.ceil(spec.labels.length / 5) - 1 : "auto";
        category.axisLabel.formatter = narrow ? function (v) { return String(v).replace(/^20/, ""); }
                                              : null;
      } else {
        var many = spec.labels.length > 6;
        category.axisLabel.interval = 0;
        category.axisLabel.rotate = many ? 35 : 0;
        category.axisLabel.formatter = shorten(many ? 7 : 5);
      }
      base.xAxis = category;
      base.yAxis = valueAxis(spec, narrow);
    }
    base.series = spec.series.map(function (s) {
      return { type: spec.type, name: s.name, data: s.data, smooth: false, symbolSize: 6,
               barMaxWidth: lying ? 12 : 28 };
    });
    return base;
  }

  /* A lying bar chart is as tall as its rows; others keep the stylesheet's height. */
  function fitHeight(el, spec, narrow) {
    if (spec.type === "bar" && narrow) {
      var rows = spec.labels.length * (spec.series.length > 1 ? 1.3 : 1);
      el.style.height = Math.max(200, Math.round(rows * ROW) + 64) + "px";
    } else if (spec.type === "pie" && narrow) {
      el.style.height = "340px";
    } else {
      el.style.height = "";
    }
  }

  function draw(entry) {
    var narrow = isNarrow(entry.el);
    fitHeight(entry.el, entry.spec, narrow);
    entry.chart.resize();
    entry.chart.setOption(option(entry.spec, narrow), true);
    entry.narrow = narrow;
    entry.el.setAttribute("data-chart-layout", narrow ? "narrow" : "wide");
  }

  function renderCharts() {
    var node = document.getElementById("dashboard-charts");
    if (!node || !window.echarts) { return; }
    var specs = JSON.parse(node.textContent);
    var charts = {};
    var entries = [];
    specs.forEach(function (spec) {
      var el = document.getElementById(spec.id);
      if (!el) { return; }
      var entry = { el: el, spec: spec, narrow: null,
                    chart: window.echarts.init(el, null, { renderer: "svg" }) };
      draw(entry);
      entry.chart.on("click", function (params) {
        var url = spec.urls[params.dataIndex];
        if (url) { window.location.assign(url); }
      });
      el.setAttribute("data-chart-ready", "1");
      charts[spec.id] = entry.chart;
      entries.push(entry);
    });
    window.lxDashboardCharts = charts;
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) { window.cancelAnimationFrame(pending); }
      pending = window.requestAnimationFrame(function () {
        pending = null;
        entries.forEach(function (entry) {
          if (isNarrow(entry.el) !== entry.narrow) { draw(entry); } else { entry.chart.resize(); }
        });
      });
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
