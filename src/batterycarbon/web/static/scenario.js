// Scenario explorer: sends the levers to the pathway endpoint and redraws the waterfall.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("levers");
  if (!form) { return; }
  var summary = document.getElementById("pathway-summary");
  var rows = document.getElementById("pathway-rows");
  var problems = document.getElementById("scenario-problems");
  var endOfLife = document.getElementById("end-of-life-summary");
  var start = document.getElementById("scenario-start");
  var warnings = document.getElementById("scenario-warnings");
  var timer = null;
  var sequence = 0;

  function levers() {
    var data = new FormData(form);
    var green = {};
    var greenHeat = {};
    form.querySelectorAll("input[type=range]").forEach(function (slider) {
      var heat = slider.name.indexOf("green_heat.") === 0;
      (heat ? greenHeat : green)[slider.name.replace(/^green(_heat)?\./, "")] = slider.value;
      var out = document.getElementById(slider.id.replace(/^s-/, "out-"));
      if (out) { out.textContent = Math.round(Number(slider.value) * 100) + " %"; }
    });
    return {
      design: data.get("design"), rule_set: data.get("rule_set"),
      levers: { grid: data.get("grid"), year: data.get("year"), green: green, contract: data.get("contract"),
                green_heat: greenHeat,
                recycled_content: data.get("recycled_content"), sourcing: data.get("sourcing"),
                format: data.get("format"),
                recycling_route: data.get("recycling_route") }
    };
  }

  function percent(x) { return (x >= 0 ? "+" : "") + (x * 100).toFixed(1) + " %"; }

  function showProblems(result) {
    form.querySelectorAll("[data-field]").forEach(function (slot) {
      var key = slot.getAttribute("data-field");
      var found = [];
      Object.keys(result.errors || {}).forEach(function (field) {
        if (field === key || field.indexOf(key + ".") === 0) { found = found.concat(result.errors[field]); }
      });
      slot.textContent = found.join("; ");
    });
    problems.textContent = "";
    (result.problems || []).forEach(function (text) {
      var p = document.createElement("p");
      p.className = "error";
      p.textContent = text;
      problems.appendChild(p);
    });
  }

  function draw(result) {
    showProblems({});
    var steps = result.steps;
    var last = steps[steps.length - 1];
    summary.textContent = steps[0].total_kgco2e_per_kwh.toFixed(1) + " \u2192 " + last.total_kgco2e_per_kwh.toFixed(1) +
      " kg CO\u2082e/kWh (" + percent(last.change_vs_start) + "), factor release " + result.factor_release + ", rule set " + result.rule_set;
    summary.setAttribute("data-final", last.total_kgco2e_per_kwh.toFixed(4));
    summary.setAttribute("data-start", steps[0].total_kgco2e_per_kwh.toFixed(4));
    start.textContent = "Starting point: " + result.start.description + ".";
    if (result.start.calculation_id) { start.setAttribute("data-calculation", result.start.calculation_id); } else { start.removeAttribute("data-calculation"); }
    // Rendered by the server from _warnings.html, its text escaped there.
    warnings.innerHTML = result.warnings_html;
    var eol = result.end_of_life;
    if (!eol) {
      endOfLife.textContent = "";
      endOfLife.removeAttribute("data-counted");
    } else {
      var both = "CFF " + eol.cff_kgco2e_per_kwh.toFixed(1) + ", cut-off " + eol.cut_off_kgco2e_per_kwh.toFixed(1) + " kg CO\u2082e/kWh";
      endOfLife.textContent = eol.method === null
        ? "End of life by " + eol.route + " (" + both + ") is not counted: rule set " + result.rule_set + " stops at the gate."
        : "End of life by " + eol.route + ": " + eol.counted_kgco2e_per_kwh.toFixed(1) + " kg CO\u2082e/kWh by the " + eol.method + " method of the rule set (" + both + ").";
      endOfLife.setAttribute("data-counted", eol.method === null ? "" : eol.counted_kgco2e_per_kwh.toFixed(4));
    }
    rows.textContent = "";
    steps.forEach(function (step) {
      var tr = document.createElement("tr");
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = step.name;
      tr.appendChild(th);
      [step.total_kgco2e_per_kwh.toFixed(2), percent(step.change_vs_previous), percent(step.change_vs_start)].forEach(function (text) {
        var td = document.createElement("td");
        td.className = "num";
        td.textContent = text;
        tr.appendChild(td);
      });
      rows.appendChild(tr);
    });
    if (typeof Plotly !== "undefined") {
      var w = result.waterfall;
      Plotly.react("waterfall-chart", [{
        type: "waterfall", x: w.x, y: w.y, measure: w.measure,
        texttemplate: "%{y:.1f}", textposition: "outside",
        decreasing: { marker: { color: "#2e7d32" } }, increasing: { marker: { color: "#9c0006" } },
        totals: { marker: { color: "#0b5394" } }, connector: { line: { color: "#888" } }
      }], { margin: { t: 30 }, yaxis: { title: { text: "kg CO\u2082e per kWh" } }, showlegend: false },
      { displaylogo: false, responsive: true });
    }
  }

  function update() {
    var mine = ++sequence;
    fetch(form.getAttribute("data-endpoint"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(levers())
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      if (mine !== sequence) { return; }
      if (answer.ok) { draw(answer.body); } else { showProblems(answer.body); summary.textContent = "The levers are not valid yet."; }
    });
  }

  function later() { if (timer) { clearTimeout(timer); } timer = setTimeout(update, 200); }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
  update();
});
