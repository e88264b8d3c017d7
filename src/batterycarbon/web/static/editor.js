// Live validation of the design editor: posts the form (or the YAML view) to the server's
// validation endpoint and shows each problem next to the field it names. Stores nothing.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("design-form");
  var yamlText = document.getElementById("yaml-text");
  if (!form) { return; }
  var summary = document.getElementById("problems");
  var yamlProblems = document.getElementById("yaml-problems");
  var yamlEdited = false;
  var timer = null;
  var sequence = 0;

  function list(target, problems, heading) {
    target.textContent = "";
    if (!problems.length) { return; }
    var p = document.createElement("p");
    p.className = "error";
    p.textContent = heading;
    var ul = document.createElement("ul");
    problems.forEach(function (text) {
      var li = document.createElement("li");
      li.className = "error";
      li.textContent = text;
      ul.appendChild(li);
    });
    target.appendChild(p);
    target.appendChild(ul);
  }

  function show(result) {
    form.querySelectorAll("[data-field]").forEach(function (slot) {
      var messages = (result.errors || {})[slot.getAttribute("data-field")] || [];
      slot.textContent = messages.join("; ");
      var input = document.getElementById(slot.id.replace(/^err-/, "f-"));
      if (input) {
        if (messages.length) { input.setAttribute("aria-invalid", "true"); }
        else { input.removeAttribute("aria-invalid"); }
      }
    });
    form.querySelectorAll("[data-note]").forEach(function (slot) {
      slot.textContent = (result.notes || {})[slot.getAttribute("data-note")] || "";
    });
    list(summary, result.problems || [], "Not valid yet:");
    summary.setAttribute("data-valid", result.valid ? "true" : "false");
    if (result.valid) {
      var ok = document.createElement("p");
      ok.className = "ok";
      ok.textContent = "The design is valid.";
      summary.appendChild(ok);
    }
    if (yamlText && !yamlEdited && result.yaml) { yamlText.value = result.yaml; }
  }

  function post(body, handle) {
    var mine = ++sequence;
    fetch(form.getAttribute("data-validate"), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(body)
    }).then(function (response) { return response.json(); }).then(function (result) {
      if (mine === sequence) { handle(result); }
    });
  }

  function validateForm() {
    var fields = {};
    new FormData(form).forEach(function (value, key) {
      if (key !== "csrf_token" && key !== "mode" && key !== "name") { fields[key] = String(value); }
    });
    post({ fields: fields, product_id: form.getAttribute("data-product-id") }, show);
  }

  function later(fn) {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(fn, 250);
  }

  // A material made at one of the design's own plants shows that plant: it follows the field.
  form.querySelectorAll("[data-follows]").forEach(function (shown) {
    var source = document.getElementById(shown.getAttribute("data-follows"));
    if (source) {
      source.addEventListener("input", function () { shown.value = source.value; });
    }
  });

  form.addEventListener("input", function () { later(validateForm); });
  form.addEventListener("change", function () { later(validateForm); });
  if (yamlText) {
    yamlText.addEventListener("input", function () {
      yamlEdited = true;
      later(function () {
        post({ yaml: yamlText.value }, function (result) {
          list(yamlProblems, result.problems || [], "Not valid yet:");
          yamlProblems.setAttribute("data-valid", result.valid ? "true" : "false");
        });
      });
    });
  }
});
