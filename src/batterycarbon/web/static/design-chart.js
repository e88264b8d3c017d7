// Draws the stacked breakdown of the design page from its embedded JSON (no inline script).
document.addEventListener("DOMContentLoaded", function () {
  var target = document.getElementById("breakdown-chart");
  var source = document.getElementById("breakdown-data");
  if (!target || !source || typeof Plotly === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  Plotly.newPlot(target, data.traces, {
    barmode: "stack",
    yaxis: { title: { text: "kg CO\u2082e per kWh" } },
    xaxis: { title: { text: "Stage" } },
    margin: { t: 20 },
    legend: { title: { text: "Component" } }
  }, { displaylogo: false, responsive: true });
});
