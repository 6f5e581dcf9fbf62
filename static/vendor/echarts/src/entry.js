/* Lianxin's custom Apache ECharts build (issue 17): only what static/dashboard/charts.js draws.
   Rebuild with ./build.sh; add a chart type or component here when charts.js starts using one.

   charts.js uses: series bar, line, pie (dashboard/charts.py "type"); category and value axes in
   a grid with containLabel (axis labels with hideOverlap: core); tooltip (item and axis triggers,
   confine); legends of type "scroll" and "plain"; the SVG renderer; click events. No title,
   dataZoom, markLine, toolbox, visualMap, dataset or canvas renderer. */
import * as echarts from "echarts/core";
import { BarChart, LineChart, PieChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";

echarts.use([
  BarChart,
  LineChart,
  PieChart,
  GridComponent,
  LegendComponent, // plain and scroll
  TooltipComponent,
  SVGRenderer,
]);

// The same global as the full echarts.min.js: charts.js calls window.echarts.init(...).
window.echarts = echarts;
