// Draws a calculation's charts from the JSON embedded in the page (no inline script).
document.addEventListener("DOMContentLoaded", function () {
  if (typeof Plotly === "undefined") { return; }
  var config = { displaylogo: false, responsive: true };
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  var breakdown = data("breakdown-data");
  if (breakdown) {
    Plotly.newPlot("breakdown-chart", breakdown.traces, {
      barmode: "stack", margin: { t: 20 },
      yaxis: { title: { text: "kg CO\u2082e per kWh" } }, xaxis: { title: { text: "Stage" } },
      legend: { title: { text: "Component" } }
    }, config);
  }
  var sankey = data("sankey-data");
  if (sankey) {
    Plotly.newPlot("sankey-chart", [{
      type: "sankey", orientation: "h", valuesuffix: " kg CO\u2082e/kWh",
      node: { label: sankey.labels, pad: 12, thickness: 14 },
      link: { source: sankey.source, target: sankey.target, value: sankey.value }
    }], { margin: { t: 10, l: 10, r: 10, b: 10 }, font: { size: 11 } }, config);
  }
  var band = data("uncertainty-data");
  if (band) {
    var top = Math.max.apply(null, band.y);
    Plotly.newPlot("uncertainty-chart", [{ type: "bar", x: band.x, y: band.y, name: "Monte Carlo runs", marker: { color: "#5b7fa6" } }], {
      margin: { t: 20 }, bargap: 0.05,
      xaxis: { title: { text: "kg CO\u2082e per kWh" } }, yaxis: { title: { text: "Runs" } },
      shapes: [
        { type: "rect", x0: band.p2_5, x1: band.p97_5, y0: 0, y1: top, fillcolor: "#f6b26b", opacity: 0.25, line: { width: 0 } },
        { type: "line", x0: band.point, x1: band.point, y0: 0, y1: top, line: { color: "#9c0006", width: 2 } }
      ],
      annotations: [{ x: band.point, y: top, text: "calculated", showarrow: false, yanchor: "bottom" }]
    }, config);
  }
});
