// Job page: polls the job's status while it is queued or running, moves the progress bar, and
// reloads the page when the job has finished so that the server renders its result.
document.addEventListener("DOMContentLoaded", function () {
  var section = document.getElementById("job");
  if (!section) { return; }
  var state = section.dataset.state;
  if (state !== "queued" && state !== "running") { return; }
  var url = "/web/jobs/" + section.dataset.job + "/status";
  var delay = Number(section.dataset.pollMs) || 1000;
  var bar = document.getElementById("job-progress");
  var percent = document.getElementById("job-percent");
  var status = document.getElementById("job-status");

  function show(job) {
    section.dataset.state = job.state;
    if (job.progress !== null && job.progress !== undefined) {
      bar.value = job.progress;
      percent.textContent = Math.round(job.progress * 100) + " %";
    }
    var text = "State: " + job.state + (job.message && job.message !== job.state ? ": " + job.message : "");
    if (status.textContent.indexOf(text) !== 0) {
      status.textContent = text;
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (job) {
        show(job);
        if (job.state === "queued" || job.state === "running") {
          window.setTimeout(poll, delay);
        } else {
          window.location.reload();
        }
      })
      .catch(function (error) {
        status.textContent = "Could not read the job's state (" + error.message + "); retrying.";
        window.setTimeout(poll, delay * 3);
      });
  }
  window.setTimeout(poll, delay);
});
